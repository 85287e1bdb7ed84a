"""Orders (认购): the unit a buyer selected, its price snapshot, and its status history."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from sales.models.schemes import PaymentMethod
from shuchang.core.masking import mask_id_number, mask_mobile, mask_name
from shuchang.core.money import AmountField


class OrderStatus(models.TextChoices):
    PENDING_PAYMENT = "pending_payment", "待付定金"
    RESERVED = "reserved", "已认购"
    SIGNED = "signed", "已签约"
    COMPLETED = "completed", "已完成"
    EXPIRED = "expired", "已过期"
    CANCELLED = "cancelled", "已取消"
    REFUNDED = "refunded", "已退款"


# An active order holds its unit (and, in an opening, one of the buyer's quota slots).
ACTIVE_ORDER_STATUSES = [
    OrderStatus.PENDING_PAYMENT,
    OrderStatus.RESERVED,
    OrderStatus.SIGNED,
    OrderStatus.COMPLETED,
]

# Every allowed move, in one place; pages use it to decide which buttons to show.
ORDER_TRANSITIONS: dict[str, set[str]] = {
    OrderStatus.PENDING_PAYMENT: {OrderStatus.RESERVED, OrderStatus.EXPIRED, OrderStatus.CANCELLED},
    OrderStatus.RESERVED: {OrderStatus.SIGNED, OrderStatus.CANCELLED},
    OrderStatus.SIGNED: {OrderStatus.COMPLETED, OrderStatus.CANCELLED},
    OrderStatus.COMPLETED: set(),
    OrderStatus.EXPIRED: set(),
    # A cancelled order whose deposit is to be returned becomes refunded once payments has paid it back.
    OrderStatus.CANCELLED: {OrderStatus.REFUNDED},
    OrderStatus.REFUNDED: set(),
}


class DepositDisposition(models.TextChoices):
    NONE = "", "—"
    REFUND = "refund", "退还定金"
    FORFEIT = "forfeit", "定金不予退还"


class Order(models.Model):
    project = models.ForeignKey(
        "listings.Project", verbose_name="楼盘", on_delete=models.PROTECT, related_name="orders"
    )
    unit = models.ForeignKey("listings.Unit", verbose_name="房源", on_delete=models.PROTECT, related_name="orders")
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="购房人", on_delete=models.PROTECT, related_name="sales_orders"
    )
    customer = models.ForeignKey(
        "sales.Customer", verbose_name="客户", null=True, blank=True, on_delete=models.PROTECT, related_name="orders"
    )
    consultant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="代选置业顾问",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    opening = models.ForeignKey(
        "sales.Opening", verbose_name="开盘活动", null=True, blank=True, on_delete=models.PROTECT, related_name="orders"
    )
    # In an opening each active order takes one of the registration's quota slots 1..quota; the
    # quota is copied onto the row so the database itself can refuse a slot beyond it.
    registration = models.ForeignKey(
        "sales.Registration",
        verbose_name="开盘报名",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
    )
    quota_slot = models.PositiveSmallIntegerField("限购序号", null=True, blank=True)
    opening_quota = models.PositiveSmallIntegerField("限购套数", null=True, blank=True)
    status = models.CharField("状态", max_length=20, choices=OrderStatus.choices, default=OrderStatus.PENDING_PAYMENT)
    request_token = models.CharField("提交标识", max_length=64)
    payment_method = models.CharField("付款方式", max_length=10, choices=PaymentMethod.choices)
    # The price as it was when the order was made: never recomputed (调价 makes a new version).
    price_version = models.ForeignKey(
        "listings.PriceListVersion",
        verbose_name="价目表版本",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    list_price_amount = AmountField("表价")
    price_amount = AmountField("成交价")
    price_breakdown = models.JSONField("价格明细")
    deposit_amount = AmountField("定金")
    coupon_deduction_amount = AmountField("购房券抵扣", default=0)
    contract_price_amount = AmountField("合同价", null=True, blank=True)
    contract_number = models.CharField("合同编号", max_length=50, blank=True)
    contract_signed_on = models.DateField("签约日期", null=True, blank=True)
    deposit_disposition = models.CharField(
        "定金处理", max_length=10, choices=DepositDisposition.choices, blank=True, default=DepositDisposition.NONE
    )
    hold_expires_at = models.DateTimeField("锁定截止时间", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("选房时间", auto_now_add=True)
    reserved_at = models.DateTimeField("认购时间", null=True, blank=True)
    signed_at = models.DateTimeField("签约时间", null=True, blank=True)
    completed_at = models.DateTimeField("完成时间", null=True, blank=True)
    closed_at = models.DateTimeField("关闭时间", null=True, blank=True)
    close_reason = models.CharField("关闭原因", max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "认购订单"
        ordering = ["-id"]
        default_permissions = ("view",)
        permissions = [
            ("assist_order", "代客户选房"),
            ("cancel_order", "取消待付定金的订单"),
        ]
        constraints = [
            # The guarantee of the opening rush: never two active orders on one unit.
            models.UniqueConstraint(
                fields=["unit"], condition=Q(status__in=ACTIVE_ORDER_STATUSES), name="order_one_active_per_unit"
            ),
            # A buyer's active orders in an opening each hold a distinct slot 1..quota.
            models.UniqueConstraint(
                fields=["registration", "quota_slot"],
                condition=Q(status__in=ACTIVE_ORDER_STATUSES) & Q(registration__isnull=False),
                name="order_quota_slot_unique",
            ),
            models.CheckConstraint(
                condition=(
                    Q(opening__isnull=True)
                    & Q(registration__isnull=True)
                    & Q(quota_slot__isnull=True)
                    & Q(opening_quota__isnull=True)
                )
                | (
                    Q(opening__isnull=False)
                    & Q(registration__isnull=False)
                    & Q(quota_slot__gte=1)
                    & Q(quota_slot__lte=F("opening_quota"))
                ),
                name="order_quota_slot_within_quota",
            ),
            # A resubmitted form (same token) finds the first order instead of making a second.
            models.UniqueConstraint(fields=["buyer", "request_token"], name="order_request_token_unique"),
            models.UniqueConstraint(
                fields=["project", "contract_number"],
                condition=~Q(contract_number=""),
                name="order_contract_number_unique",
            ),
            models.CheckConstraint(condition=Q(status__in=OrderStatus.values), name="order_status_valid"),
            models.CheckConstraint(
                condition=~Q(status=OrderStatus.PENDING_PAYMENT) | Q(hold_expires_at__isnull=False),
                name="order_pending_has_hold",
            ),
            models.CheckConstraint(
                condition=Q(list_price_amount__gte=0)
                & Q(price_amount__gte=0)
                & Q(deposit_amount__gte=0)
                & Q(coupon_deduction_amount__gte=0),
                name="order_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[OrderStatus.SIGNED, OrderStatus.COMPLETED])
                | (~Q(contract_number="") & Q(contract_signed_on__isnull=False)),
                name="order_signed_has_contract",
            ),
        ]
        indexes = [
            # The expiry job's scan: only the pending orders, by deadline.
            models.Index(
                fields=["hold_expires_at"],
                condition=Q(status=OrderStatus.PENDING_PAYMENT),
                name="order_pending_hold_idx",
            ),
            models.Index(fields=["buyer", "-id"], name="order_buyer_idx"),
            models.Index(fields=["project", "status"], name="order_project_status_idx"),
        ]

    def __str__(self) -> str:
        # No related lookups here: the operation log calls str() on the hot path.
        return f"认购单 {self.number}"

    @property
    def number(self) -> str:
        return f"RG{self.pk:08d}" if self.pk else "RG（未保存）"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_ORDER_STATUSES

    @property
    def allowed_transitions(self) -> set[str]:
        return ORDER_TRANSITIONS[self.status]


class OrderStatusChange(models.Model):
    """Every status move of an order, with who and why."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=OrderStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=OrderStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(max_length=200, blank=True)
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "订单状态变更"
        ordering = ["id"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.order_id}: {self.from_status or '—'} → {self.to_status}"


class OrderCoBuyer(models.Model):
    """A co-buyer (共同购房人) added by an approved 更名 change; may have no account on the platform."""

    order = models.ForeignKey(Order, verbose_name="订单", on_delete=models.PROTECT, related_name="co_buyers")
    name = models.CharField("姓名", max_length=50)
    id_number = models.CharField("身份证号", max_length=18)
    mobile = models.CharField("手机号", max_length=11, blank=True)
    change = models.ForeignKey("sales.SalesChange", verbose_name="变更申请", on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField("加名时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "共同购房人"
        ordering = ["id"]
        default_permissions = ("view",)
        constraints = [models.UniqueConstraint(fields=["order", "id_number"], name="co_buyer_once_per_order")]

    def __str__(self) -> str:
        return f"{mask_name(self.name)}（{mask_id_number(self.id_number)}）"

    @property
    def masked_mobile(self) -> str:
        return mask_mobile(self.mobile)
