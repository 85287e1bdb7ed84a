"""月度收费项目综合统计表, 欠费统计表 and 按户的年度台帐 over the known set (see conftest).

The order's schedule (from the default plan, dated from today): 定金 20,000 · 首付款 520,000 ·
房款 1,260,000. Paid toward the price: 20,000 + 50,000 + 3,000 (waiver) − 5,000 (refund) = 68,000;
the voided 10,000 never counts.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from payments.models import PaymentScheduleItem
from reports.exporters import REPORTS
from reports.selectors import report_table

D = Decimal
Z = D("0.00")


def table(code, user, **filters):
    return report_table(REPORTS[code](user=user, filters={"year": timezone.localdate().year, **filters}))


def due_dates(order):
    items = PaymentScheduleItem.objects.filter(schedule__order=order, schedule__is_current=True)
    return dict(items.values_list("charge_item__kind", "due_on"))


@pytest.mark.django_db
def test_monthly_charge_items_put_this_month_in_its_column(known_set, finance):
    month = timezone.localdate().month
    result = table("monthly_charge_items", finance)
    expected = {"定金": D("20000.00"), "首付款": D("48000.00")}
    assert [row[0] for row in result.rows] == ["定金", "首付款"]
    for row in result.rows:
        assert row[month] == expected[row[0]]
        assert sum(row[1:13], Z) == row[13] == expected[row[0]]
        assert all(value == Z for index, value in enumerate(row[1:13], start=1) if index != month)
    assert result.totals[month] == result.totals[13] == D("68000.00")
    assert table("monthly_charge_items", finance, year=timezone.localdate().year - 1).rows == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("days_after_down_payment", "expected_buckets"),
    [
        # 首付款 unpaid 472,000 is 9 days old; 房款 not yet due.
        (9, (D("472000.00"), Z, Z, Z)),
        # 首付款 80 days old (31–90); 房款 1,260,000 due and under 30 days old.
        (80, None),
        # 首付款 181 days old (>180).
        (181, None),
    ],
)
def test_arrears_age_the_unpaid_items_oldest_first(known_set, finance, days_after_down_payment, expected_buckets):
    dates = due_dates(known_set.order)
    as_of = dates["down_payment"] + timedelta(days=days_after_down_payment)
    result = table("arrears", finance, as_of=as_of)
    (row,) = result.rows
    house_due = as_of >= dates["house_price"]
    due = D("540000.00") + (D("1260000.00") if house_due else Z)
    assert row[:4] == (known_set.order.number, "舒畅·云栖府", known_set.order.unit.code, "张*")
    assert row[4:7] == (due, D("68000.00"), due - D("68000.00"))
    buckets = list(row[7:11])
    if expected_buckets is not None:
        assert tuple(buckets) == expected_buckets
    else:
        house_age = (as_of - dates["house_price"]).days
        expected = [Z, Z, Z, Z]
        for amount, age in ((D("472000.00"), days_after_down_payment), (D("1260000.00"), house_age)):
            if age < 0:
                continue
            index = 0 if age <= 30 else 1 if age <= 90 else 2 if age <= 180 else 3
            expected[index] += amount
        assert buckets == expected
    assert sum(buckets, Z) == row[6]
    assert result.totals[6] == row[6]


@pytest.mark.django_db
def test_no_arrears_before_anything_is_due(known_set, finance):
    dates = due_dates(known_set.order)
    assert table("arrears", finance, as_of=dates["deposit"] - timedelta(days=1)).rows == []


@pytest.mark.django_db
def test_household_ledger_runs_the_balance_month_by_month(known_set, finance):
    today = timezone.localdate()
    dates = due_dates(known_set.order)
    result = table("household_ledger", finance)
    assert len(result.rows) == 12
    assert {row[:3] for row in result.rows} == {(known_set.order.number, known_set.order.unit.code, "张*")}
    due_by_month = {}
    for kind, amount in (("deposit", "20000.00"), ("down_payment", "520000.00"), ("house_price", "1260000.00")):
        if dates[kind].year == today.year:
            due_by_month[dates[kind].month] = due_by_month.get(dates[kind].month, Z) + D(amount)
    balance = Z
    for month, row in enumerate(result.rows, start=1):
        paid = D("73000.00") if month == today.month else Z
        refunded = D("-5000.00") if month == today.month else Z
        balance += due_by_month.get(month, Z) - paid - refunded
        assert row[3:] == (f"{today.year}-{month:02d}", due_by_month.get(month, Z), paid, refunded, balance)
    assert result.totals[5] == D("73000.00")
    assert result.totals[6] == D("-5000.00")
