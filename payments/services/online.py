"""Online payments: open a trade for the buyer, and apply what the gateway notifies — once.

Idempotency and safety, in order:
1. the notification's signature, app id and amount format (the gateway), then our trade number,
   the amount against our trade and the trade status (here); anything wrong is refused, written
   to the operation log as a refusal, and answered `failure`;
2. the trade row is locked while a notification is applied; a trade already paid (or held) with
   the same gateway trade number answers `success` and changes nothing — so a repeated, replayed
   or reordered notification (TRADE_FINISHED after TRADE_SUCCESS, TRADE_CLOSED after a payment)
   is applied at most once; the gateway trade number is unique across trades;
3. the payment, its receipt, the deposit line and the sales effect (the 定金 reserves the order)
   run in a savepoint: if the sales side refuses — the order expired before the money arrived,
   the 定金 was already paid another way, 认筹 closed — the money is HELD (a HeldPayment) for
   finance to refund or re-attach, and the notification is still answered `success`: the money
   is ours to handle, never lost and never asked for again.
"""

import secrets
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.services import audit_record, audit_record_refusal
from payments.exceptions import DomainError, GatewayUnavailable, NotificationRejected, PaymentNotAllowed
from payments.gateways import gateway_for_code, gateway_for_method
from payments.gateways.base import TRADE_CLOSED, PayRequest
from payments.models import (
    ChargeKind,
    HeldPayment,
    OnlineTrade,
    Payment,
    PaymentKind,
    PaymentMethod,
    PaymentStatus,
    TradePurpose,
    TradeStatus,
)
from payments.services._common import Target, charge_item_of_kind, person_name
from payments.services.collect import check_order_payment, payment_confirm
from sales.models import Coupon, CouponStatus, FeeStatus, Order, OrderStatus, Registration
from sales.services import order_expire_if_overdue

SUCCESS, FAILURE = "success", "failure"
# A registration fee or coupon may be paid within this long of opening the cashier.
OPEN_TRADE_MINUTES = 30
# Notification fields worth keeping on the trade (and in the log): no buyer identifiers beyond these.
_KEPT_FIELDS = (
    "notify_time",
    "notify_id",
    "trade_no",
    "out_trade_no",
    "trade_status",
    "total_amount",
    "receipt_amount",
    "gmt_payment",
    "gmt_close",
    "seller_id",
    "buyer_logon_id",
)
_CHARGE_FOR_PURPOSE = {
    TradePurpose.ORDER_DEPOSIT: ChargeKind.DEPOSIT,
    TradePurpose.REGISTRATION_FEE: ChargeKind.INTENTION,
    TradePurpose.COUPON: ChargeKind.COUPON,
}


@dataclass(frozen=True)
class TradeStart:
    trade: OnlineTrade
    pay_url: str


def _kept(params: dict) -> dict:
    return {key: params[key] for key in _KEPT_FIELDS if key in params}


def _new_out_trade_no() -> str:
    return f"SC{timezone.localtime():%Y%m%d%H%M%S}{secrets.token_hex(4).upper()}"


# ---- opening a trade --------------------------------------------------------------------------------


def _what_to_pay(*, buyer, order=None, registration=None, coupon=None) -> tuple[str, Target, Decimal, str, object]:
    """(purpose, target, amount, subject, expires_at) — or a refusal in the buyer's words."""
    now = timezone.now()
    if order is not None:
        if order.buyer_id != buyer.pk:
            raise PaymentNotAllowed("订单不存在")
        order = order_expire_if_overdue(order)
        if order.status != OrderStatus.PENDING_PAYMENT:
            raise PaymentNotAllowed(f"订单当前为「{order.get_status_display()}」，无需支付定金")
        check_order_payment(
            order=order, charge_item=charge_item_of_kind(ChargeKind.DEPOSIT), amount=order.deposit_amount
        )
        subject = f"{order.project.name} {order.unit.code} 定金"
        return TradePurpose.ORDER_DEPOSIT, Target.of_order(order), order.deposit_amount, subject, order.hold_expires_at
    if registration is not None:
        if registration.buyer_id != buyer.pk:
            raise PaymentNotAllowed("报名记录不存在")
        opening = registration.opening
        if registration.fee_status != FeeStatus.UNPAID:
            raise PaymentNotAllowed(f"认筹状态为「{registration.get_fee_status_display()}」，无需支付")
        if opening.lottery_drawn_at is not None or now >= opening.ends_at:
            raise PaymentNotAllowed("本次开盘已摇号或已结束，不能再缴纳认筹金")
        expires = min(now + timedelta(minutes=OPEN_TRADE_MINUTES), opening.ends_at)
        subject = f"{opening.project.name} {opening.name} 认筹金"
        return (
            TradePurpose.REGISTRATION_FEE,
            Target.of_registration(registration),
            registration.fee_amount,
            subject,
            expires,
        )
    if coupon is not None:
        if coupon.buyer_id != buyer.pk:
            raise PaymentNotAllowed("购房券不存在")
        if coupon.status != CouponStatus.UNPAID:
            raise PaymentNotAllowed(f"购房券状态为「{coupon.get_status_display()}」，无需支付")
        subject = f"{coupon.scheme.project.name} 购房券 {coupon.scheme.label}"
        expires = now + timedelta(minutes=OPEN_TRADE_MINUTES)
        return TradePurpose.COUPON, Target.of_coupon(coupon), coupon.price_amount, subject, expires
    raise PaymentNotAllowed("请选择要支付的款项")


def trade_start(
    *,
    buyer,
    method: PaymentMethod,
    notify_url: str,
    return_url: str,
    order: Order | None = None,
    registration: Registration | None = None,
    coupon: Coupon | None = None,
    mobile: bool = False,
) -> TradeStart:
    """Open (or reuse) the trade for what the buyer pays and return where to send their browser.

    One open trade per thing paid for: a second click reuses it; choosing another method closes
    the first (if it is paid anyway, its notification is still applied — or held).
    """
    gateway = gateway_for_method(method)
    if gateway is None:
        raise GatewayUnavailable()
    purpose, target, amount, subject, expires_at = _what_to_pay(
        buyer=buyer, order=order, registration=registration, coupon=coupon
    )
    with transaction.atomic():
        trade = _open_trade(
            purpose=purpose, target=target, amount=amount, subject=subject, expires_at=expires_at, method=method,
            gateway_code=gateway.code,
        )  # fmt: skip
    request = PayRequest(
        out_trade_no=trade.out_trade_no,
        amount=trade.amount,
        subject=trade.subject,
        expires_at=trade.expires_at,
        notify_url=notify_url,
        return_url=return_url,
        mobile=mobile,
        quit_url=return_url,
    )
    return TradeStart(trade=trade, pay_url=gateway.pay_url(request))


def _open_trade(*, purpose, target: Target, amount, subject, expires_at, method, gateway_code) -> OnlineTrade:
    open_trades = OnlineTrade.objects.filter(status=TradeStatus.CREATED, purpose=purpose, **target.fields)
    current = open_trades.select_for_update().first()
    if current is not None:
        if current.method_id == method.pk and current.gateway == gateway_code and current.amount == amount:
            return current
        OnlineTrade.objects.filter(pk=current.pk, status=TradeStatus.CREATED).update(status=TradeStatus.CLOSED)
    try:
        with transaction.atomic():
            trade = OnlineTrade.objects.create(
                out_trade_no=_new_out_trade_no(),
                gateway=gateway_code,
                method=method,
                purpose=purpose,
                project_id=target.project_id,
                buyer=target.buyer,
                amount=amount,
                subject=subject[:128],
                expires_at=expires_at,
                **target.fields,
            )
    except IntegrityError:
        return open_trades.get()  # a parallel click opened it first
    audit_record(
        actor=target.buyer,
        action="payments.trade.started",
        target=trade,
        data={"purpose": purpose, "amount": amount, "gateway": gateway_code, "target": _target_text(target)},
    )
    return trade


def _target_text(target: Target) -> str:
    if target.order is not None:
        return target.order.number
    if target.registration is not None:
        return f"registration {target.registration.pk}"
    return f"coupon {target.coupon.pk}"


# ---- notifications -------------------------------------------------------------------------------------


def _refuse(*, gateway_code: str, reason: str, params: dict, trade: OnlineTrade | None = None) -> str:
    audit_record_refusal(
        actor=None,
        action="payments.notification.rejected",
        message=reason,
        target=trade,
        data={"gateway": gateway_code, **_kept(params)},
    )
    return FAILURE


def notification_handle(*, gateway_code: str, params: dict) -> str:
    """Apply one asynchronous notification; returns the text to answer the gateway with."""
    params = {key: str(value) for key, value in params.items()}
    gateway = gateway_for_code(gateway_code)
    if gateway is None:
        return _refuse(gateway_code=gateway_code, reason="支付通道未配置", params=params)
    try:
        notification = gateway.verify_notification(params)
    except NotificationRejected as rejected:
        return _refuse(gateway_code=gateway_code, reason=rejected.reason, params=params)
    trade = OnlineTrade.objects.filter(out_trade_no=notification.out_trade_no, gateway=gateway_code).first()
    if trade is None:
        return _refuse(gateway_code=gateway_code, reason="商户订单号不存在", params=params)
    if notification.total_amount != trade.amount:
        return _refuse(
            gateway_code=gateway_code,
            reason=f"金额与交易不符：通知 {notification.total_amount}，交易 {trade.amount}",
            params=params,
            trade=trade,
        )
    if not notification.is_paid:
        if notification.trade_status == TRADE_CLOSED:
            # Closed unpaid at the platform (timed out). A closed notification after a payment is a
            # refund's echo: the refund was booked when we asked for it, so nothing changes.
            OnlineTrade.objects.filter(pk=trade.pk, status=TradeStatus.CREATED).update(status=TradeStatus.CLOSED)
        return SUCCESS
    try:
        _trade_paid(trade=trade, notification=notification)
    except _Replay as replay:
        return _refuse(gateway_code=gateway_code, reason=replay.reason, params=params, trade=trade)
    return SUCCESS


class _Replay(Exception):
    def __init__(self, reason: str):
        self.reason = reason


@transaction.atomic
def _trade_paid(*, trade: OnlineTrade, notification) -> None:
    trade = OnlineTrade.objects.select_for_update().get(pk=trade.pk)
    if trade.status in (TradeStatus.PAID, TradeStatus.HELD):
        if trade.gateway_trade_no == notification.gateway_trade_no:
            return  # already applied: a repeat, or TRADE_FINISHED after TRADE_SUCCESS
        raise _Replay(f"该交易已由支付平台交易号 {trade.gateway_trade_no} 支付，收到不同的交易号")
    paid_at = notification.paid_at or timezone.now()
    now = timezone.now()
    try:
        with transaction.atomic():
            # The gateway trade number is unique: a notification of another trade replayed against
            # this out_trade_no is refused here.
            OnlineTrade.objects.filter(pk=trade.pk).update(
                gateway_trade_no=notification.gateway_trade_no,
                paid_at=paid_at,
                notified_at=now,
                notification=_kept(notification.params),
                status=TradeStatus.PAID,
            )
    except IntegrityError as exc:
        raise _Replay(f"支付平台交易号 {notification.gateway_trade_no} 已属于另一笔交易") from exc
    trade.refresh_from_db()
    try:
        with transaction.atomic():
            payment = _payment_for_trade(trade=trade, paid_at=paid_at)
            payment_confirm(payment=payment, actor=None, sales_actor=trade.buyer)
    except (DomainError, IntegrityError) as refusal:
        reason = getattr(refusal, "message", "") or "收款未能入账"
        OnlineTrade.objects.filter(pk=trade.pk).update(status=TradeStatus.HELD)
        held = HeldPayment.objects.create(
            trade=trade, project_id=trade.project_id, buyer_id=trade.buyer_id, amount=trade.amount, reason=reason[:200]
        )
        audit_record(
            actor=None,
            action="payments.trade.held",
            target=held,
            data={"out_trade_no": trade.out_trade_no, "trade_no": trade.gateway_trade_no, "amount": trade.amount,
                  "reason": reason},
        )  # fmt: skip
        return
    audit_record(
        actor=None,
        action="payments.trade.paid",
        target=trade,
        data={"payment_id": payment.pk, "trade_no": trade.gateway_trade_no, "amount": trade.amount, "paid_at": paid_at},
    )


def _payment_for_trade(*, trade: OnlineTrade, paid_at) -> Payment:
    target = Target(
        project_id=trade.project_id,
        buyer=trade.buyer,
        order=trade.order,
        registration=trade.registration,
        coupon=trade.coupon,
    )
    charge_item = charge_item_of_kind(_CHARGE_FOR_PURPOSE[trade.purpose])
    if trade.order is not None:
        check_order_payment(order=trade.order, charge_item=charge_item, amount=trade.amount, paid_at=paid_at)
    return Payment.objects.create(
        project_id=trade.project_id,
        buyer=trade.buyer,
        payer_name=person_name(trade.buyer)[:50],
        method=trade.method,
        charge_item=charge_item,
        kind=PaymentKind.PAYMENT,
        status=PaymentStatus.CONFIRMED,
        amount=trade.amount,
        external_ref=trade.gateway_trade_no,
        trade=trade,
        paid_at=paid_at,
        recorded_by=None,
        **target.fields,
    )


def return_verify(*, gateway_code: str, params: dict) -> OnlineTrade | None:
    """The trade the buyer's browser came back for, if the return is genuinely signed; changes nothing."""
    gateway = gateway_for_code(gateway_code)
    if gateway is None:
        return None
    try:
        notification = gateway.verify_return({key: str(value) for key, value in params.items()})
    except NotificationRejected:
        return None
    return OnlineTrade.objects.filter(out_trade_no=notification.out_trade_no, gateway=gateway_code).first()


def trades_close_expired(*, grace_minutes: int = 60) -> int:
    """Mark trades nobody paid as closed, well after their deadline (a late notification still applies)."""
    cutoff = timezone.now() - timedelta(minutes=grace_minutes)
    return OnlineTrade.objects.filter(status=TradeStatus.CREATED, expires_at__lt=cutoff).update(
        status=TradeStatus.CLOSED
    )
