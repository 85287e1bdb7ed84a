"""Refunds (退款): a negative payment referencing the original, with a red receipt (红冲收据).

Online payments go back through their gateway. The refund request number is derived from the
original trade and the refund's position (SC…-R1, -R2 …), so a refund retried after a failure
between the platform's answer and our commit asks the platform again with the same number, and
the platform refunds it once.
"""

from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from audit.services import audit_record
from payments.exceptions import GatewayUnavailable, RefundNotAllowed
from payments.gateways import gateway_for_code
from payments.models import (
    Deposit,
    DepositKind,
    DepositStatus,
    MethodKind,
    Payment,
    PaymentKind,
    PaymentStatus,
)
from payments.services._common import actor_or_none, deposit_cas, require
from payments.services.points import points_for_amount, points_return_for
from payments.services.receipts import receipt_issue
from sales import services as sales_services
from sales.models import CouponStatus, DepositDisposition, Order, OrderStatus
from shuchang.core.money import ZERO, to_amount


def refundable(payment: Payment) -> Decimal:
    """What is left to refund of a payment (its amount minus confirmed refunds)."""
    refunded = Payment.objects.filter(refund_of=payment, status=PaymentStatus.CONFIRMED).aggregate(
        total=Sum("amount", default=ZERO)
    )["total"]
    return payment.amount + refunded


@transaction.atomic
def refund_create(*, payment: Payment, amount, actor, reason: str) -> Payment:
    """Refund `amount` of a confirmed payment: a negative payment, a red receipt, the money back the
    way it came (gateway / points / the cash drawer). A full refund of a 定金, 认筹金 or coupon
    closes its deposit line as refunded and tells sales (registration or coupon refunded)."""
    reason = (reason or "").strip()
    require(actor, "payments.refund_payment", payment.project_id, "您没有办理退款的权限")
    if not reason:
        raise RefundNotAllowed("请填写退款原因")
    try:
        amount = to_amount(amount)
    except (TypeError, ValueError) as exc:
        raise RefundNotAllowed("请输入正确的退款金额") from exc
    payment = (
        Payment.objects.select_for_update(of=("self",))
        .select_related("method", "charge_item", "trade")
        .get(pk=payment.pk)
    )
    if payment.kind != PaymentKind.PAYMENT or payment.status != PaymentStatus.CONFIRMED:
        raise RefundNotAllowed("只有已确认的收款可以退款")
    left = refundable(payment)
    if amount <= 0 or amount > left:
        raise RefundNotAllowed(f"退款金额须大于 0 且不超过可退金额 {left:,.2f} 元")
    deposit = getattr(payment, "deposit", None)
    if deposit is not None and deposit.status not in (DepositStatus.RECEIVED, DepositStatus.CONVERTED):
        raise RefundNotAllowed(f"该笔{deposit.get_kind_display()}当前为「{deposit.get_status_display()}」，不能退款")
    full = amount == left
    if deposit is not None and not full:
        raise RefundNotAllowed(f"{deposit.get_kind_display()}须全额退还")
    if deposit is not None and deposit.kind == DepositKind.DEPOSIT and payment.order.is_active:
        raise RefundNotAllowed("订单仍然有效，定金须在退房（订单取消）后退还")
    if deposit is not None and deposit.kind == DepositKind.COUPON and payment.coupon.status == CouponStatus.USED:
        raise RefundNotAllowed("购房券已在签约时抵扣，不能退款")
    method = payment.method
    points = points_for_amount(amount) if method.kind == MethodKind.POINTS else None
    refund = Payment.objects.create(
        project_id=payment.project_id,
        order_id=payment.order_id,
        registration_id=payment.registration_id,
        coupon_id=payment.coupon_id,
        buyer_id=payment.buyer_id,
        payer_name=payment.payer_name,
        method=method,
        charge_item=payment.charge_item,
        kind=PaymentKind.REFUND,
        status=PaymentStatus.CONFIRMED,
        amount=-amount,
        refund_of=payment,
        trade=payment.trade,
        points=points,
        reason=reason[:200],
        paid_at=timezone.now(),
        recorded_by=actor,
    )
    if points:
        points_return_for(payment=refund, actor=actor, reason=f"退款 #{refund.pk}，积分退回")
    receipt_issue(payment=refund, actor=actor, reverses=getattr(payment, "receipt", None))
    if deposit is not None:
        deposit_cas(
            deposit=deposit, to_status=DepositStatus.REFUNDED, actor=actor, reason=reason, refund_payment=refund
        )
        if deposit.kind == DepositKind.INTENTION:
            sales_services.registration_mark_refunded(registration=payment.registration, actor=actor)
        elif deposit.kind == DepositKind.COUPON:
            sales_services.coupon_mark_refunded(coupon=payment.coupon, actor=actor)
    if method.kind == MethodKind.ONLINE:
        # Last, once everything here has been accepted: a refusal above never sends money back.
        _refund_through_gateway(payment=payment, refund=refund, amount=amount, reason=reason)
    audit_record(
        actor=actor,
        action="payments.refund.created",
        target=refund,
        data={"payment_id": payment.pk, "amount": amount, "method": method.code, "reason": reason, "full": full},
    )
    return refund


def _refund_through_gateway(*, payment: Payment, refund: Payment, amount: Decimal, reason: str) -> None:
    trade = payment.trade
    gateway = gateway_for_code(trade.gateway) if trade else None
    if gateway is None:
        raise GatewayUnavailable("原支付通道未配置，无法原路退回，请改为线下退款并联系财务")
    position = Payment.objects.filter(refund_of=payment, status=PaymentStatus.CONFIRMED).count()
    request_no = f"{trade.out_trade_no}-R{position}"
    gateway.refund(out_trade_no=trade.out_trade_no, amount=amount, out_request_no=request_no, reason=reason)
    Payment.objects.filter(pk=refund.pk).update(external_ref=request_no)
    refund.external_ref = request_no


def order_refund_settle(*, order: Order, actor) -> dict:
    """Settle a cancelled order's money per its rule (退房的定金处理): everything paid is refunded,
    except a 定金 to be forfeited, which is put up for forfeit (approval needed). Each refund commits
    on its own; once nothing is left to refund and the rule was `refund`, sales marks the order refunded.
    """
    from payments.services.deposits import deposit_forfeit_request

    require(actor, "payments.refund_payment", order.project_id, "您没有办理退款的权限")
    if order.status != OrderStatus.CANCELLED:
        raise RefundNotAllowed(f"订单当前为「{order.get_status_display()}」，只有已取消（退房）的订单可以办理退款")
    reason = f"订单 {order.number} 退房退款" + (f"：{order.close_reason}" if order.close_reason else "")
    forfeit = order.deposit_disposition == DepositDisposition.FORFEIT
    done = {"refunds": [], "forfeit_requested": []}
    payments = Payment.objects.filter(order=order, kind=PaymentKind.PAYMENT, status=PaymentStatus.CONFIRMED).order_by(
        "pk"
    )
    for payment in payments:
        deposit = getattr(payment, "deposit", None)
        if forfeit and deposit is not None:
            if deposit.status in (DepositStatus.RECEIVED, DepositStatus.CONVERTED):
                deposit_forfeit_request(
                    deposit=deposit, actor=actor, reason=f"退房，定金不予退还：{order.close_reason}"
                )
                done["forfeit_requested"].append(deposit.pk)
            continue
        left = refundable(payment)
        if left > 0:
            done["refunds"].append(refund_create(payment=payment, amount=left, actor=actor, reason=reason).pk)
    for deposit in Deposit.objects.filter(converted_order=order, status=DepositStatus.CONVERTED).select_related(
        "payment"
    ):
        if forfeit:
            deposit_forfeit_request(
                deposit=deposit, actor=actor, reason=f"退房，已转定金的认筹金不予退还：{order.close_reason}"
            )
            done["forfeit_requested"].append(deposit.pk)
        else:
            done["refunds"].append(
                refund_create(
                    payment=deposit.payment, amount=refundable(deposit.payment), actor=actor, reason=reason
                ).pk
            )
    if order.deposit_disposition == DepositDisposition.REFUND and not _money_left(order):
        sales_services.order_mark_refunded(order=order, actor=actor_or_none(actor))
    return done


def _money_left(order: Order) -> bool:
    net = Payment.objects.filter(order=order, status=PaymentStatus.CONFIRMED).aggregate(
        total=Sum("amount", default=ZERO)
    )
    return net["total"] > 0
