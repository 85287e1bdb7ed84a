"""Chinese date formats: 2026年12月3日 in prose, ISO in exports."""

from datetime import date, datetime

from django.utils import timezone


def chinese_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{value.year}年{value.month}月{value.day}日"


def chinese_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    value = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{chinese_date(value)} {value:%H:%M}"
