"""Online payments through the sandbox gateway (Alipay's signed protocol): a notification is applied
once; forged, tampered or misdirected ones are refused and logged; late money is held, never lost."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from audit.models import AuditEntry, AuditResult
from listings.models import UnitStatus
from payments import services
from payments.exceptions import GatewayUnavailable, HeldNotResolvable, PaymentNotAllowed
from payments.gateways.base import TRADE_CLOSED, TRADE_FINISHED, TRADE_SUCCESS, WAIT_BUYER_PAY
from payments.models import (
    Deposit,
    HeldPayment,
    HeldStatus,
    OnlineTrade,
    Payment,
    PaymentKind,
    Receipt,
    SandboxTrade,
    TradeStatus,
)
from payments.tests.factories import (
    cancel_by_change,
    charge,
    forged,
    notification,
    pay_deposit_cash,
    sandbox_paid,
    select,
    start_online,
)
from sales import services as sales_services
from sales.models import OrderStatus

pytestmark = pytest.mark.django_db


def money_state() -> dict:
    return {
        "payments": list(Payment.objects.order_by("pk").values_list("pk", "status", "amount")),
        "receipts": Receipt.objects.count(),
        "deposits": Deposit.objects.count(),
        "held": HeldPayment.objects.count(),
        "trades": list(OnlineTrade.objects.order_by("pk").values_list("pk", "status", "gateway_trade_no")),
    }


def refusals() -> list[str]:
    return list(
        AuditEntry.objects.filter(action="payments.notification.rejected", result=AuditResult.REFUSED)
        .order_by("id")
        .values_list("message", flat=True)
    )


def test_a_paid_notification_reserves_the_order_with_a_system_receipt(pending_order):
    trade = start_online(pending_order)

    answer = services.notification_handle(gateway_code="sandbox", params=notification(trade))

    assert answer == "success"
    trade.refresh_from_db()
    pending_order.refresh_from_db()
    assert trade.status == TradeStatus.PAID
    assert pending_order.status == OrderStatus.RESERVED
    assert pending_order.unit.status == UnitStatus.RESERVED
    payment = Payment.objects.get(trade=trade)
    assert (payment.amount, payment.recorded_by, payment.external_ref) == (
        Decimal("20000.00"),
        None,
        trade.gateway_trade_no,
    )
    assert payment.receipt.operator_name == "系统（线上支付）"
    assert Deposit.objects.get(order=pending_order).payment == payment


def test_a_repeated_notification_changes_nothing(pending_order):
    trade = start_online(pending_order)
    params = notification(trade)
    services.notification_handle(gateway_code="sandbox", params=params)
    before = money_state()

    for _ in range(3):
        assert services.notification_handle(gateway_code="sandbox", params=params) == "success"

    assert money_state() == before
    assert Payment.objects.filter(trade=trade).count() == 1


def test_trade_finished_after_trade_success_is_the_same_payment(pending_order):
    trade = start_online(pending_order)
    services.notification_handle(gateway_code="sandbox", params=notification(trade, status=TRADE_SUCCESS))
    before = money_state()

    assert services.notification_handle(gateway_code="sandbox", params=notification(trade, status=TRADE_FINISHED)) == (
        "success"
    )

    assert money_state() == before


def test_notifications_out_of_order_end_in_one_payment(pending_order):
    """TRADE_FINISHED arrives first, then TRADE_SUCCESS, then a late TRADE_CLOSED (a refund's echo)."""
    trade = start_online(pending_order)
    finished = notification(trade, status=TRADE_FINISHED)
    success = notification(trade, status=TRADE_SUCCESS)
    closed = notification(trade, status=TRADE_CLOSED)

    answers = [
        services.notification_handle(gateway_code="sandbox", params=params) for params in (finished, success, closed)
    ]

    assert answers == ["success"] * 3
    trade.refresh_from_db()
    assert trade.status == TradeStatus.PAID
    assert Payment.objects.filter(trade=trade).count() == 1
    pending_order.refresh_from_db()
    assert pending_order.status == OrderStatus.RESERVED


def test_waiting_and_closed_notifications_of_an_unpaid_trade_record_no_money(pending_order):
    trade = start_online(pending_order)

    services.notification_handle(gateway_code="sandbox", params=notification(trade, status=WAIT_BUYER_PAY))
    assert OnlineTrade.objects.get(pk=trade.pk).status == TradeStatus.CREATED
    services.notification_handle(gateway_code="sandbox", params=notification(trade, status=TRADE_CLOSED))

    assert OnlineTrade.objects.get(pk=trade.pk).status == TradeStatus.CLOSED
    assert not Payment.objects.exists()


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"total_amount": "0.01"}, "签名验证失败"),
        ({"trade_status": "TRADE_SUCCESS", "out_trade_no": "SC-SOMEONE-ELSE"}, "签名验证失败"),
        ({"app_id": "2021000000000000"}, "签名验证失败"),
        ({"sign": ""}, "缺少签名"),
        ({"sign_type": "RSA"}, "不支持的签名类型：RSA"),
    ],
)
def test_a_tampered_notification_is_refused_and_logged(pending_order, change, reason):
    trade = start_online(pending_order)
    params = forged(notification(trade), **change)
    before = money_state()

    assert services.notification_handle(gateway_code="sandbox", params=params) == "failure"

    assert money_state() == before
    assert refusals() == [reason]
    pending_order.refresh_from_db()
    assert pending_order.status == OrderStatus.PENDING_PAYMENT


def test_a_correctly_signed_notification_for_another_app_is_refused(pending_order):
    trade = start_online(pending_order)

    answer = services.notification_handle(gateway_code="sandbox", params=notification(trade, app_id="2021000000000000"))

    assert answer == "failure"
    assert refusals() == ["app_id 不符：'2021000000000000'"]
    assert not Payment.objects.exists()


def test_a_signed_notification_with_another_amount_is_refused(pending_order):
    trade = start_online(pending_order)

    answer = services.notification_handle(gateway_code="sandbox", params=notification(trade, total_amount="0.01"))

    assert answer == "failure"
    assert refusals() == ["金额与交易不符：通知 0.01，交易 20000.00"]
    assert not Payment.objects.exists()


def test_a_notification_for_an_unknown_trade_is_refused(pending_order):
    trade = start_online(pending_order)

    answer = services.notification_handle(gateway_code="sandbox", params=notification(trade, out_trade_no="SC000"))

    assert answer == "failure"
    assert refusals() == ["商户订单号不存在"]


def test_a_notification_to_an_unconfigured_gateway_is_refused(pending_order):
    trade = start_online(pending_order)

    assert services.notification_handle(gateway_code="alipay", params=notification(trade)) == "failure"
    assert refusals() == ["支付通道未配置"]


def test_another_trades_notification_replayed_against_this_trade_is_refused(buyer, units, other_buyer):
    first_order = select(buyer, units[0])
    second_order = select(other_buyer, units[1])
    first, second = start_online(first_order), start_online(second_order)
    services.notification_handle(gateway_code="sandbox", params=notification(first))
    stolen_trade_no = OnlineTrade.objects.get(pk=first.pk).gateway_trade_no

    answer = services.notification_handle(gateway_code="sandbox", params=notification(second, trade_no=stolen_trade_no))

    assert answer == "failure"
    assert refusals() == [f"支付平台交易号 {stolen_trade_no} 已属于另一笔交易"]
    second_order.refresh_from_db()
    assert second_order.status == OrderStatus.PENDING_PAYMENT


def test_money_arriving_after_the_order_expired_is_held(pending_order):
    trade = start_online(pending_order)
    params = notification(trade)
    sales_services.order_expire(order=pending_order, now=pending_order.hold_expires_at + timedelta(seconds=1))

    assert services.notification_handle(gateway_code="sandbox", params=params) == "success"

    trade.refresh_from_db()
    held = HeldPayment.objects.get(trade=trade)
    assert trade.status == TradeStatus.HELD
    assert (held.status, held.amount, held.buyer_id) == (HeldStatus.OPEN, Decimal("20000.00"), pending_order.buyer_id)
    assert held.reason == "订单已过期，不能收款"
    assert not Payment.objects.exists()
    assert AuditEntry.objects.filter(action="payments.trade.held", object_id=str(held.pk)).exists()
    # Repeating the notification does not hold the money twice.
    assert services.notification_handle(gateway_code="sandbox", params=params) == "success"
    assert HeldPayment.objects.count() == 1


def test_money_paid_in_time_but_notified_late_still_reserves(pending_order):
    trade = start_online(pending_order)
    sandbox_paid(trade)
    paid = timezone.localtime(pending_order.hold_expires_at - timedelta(seconds=5))
    params = notification(trade, gmt_payment=paid.strftime("%Y-%m-%d %H:%M:%S"))

    with time_machine.travel(pending_order.hold_expires_at + timedelta(seconds=20), tick=False):
        assert services.notification_handle(gateway_code="sandbox", params=params) == "success"

    pending_order.refresh_from_db()
    assert pending_order.status == OrderStatus.RESERVED


def test_a_second_deposit_paid_online_is_held(pending_order, finance):
    trade = start_online(pending_order)
    params = notification(trade)
    pay_deposit_cash(pending_order, finance)

    services.notification_handle(gateway_code="sandbox", params=params)

    assert HeldPayment.objects.get(trade=trade).reason == "该订单的定金已收取"
    assert Payment.objects.filter(order=pending_order).count() == 1


def test_a_second_click_reuses_the_open_trade(pending_order):
    first = start_online(pending_order)

    again = start_online(pending_order)

    assert again.pk == first.pk
    assert OnlineTrade.objects.count() == 1


def test_only_the_orders_buyer_can_pay_it(pending_order, other_buyer):
    with pytest.raises(PaymentNotAllowed, match="订单不存在"):
        start_online(pending_order, buyer=other_buyer)
    assert not OnlineTrade.objects.exists()


def test_without_a_configured_gateway_online_payment_is_unavailable(pending_order, settings):
    settings.PAYMENTS_SANDBOX_ENABLED = False

    with pytest.raises(GatewayUnavailable, match="线上支付暂未开通"):
        start_online(pending_order)


def test_an_online_deposit_is_refunded_through_the_gateway_after_cancellation(
    pending_order, finance, consultant, sales_manager
):
    trade = start_online(pending_order)
    services.notification_handle(gateway_code="sandbox", params=notification(trade))
    cancel_by_change(pending_order, applicant=consultant, approver=sales_manager, disposition="refund")

    done = services.order_refund_settle(order=pending_order, actor=finance)

    refund = Payment.objects.get(pk=done["refunds"][0])
    assert (refund.kind, refund.amount, refund.external_ref) == (
        PaymentKind.REFUND,
        Decimal("-20000.00"),
        f"{trade.out_trade_no}-R1",
    )
    sandbox_trade = SandboxTrade.objects.get(out_trade_no=trade.out_trade_no)
    assert sandbox_trade.refunds == {f"{trade.out_trade_no}-R1": "20000.00"}
    assert sandbox_trade.status == TRADE_CLOSED
    pending_order.refresh_from_db()
    assert pending_order.status == OrderStatus.REFUNDED
    assert refund.receipt.reverses == Payment.objects.get(trade=trade, kind=PaymentKind.PAYMENT).receipt


def test_held_money_is_refunded_through_the_gateway(pending_order, finance):
    trade = start_online(pending_order)
    params = notification(trade)
    sales_services.order_expire(order=pending_order, now=pending_order.hold_expires_at + timedelta(seconds=1))
    services.notification_handle(gateway_code="sandbox", params=params)
    held = HeldPayment.objects.get()

    services.held_refund(held=held, actor=finance, reason="订单已失效，原路退回")

    held.refresh_from_db()
    assert (held.status, held.resolved_by, held.refund_ref) == (HeldStatus.REFUNDED, finance, f"{trade.out_trade_no}-H")
    assert SandboxTrade.objects.get(out_trade_no=trade.out_trade_no).refunds == {f"{trade.out_trade_no}-H": "20000.00"}
    with pytest.raises(HeldNotResolvable, match="该暂挂款已退款"):
        services.held_refund(held=held, actor=finance, reason="再退一次")


def test_held_money_is_reattached_to_the_buyers_new_order(pending_order, finance, units, buyer):
    trade = start_online(pending_order)
    params = notification(trade)
    sales_services.order_expire(order=pending_order, now=pending_order.hold_expires_at + timedelta(seconds=1))
    services.notification_handle(gateway_code="sandbox", params=params)
    held = HeldPayment.objects.get()
    new_order = select(buyer, units[1])

    payment = services.held_reattach(held=held, actor=finance, order=new_order, charge_item=charge("deposit"))

    new_order.refresh_from_db()
    held.refresh_from_db()
    trade.refresh_from_db()
    assert new_order.status == OrderStatus.RESERVED
    assert (held.status, held.payment) == (HeldStatus.REATTACHED, payment)
    assert (payment.method.code, payment.external_ref, payment.receipt.method_name) == (
        "alipay",
        trade.gateway_trade_no,
        "支付宝",
    )


def test_the_return_page_signature_is_checked(pending_order):
    from payments.gateways import sandbox

    trade = start_online(pending_order)
    sandbox_trade = sandbox_paid(trade)
    params = sandbox.return_params(sandbox_trade)

    assert services.return_verify(gateway_code="sandbox", params=params) == trade
    assert services.return_verify(gateway_code="sandbox", params={**params, "total_amount": "1.00"}) is None
