"""Reading the logs: keyset pages (never OFFSET), so page 10,000 of a million rows costs what page 1 does."""

from dataclasses import dataclass
from datetime import date, datetime, time

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils import timezone

from audit.models import AuditEntry, Backup, LoginEntry

PAGE_SIZE = 50


@dataclass
class KeysetPage:
    rows: list
    older_than: int | None  # pass as ?before= for the next (older) page
    newer_than: int | None  # pass as ?after= for the previous (newer) page


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_entries_filtered(
    *,
    actor: str = "",
    action: str = "",
    object_type: str = "",
    object_id: str = "",
    result: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet:
    entries = AuditEntry.objects.all()
    if actor:
        # Buyers' labels are masked mobiles, so look the login name up rather than matching the label.
        actor_ids = get_user_model().objects.filter(username=actor).values("pk")
        entries = entries.filter(Q(actor_id__in=actor_ids) | Q(actor_label=actor))
    if action:
        entries = entries.filter(action__startswith=action)
    if object_type:
        entries = entries.filter(object_type=object_type)
    if object_id:
        entries = entries.filter(object_id=object_id)
    if result:
        entries = entries.filter(result=result)
    if date_from:
        entries = entries.filter(created_at__gte=_day_start(date_from))
    if date_to:
        entries = entries.filter(created_at__lt=_day_start(date_to) + timezone.timedelta(days=1))
    return entries


def login_entries_filtered(
    *, username: str = "", event: str = "", date_from: date | None = None, date_to: date | None = None
) -> QuerySet:
    entries = LoginEntry.objects.all()
    if username:
        entries = entries.filter(username=username)
    if event:
        entries = entries.filter(event=event)
    if date_from:
        entries = entries.filter(created_at__gte=_day_start(date_from))
    if date_to:
        entries = entries.filter(created_at__lt=_day_start(date_to) + timezone.timedelta(days=1))
    return entries


def keyset_page(queryset: QuerySet, *, before: int | None = None, after: int | None = None) -> KeysetPage:
    """Newest first; `before` pages to older rows, `after` back to newer ones."""
    if after is not None:
        rows = list(queryset.filter(id__gt=after).order_by("id")[: PAGE_SIZE + 1])
        has_more_newer = len(rows) > PAGE_SIZE
        rows = list(reversed(rows[:PAGE_SIZE]))
        has_older = bool(rows) and queryset.filter(id__lt=rows[-1].id).exists()
        return KeysetPage(
            rows=rows,
            older_than=rows[-1].id if rows and has_older else None,
            newer_than=rows[0].id if rows and has_more_newer else None,
        )
    if before is not None:
        queryset = queryset.filter(id__lt=before)
    rows = list(queryset.order_by("-id")[: PAGE_SIZE + 1])
    has_older = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return KeysetPage(
        rows=rows,
        older_than=rows[-1].id if has_older else None,
        newer_than=rows[0].id if rows and before is not None else None,
    )


def backup_list() -> QuerySet:
    return Backup.objects.select_related("created_by").order_by("-id")
