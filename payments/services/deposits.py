"""Moves of the deposits ledger: convert to purchase money, forfeit (requested, then approved by
someone else), refund. Each move is one compare-and-swap with an event row and a log entry."""

from django.db import transaction

from audit.services import audit_record
from payments.exceptions import DomainError, PaymentNotAllowed, RefundNotAllowed
from payments.models import Deposit, DepositEvent, DepositKind, DepositStatus, Payment
from payments.services._common import deposit_cas, require
from payments.services.refunds import refund_create, refundable
from sales.models import CouponStatus, Order, OrderStatus

_CONVERTIBLE_ORDER_STATUSES = (OrderStatus.RESERVED, OrderStatus.SIGNED, OrderStatus.COMPLETED)


@transaction.atomic
def deposit_convert(*, deposit: Deposit, actor, order: Order | None = None, reason: str = "") -> Deposit:
    """转房款: a 定金 becomes purchase money of its order (reserved onwards); a 认筹金 becomes purchase
    money of one of the buyer's orders in the project (then it counts toward that order's price);
    a coupon counts as converted once it was deducted at signing."""
    require(actor, "payments.convert_deposit", deposit.project_id, "您没有办理转房款的权限")
    fields = {}
    if deposit.kind == DepositKind.DEPOSIT:
        if deposit.order.status not in _CONVERTIBLE_ORDER_STATUSES:
            raise PaymentNotAllowed(f"订单当前为「{deposit.order.get_status_display()}」，定金不能转房款")
        note = "定金转房款"
    elif deposit.kind == DepositKind.INTENTION:
        if order is None:
            raise PaymentNotAllowed("请选择认筹金转入的订单")
        if order.buyer_id != deposit.buyer_id or order.project_id != deposit.project_id:
            raise PaymentNotAllowed("认筹金只能转入同一购房人在本楼盘的订单")
        if order.status not in _CONVERTIBLE_ORDER_STATUSES:
            raise PaymentNotAllowed(f"订单当前为「{order.get_status_display()}」，不能转入认筹金")
        fields["converted_order"] = order
        note = f"认筹金转入订单 {order.number}"
    else:
        if deposit.coupon.status != CouponStatus.USED:
            raise PaymentNotAllowed("购房券尚未在签约时抵扣")
        note = "购房券已在签约时抵扣"
    deposit_cas(deposit=deposit, to_status=DepositStatus.CONVERTED, actor=actor, reason=reason or note, **fields)
    audit_record(
        actor=actor,
        action="payments.deposit.converted",
        target=deposit,
        data={"kind": deposit.kind, "amount": deposit.amount, "order_id": order.pk if order else deposit.order_id},
    )
    return deposit


@transaction.atomic
def deposit_forfeit_request(*, deposit: Deposit, actor, reason: str) -> Deposit:
    """Ask to forfeit a 定金 (没收) after the buyer broke off a cancelled order; someone else approves."""
    reason = (reason or "").strip()
    require(actor, "payments.request_forfeit", deposit.project_id, "您没有申请没收定金的权限")
    if not reason:
        raise PaymentNotAllowed("请填写没收原因")
    if deposit.kind != DepositKind.DEPOSIT:
        raise PaymentNotAllowed(f"{deposit.get_kind_display()}不能没收，应退还购房人")
    if deposit.order.status != OrderStatus.CANCELLED:
        raise PaymentNotAllowed("只有已退房（取消）订单的定金可以没收")
    deposit_cas(
        deposit=deposit,
        to_status=DepositStatus.FORFEIT_PENDING,
        actor=actor,
        reason=reason,
        forfeit_reason=reason[:200],
        forfeit_requested_by=actor,
    )
    audit_record(actor=actor, action="payments.deposit.forfeit_requested", target=deposit, data={"reason": reason})
    return deposit


@transaction.atomic
def deposit_forfeit_approve(*, deposit: Deposit, actor) -> Deposit:
    require(actor, "payments.approve_forfeit", deposit.project_id, "您没有审批没收定金的权限")
    if deposit.forfeit_requested_by_id == actor.pk:
        raise PaymentNotAllowed("不能审批本人提出的没收申请")
    if deposit.status != DepositStatus.FORFEIT_PENDING:
        raise PaymentNotAllowed(f"该定金当前为「{deposit.get_status_display()}」，没有待审批的没收申请")
    deposit_cas(
        deposit=deposit, to_status=DepositStatus.FORFEITED, actor=actor, reason="批准没收", forfeit_approved_by=actor
    )
    audit_record(actor=actor, action="payments.deposit.forfeited", target=deposit, data={"amount": deposit.amount})
    return deposit


@transaction.atomic
def deposit_forfeit_reject(*, deposit: Deposit, actor, note: str) -> Deposit:
    """Turn down a forfeit request: the deposit returns to where it was (received or converted)."""
    note = (note or "").strip()
    require(actor, "payments.approve_forfeit", deposit.project_id, "您没有审批没收定金的权限")
    if not note:
        raise PaymentNotAllowed("请填写驳回意见")
    if deposit.status != DepositStatus.FORFEIT_PENDING:
        raise PaymentNotAllowed("该定金没有待审批的没收申请")
    previous = (
        DepositEvent.objects.filter(deposit=deposit, to_status=DepositStatus.FORFEIT_PENDING)
        .order_by("-id")
        .values_list("from_status", flat=True)
        .first()
    ) or DepositStatus.RECEIVED
    deposit_cas(
        deposit=deposit,
        to_status=previous,
        actor=actor,
        reason=f"驳回没收：{note}",
        forfeit_requested_by=None,
        forfeit_reason="",
    )
    audit_record(actor=actor, action="payments.deposit.forfeit_rejected", target=deposit, data={"note": note})
    return deposit


def deposit_refund(*, deposit: Deposit, actor, reason: str) -> Payment:
    """Give a 认筹金, 定金 or coupon back in full (a refund of its payment, with a red receipt)."""
    if deposit.status not in (DepositStatus.RECEIVED, DepositStatus.CONVERTED):
        raise RefundNotAllowed(f"该笔{deposit.get_kind_display()}当前为「{deposit.get_status_display()}」，不能退还")
    return refund_create(payment=deposit.payment, amount=refundable(deposit.payment), actor=actor, reason=reason)


def deposits_convert_signed(*, batch_size: int = 200) -> int:
    """The periodic job: 定金 of orders that were signed becomes purchase money (转房款); coupons
    deducted at signing are marked converted. Returns how many moved."""
    moved = 0
    due = Deposit.objects.filter(status=DepositStatus.RECEIVED).filter(
        kind__in=[DepositKind.DEPOSIT, DepositKind.COUPON]
    )
    candidates = list(
        due.filter(kind=DepositKind.DEPOSIT, order__status__in=[OrderStatus.SIGNED, OrderStatus.COMPLETED])[:batch_size]
    ) + list(due.filter(kind=DepositKind.COUPON, coupon__status=CouponStatus.USED)[:batch_size])
    for deposit in candidates:
        with transaction.atomic():
            try:
                deposit_cas(
                    deposit=deposit,
                    to_status=DepositStatus.CONVERTED,
                    actor=None,
                    reason="签约后定金转房款" if deposit.kind == DepositKind.DEPOSIT else "购房券已在签约时抵扣",
                )
            except DomainError:
                continue  # changed meanwhile: the next run looks again
            audit_record(actor=None, action="payments.deposit.converted", target=deposit, data={"auto": True})
            moved += 1
    return moved
