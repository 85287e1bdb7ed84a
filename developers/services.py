"""Company writes."""

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from audit.services import audit_record, snapshot


@transaction.atomic
def news_set_published(*, news_items: QuerySet, actor, published: bool) -> int:
    """Publish (the first publication sets published_at) or withdraw news items, each one logged."""
    now = timezone.now()
    count = 0
    for news in news_items.select_for_update().order_by("pk"):
        before = snapshot(news, ["is_published", "published_at"])
        news.is_published = published
        if published and news.published_at is None:
            news.published_at = now
        news.save(update_fields=["is_published", "published_at"])
        audit_record(
            actor=actor,
            action="developers.news.published" if published else "developers.news.withdrawn",
            target=news,
            before=before,
            after=snapshot(news, ["is_published", "published_at"]),
        )
        count += 1
    return count
