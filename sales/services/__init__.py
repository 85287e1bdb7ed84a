"""Sales writes. Call them module-qualified: `from sales import services; services.order_select(...)`.

Each service takes keyword-only arguments with an explicit `actor`, runs in its own transaction,
writes the operation log in that transaction, and raises a `DomainError` (sales.exceptions) with
the Chinese message on refusal, having changed nothing.
"""

from sales.services.changes import (
    CHANGE_ALLOWED_FROM,
    sales_change_apply,
    sales_change_approve,
    sales_change_reject,
    sales_change_validate,
    sales_change_withdraw,
)
from sales.services.customers import (
    customer_add_follow_up,
    customer_assign,
    customer_create,
    customer_ensure_for_buyer,
    customer_save,
    customer_validate,
)
from sales.services.openings import (
    opening_create,
    opening_lottery_commit,
    opening_lottery_draw,
    opening_publish,
    opening_save,
    opening_validate,
    registration_create,
    registration_mark_paid,
    registration_mark_refunded,
)
from sales.services.orders import (
    DEFAULT_DEPOSIT_AMOUNT,
    DEFAULT_HOLD_MINUTES,
    order_cancel,
    order_complete,
    order_expire,
    order_expire_if_overdue,
    order_mark_refunded,
    order_reserve,
    order_select,
    order_select_assisted,
    orders_expire_overdue,
)
from sales.services.schemes import (
    coupon_issue,
    coupon_mark_paid,
    coupon_mark_refunded,
    scheme_create,
    scheme_deactivate,
    scheme_save,
    scheme_validate,
)

__all__ = [
    "CHANGE_ALLOWED_FROM",
    "DEFAULT_DEPOSIT_AMOUNT",
    "DEFAULT_HOLD_MINUTES",
    "coupon_issue",
    "coupon_mark_paid",
    "coupon_mark_refunded",
    "customer_add_follow_up",
    "customer_assign",
    "customer_create",
    "customer_ensure_for_buyer",
    "customer_save",
    "customer_validate",
    "opening_create",
    "opening_lottery_commit",
    "opening_lottery_draw",
    "opening_publish",
    "opening_save",
    "opening_validate",
    "order_cancel",
    "order_complete",
    "order_expire",
    "order_expire_if_overdue",
    "order_mark_refunded",
    "order_reserve",
    "order_select",
    "order_select_assisted",
    "orders_expire_overdue",
    "registration_create",
    "registration_mark_paid",
    "registration_mark_refunded",
    "sales_change_apply",
    "sales_change_approve",
    "sales_change_reject",
    "sales_change_validate",
    "sales_change_withdraw",
    "scheme_create",
    "scheme_deactivate",
    "scheme_save",
    "scheme_validate",
]
