"""The one way an order's status changes: transition table, compare-and-swap, status-change row."""

from django.db.models import Q

from sales.models import ORDER_TRANSITIONS, Order, OrderStatus, OrderStatusChange
from shuchang.core.exceptions import TransitionNotAllowed


def order_cas(
    *, order: Order, from_status: str, to_status: str, actor, reason: str = "", when: Q | None = None, **fields
) -> bool:
    """Move `order` from `from_status` to `to_status` if it is still there (and `when` holds).

    Returns False when another request changed the order first: the caller decides whether that
    is a refusal or an idempotent repeat. On success writes the status-change row and updates
    `order` in memory.
    """
    if to_status not in ORDER_TRANSITIONS[from_status]:
        raise TransitionNotAllowed(order, OrderStatus(from_status).label, OrderStatus(to_status).label)
    candidates = Order.objects.filter(pk=order.pk, status=from_status)
    if when is not None:
        candidates = candidates.filter(when)
    if candidates.update(status=to_status, **fields) != 1:
        return False
    order.status = to_status
    for name, value in fields.items():
        setattr(order, name, value)
    OrderStatusChange.objects.create(
        order=order, from_status=from_status, to_status=to_status, actor=_user_or_none(actor), reason=reason[:200]
    )
    return True


def _user_or_none(actor):
    return actor if actor is not None and getattr(actor, "pk", None) else None


def status_label(status: str) -> str:
    return OrderStatus(status).label
