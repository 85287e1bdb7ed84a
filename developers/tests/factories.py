"""Test factories for company news (公司动态)."""

from datetime import UTC, datetime

import factory
from factory.django import DjangoModelFactory

from developers.models import News
from listings.tests.factories import CompanyFactory


class NewsFactory(DjangoModelFactory):
    """A published news item; pass is_published=False (and published_at=None) for a draft."""

    class Meta:
        model = News

    company = factory.SubFactory(CompanyFactory)
    title = factory.Sequence(lambda n: f"舒畅·云栖{n}号院工程进度播报")
    summary = "主体结构已全面封顶，园林景观进入施工阶段。"
    body = "各位业主：\n\n项目主体结构已全面封顶。\n园林景观进入施工阶段。"
    is_published = True
    published_at = factory.Sequence(lambda n: datetime(2026, 11, 1, 9, 0, tzinfo=UTC).replace(day=1 + n % 28))
