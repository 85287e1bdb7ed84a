"""Taking money: the counter (柜台收款), approval of payments that need it, and the one path every
payment takes once it counts (`payment_confirm`): the sales effect (a paid 定金 reserves the
order, a paid 认筹金 admits the buyer to the opening, a paid coupon becomes usable), the
deposits ledger, the receipt, the default schedule and, when the price is paid in full, the
order's completion."""

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from audit.services import audit_record
from payments import selectors
from payments.exceptions import (
    AmountInvalid,
    MethodNotAllowed,
    PaymentNotAllowed,
    WaiverNotAllowed,
)
from payments.models import (
    LIVE_DEPOSIT_STATUSES,
    LIVE_PAYMENT_STATUSES,
    PRICE_CHARGE_KINDS,
    ChargeItem,
    ChargeKind,
    Deposit,
    DepositEvent,
    DepositKind,
    DepositStatus,
    MethodKind,
    Payment,
    PaymentKind,
    PaymentMethod,
    PaymentSettings,
    PaymentStatus,
    WaiverLimit,
)
from payments.services._common import Target, actor_or_none, payment_cas, person_name, require
from payments.services.points import points_for_amount, points_return_for, points_spend
from payments.services.receipts import receipt_issue
from payments.services.schedules import order_price_basis, schedule_ensure_default
from sales import services as sales_services
from sales.models import Order, OrderStatus, Registration
from shuchang.core.money import ZERO, to_amount

# Which charge items go with which target.
_ORDER_CHARGES = {
    ChargeKind.DEPOSIT,
    ChargeKind.DOWN_PAYMENT,
    ChargeKind.HOUSE_PRICE,
    ChargeKind.MAINTENANCE_FUND,
    ChargeKind.OTHER,
}
_DEPOSIT_KIND_FOR_CHARGE = {
    ChargeKind.DEPOSIT: DepositKind.DEPOSIT,
    ChargeKind.INTENTION: DepositKind.INTENTION,
    ChargeKind.COUPON: DepositKind.COUPON,
}


class AlreadyPaid(PaymentNotAllowed):
    """The 定金 / 认筹金 / coupon this payment is for has been paid by another payment."""


def _amount(value) -> Decimal:
    try:
        amount = to_amount(value)
    except (TypeError, ValueError) as exc:
        raise AmountInvalid("请输入正确的金额") from exc
    if amount <= 0:
        raise AmountInvalid("金额须大于 0")
    return amount


# ---- the checks a payment for an order must pass -------------------------------------------------------


def check_order_payment(*, order: Order, charge_item: ChargeItem, amount: Decimal, paid_at=None) -> None:
    """Refuse a payment the order cannot take: wrong state, a partial or second 定金, more than is owed.

    `paid_at` is when the money was paid (an online payment notified late was still paid in time).
    """
    kind = charge_item.kind
    if kind not in _ORDER_CHARGES:
        raise PaymentNotAllowed(f"「{charge_item.name}」不能记在认购订单上")
    if order.status in (OrderStatus.EXPIRED, OrderStatus.CANCELLED, OrderStatus.REFUNDED):
        raise PaymentNotAllowed(f"订单{order.get_status_display()}，不能收款")
    if kind == ChargeKind.DEPOSIT:
        if amount != order.deposit_amount:
            raise AmountInvalid(f"定金须一次付清 {order.deposit_amount:,.2f} 元")
        if Deposit.objects.filter(order=order, kind=DepositKind.DEPOSIT, status__in=LIVE_DEPOSIT_STATUSES).exists():
            raise AlreadyPaid("该订单的定金已收取")
        if order.status == OrderStatus.PENDING_PAYMENT and order.hold_expires_at < (paid_at or timezone.now()):
            raise PaymentNotAllowed("订单已超过支付时限，不能再收取定金")
        return
    if order.status == OrderStatus.PENDING_PAYMENT:
        raise PaymentNotAllowed("订单尚未支付定金，请先收取定金")
    if kind in PRICE_CHARGE_KINDS:
        owed = order_price_basis(order) - selectors.order_paid_amount(order.pk)
        if amount > owed:
            raise AmountInvalid(f"本次收款超过该订单未付房款 {max(owed, ZERO):,.2f} 元")


def _check_target_charge(target: Target, charge_item: ChargeItem) -> None:
    if target.registration is not None and charge_item.kind != ChargeKind.INTENTION:
        raise PaymentNotAllowed("认筹报名只能收取认筹金/诚意金")
    if target.coupon is not None and charge_item.kind != ChargeKind.COUPON:
        raise PaymentNotAllowed("购房券只能收取购券款")


def _check_registration_payment(registration: Registration, amount: Decimal) -> None:
    if registration.fee_status != "unpaid":
        raise AlreadyPaid(f"该报名的认筹状态为「{registration.get_fee_status_display()}」，不能收取认筹金")
    if amount != registration.fee_amount:
        raise AmountInvalid(f"认筹金须一次付清 {registration.fee_amount:,.2f} 元")


def _check_waiver(*, actor, target: Target, amount: Decimal, charge_item: ChargeItem, reason: str) -> None:
    if not actor.has_perm("payments.grant_waiver"):
        raise WaiverNotAllowed("您没有减免权限，减免须由销售经理办理")
    if not reason:
        raise WaiverNotAllowed("减免须填写事由")
    if target.order is None or charge_item.kind not in (*PRICE_CHARGE_KINDS, ChargeKind.OTHER):
        raise WaiverNotAllowed("只能减免订单的房款或其他费用")
    if charge_item.kind == ChargeKind.DEPOSIT:
        raise WaiverNotAllowed("定金不能减免")
    # The order row is locked so two waivers on one order cannot both fit under the limit.
    Order.objects.select_for_update().filter(pk=target.order.pk).first()
    limit = WaiverLimit.objects.filter(user=actor).values_list("limit_amount", flat=True).first()
    if limit is None:
        limit = PaymentSettings.current().default_waiver_limit_amount
    granted = Payment.objects.filter(
        order=target.order, method__kind=MethodKind.WAIVER, status__in=LIVE_PAYMENT_STATUSES
    ).aggregate(total=Sum("amount", default=ZERO))["total"]
    if granted + amount > limit:
        raise WaiverNotAllowed(f"超出您的减免额度：每单累计上限 {limit:,.2f} 元，该订单已减免 {granted:,.2f} 元")


def _existing_for_reference(method: PaymentMethod, external_ref: str) -> Payment | None:
    if not external_ref:
        return None
    return Payment.objects.filter(method=method, external_ref=external_ref, status__in=LIVE_PAYMENT_STATUSES).first()


# ---- the counter -------------------------------------------------------------------------------------------


@transaction.atomic
def payment_record(
    *,
    actor,
    method: PaymentMethod,
    charge_item: ChargeItem,
    amount,
    order: Order | None = None,
    registration: Registration | None = None,
    external_ref: str = "",
    reason: str = "",
    note: str = "",
) -> Payment:
    """A consultant or finance records money taken at the counter (cash, POS, transfer), a waiver
    (减免, with the permission, a reason and within the limit) or points (积分) for an order or a
    registration's 认筹金. Partial payments of the price are fine; 定金 and 认筹金 are paid whole.

    A method that needs approval leaves the payment pending (no receipt yet); otherwise it counts
    at once and its receipt is issued in this transaction. The same bank serial / POS reference
    recorded again returns the first payment when it is the same payment, and is refused otherwise.
    """
    if (order is None) == (registration is None):
        raise PaymentNotAllowed("请选择收款的订单或认筹报名")
    target = Target.of_order(order) if order is not None else Target.of_registration(registration)
    require(actor, "payments.record_payment", target.project_id, "您没有登记收款的权限")
    amount = _amount(amount)
    external_ref, reason, note = (external_ref or "").strip(), (reason or "").strip(), (note or "").strip()
    if not method.is_enabled or method.kind == MethodKind.ONLINE:
        raise MethodNotAllowed("线上支付须由购房人在线完成" if method.is_online else "该支付方式已停用")
    if method.needs_reference and not external_ref:
        raise PaymentNotAllowed(f"请填写{method.name}的流水号/参考号")
    if not charge_item.is_enabled:
        raise PaymentNotAllowed("该收费项目已停用")
    _check_target_charge(target, charge_item)
    existing = _existing_for_reference(method, external_ref)
    if existing is not None:
        same = (
            existing.amount == amount
            and existing.order_id == (order.pk if order else None)
            and (existing.registration_id == (registration.pk if registration else None))
        )
        if same:
            return existing  # the same slip entered twice
        raise PaymentNotAllowed(f"流水号 {external_ref} 已登记过（收款 #{existing.pk}），请核对")
    if order is not None:
        check_order_payment(order=order, charge_item=charge_item, amount=amount)
    else:
        _check_registration_payment(registration, amount)
    points = None
    if method.kind == MethodKind.WAIVER:
        _check_waiver(actor=actor, target=target, amount=amount, charge_item=charge_item, reason=reason)
    elif method.kind == MethodKind.POINTS:
        points = points_for_amount(amount)
    try:
        with transaction.atomic():
            payment = Payment.objects.create(
                project_id=target.project_id,
                buyer=target.buyer,
                payer_name=person_name(target.buyer)[:50],
                method=method,
                charge_item=charge_item,
                kind=PaymentKind.PAYMENT,
                status=PaymentStatus.PENDING_APPROVAL if method.needs_approval else PaymentStatus.CONFIRMED,
                amount=amount,
                external_ref=external_ref[:64],
                points=points,
                reason=reason[:200],
                note=note[:200],
                paid_at=timezone.now(),
                recorded_by=actor,
                **target.fields,
            )
    except IntegrityError as exc:
        raise PaymentNotAllowed(f"流水号 {external_ref} 已登记过，请核对") from exc
    if points:
        points_spend(buyer=target.buyer, points=points, payment=payment, actor=actor)
    audit_record(
        actor=actor,
        action="payments.payment.recorded",
        target=payment,
        data={
            "target": payment.target_label,
            "method": method.code,
            "charge_item": charge_item.code,
            "amount": amount,
            "external_ref": external_ref,
            "reason": reason,
            "status": payment.status,
        },
    )
    if payment.status == PaymentStatus.CONFIRMED:
        payment_confirm(payment=payment, actor=actor)
    return payment


@transaction.atomic
def payment_approve(*, payment: Payment, actor, note: str = "") -> Payment:
    """A payment recorded with a method that needs approval counts once someone else approves it."""
    require(actor, "payments.approve_payment", payment.project_id, "您没有审批收款的权限")
    if payment.recorded_by_id == actor.pk:
        raise PaymentNotAllowed("不能审批本人登记的收款")
    if payment.status != PaymentStatus.PENDING_APPROVAL:
        raise PaymentNotAllowed(f"该收款当前为「{payment.get_status_display()}」，无需审批")
    payment_cas(
        payment=payment,
        to_status=PaymentStatus.CONFIRMED,
        reviewed_by=actor,
        reviewed_at=timezone.now(),
        review_note=(note or "").strip()[:200],
    )
    audit_record(actor=actor, action="payments.payment.approved", target=payment, data={"note": note})
    payment_confirm(payment=payment, actor=actor)
    return payment


@transaction.atomic
def payment_reject(*, payment: Payment, actor, note: str) -> Payment:
    """Refuse a pending payment (the transfer never arrived …); it never counts, points go back."""
    require(actor, "payments.approve_payment", payment.project_id, "您没有审批收款的权限")
    note = (note or "").strip()
    if not note:
        raise PaymentNotAllowed("请填写驳回原因")
    if payment.status != PaymentStatus.PENDING_APPROVAL:
        raise PaymentNotAllowed(f"该收款当前为「{payment.get_status_display()}」，不能驳回")
    payment_cas(
        payment=payment,
        to_status=PaymentStatus.REJECTED,
        reviewed_by=actor,
        reviewed_at=timezone.now(),
        review_note=note[:200],
    )
    if payment.points:
        points_return_for(payment=payment, actor=actor, reason=f"收款 #{payment.pk} 被驳回，积分退回")
    audit_record(actor=actor, action="payments.payment.rejected", target=payment, data={"note": note})
    return payment


# ---- what a counted payment does ------------------------------------------------------------------


def payment_confirm(*, payment: Payment, actor, sales_actor=None) -> None:
    """Everything that follows from a payment that counts, in the caller's transaction.

    `actor` is the operator (None for an online payment: the receipt says 系统); `sales_actor` is who
    the sales records name (the buyer for an online payment). A DomainError here undoes it all.
    """
    sales_actor = sales_actor or actor_or_none(actor) or payment.buyer
    _apply_sales_effect(payment=payment, actor=sales_actor)
    _open_deposit(payment=payment, actor=actor)
    receipt_issue(payment=payment, actor=actor)
    order = payment.order
    if order is not None and order.status in (OrderStatus.RESERVED, OrderStatus.SIGNED):
        schedule_ensure_default(order=order, actor=actor)
        if order.status == OrderStatus.SIGNED and payment.charge_item.counts_toward_price:
            _complete_if_paid(order=order, actor=sales_actor)


def _apply_sales_effect(*, payment: Payment, actor) -> None:
    kind = payment.charge_item.kind
    if payment.order_id and kind == ChargeKind.DEPOSIT and payment.order.status == OrderStatus.PENDING_PAYMENT:
        sales_services.order_reserve(order=payment.order, actor=actor, paid_at=payment.paid_at)
    elif payment.registration_id:
        sales_services.registration_mark_paid(registration=payment.registration, actor=actor, paid_at=payment.paid_at)
    elif payment.coupon_id:
        sales_services.coupon_mark_paid(coupon=payment.coupon, actor=actor, paid_at=payment.paid_at)


def _open_deposit(*, payment: Payment, actor) -> Deposit | None:
    """A 定金, 认筹金 or coupon payment opens its line in the deposits ledger (one per thing paid for)."""
    kind = _DEPOSIT_KIND_FOR_CHARGE.get(payment.charge_item.kind)
    if kind is None:
        return None
    try:
        with transaction.atomic():
            deposit = Deposit.objects.create(
                project_id=payment.project_id,
                buyer_id=payment.buyer_id,
                kind=kind,
                order_id=payment.order_id,
                registration_id=payment.registration_id,
                coupon_id=payment.coupon_id,
                amount=payment.amount,
                payment=payment,
            )
    except IntegrityError as exc:
        raise AlreadyPaid(f"该{DepositKind(kind).label}已由另一笔收款支付") from exc
    DepositEvent.objects.create(
        deposit=deposit, from_status="", to_status=DepositStatus.RECEIVED, actor=actor_or_none(actor), reason="收取"
    )
    return deposit


def _complete_if_paid(*, order: Order, actor) -> None:
    if selectors.order_paid_amount(order.pk) >= order_price_basis(order):
        sales_services.order_complete(order=order, actor=actor)
