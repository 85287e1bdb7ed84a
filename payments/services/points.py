"""The buyers' points (积分) ledger: award, spend on a payment, give back. The balance lives on one
row per buyer that the database keeps from going below zero; every change is an appended entry."""

from decimal import Decimal

from django.db import transaction
from django.db.models import F

from audit.services import audit_record
from payments.exceptions import AmountInvalid, PaymentNotAllowed, PointsInsufficient
from payments.models import Payment, PaymentSettings, PointsAccount, PointsEntry
from payments.services._common import actor_or_none


def points_balance(buyer) -> int:
    return PointsAccount.objects.filter(buyer=buyer).values_list("balance", flat=True).first() or 0


def points_for_amount(amount: Decimal) -> int:
    """How many points pay `amount` at the configured rate; the amount must be a whole number of points."""
    rate = PaymentSettings.current().yuan_per_point
    points = amount / rate
    if points != points.to_integral_value() or points <= 0:
        raise AmountInvalid(f"积分抵扣金额须为 {rate.normalize():f} 元的整数倍")
    return int(points)


def _account(buyer) -> PointsAccount:
    return PointsAccount.objects.get_or_create(buyer=buyer)[0]


@transaction.atomic
def points_award(*, buyer, points: int, reason: str, actor) -> PointsEntry:
    """Credit a buyer with points (活动赠送、推荐奖励 …)."""
    if actor is not None and not actor.has_perm("payments.award_points"):
        raise PaymentNotAllowed("您没有发放积分的权限")
    if buyer.is_staff:
        raise PaymentNotAllowed("员工账号没有积分")
    if points <= 0:
        raise AmountInvalid("发放的积分须大于 0")
    reason = (reason or "").strip()
    if not reason:
        raise PaymentNotAllowed("请填写发放积分的事由")
    account = _account(buyer)
    PointsAccount.objects.filter(pk=account.pk).update(balance=F("balance") + points)
    entry = PointsEntry.objects.create(account=account, points=points, reason=reason[:200], actor=actor_or_none(actor))
    audit_record(
        actor=actor, action="payments.points.awarded", target=entry, data={"buyer_id": buyer.pk, "points": points}
    )
    return entry


def points_spend(*, buyer, points: int, payment: Payment, actor) -> PointsEntry:
    """Take points for a payment, in the caller's transaction; refused (nothing taken) when short."""
    account = _account(buyer)
    # One conditional UPDATE: two parallel spends can never take the balance below zero.
    if PointsAccount.objects.filter(pk=account.pk, balance__gte=points).update(balance=F("balance") - points) != 1:
        raise PointsInsufficient(f"积分余额不足：需要 {points} 积分，现有 {points_balance(buyer)} 积分")
    return PointsEntry.objects.create(
        account=account,
        points=-points,
        reason=f"积分抵扣 {payment.charge_item.name}"[:200],
        payment=payment,
        actor=actor_or_none(actor),
    )


def points_return_for(*, payment: Payment, actor, reason: str) -> PointsEntry:
    """Give back the points a voided or refunded payment took (caller's transaction)."""
    account = _account(payment.buyer)
    PointsAccount.objects.filter(pk=account.pk).update(balance=F("balance") + payment.points)
    return PointsEntry.objects.create(
        account=account, points=payment.points, reason=reason[:200], payment=payment, actor=actor_or_none(actor)
    )
