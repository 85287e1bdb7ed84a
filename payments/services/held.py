"""Held payments (暂挂款): money that arrived online but could not be applied. Finance either
refunds it through its gateway or re-attaches it to one of the buyer's orders."""

from django.db import transaction
from django.utils import timezone

from audit.services import audit_record
from payments.exceptions import GatewayUnavailable, HeldNotResolvable, PaymentNotAllowed
from payments.gateways import gateway_for_code
from payments.models import ChargeItem, HeldPayment, HeldStatus, Payment, PaymentKind, PaymentStatus
from payments.services._common import person_name, require
from payments.services.collect import check_order_payment, payment_confirm
from sales.models import Order


def _locked_open(held: HeldPayment, actor) -> HeldPayment:
    require(actor, "payments.resolve_heldpayment", held.project_id, "您没有处理暂挂款的权限")
    held = HeldPayment.objects.select_for_update(of=("self",)).select_related("trade", "trade__method").get(pk=held.pk)
    if held.status != HeldStatus.OPEN:
        raise HeldNotResolvable(f"该暂挂款{held.get_status_display()}")
    return held


@transaction.atomic
def held_refund(*, held: HeldPayment, actor, reason: str) -> HeldPayment:
    """Send the held money back the way it came (the whole amount)."""
    reason = (reason or "").strip()
    if not reason:
        raise PaymentNotAllowed("请填写退款原因")
    held = _locked_open(held, actor)
    trade = held.trade
    gateway = gateway_for_code(trade.gateway)
    if gateway is None:
        raise GatewayUnavailable("原支付通道未配置，无法原路退回")
    request_no = f"{trade.out_trade_no}-H"
    now = timezone.now()
    HeldPayment.objects.filter(pk=held.pk).update(
        status=HeldStatus.REFUNDED,
        refund_ref=request_no,
        resolved_by=actor,
        resolved_at=now,
        resolution_note=reason[:200],
    )
    gateway.refund(out_trade_no=trade.out_trade_no, amount=held.amount, out_request_no=request_no, reason=reason)
    held.refresh_from_db()
    audit_record(
        actor=actor,
        action="payments.held.refunded",
        target=held,
        data={"amount": held.amount, "out_trade_no": trade.out_trade_no, "reason": reason},
    )
    return held


@transaction.atomic
def held_reattach(*, held: HeldPayment, actor, order: Order, charge_item: ChargeItem, note: str = "") -> Payment:
    """Apply the held money to one of the same buyer's orders in the project, as a payment of
    `charge_item` (the 定金 of a new pending order, or part of a reserved order's price)."""
    held = _locked_open(held, actor)
    trade = held.trade
    if order.buyer_id != held.buyer_id or order.project_id != held.project_id:
        raise PaymentNotAllowed("暂挂款只能转入同一购房人在本楼盘的订单")
    check_order_payment(order=order, charge_item=charge_item, amount=held.amount)
    payment = Payment.objects.create(
        project_id=order.project_id,
        order=order,
        buyer_id=held.buyer_id,
        payer_name=person_name(held.buyer)[:50],
        method=trade.method,
        charge_item=charge_item,
        kind=PaymentKind.PAYMENT,
        status=PaymentStatus.CONFIRMED,
        amount=held.amount,
        external_ref=trade.gateway_trade_no,
        trade=trade,
        note=(note or f"暂挂款 #{held.pk} 转入")[:200],
        paid_at=timezone.now(),
        recorded_by=actor,
    )
    payment_confirm(payment=payment, actor=actor)
    HeldPayment.objects.filter(pk=held.pk).update(
        status=HeldStatus.REATTACHED,
        payment=payment,
        resolved_by=actor,
        resolved_at=timezone.now(),
        resolution_note=f"转入订单 {order.number}"[:200],
    )
    audit_record(
        actor=actor,
        action="payments.held.reattached",
        target=held,
        data={"order_id": order.pk, "payment_id": payment.pk, "amount": held.amount, "charge_item": charge_item.code},
    )
    return payment
