"""Sales models, split by sub-domain; import them from here (`from sales.models import Order`)."""

from sales.models.changes import SalesChange, SalesChangeKind, SalesChangeStatus
from sales.models.customers import Customer, CustomerSource, FollowUp, FollowUpMethod
from sales.models.openings import ELIGIBLE_FEE_STATUSES, FeeStatus, Opening, OpeningMode, Registration
from sales.models.orders import (
    ACTIVE_ORDER_STATUSES,
    ORDER_TRANSITIONS,
    DepositDisposition,
    Order,
    OrderCoBuyer,
    OrderStatus,
    OrderStatusChange,
)
from sales.models.schemes import (
    COUPON_LIVE_STATUSES,
    Coupon,
    CouponStatus,
    PaymentMethod,
    Scheme,
    SchemeKind,
    scheme_label,
)

__all__ = [
    "ACTIVE_ORDER_STATUSES",
    "COUPON_LIVE_STATUSES",
    "ELIGIBLE_FEE_STATUSES",
    "ORDER_TRANSITIONS",
    "Coupon",
    "CouponStatus",
    "Customer",
    "CustomerSource",
    "DepositDisposition",
    "FeeStatus",
    "FollowUp",
    "FollowUpMethod",
    "Opening",
    "OpeningMode",
    "Order",
    "OrderCoBuyer",
    "OrderStatus",
    "OrderStatusChange",
    "PaymentMethod",
    "Registration",
    "SalesChange",
    "SalesChangeKind",
    "SalesChangeStatus",
    "Scheme",
    "SchemeKind",
    "scheme_label",
]
