"""Property and owner statistics over the known set: 6 units of 120㎡ in building 1, unit 1-101 sold
(reserved) to 张三 by selection on his own."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from listings.models import Unit
from reports.exporters import REPORTS
from reports.selectors import report_table
from sales.models import Order

D = Decimal


def table(code, user, **filters):
    return report_table(REPORTS[code](user=user, filters=filters))


@pytest.mark.django_db
def test_inventory_by_status_counts_area_and_value(known_set, finance, units):
    result = table("inventory", finance)
    sold_price = Unit.objects.get(pk=units[0].pk).list_price_amount
    others = sum((u.list_price_amount for u in Unit.objects.exclude(pk=units[0].pk)), D("0"))
    assert result.rows == [
        ("舒畅·云栖府", "1号楼", "可售", 5, D("600.00"), others),
        ("舒畅·云栖府", "1号楼", "已认购", 1, D("120.00"), sold_price),
    ]
    assert result.totals == ("合计", None, None, 6, D("720.00"), others + sold_price)


@pytest.mark.django_db
def test_sales_by_month_and_consultant(known_set, finance):
    order = Order.objects.get(pk=known_set.order.pk)
    month = timezone.localtime(order.reserved_at).strftime("%Y-%m")
    average = (order.price_amount / D("120.00")).quantize(D("0.01"))
    assert table("sales_by_period", finance, grain="month").rows == [
        (month, 1, D("120.00"), order.price_amount, average)
    ]
    tomorrow = timezone.localdate() + timedelta(days=1)
    assert table("sales_by_period", finance, date_from=tomorrow).rows == []
    assert table("consultant_performance", finance).rows == [("（购房人自选）", 1, D("120.00"), order.price_amount)]


@pytest.mark.django_db
def test_opening_sell_through(known_set, finance, sales_manager, units, project, other_buyer):
    from payments.tests.factories import pay_deposit_cash
    from sales.tests import factories as sales_factories

    now = timezone.now()
    opening = sales_factories.opening(
        project=project,
        units=units[1:5],
        actor=sales_manager,
        name="1号楼首次开盘",
        signup_ends_at=now - timedelta(hours=1),
        starts_at=now - timedelta(minutes=30),
        ends_at=now + timedelta(hours=2),
        quota=2,
        deposit_amount=D("50000.00"),
    )
    sales_factories.registered(opening, other_buyer, direct=True)
    sold = sales_factories.select(other_buyer, units[1], opening)
    pay_deposit_cash(sold, finance)
    sold.refresh_from_db()
    # An order still waiting for its 定金 is not a sale.
    sales_factories.select(other_buyer, units[2], opening)
    (row,) = table("opening_sell_through", finance).rows
    assert row[:2] == ("舒畅·云栖府", "1号楼首次开盘")
    assert row[3:] == (4, 1, sold.price_amount, "25.0%")


@pytest.mark.django_db
def test_owners_are_masked(known_set, finance):
    (row,) = table("owners", finance).rows
    assert row[:6] == ("舒畅·云栖府", known_set.order.unit.code, "张*", "138****8000", row[4], "已认购")
    assert "11010519491231002X" not in row[4] and row[4].startswith("1101")


@pytest.mark.django_db
def test_property_reports_need_their_permission(known_set, consultant, finance, client):
    client.force_login(consultant)
    assert client.get(reverse("reports:report", args=["owners"])).status_code == 403
    client.force_login(finance)
    assert client.get(reverse("reports:report", args=["owners"])).status_code == 200


@pytest.mark.django_db
def test_the_dashboard_feeds_the_charts_the_same_figures(known_set, finance, client):
    client.force_login(finance)
    response = client.get(reverse("reports:dashboard"))
    assert response.status_code == 200
    data = response.context["data"]
    month = timezone.localdate().month
    assert data["collections"][month - 1] == "68000.00"
    assert sum(Decimal(value) for value in data["collections"]) == Decimal("68000.00")
    assert data["sales_units"][month - 1] == 1
    assert {item["name"]: item["value"] for item in data["inventory"]} == {"可售": 5, "已认购": 1}
    assert "echarts-5.6.0.min.js" in response.content.decode()


@pytest.mark.django_db
def test_the_dashboard_needs_the_permission(consultant, client):
    client.force_login(consultant)
    assert client.get(reverse("reports:dashboard")).status_code == 403
