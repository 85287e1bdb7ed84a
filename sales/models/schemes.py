"""Marketing schemes (营销方案) and the buyers' purchased coupons (交X抵Y)."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from shuchang.core.money import AmountField


class PaymentMethod(models.TextChoices):
    FULL = "full", "一次性付款"
    MORTGAGE = "mortgage", "按揭贷款"


class SchemeKind(models.TextChoices):
    DISCOUNT = "discount", "折扣"
    REDUCTION = "reduction", "直减"
    COUPON = "coupon", "购房券（交X抵Y）"


class Scheme(models.Model):
    """One pricing rule of a project. A 付款方式优惠 is a discount or reduction with `payment_method` set.

    Targets: the whole project when no building and no unit is chosen; otherwise the chosen
    buildings' units plus the chosen units. Stacking: see sales.pricing.
    """

    project = models.ForeignKey(
        "listings.Project", verbose_name="楼盘", on_delete=models.PROTECT, related_name="schemes"
    )
    name = models.CharField("方案名称", max_length=60, help_text="如：开盘当日98折")
    kind = models.CharField("类型", max_length=10, choices=SchemeKind.choices)
    discount_rate = models.DecimalField(
        "折扣率", max_digits=5, decimal_places=4, null=True, blank=True, help_text="98折填 0.98"
    )
    reduction_amount = AmountField("直减金额（元）", null=True, blank=True)
    coupon_price_amount = AmountField("购券金额（元）", null=True, blank=True, help_text="交1万抵3万的“1万”")
    deduction_amount = AmountField("抵扣金额（元）", null=True, blank=True, help_text="交1万抵3万的“3万”，签约时抵扣")
    payment_method = models.CharField(
        "限付款方式", max_length=10, choices=PaymentMethod.choices, blank=True, help_text="留空表示不限"
    )
    buildings = models.ManyToManyField("listings.Building", verbose_name="适用楼栋", blank=True, related_name="+")
    units = models.ManyToManyField("listings.Unit", verbose_name="适用房源", blank=True, related_name="+")
    valid_from = models.DateTimeField("生效时间")
    valid_until = models.DateTimeField("失效时间", null=True, blank=True, help_text="留空表示长期有效")
    is_exclusive = models.BooleanField("不可叠加", default=False, help_text="勾选后不与其他方案同时使用")
    priority = models.SmallIntegerField(
        "优先级", default=0, help_text="数字大的先计算；优先级最高的若不可叠加则单独使用"
    )
    is_active = models.BooleanField("启用", default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="创建人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "营销方案"
        ordering = ["project_id", "-priority", "id"]
        default_permissions = ("view", "add", "change")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=SchemeKind.values), name="scheme_kind_valid"),
            models.CheckConstraint(
                condition=~Q(kind=SchemeKind.DISCOUNT)
                | (Q(discount_rate__gt=0) & Q(discount_rate__lt=1) & Q(reduction_amount__isnull=True)),
                name="scheme_discount_has_rate",
            ),
            models.CheckConstraint(
                condition=~Q(kind=SchemeKind.REDUCTION) | (Q(reduction_amount__gt=0) & Q(discount_rate__isnull=True)),
                name="scheme_reduction_has_amount",
            ),
            models.CheckConstraint(
                condition=~Q(kind=SchemeKind.COUPON)
                | (Q(coupon_price_amount__gt=0) & Q(deduction_amount__gte=F("coupon_price_amount"))),
                name="scheme_coupon_has_amounts",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gt=F("valid_from")),
                name="scheme_window_valid",
            ),
        ]
        indexes = [models.Index(fields=["project", "is_active"], name="scheme_project_active_idx")]

    def __str__(self) -> str:
        return f"{self.name}（{self.label}）"

    @property
    def label(self) -> str:
        return scheme_label(self.kind, self.discount_rate, self.reduction_amount, self.coupon_price_amount,
                            self.deduction_amount)  # fmt: skip


def _wan_or_yuan(amount: Decimal) -> str:
    if amount >= 10000 and amount % 10000 == 0:
        return f"{int(amount // 10000)}万"
    if amount == amount.to_integral_value():
        return f"{int(amount)}元"
    return f"{amount}元"


def scheme_label(kind, discount_rate, reduction_amount, coupon_price_amount, deduction_amount) -> str:
    """98折 / 直减5万 / 交1万抵3万: how sales staff say it."""
    if kind == SchemeKind.DISCOUNT and discount_rate is not None:
        # 0.9 is 9折, 0.95 is 95折, 0.985 is 98.5折.
        rate = Decimal(discount_rate)
        figure = rate * 10 if (rate * 10) == (rate * 10).to_integral_value() else rate * 100
        return f"{figure.normalize():f}折"
    if kind == SchemeKind.REDUCTION and reduction_amount is not None:
        return f"直减{_wan_or_yuan(reduction_amount)}"
    if kind == SchemeKind.COUPON and coupon_price_amount is not None and deduction_amount is not None:
        return f"交{_wan_or_yuan(coupon_price_amount)}抵{_wan_or_yuan(deduction_amount)}"
    return ""


class CouponStatus(models.TextChoices):
    UNPAID = "unpaid", "待支付"
    PAID = "paid", "已购买"
    USED = "used", "已抵扣"
    REFUNDED = "refunded", "已退款"
    VOID = "void", "已作废"


COUPON_LIVE_STATUSES = [CouponStatus.UNPAID, CouponStatus.PAID, CouponStatus.USED]


class Coupon(models.Model):
    """A buyer's entitlement to one coupon scheme (交X抵Y): bought online, deducted at signing.

    The purchase itself is a payment (payments issue), which calls `coupon_mark_paid`.
    """

    scheme = models.ForeignKey(Scheme, verbose_name="营销方案", on_delete=models.PROTECT, related_name="coupons")
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="购房者", on_delete=models.PROTECT, related_name="sales_coupons"
    )
    # Copied from the scheme when issued: editing the scheme never changes a coupon already sold.
    price_amount = AmountField("购券金额")
    deduction_amount = AmountField("抵扣金额")
    status = models.CharField("状态", max_length=10, choices=CouponStatus.choices, default=CouponStatus.UNPAID)
    paid_at = models.DateTimeField("支付时间", null=True, blank=True)
    used_order = models.ForeignKey(
        "sales.Order", verbose_name="抵扣订单", null=True, blank=True, on_delete=models.PROTECT, related_name="coupons"
    )
    used_at = models.DateTimeField("抵扣时间", null=True, blank=True)
    created_at = models.DateTimeField("领取时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "购房券"
        ordering = ["-id"]
        default_permissions = ("view",)
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "buyer"], condition=Q(status__in=COUPON_LIVE_STATUSES), name="coupon_once_per_buyer"
            ),
            models.CheckConstraint(condition=Q(status__in=CouponStatus.values), name="coupon_status_valid"),
            models.CheckConstraint(
                condition=Q(price_amount__gt=0) & Q(deduction_amount__gte=F("price_amount")), name="coupon_amounts"
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[CouponStatus.PAID, CouponStatus.USED]) | Q(paid_at__isnull=False),
                name="coupon_paid_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status=CouponStatus.USED) | (Q(used_order__isnull=False) & Q(used_at__isnull=False)),
                name="coupon_used_has_order",
            ),
        ]

    def __str__(self) -> str:
        return f"购房券 #{self.pk}"
