"""payment_record: money taken at the counter — 定金, partial payments, waivers, points, approvals."""

from decimal import Decimal

import pytest

from audit.models import AuditEntry
from listings.models import UnitStatus
from payments import selectors, services
from payments.exceptions import AmountInvalid, DomainError, PaymentNotAllowed, PointsInsufficient, WaiverNotAllowed
from payments.models import (
    ChargeKind,
    Deposit,
    DepositStatus,
    Payment,
    PaymentSchedule,
    PaymentSettings,
    PaymentStatus,
    PointsEntry,
    Receipt,
    WaiverLimit,
)
from payments.tests.factories import charge, method, pay, pay_deposit_cash, staff
from sales.models import OrderStatus

pytestmark = pytest.mark.django_db


def money_state() -> dict:
    """Everything a refused payment must leave untouched."""
    return {
        "payments": list(Payment.objects.order_by("pk").values_list("pk", "status", "amount")),
        "receipts": Receipt.objects.count(),
        "deposits": list(Deposit.objects.order_by("pk").values_list("pk", "status")),
        "points": list(PointsEntry.objects.values_list("pk", flat=True)),
        "log": AuditEntry.objects.filter(action__startswith="payments.", result="success").count(),
    }


def test_cash_deposit_at_the_counter_reserves_the_order_with_a_receipt(pending_order, finance):
    payment = pay_deposit_cash(pending_order, finance)

    pending_order.refresh_from_db()
    pending_order.unit.refresh_from_db()
    assert pending_order.status == OrderStatus.RESERVED
    assert pending_order.unit.status == UnitStatus.RESERVED
    assert (payment.status, payment.amount, payment.recorded_by) == (
        PaymentStatus.CONFIRMED,
        Decimal("20000.00"),
        finance,
    )
    receipt = payment.receipt
    assert receipt.code == f"YUNQI-{receipt.issued_at.astimezone().year}-000001"
    assert (receipt.amount_in_words, receipt.method_name, receipt.charge_item_name) == ("贰万元整", "现金", "定金")
    assert Deposit.objects.get(order=pending_order).status == DepositStatus.RECEIVED
    assert PaymentSchedule.objects.get(order=pending_order, is_current=True).template_name == "按揭（首付三成）"
    assert AuditEntry.objects.filter(action="payments.payment.recorded", object_id=str(payment.pk)).exists()
    assert AuditEntry.objects.filter(action="sales.order.reserved", object_id=str(pending_order.pk)).exists()


def test_a_deposit_must_be_paid_whole(pending_order, finance):
    before = money_state()

    with pytest.raises(AmountInvalid, match=r"定金须一次付清 20,000\.00 元"):
        pay(pending_order, finance, "5000", kind=ChargeKind.DEPOSIT)

    assert money_state() == before
    pending_order.refresh_from_db()
    assert pending_order.status == OrderStatus.PENDING_PAYMENT


def test_price_is_paid_in_parts_and_more_than_is_owed_is_refused(reserved_order, finance):
    price = reserved_order.price_amount

    pay(reserved_order, finance, "100000.50")
    pay(reserved_order, finance, "99999.50")

    assert selectors.order_paid_amount(reserved_order.pk) == Decimal("220000.00")
    owed = price - Decimal("220000.00")
    before = money_state()
    with pytest.raises(AmountInvalid, match=f"本次收款超过该订单未付房款 {owed:,.2f} 元"):
        pay(reserved_order, finance, owed + Decimal("0.01"), kind=ChargeKind.HOUSE_PRICE)
    assert money_state() == before


def test_price_payments_wait_for_the_deposit(pending_order, finance):
    with pytest.raises(PaymentNotAllowed, match="请先收取定金"):
        pay(pending_order, finance, "1000")


def test_maintenance_fund_is_not_part_of_the_price(reserved_order, finance):
    pay(reserved_order, finance, "3600", kind=ChargeKind.MAINTENANCE_FUND)

    assert selectors.order_paid_amount(reserved_order.pk) == Decimal("20000.00")


def test_the_same_bank_serial_entered_twice_returns_the_first_payment(reserved_order, finance):
    first = pay(reserved_order, finance, "5000", method_code="pos", external_ref="POS-0001")

    again = pay(reserved_order, finance, "5000", method_code="pos", external_ref="POS-0001")

    assert again.pk == first.pk
    assert Payment.objects.filter(external_ref="POS-0001").count() == 1
    with pytest.raises(PaymentNotAllowed, match="流水号 POS-0001 已登记过"):
        pay(reserved_order, finance, "6000", method_code="pos", external_ref="POS-0001")


def test_pos_needs_its_reference(reserved_order, finance):
    with pytest.raises(PaymentNotAllowed, match="请填写POS 刷卡（银行卡/信用卡）的流水号/参考号"):
        pay(reserved_order, finance, "5000", method_code="pos")


def test_online_methods_are_not_recorded_at_the_counter(reserved_order, finance):
    with pytest.raises(DomainError, match="线上支付须由购房人在线完成"):
        pay(reserved_order, finance, "5000", method_code="alipay")


def test_a_waiver_needs_the_permission(reserved_order, finance):
    before = money_state()

    with pytest.raises(WaiverNotAllowed, match="您没有减免权限"):
        pay(reserved_order, finance, "1000", method_code="waiver", reason="老业主优惠")

    assert money_state() == before


def test_a_waiver_needs_a_reason_and_stays_within_the_limit(reserved_order, sales_manager):
    WaiverLimit.objects.create(user=sales_manager, limit_amount=Decimal("5000.00"))

    with pytest.raises(WaiverNotAllowed, match="减免须填写事由"):
        pay(reserved_order, sales_manager, "1000", method_code="waiver")
    waiver = pay(reserved_order, sales_manager, "3000", method_code="waiver", reason="老业主优惠")
    with pytest.raises(WaiverNotAllowed, match=r"每单累计上限 5,000\.00 元，该订单已减免 3,000\.00 元"):
        pay(reserved_order, sales_manager, "2000.01", method_code="waiver", reason="再优惠")

    assert waiver.receipt.note == "减免事由：老业主优惠"
    assert waiver.receipt.method_name == "减免"
    assert selectors.order_paid_amount(reserved_order.pk) == Decimal("23000.00")


def test_the_default_waiver_limit_applies_without_an_own_limit(reserved_order, sales_manager):
    PaymentSettings.objects.filter(pk=1).update(default_waiver_limit_amount=Decimal("800.00"))

    with pytest.raises(WaiverNotAllowed, match=r"每单累计上限 800\.00 元"):
        pay(reserved_order, sales_manager, "800.01", method_code="waiver", reason="优惠")


def test_a_deposit_cannot_be_waived(pending_order, sales_manager):
    with pytest.raises(WaiverNotAllowed, match="定金不能减免"):
        pay(pending_order, sales_manager, pending_order.deposit_amount, kind=ChargeKind.DEPOSIT, method_code="waiver",
            reason="优惠")  # fmt: skip


def test_points_pay_at_the_configured_rate_and_never_below_zero(reserved_order, finance, buyer):
    services.points_award(buyer=buyer, points=150_000, reason="推荐奖励", actor=finance)

    payment = pay(reserved_order, finance, "1000", method_code="points")

    assert payment.points == 100_000
    assert services.points_balance(buyer) == 50_000
    assert payment.receipt.note == "使用积分 100000"
    with pytest.raises(PointsInsufficient, match="需要 100000 积分，现有 50000 积分"):
        pay(reserved_order, finance, "1000", method_code="points")
    PaymentSettings.objects.filter(pk=1).update(yuan_per_point=Decimal("0.5"))
    with pytest.raises(AmountInvalid, match=r"积分抵扣金额须为 0\.5 元的整数倍"):
        pay(reserved_order, finance, "1.20", method_code="points")
    assert services.points_balance(buyer) == 50_000


def test_a_transfer_waits_for_someone_else_to_approve_it(reserved_order, finance, second_finance):
    payment = pay(reserved_order, finance, "50000", method_code="transfer", external_ref="BANK-778899")

    assert payment.status == PaymentStatus.PENDING_APPROVAL
    assert not Receipt.objects.filter(payment=payment).exists()
    assert selectors.order_paid_amount(reserved_order.pk) == Decimal("20000.00")
    with pytest.raises(PaymentNotAllowed, match="不能审批本人登记的收款"):
        services.payment_approve(payment=payment, actor=finance)

    services.payment_approve(payment=payment, actor=second_finance, note="已到账")

    payment.refresh_from_db()
    assert (payment.status, payment.reviewed_by) == (PaymentStatus.CONFIRMED, second_finance)
    assert payment.receipt.code.endswith("-000002")
    assert selectors.order_paid_amount(reserved_order.pk) == Decimal("70000.00")


def test_a_rejected_transfer_never_counts(reserved_order, finance, second_finance):
    payment = pay(reserved_order, finance, "50000", method_code="transfer", external_ref="BANK-1")

    with pytest.raises(PaymentNotAllowed, match="请填写驳回原因"):
        services.payment_reject(payment=payment, actor=second_finance, note="")
    services.payment_reject(payment=payment, actor=second_finance, note="未到账")

    payment.refresh_from_db()
    assert payment.status == PaymentStatus.REJECTED
    assert selectors.order_paid_amount(reserved_order.pk) == Decimal("20000.00")
    # The serial is free again for the real transfer.
    assert pay(reserved_order, finance, "50000", method_code="transfer", external_ref="BANK-1").pk != payment.pk


def test_staff_outside_the_project_cannot_take_money(pending_order, payment_roles, other_project):
    outsider = staff("outsider", ["finance"], project_ids=[other_project.pk])
    before = money_state()

    with pytest.raises(PaymentNotAllowed, match="您没有登记收款的权限"):
        pay_deposit_cash(pending_order, outsider)

    assert money_state() == before


def test_an_auditor_cannot_take_money(pending_order, auditor, payment_roles):
    with pytest.raises(PaymentNotAllowed):
        pay_deposit_cash(pending_order, auditor)


def test_a_second_deposit_is_refused(reserved_order, finance):
    with pytest.raises(PaymentNotAllowed, match="该订单的定金已收取"):
        pay(reserved_order, finance, reserved_order.deposit_amount, kind=ChargeKind.DEPOSIT)


def test_an_expired_order_takes_no_money(pending_order, finance):
    from django.utils import timezone

    from sales import services as sales_services

    sales_services.order_expire(order=pending_order, now=pending_order.hold_expires_at + timezone.timedelta(seconds=1))

    with pytest.raises(PaymentNotAllowed, match="订单已过期，不能收款"):
        pay_deposit_cash(pending_order, finance)


def test_an_intention_fee_cannot_go_on_an_order(reserved_order, finance):
    with pytest.raises(PaymentNotAllowed, match="不能记在认购订单上"):
        services.payment_record(
            actor=finance, order=reserved_order, method=method("cash"), charge_item=charge(ChargeKind.INTENTION),
            amount=Decimal("10000"),
        )  # fmt: skip
