"""Company news (公司动态): public list and detail, published only, newest first."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from developers.tests.factories import NewsFactory

pytestmark = pytest.mark.django_db


def test_news_list_shows_published_news_newest_first(client):
    NewsFactory(title="一季度工程播报", published_at=datetime(2026, 3, 1, 2, 0, tzinfo=UTC))
    NewsFactory(title="开盘公告", published_at=datetime(2026, 5, 8, 2, 0, tzinfo=UTC))
    NewsFactory(title="内部草稿", is_published=False, published_at=None)

    response = client.get("/news/")

    page = response.content.decode()
    assert response.status_code == 200
    assert [news.title for news in response.context["news_items"]] == ["开盘公告", "一季度工程播报"]
    assert "内部草稿" not in page
    assert "2026年5月8日" in page


def test_news_scheduled_for_later_stays_hidden_until_its_time(client):
    with time_machine.travel(datetime(2026, 12, 1, 9, 0, tzinfo=UTC), tick=False):
        NewsFactory(title="下周开盘预告", published_at=timezone.now() + timedelta(days=7))
        before = client.get("/news/").content.decode()
    with time_machine.travel(datetime(2026, 12, 9, 9, 0, tzinfo=UTC), tick=False):
        after = client.get("/news/").content.decode()

    assert "下周开盘预告" not in before
    assert "下周开盘预告" in after


def test_news_list_pages_ten_at_a_time(client):
    for day in range(1, 13):
        NewsFactory(title=f"第{day}期播报", published_at=datetime(2026, 6, day, tzinfo=UTC))

    first = client.get("/news/")
    second = client.get("/news/", {"page": "2"})

    assert len(first.context["news_items"]) == 10
    assert first.context["news_items"][0].title == "第12期播报"
    assert [news.title for news in second.context["news_items"]] == ["第2期播报", "第1期播报"]
    assert "第 1 / 2 页" in first.content.decode()


def test_news_list_query_count_is_constant(client, django_assert_max_num_queries):
    for day in range(1, 11):
        NewsFactory(published_at=datetime(2026, 6, day, tzinfo=UTC))

    with django_assert_max_num_queries(3):
        client.get("/news/")


def test_news_detail_shows_title_date_and_paragraphs(client):
    news = NewsFactory(
        title="云栖里主体封顶",
        body="第一段<script>alert(1)</script>\n\n第二段",
        published_at=datetime(2026, 5, 8, 2, 30, tzinfo=UTC),
    )

    response = client.get(f"/news/{news.pk}/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "<h1>云栖里主体封顶</h1>" in page
    assert "2026年5月8日 10:30" in page  # Asia/Shanghai
    assert "<p>第一段&lt;script&gt;alert(1)&lt;/script&gt;</p>" in page
    assert "<p>第二段</p>" in page


@pytest.mark.parametrize("path", ["/news/{draft}/", "/news/999999/", "/news/abc/"])
def test_unpublished_or_unknown_news_is_404(client, path):
    draft = NewsFactory(is_published=False, published_at=None)

    response = client.get(path.format(draft=draft.pk))

    assert response.status_code == 404
