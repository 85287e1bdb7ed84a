"""What is due: schedules from the final price, notices, arrears per order and per household as of any
date (in SQL), overdue items, and the dunning notice."""

import shutil
import subprocess
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from audit.models import AuditEntry
from payments import pdf, selectors, services
from payments.exceptions import PaymentNotAllowed, ScheduleInvalid
from payments.models import (
    ChargeKind,
    NoticeKind,
    PaymentPlanItem,
    PaymentPlanTemplate,
    PaymentSchedule,
    PlanKind,
)
from payments.tests.factories import charge, pay, pay_deposit_cash, select, staff

pytestmark = pytest.mark.django_db


def schedule_lines(order) -> list[tuple[str, Decimal, int]]:
    schedule = PaymentSchedule.objects.get(order=order, is_current=True)
    return [(item.name, item.amount, (item.due_on - schedule.start_on).days) for item in schedule.items.all()]


def test_a_mortgage_order_gets_the_default_schedule_when_its_deposit_is_paid(reserved_order):
    price = reserved_order.price_amount
    down = (price * Decimal("0.3")).quantize(Decimal("0.01"))

    assert schedule_lines(reserved_order) == [
        ("定金", Decimal("20000.00"), 0),
        ("首付款", down - Decimal("20000.00"), 7),
        ("房款（按揭放款）", price - down, 60),
    ]
    assert sum(amount for _name, amount, _days in schedule_lines(reserved_order)) == price


def test_a_full_payment_order_gets_the_one_off_plan(buyer, units, finance):
    order = select(buyer, units[1], payment_method="full")

    pay_deposit_cash(order, finance)

    assert schedule_lines(order) == [("定金", Decimal("20000.00"), 0), ("房款", order.price_amount - 20000, 7)]


def test_rebuilding_supersedes_the_schedule_and_keeps_the_old_one(reserved_order, sales_manager):
    old = PaymentSchedule.objects.get(order=reserved_order)
    installment = PaymentPlanTemplate.objects.get(kind=PlanKind.INSTALLMENT)

    new = services.schedule_create(order=reserved_order, template=installment, actor=sales_manager)

    old.refresh_from_db()
    assert (old.is_current, new.is_current) == (False, True)
    assert old.superseded_at is not None
    assert [name for name, _amount, _days in schedule_lines(reserved_order)] == [
        "定金",
        "首付款",
        "房款（第一期）",
        "房款（第二期）",
    ]
    assert sum(item.amount for item in new.items.all()) == reserved_order.price_amount
    assert AuditEntry.objects.filter(action="payments.schedule.created", object_id=str(new.pk)).exists()


def test_a_template_must_add_up_to_one_hundred_percent(reserved_order, sales_manager):
    broken = PaymentPlanTemplate.objects.create(name="错的方案", kind=PlanKind.INSTALLMENT)
    PaymentPlanItem.objects.create(
        template=broken, charge_item=charge(ChargeKind.DOWN_PAYMENT), ratio=Decimal("0.3"), days_after=7
    )

    with pytest.raises(ScheduleInvalid, match=r"各项比例之和须为 100%，现为 30\.00%"):
        services.schedule_create(order=reserved_order, template=broken, actor=sales_manager)
    assert PaymentSchedule.objects.filter(order=reserved_order).count() == 1


def test_consultants_do_not_rebuild_schedules(reserved_order, consultant):
    with pytest.raises(PaymentNotAllowed, match="您没有生成应收计划的权限"):
        services.schedule_create(order=reserved_order, template=PaymentPlanTemplate.objects.first(), actor=consultant)


def test_the_statement_applies_payments_to_the_oldest_items_first(reserved_order, finance):
    start = PaymentSchedule.objects.get(order=reserved_order).start_on
    pay(reserved_order, finance, "10000")

    statement = selectors.order_statement(reserved_order, as_of=start + timedelta(days=8))

    deposit, down, loan = statement.lines
    assert (deposit.paid, deposit.outstanding, deposit.is_overdue) == (Decimal("20000.00"), 0, False)
    assert (down.paid, down.outstanding, down.is_overdue) == (Decimal("10000.00"), down.amount - 10000, True)
    assert (loan.paid, loan.is_due) == (0, False)
    assert statement.paid == Decimal("30000.00")
    assert statement.arrears == deposit.amount + down.amount - Decimal("30000.00")
    assert statement.overdue == down.outstanding
    assert statement.outstanding == reserved_order.price_amount - Decimal("30000.00")


def _owing(user, as_of):
    return {order.pk: (order.due, order.paid, order.arrears) for order in selectors.arrears_by_order(user, as_of=as_of)}


def test_arrears_as_of_any_date_are_due_minus_paid(reserved_order, finance, buyer, units):
    start = PaymentSchedule.objects.get(order=reserved_order).start_on
    down = PaymentSchedule.objects.get(order=reserved_order).items.get(position=2).amount
    second = select(buyer, units[1], payment_method="full")
    pay_deposit_cash(second, finance)
    later = timezone.now() + timedelta(days=10)
    with time_machine.travel(later, tick=False):
        pay(reserved_order, finance, "50000")

    assert _owing(finance, start) == {}  # only the deposits were due that day, and both are paid
    on_day_eight = _owing(finance, start + timedelta(days=8))
    assert on_day_eight[reserved_order.pk] == (Decimal("20000.00") + down, Decimal("20000.00"), down)
    assert on_day_eight[second.pk][2] == second.price_amount - 20000
    after_payment = _owing(finance, timezone.localdate(later))
    assert after_payment[reserved_order.pk][2] == down - Decimal("50000.00")


def test_arrears_per_household_sum_the_buyers_orders(reserved_order, finance, buyer, units):
    second = select(buyer, units[1], payment_method="full")
    pay_deposit_cash(second, finance)
    as_of = timezone.localdate() + timedelta(days=30)
    by_order = _owing(finance, as_of)

    rows = list(selectors.arrears_by_buyer(finance, as_of=as_of))

    assert len(rows) == 1
    assert rows[0]["buyer_id"] == buyer.pk
    assert rows[0]["order_count"] == 2
    assert rows[0]["arrears_total"] == sum(arrears for _due, _paid, arrears in by_order.values())


def test_overdue_items_are_the_due_items_not_covered_by_payments(reserved_order, finance):
    schedule = PaymentSchedule.objects.get(order=reserved_order)
    down = schedule.items.get(position=2)
    pay(reserved_order, finance, "1000.50")

    items = list(selectors.overdue_items(finance, as_of=schedule.start_on + timedelta(days=61)))

    assert [(item.name, item.unpaid) for item in items] == [
        ("首付款", down.amount - Decimal("1000.50")),
        ("房款（按揭放款）", schedule.items.get(position=3).amount),
    ]
    assert list(selectors.overdue_items(finance, as_of=schedule.start_on + timedelta(days=7))) == []


def test_arrears_respect_the_data_scope(reserved_order, payment_roles, other_project):
    outsider = staff("outsider", ["finance"], project_ids=[other_project.pk])

    assert _owing(outsider, timezone.localdate() + timedelta(days=90)) == {}
    assert list(selectors.overdue_items(outsider, as_of=timezone.localdate() + timedelta(days=90))) == []


def test_a_notice_is_a_snapshot_of_the_statement(reserved_order, consultant, finance):
    as_of = PaymentSchedule.objects.get(order=reserved_order).start_on + timedelta(days=8)

    notice = services.notice_issue(order=reserved_order, actor=consultant, as_of=as_of)
    pay(reserved_order, finance, "10000")  # later payments do not change what was sent

    notice.refresh_from_db()
    assert notice.number == f"TZ{notice.pk:08d}"
    assert (notice.paid_amount, notice.due_amount) == (Decimal("20000.00"), reserved_order.price_amount)
    assert [line["name"] for line in notice.lines] == ["定金", "首付款", "房款（按揭放款）"]
    assert notice.lines[1]["is_overdue"] is True


def test_a_dunning_notice_needs_something_overdue(reserved_order, consultant):
    start = PaymentSchedule.objects.get(order=reserved_order).start_on

    with pytest.raises(PaymentNotAllowed, match="该订单没有逾期未付的款项"):
        services.notice_issue(order=reserved_order, actor=consultant, kind=NoticeKind.DUNNING, as_of=start)
    dunning = services.notice_issue(
        order=reserved_order, actor=consultant, kind=NoticeKind.DUNNING, as_of=start + timedelta(days=8)
    )

    assert dunning.number.startswith("CK")
    assert dunning.overdue_amount == PaymentSchedule.objects.get(order=reserved_order).items.get(position=2).amount


def test_notice_pdfs_carry_the_figures(reserved_order, consultant):
    if not shutil.which("/usr/bin/pdftotext"):
        pytest.skip("needs pdftotext")
    start = PaymentSchedule.objects.get(order=reserved_order).start_on
    dunning = services.notice_issue(
        order=reserved_order, actor=consultant, kind=NoticeKind.DUNNING, as_of=start + timedelta(days=8)
    )

    content = pdf.notice_pdf(dunning, company="舒畅置业有限公司")

    text = subprocess.run(
        ["/usr/bin/pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True
    ).stdout.decode()
    assert "催款通知" in text and dunning.number in text
    assert "首付款（逾期）" in text
    assert f"¥{dunning.overdue_amount:,.2f}" in text
    assert "舒畅置业有限公司" in text


def test_a_fully_paid_signed_order_is_completed(reserved_order, finance, consultant, sales_manager):
    from sales import services as sales_services

    contract = {"contract_number": "HT-2026-001", "contract_signed_on": timezone.localdate().isoformat()}
    change = sales_services.sales_change_apply(
        order=reserved_order, kind="sign", payload=contract, reason="签约", actor=consultant
    )
    sales_services.sales_change_approve(change=change, actor=sales_manager)
    reserved_order.refresh_from_db()
    rest = reserved_order.contract_price_amount - Decimal("20000.00")

    pay(reserved_order, finance, rest - 1, kind=ChargeKind.HOUSE_PRICE)
    reserved_order.refresh_from_db()
    assert reserved_order.status == "signed"
    pay(reserved_order, finance, "1.00", kind=ChargeKind.HOUSE_PRICE)

    reserved_order.refresh_from_db()
    assert reserved_order.status == "completed"
    assert reserved_order.unit.status == "sold"


def test_statement_of_an_order_without_a_schedule_is_empty(pending_order):
    statement = selectors.order_statement(pending_order, as_of=timezone.localdate())

    assert statement.schedule is None and statement.lines == [] and statement.outstanding == 0
