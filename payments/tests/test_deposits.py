"""The deposits ledger and refunds: 认筹金, 定金 and coupons move received → converted / refunded /
forfeited (after someone else approves); a refund is a negative payment with a red receipt."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from audit.models import AuditEntry
from payments import selectors, services
from payments.exceptions import AmountInvalid, PaymentNotAllowed, RefundNotAllowed
from payments.models import (
    ChargeKind,
    Deposit,
    DepositEvent,
    DepositKind,
    DepositStatus,
    MethodKind,
    Payment,
    PaymentKind,
    ReceiptKind,
)
from payments.tests.factories import cancel_by_change, charge, method, notification, pay, select, start_online
from sales import services as sales_services
from sales.models import CouponStatus, FeeStatus, OrderStatus, SchemeKind
from sales.tests import factories as sales_factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def lottery_opening(project, units, sales_manager):
    """An opening of the top floor with 认筹 (¥50,000), sign-up still open."""
    now = timezone.now()
    return sales_factories.opening(
        project=project,
        units=units[4:],
        actor=sales_manager,
        signup_ends_at=now + timedelta(days=1),
        starts_at=now + timedelta(days=2),
        ends_at=now + timedelta(days=3),
        quota=1,
        deposit_amount=Decimal("50000.00"),
        requires_registration=True,
        registration_fee_amount=Decimal("50000.00"),
    )


@pytest.fixture
def registration(lottery_opening, buyer):
    return sales_services.registration_create(opening=lottery_opening, buyer=buyer, actor=buyer)


def history(deposit) -> list[tuple[str, str]]:
    return list(DepositEvent.objects.filter(deposit=deposit).values_list("from_status", "to_status"))


def test_an_intention_fee_paid_at_the_counter_admits_the_buyer(registration, finance):
    payment = services.payment_record(
        actor=finance, registration=registration, method=method("pos"), charge_item=charge(ChargeKind.INTENTION),
        amount=Decimal("50000.00"), external_ref="POS-88",
    )  # fmt: skip

    registration.refresh_from_db()
    assert registration.fee_status == FeeStatus.PAID
    deposit = Deposit.objects.get(registration=registration)
    assert (deposit.kind, deposit.status, deposit.payment) == (DepositKind.INTENTION, DepositStatus.RECEIVED, payment)
    assert payment.receipt.unit_label == "首次开盘 认筹"


def test_an_intention_fee_is_paid_whole_and_once(registration, finance):
    with pytest.raises(AmountInvalid, match=r"认筹金须一次付清 50,000\.00 元"):
        services.payment_record(
            actor=finance, registration=registration, method=method("cash"), charge_item=charge(ChargeKind.INTENTION),
            amount=Decimal("10000"),
        )  # fmt: skip


def test_intention_fee_converts_into_the_buyers_order_and_counts_toward_its_price(registration, finance, buyer, units):
    services.payment_record(
        actor=finance, registration=registration, method=method("cash"), charge_item=charge(ChargeKind.INTENTION),
        amount=Decimal("50000.00"),
    )  # fmt: skip
    order = select(buyer, units[2])
    pay(order, finance, order.deposit_amount, kind=ChargeKind.DEPOSIT)
    deposit = Deposit.objects.get(registration=registration)

    services.deposit_convert(deposit=deposit, actor=finance, order=order)

    deposit.refresh_from_db()
    assert (deposit.status, deposit.converted_order) == (DepositStatus.CONVERTED, order)
    assert selectors.order_paid_amount(order.pk) == Decimal("70000.00")
    assert history(deposit) == [("", "received"), ("received", "converted")]


def test_an_intention_fee_cannot_go_to_someone_elses_order(registration, finance, other_buyer, units):
    services.payment_record(
        actor=finance, registration=registration, method=method("cash"), charge_item=charge(ChargeKind.INTENTION),
        amount=Decimal("50000.00"),
    )  # fmt: skip
    order = select(other_buyer, units[2])
    pay(order, finance, order.deposit_amount, kind=ChargeKind.DEPOSIT)

    with pytest.raises(PaymentNotAllowed, match="认筹金只能转入同一购房人在本楼盘的订单"):
        services.deposit_convert(deposit=Deposit.objects.get(registration=registration), actor=finance, order=order)


def test_an_unused_intention_fee_is_refunded_with_a_red_receipt(registration, finance):
    payment = services.payment_record(
        actor=finance, registration=registration, method=method("cash"), charge_item=charge(ChargeKind.INTENTION),
        amount=Decimal("50000.00"),
    )  # fmt: skip
    deposit = Deposit.objects.get(registration=registration)

    refund = services.deposit_refund(deposit=deposit, actor=finance, reason="未选到房源，退还认筹金")

    deposit.refresh_from_db()
    registration.refresh_from_db()
    assert (deposit.status, deposit.refund_payment) == (DepositStatus.REFUNDED, refund)
    assert registration.fee_status == FeeStatus.REFUNDED
    assert (refund.kind, refund.amount, refund.refund_of) == (PaymentKind.REFUND, Decimal("-50000.00"), payment)
    assert (refund.receipt.kind, refund.receipt.reverses) == (ReceiptKind.RED, payment.receipt)
    assert refund.receipt.amount_in_words == "负伍万元整"


def test_a_deposit_of_a_live_order_is_not_refunded(reserved_order, finance):
    with pytest.raises(RefundNotAllowed, match="订单仍然有效"):
        services.deposit_refund(deposit=Deposit.objects.get(order=reserved_order), actor=finance, reason="退")


def test_a_deposit_is_forfeited_only_after_someone_else_approves(
    reserved_order, finance, second_finance, consultant, sales_manager
):
    cancel_by_change(reserved_order, applicant=consultant, approver=sales_manager, disposition="forfeit")
    deposit = Deposit.objects.get(order=reserved_order)

    services.deposit_forfeit_request(deposit=deposit, actor=finance, reason="购房人违约退房")
    with pytest.raises(PaymentNotAllowed, match="不能审批本人提出的没收申请"):
        services.deposit_forfeit_approve(deposit=deposit, actor=finance)
    services.deposit_forfeit_approve(deposit=deposit, actor=second_finance)

    deposit.refresh_from_db()
    assert (deposit.status, deposit.forfeit_requested_by, deposit.forfeit_approved_by) == (
        DepositStatus.FORFEITED,
        finance,
        second_finance,
    )
    assert history(deposit) == [("", "received"), ("received", "forfeit_pending"), ("forfeit_pending", "forfeited")]
    with pytest.raises(RefundNotAllowed):
        services.deposit_refund(deposit=deposit, actor=finance, reason="退")


def test_a_rejected_forfeit_goes_back_where_it_was(reserved_order, finance, second_finance, consultant, sales_manager):
    cancel_by_change(reserved_order, applicant=consultant, approver=sales_manager, disposition="forfeit")
    deposit = Deposit.objects.get(order=reserved_order)
    services.deposit_forfeit_request(deposit=deposit, actor=finance, reason="违约")

    services.deposit_forfeit_reject(deposit=deposit, actor=second_finance, note="合同约定可退")

    deposit.refresh_from_db()
    assert (deposit.status, deposit.forfeit_requested_by) == (DepositStatus.RECEIVED, None)


def test_only_a_cancelled_orders_deposit_can_be_forfeited(reserved_order, finance):
    with pytest.raises(PaymentNotAllowed, match="只有已退房（取消）订单的定金可以没收"):
        services.deposit_forfeit_request(
            deposit=Deposit.objects.get(order=reserved_order), actor=finance, reason="违约"
        )


def test_settling_a_refund_cancellation_refunds_everything_and_marks_the_order_refunded(
    reserved_order, finance, consultant, sales_manager
):
    pay(reserved_order, finance, "30000")
    pay(reserved_order, finance, "3600", kind=ChargeKind.MAINTENANCE_FUND)
    cancel_by_change(reserved_order, applicant=consultant, approver=sales_manager, disposition="refund")
    assert list(selectors.orders_awaiting_settlement(finance)) == [reserved_order]

    done = services.order_refund_settle(order=reserved_order, actor=finance)

    refunds = Payment.objects.filter(pk__in=done["refunds"]).order_by("pk")
    assert [refund.amount for refund in refunds] == [Decimal("-20000.00"), Decimal("-30000.00"), Decimal("-3600.00")]
    reserved_order.refresh_from_db()
    assert reserved_order.status == OrderStatus.REFUNDED
    assert Deposit.objects.get(order=reserved_order).status == DepositStatus.REFUNDED
    assert list(selectors.orders_awaiting_settlement(finance)) == []
    assert AuditEntry.objects.filter(action="sales.order.refunded", object_id=str(reserved_order.pk)).exists()


def test_settling_a_forfeit_cancellation_refunds_the_rest_and_asks_to_forfeit_the_deposit(
    reserved_order, finance, consultant, sales_manager
):
    pay(reserved_order, finance, "30000")
    cancel_by_change(reserved_order, applicant=consultant, approver=sales_manager, disposition="forfeit")

    done = services.order_refund_settle(order=reserved_order, actor=finance)

    assert [Payment.objects.get(pk=pk).amount for pk in done["refunds"]] == [Decimal("-30000.00")]
    assert Deposit.objects.get(order=reserved_order).status == DepositStatus.FORFEIT_PENDING
    reserved_order.refresh_from_db()
    assert reserved_order.status == OrderStatus.CANCELLED
    assert list(selectors.orders_awaiting_settlement(finance)) == []


def test_partial_refunds_never_exceed_what_was_paid(reserved_order, finance):
    payment = pay(reserved_order, finance, "1000")
    services.refund_create(payment=payment, amount=Decimal("600"), actor=finance, reason="多收")

    with pytest.raises(RefundNotAllowed, match=r"不超过可退金额 400\.00 元"):
        services.refund_create(payment=payment, amount=Decimal("400.01"), actor=finance, reason="多收")
    services.refund_create(payment=payment, amount=Decimal("400"), actor=finance, reason="多收")

    assert services.refundable(payment) == 0
    assert selectors.order_paid_amount(reserved_order.pk) == Decimal("20000.00")


def test_a_refund_needs_the_permission_and_a_reason(reserved_order, finance, consultant):
    payment = pay(reserved_order, finance, "1000")

    with pytest.raises(PaymentNotAllowed, match="您没有办理退款的权限"):
        services.refund_create(payment=payment, amount=Decimal("1"), actor=consultant, reason="多收")
    with pytest.raises(RefundNotAllowed, match="请填写退款原因"):
        services.refund_create(payment=payment, amount=Decimal("1"), actor=finance, reason=" ")
    assert not Payment.objects.filter(kind=PaymentKind.REFUND).exists()


def test_refunding_a_points_payment_gives_the_points_back(reserved_order, finance, buyer):
    services.points_award(buyer=buyer, points=100_000, reason="活动", actor=finance)
    payment = pay(reserved_order, finance, "500", method_code="points")

    refund = services.refund_create(payment=payment, amount=Decimal("200"), actor=finance, reason="积分退回")

    assert refund.points == 20_000
    assert services.points_balance(buyer) == 70_000
    assert refund.method.kind == MethodKind.POINTS


def test_a_coupon_bought_online_opens_a_ledger_line_and_is_refunded_unless_used(project, buyer, sales_manager, finance):
    scheme = sales_services.scheme_create(
        project=project, actor=sales_manager, name="开盘购房券", kind=SchemeKind.COUPON,
        valid_from=timezone.now() - timedelta(days=1), coupon_price_amount=Decimal("10000"),
        deduction_amount=Decimal("30000"),
    )  # fmt: skip
    coupon = sales_services.coupon_issue(scheme=scheme, buyer=buyer, actor=buyer)
    trade = services.trade_start(
        buyer=buyer, method=method("alipay"), coupon=coupon, notify_url="http://t/n", return_url="http://t/r"
    ).trade

    services.notification_handle(gateway_code="sandbox", params=notification(trade))

    coupon.refresh_from_db()
    deposit = Deposit.objects.get(coupon=coupon)
    assert coupon.status == CouponStatus.PAID
    assert (deposit.kind, deposit.amount) == (DepositKind.COUPON, Decimal("10000.00"))
    services.deposit_refund(deposit=deposit, actor=finance, reason="购房人放弃购房券")
    coupon.refresh_from_db()
    assert coupon.status == CouponStatus.REFUNDED


def test_deposits_of_signed_orders_are_converted_by_the_job(reserved_order, consultant, sales_manager):
    contract = {"contract_number": "HT-1", "contract_signed_on": timezone.localdate().isoformat()}
    change = sales_services.sales_change_apply(
        order=reserved_order, kind="sign", payload=contract, reason="签约", actor=consultant
    )
    sales_services.sales_change_approve(change=change, actor=sales_manager)

    assert services.deposits_convert_signed() == 1
    assert services.deposits_convert_signed() == 0
    assert Deposit.objects.get(order=reserved_order).status == DepositStatus.CONVERTED


def test_the_ledger_answers_whose_money_and_where(reserved_order, finance, buyer, units, pending_order):
    online = select(buyer, units[1])
    services.notification_handle(gateway_code="sandbox", params=notification(start_online(online)))

    totals = selectors.deposit_totals(finance)

    assert totals[(DepositKind.DEPOSIT, DepositStatus.RECEIVED)]["total"] == Decimal("40000.00")
    assert totals[(DepositKind.DEPOSIT, DepositStatus.RECEIVED)]["count"] == 2
    lines = list(selectors.deposit_list_for_user(finance))
    assert {line.order_id for line in lines} == {reserved_order.pk, online.pk}
    assert {line.buyer_id for line in lines} == {buyer.pk}
