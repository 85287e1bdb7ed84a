"""月度收费项目综合统计表, 欠费统计表 and 按户的年度台帐 over the known set (see conftest).

The order's schedule (from the default plan, dated from today): 定金 20,000 · 首付款 520,000 ·
房款 1,260,000. Paid toward the price: 20,000 + 50,000 + 3,000 (waiver) − 5,000 (refund) = 68,000;
the voided 10,000 never counts.
"""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from payments import services as payment_services
from payments.models import ChargeKind, Deposit, PaymentScheduleItem
from payments.selectors.money import order_statement
from payments.tests import factories as payment_factories
from reports.exporters import REPORTS
from reports.selectors import report_table
from sales import services as sales_services
from sales.tests import factories as sales_factories

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
        assert row[3:] == (f"{today.year}-{month:02d}", due_by_month.get(month, Z), paid, Z, refunded, balance)
    assert result.totals[5] == D("73000.00")
    assert result.totals[6] == Z
    assert result.totals[7] == D("-5000.00")


@pytest.fixture
def intention_fee(known_set, project, units, sales_manager, finance, buyer):
    """张三 paid a 认筹金 of 50,000 at the counter for an opening of the top floor (not yet converted)."""
    now = timezone.now()
    opening = sales_factories.opening(
        project=project,
        units=units[4:],
        actor=sales_manager,
        signup_ends_at=now + timedelta(days=1),
        starts_at=now + timedelta(days=2),
        ends_at=now + timedelta(days=3),
        requires_registration=True,
        registration_fee_amount=D("50000.00"),
    )
    registration = sales_services.registration_create(opening=opening, buyer=buyer, actor=buyer)
    payment = payment_services.payment_record(
        actor=finance,
        registration=registration,
        method=payment_factories.method("cash"),
        charge_item=payment_factories.charge(ChargeKind.INTENTION),
        amount=D("50000.00"),
    )
    return Deposit.objects.get(payment=payment)


@pytest.mark.django_db
def test_household_ledger_counts_a_converted_intention_fee_as_paid_in_the_month_it_was_converted(
    known_set, intention_fee, finance
):
    order = known_set.order
    converted_on = timezone.localdate() + timedelta(days=40)  # another month, perhaps another year
    noon = timezone.make_aware(datetime.combine(converted_on, time(12)))
    assert table("household_ledger", finance, year=converted_on.year).totals[6] == Z  # received, not yet converted

    with time_machine.travel(noon, tick=False):
        payment_services.deposit_convert(deposit=intention_fee, actor=finance, order=order)

    result = table("household_ledger", finance, year=converted_on.year)
    (row,) = [row for row in result.rows if row[3] == f"{converted_on:%Y-%m}"]
    assert (row[5], row[6]) == (D("50000.00"), D("50000.00"))  # 实收, of which 认筹金转入
    assert result.totals[6] == D("50000.00")
    # Every month ends on what payments' own statement says is owed at that date: due by then − paid by then.
    for month, line in enumerate(result.rows, start=1):
        month_end = date(converted_on.year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
        statement = order_statement(order, as_of=month_end)
        assert line[8] == statement.due - statement.paid, line[3]
    # The 认筹金 counts toward the price once, in the month it was converted, and stays counted after it.
    december = order_statement(order, as_of=date(converted_on.year, 12, 31))
    assert december.paid == D("118000.00")  # 68,000 + 50,000
