"""The gateway interface every online payment channel implements, and the values it passes around.

A gateway knows how to ask the platform for money (a signed redirect to its cashier), how to
check what the platform says back (the asynchronous notification and the browser's return), and
how to give money back (refund). It knows nothing of orders: the services decide what a verified
notification means.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Protocol

# Alipay's trade statuses; other gateways map theirs onto these.
TRADE_SUCCESS = "TRADE_SUCCESS"
TRADE_FINISHED = "TRADE_FINISHED"
TRADE_CLOSED = "TRADE_CLOSED"
WAIT_BUYER_PAY = "WAIT_BUYER_PAY"
PAID_STATUSES = frozenset({TRADE_SUCCESS, TRADE_FINISHED})


@dataclass(frozen=True)
class PayRequest:
    out_trade_no: str
    amount: Decimal
    subject: str
    expires_at: datetime
    notify_url: str
    return_url: str
    mobile: bool = False  # wap.pay (phone browsers) instead of page.pay
    quit_url: str = ""


@dataclass(frozen=True)
class Notification:
    """A notification (or browser return) whose signature and app id have been checked."""

    out_trade_no: str
    gateway_trade_no: str
    total_amount: Decimal
    trade_status: str
    paid_at: datetime | None
    app_id: str
    params: dict = field(default_factory=dict)

    @property
    def is_paid(self) -> bool:
        return self.trade_status in PAID_STATUSES


@dataclass(frozen=True)
class RefundResult:
    out_request_no: str
    refund_amount: Decimal
    gateway_trade_no: str
    raw: dict = field(default_factory=dict)


class Gateway(Protocol):
    code: str
    name: str

    def pay_url(self, request: PayRequest) -> str:
        """Where to send the buyer's browser: the platform's cashier with the signed request."""

    def verify_notification(self, params: Mapping[str, str]) -> Notification:
        """The notification, if its signature, app id and amount format are right; else NotificationRejected."""

    def verify_return(self, params: Mapping[str, str]) -> Notification:
        """The same for the browser's return (which never changes anything by itself)."""

    def refund(self, *, out_trade_no: str, amount: Decimal, out_request_no: str, reason: str) -> RefundResult:
        """Give `amount` back; the same `out_request_no` twice refunds once. GatewayError when refused."""
