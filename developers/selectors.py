"""Reads of the developer company and its news (公司动态) for public pages."""

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from developers.models import Company, News


def company_get_primary() -> Company | None:
    """The developer whose platform this is: the first company entered (one developer per installation)."""
    return Company.objects.order_by("pk").first()


def news_list_published() -> QuerySet[News]:
    """Published news, newest first; a post scheduled for later stays hidden until its time."""
    now = timezone.now()
    return (
        News.objects.filter(is_published=True)
        .filter(Q(published_at__isnull=True) | Q(published_at__lte=now))
        .select_related("company")
        # PostgreSQL sorts NULL first in DESC; an undated post belongs at the end, not on top.
        .order_by(F("published_at").desc(nulls_last=True), "-pk")
    )


def news_get_published(*, pk: int) -> News | None:
    """One published news item, or None (unpublished and unknown look the same: 404)."""
    return news_list_published().filter(pk=pk).first()
