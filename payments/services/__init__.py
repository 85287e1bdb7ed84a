"""Payments writes. Call them module-qualified: `from payments import services; services.payment_record(...)`.

Each service takes keyword-only arguments with an explicit `actor`, runs in its own transaction
(or, where noted, the caller's), writes the operation log in that transaction, and raises a
`DomainError` (payments.exceptions) with the Chinese message on refusal, having changed nothing.
"""

from payments.services.collect import (
    AlreadyPaid,
    check_order_payment,
    payment_approve,
    payment_confirm,
    payment_record,
    payment_reject,
)
from payments.services.deposits import (
    deposit_convert,
    deposit_forfeit_approve,
    deposit_forfeit_reject,
    deposit_forfeit_request,
    deposit_refund,
    deposits_convert_signed,
)
from payments.services.held import held_reattach, held_refund
from payments.services.notices import notice_issue
from payments.services.online import (
    FAILURE,
    SUCCESS,
    TradeStart,
    notification_handle,
    return_verify,
    trade_start,
    trades_close_expired,
)
from payments.services.points import points_award, points_balance, points_for_amount
from payments.services.receipts import receipt_issue, receipt_prefix, receipt_print, receipt_void
from payments.services.refunds import order_refund_settle, refund_create, refundable
from payments.services.schedules import (
    default_template_for,
    order_price_basis,
    plan_amounts,
    plan_template_validate,
    schedule_create,
    schedule_ensure_default,
    schedule_plan,
)
from payments.services.shifts import ShiftLine, shift_close, shift_preview

__all__ = [
    "FAILURE",
    "SUCCESS",
    "AlreadyPaid",
    "ShiftLine",
    "TradeStart",
    "check_order_payment",
    "default_template_for",
    "deposit_convert",
    "deposit_forfeit_approve",
    "deposit_forfeit_reject",
    "deposit_forfeit_request",
    "deposit_refund",
    "deposits_convert_signed",
    "held_reattach",
    "held_refund",
    "notice_issue",
    "notification_handle",
    "order_price_basis",
    "order_refund_settle",
    "payment_approve",
    "payment_confirm",
    "payment_record",
    "payment_reject",
    "plan_amounts",
    "plan_template_validate",
    "points_award",
    "points_balance",
    "points_for_amount",
    "receipt_issue",
    "receipt_prefix",
    "receipt_print",
    "receipt_void",
    "refund_create",
    "refundable",
    "return_verify",
    "schedule_create",
    "schedule_ensure_default",
    "schedule_plan",
    "shift_close",
    "shift_preview",
    "trade_start",
    "trades_close_expired",
]
