"""Helpers the payment services share: who may act, what a payment is for, status moves."""

from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from payments.exceptions import ConcurrentChange, PaymentNotAllowed, TransitionNotAllowed
from payments.models import (
    DEPOSIT_TRANSITIONS,
    PAYMENT_TRANSITIONS,
    ChargeItem,
    Deposit,
    DepositEvent,
    DepositStatus,
    Payment,
    PaymentStatus,
)
from sales.permissions import in_scope

SYSTEM_OPERATOR = "系统（线上支付）"


def staff_may(user, perm: str, project_id: int) -> bool:
    """A staff user holding `perm` with the project in their data scope."""
    return bool(user is not None and user.is_authenticated and user.is_staff and user.has_perm(perm)) and in_scope(
        user, project_id
    )


def require(user, perm: str, project_id: int, message: str) -> None:
    if not staff_may(user, perm, project_id):
        raise PaymentNotAllowed(message)


def person_name(user) -> str:
    """A buyer's real name (their mobile if they have none); a staff member's full name."""
    if user is None:
        return SYSTEM_OPERATOR
    profile = getattr(user, "buyer_profile", None)
    if profile is not None and profile.real_name:
        return profile.real_name
    return user.get_full_name() or user.mobile or user.get_username()


def actor_or_none(actor):
    return actor if actor is not None and getattr(actor, "pk", None) else None


def charge_item_of_kind(kind: str) -> ChargeItem:
    return ChargeItem.objects.get(kind=kind)


@dataclass(frozen=True)
class Target:
    """What a payment is for: an order, a registration (认筹金) or a coupon, with its labels."""

    project_id: int
    buyer: object
    order: object = None
    registration: object = None
    coupon: object = None
    unit_label: str = ""

    @classmethod
    def of_order(cls, order) -> "Target":
        return cls(
            project_id=order.project_id,
            buyer=order.buyer,
            order=order,
            unit_label=f"{order.unit.code}（认购单 {order.number}）",
        )

    @classmethod
    def of_registration(cls, registration) -> "Target":
        return cls(
            project_id=registration.opening.project_id,
            buyer=registration.buyer,
            registration=registration,
            unit_label=f"{registration.opening.name} 认筹",
        )

    @classmethod
    def of_coupon(cls, coupon) -> "Target":
        return cls(
            project_id=coupon.scheme.project_id,
            buyer=coupon.buyer,
            coupon=coupon,
            unit_label=f"购房券 {coupon.scheme.name}",
        )

    @property
    def fields(self) -> dict:
        return {"order": self.order, "registration": self.registration, "coupon": self.coupon}


def payment_cas(*, payment: Payment, to_status: str, **fields) -> None:
    """Move a payment's status if it is still where we loaded it; refuse otherwise."""
    from_status = payment.status
    if to_status not in PAYMENT_TRANSITIONS[from_status]:
        raise TransitionNotAllowed(payment, PaymentStatus(from_status).label, PaymentStatus(to_status).label)
    if Payment.objects.filter(pk=payment.pk, status=from_status).update(status=to_status, **fields) != 1:
        raise ConcurrentChange(payment)
    payment.status = to_status
    for name, value in fields.items():
        setattr(payment, name, value)


def deposit_cas(*, deposit: Deposit, to_status: str, actor, reason: str = "", when: Q | None = None, **fields) -> None:
    """The one way a deposit's status moves: transition table, compare-and-swap, event row."""
    from_status = deposit.status
    if to_status not in DEPOSIT_TRANSITIONS[from_status]:
        raise TransitionNotAllowed(deposit, DepositStatus(from_status).label, DepositStatus(to_status).label)
    candidates = Deposit.objects.filter(pk=deposit.pk, status=from_status)
    if when is not None:
        candidates = candidates.filter(when)
    now = timezone.now()
    if candidates.update(status=to_status, status_changed_at=now, **fields) != 1:
        raise ConcurrentChange(deposit)
    deposit.status, deposit.status_changed_at = to_status, now
    for name, value in fields.items():
        setattr(deposit, name, value)
    DepositEvent.objects.create(
        deposit=deposit, from_status=from_status, to_status=to_status, actor=actor_or_none(actor), reason=reason[:200]
    )
