"""Refusals of the sales domain. Each names a fact and carries the Chinese message the user sees."""

from listings.exceptions import UnitUnavailable
from shuchang.core.exceptions import ConcurrentChange, DomainError, TransitionNotAllowed

__all__ = [
    "AssistNotAllowed",
    "BuyerNotVerified",
    "ChangeNotAllowed",
    "ConcurrentChange",
    "CouponNotAvailable",
    "CustomerInvalid",
    "DomainError",
    "LotteryNotAllowed",
    "NotRegistered",
    "OpeningEnded",
    "OpeningInvalid",
    "OpeningNotOpen",
    "OpeningNotStarted",
    "OrderExpired",
    "OrderNotCancellable",
    "PaymentTooLate",
    "PriceChanged",
    "QuotaExceeded",
    "RegistrationClosed",
    "RegistrationUnpaid",
    "SchemeInvalid",
    "SelectionBusy",
    "TransitionNotAllowed",
    "TurnNotYet",
    "TurnOver",
    "UnitNotInOpening",
    "UnitNotPublished",
    "UnitReservedForOpening",
    "UnitTaken",
    "UnitWithheld",
]


# ---- selection (选房) ----------------------------------------------------------------------


class UnitTaken(UnitUnavailable):
    """Another buyer holds the unit (or it is sold); a subclass so views catching listings' error work."""

    default_message = "该房源已被选，请选择其他房源"


class UnitWithheld(DomainError):
    default_message = "该房源暂不可售，请选择其他房源"


class UnitNotPublished(DomainError):
    default_message = "该房源尚未公布，暂不可选"


class UnitNotInOpening(DomainError):
    default_message = "该房源不在本次开盘的房源范围内"


class UnitReservedForOpening(DomainError):
    """The unit belongs to an opening that has not ended: it can only be chosen there."""

    def __init__(self, opening_name: str):
        super().__init__(f"该房源属于开盘活动「{opening_name}」，请在开盘活动中选房")


class PriceChanged(DomainError):
    default_message = "该房源价格已调整，请刷新页面确认新价格后再选"


class BuyerNotVerified(DomainError):
    default_message = "请先完成实名认证后再选房"


class OpeningNotOpen(DomainError):
    default_message = "该开盘活动尚未发布"


class OpeningNotStarted(DomainError):
    default_message = "开盘尚未开始，请于开盘时间后再选房"


class OpeningEnded(DomainError):
    default_message = "本次开盘已结束"


class NotRegistered(DomainError):
    default_message = "您未报名本次开盘，不能选房"


class RegistrationUnpaid(DomainError):
    default_message = "您尚未缴纳认筹金，不能参加本次选房"


class TurnNotYet(DomainError):
    default_message = "还未到您的选房时间，请按摇号顺序在您的时段内选房"


class TurnOver(DomainError):
    default_message = "您的选房时段已结束"


class QuotaExceeded(DomainError):
    default_message = "您在本次开盘的选房数量已达上限"


class SelectionBusy(DomainError):
    default_message = "当前选房人数较多，请稍后再试"


class AssistNotAllowed(DomainError):
    default_message = "您无权为该客户代为选房"


# ---- orders (认购) ------------------------------------------------------------------------


class OrderExpired(DomainError):
    default_message = "该订单已超过支付时限并已失效"


class PaymentTooLate(DomainError):
    default_message = "定金支付时间已超过保留时限，订单不能确认"


class OrderNotCancellable(DomainError):
    default_message = "该订单当前不能取消"


# ---- openings, registration, lottery ---------------------------------------------------------


class OpeningInvalid(DomainError):
    default_message = "开盘活动设置有误"


class RegistrationClosed(DomainError):
    default_message = "本次开盘报名已截止"


class LotteryNotAllowed(DomainError):
    default_message = "当前不能进行摇号操作"


# ---- schemes, coupons, customers, sales changes ------------------------------------------------


class SchemeInvalid(DomainError):
    default_message = "营销方案设置有误"


class CouponNotAvailable(DomainError):
    default_message = "该优惠券当前不可用"


class CustomerInvalid(DomainError):
    default_message = "客户信息有误"


class ChangeNotAllowed(DomainError):
    default_message = "该销售变更当前不能办理"
