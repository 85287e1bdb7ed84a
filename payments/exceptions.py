"""Refusals of the payments domain. Each carries the Chinese message the user (or finance) reads."""

from shuchang.core.exceptions import ConcurrentChange, DomainError, TransitionNotAllowed

__all__ = [
    "AmountInvalid",
    "ConcurrentChange",
    "DomainError",
    "GatewayError",
    "GatewayUnavailable",
    "HeldNotResolvable",
    "MethodNotAllowed",
    "NotificationRejected",
    "PaymentNotAllowed",
    "PointsInsufficient",
    "ReceiptNotVoidable",
    "RefundNotAllowed",
    "ScheduleInvalid",
    "TransitionNotAllowed",
    "WaiverNotAllowed",
]


class PaymentNotAllowed(DomainError):
    default_message = "不能登记该笔收款"


class MethodNotAllowed(DomainError):
    default_message = "该支付方式当前不可用"


class AmountInvalid(DomainError):
    default_message = "金额不正确"


class WaiverNotAllowed(DomainError):
    default_message = "您没有减免权限"


class PointsInsufficient(DomainError):
    default_message = "积分余额不足"


class ReceiptNotVoidable(DomainError):
    default_message = "该收据不能作废"


class RefundNotAllowed(DomainError):
    default_message = "该笔收款不能退款"


class ScheduleInvalid(DomainError):
    default_message = "付款方案不正确"


class HeldNotResolvable(DomainError):
    default_message = "该暂挂款已处理"


class GatewayUnavailable(DomainError):
    default_message = "线上支付暂未开通，请到售楼处柜台办理"


class GatewayError(DomainError):
    """The payment platform refused or could not be reached; nothing was recorded."""

    default_message = "支付平台暂时无法处理，请稍后重试"


class NotificationRejected(Exception):
    """A gateway notification that must not be applied (forged, tampered, for another app …).

    Not a DomainError: nobody reads it on a page; the reason goes to the operation log.
    """

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)
