"""Shift close (交班): each operator hands over what they took, per method including waivers and
points, checked against their receipts and what they counted."""

from decimal import Decimal

import pytest

from audit.models import AuditEntry
from payments import services
from payments.exceptions import PaymentNotAllowed
from payments.models import Payment, ShiftClose
from payments.tests.factories import method, pay, pay_deposit_cash, select

pytestmark = pytest.mark.django_db


def totals(shift) -> dict[str, tuple[str, str, str | None, bool]]:
    return {
        line["method"]: (line["payments_total"], line["receipts_total"], line["difference"], line["balanced"])
        for line in shift.lines
    }


def test_a_shift_sums_per_method_and_matches_the_receipts(reserved_order, sales_manager, buyer, finance):
    services.points_award(buyer=buyer, points=10_000, reason="活动", actor=finance)
    pay(reserved_order, sales_manager, "5000")
    pay(reserved_order, sales_manager, "8000.50", method_code="pos", external_ref="POS-1")
    pay(reserved_order, sales_manager, "1000", method_code="waiver", reason="老业主")
    pay(reserved_order, sales_manager, "100", method_code="points")
    cash, pos = method("cash"), method("pos")

    shift = services.shift_close(
        actor=sales_manager, declared={cash.pk: Decimal("5000.00"), pos.pk: Decimal("8000.50")}, note="早班"
    )

    assert (shift.payment_count, shift.receipt_count, shift.total_amount) == (4, 4, Decimal("14100.50"))
    assert totals(shift) == {
        "POS 刷卡（银行卡/信用卡）": ("8000.50", "8000.50", "0.00", True),
        "现金": ("5000.00", "5000.00", "0.00", True),
        "减免": ("1000.00", "1000.00", None, True),
        "积分抵扣": ("100.00", "100.00", None, True),
    }
    assert shift.is_balanced
    assert Payment.objects.filter(recorded_by=sales_manager, shift__isnull=True).count() == 0
    assert AuditEntry.objects.filter(action="payments.shift.closed", object_id=str(shift.pk)).exists()


def test_counted_cash_that_differs_is_recorded_as_a_difference(reserved_order, consultant):
    pay(reserved_order, consultant, "5000")

    shift = services.shift_close(actor=consultant, declared={method("cash").pk: Decimal("4900.00")})

    assert totals(shift)["现金"] == ("5000.00", "5000.00", "-100.00", False)
    assert not shift.is_balanced


def test_each_payment_belongs_to_exactly_one_shift_of_its_operator(reserved_order, consultant, finance, buyer, units):
    pay(reserved_order, consultant, "1000")
    first = services.shift_close(actor=consultant)
    pay(reserved_order, consultant, "2000")
    pay(reserved_order, finance, "3000")

    second = services.shift_close(actor=consultant)

    assert (first.total_amount, second.total_amount) == (Decimal("1000.00"), Decimal("2000.00"))
    assert second.opened_at == first.closed_at
    assert Payment.objects.get(amount=Decimal("3000.00")).shift is None  # finance's, not the consultant's
    with pytest.raises(PaymentNotAllowed, match="本班没有需要交接的收款"):
        services.shift_close(actor=consultant)
    assert ShiftClose.objects.filter(operator=consultant).count() == 2


def test_a_payment_waiting_for_approval_stays_for_the_next_shift(reserved_order, consultant, finance):
    transfer = pay(reserved_order, consultant, "50000", method_code="transfer", external_ref="B-1")
    pay(reserved_order, consultant, "1000")

    shift = services.shift_close(actor=consultant)

    transfer.refresh_from_db()
    assert transfer.shift is None
    assert shift.payment_count == 1


def test_a_voided_receipt_leaves_the_shift_balanced(reserved_order, consultant, finance):
    payment = pay(reserved_order, consultant, "1000")
    pay(reserved_order, consultant, "2000")
    services.receipt_void(receipt=payment.receipt, actor=finance, reason="录错")

    shift = services.shift_close(actor=consultant)

    assert totals(shift)["现金"] == ("2000.00", "2000.00", None, True)
    assert shift.payment_count == 1


def test_refunds_count_negative_in_the_refunding_operators_shift(reserved_order, consultant, finance):
    payment = pay(reserved_order, consultant, "1000")
    services.shift_close(actor=finance)  # hands over the 定金 finance took for the fixture

    services.refund_create(payment=payment, amount=Decimal("300"), actor=finance, reason="多收")
    shift = services.shift_close(actor=finance)

    assert totals(shift)["现金"] == ("-300.00", "-300.00", None, True)


def test_a_buyer_cannot_close_a_shift(buyer, pending_order):
    with pytest.raises(PaymentNotAllowed, match="您没有交班的权限"):
        services.shift_close(actor=buyer)


def test_the_open_shift_preview_shows_what_is_not_yet_handed_over(buyer, units, consultant):
    order = select(buyer, units[1])
    pay_deposit_cash(order, consultant)

    lines = services.shift_preview(operator=consultant)

    assert [(line.method_name, line.count, line.payments_total) for line in lines] == [("现金", 1, Decimal("20000.00"))]
