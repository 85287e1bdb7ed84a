"""Configuration finance edits in the admin: payment methods, charge items, plan templates, limits."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from shuchang.core.money import AmountField


class MethodKind(models.TextChoices):
    ONLINE = "online", "线上支付"
    OFFLINE = "offline", "柜台收款"
    WAIVER = "waiver", "减免"
    POINTS = "points", "积分抵扣"


class PaymentMethod(models.Model):
    """How money (or its substitute: a waiver, points) arrives: 支付宝, 现金, POS, 转账, 减免, 积分 …

    `code` and `kind` drive the rules and are fixed by the data migration; finance edits the
    name, the order, whether the method is offered and whether a payment by it needs approval.
    """

    code = models.SlugField("代码", max_length=20, unique=True)
    name = models.CharField("名称", max_length=30)
    kind = models.CharField("类别", max_length=10, choices=MethodKind.choices)
    gateway = models.CharField("支付通道", max_length=20, blank=True, help_text="线上支付的通道代码，如 alipay")
    is_enabled = models.BooleanField("启用", default=True)
    needs_approval = models.BooleanField(
        "需审批", default=False, help_text="勾选后，以此方式登记的收款须由他人审批通过才出具收据、计入已收"
    )
    needs_reference = models.BooleanField("需填写流水号", default=False, help_text="如 POS 参考号、银行流水号")
    position = models.PositiveSmallIntegerField("排序", default=0)
    note = models.CharField("说明", max_length=100, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "支付方式"
        ordering = ["position", "id"]
        default_permissions = ("view", "add", "change")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=MethodKind.values), name="pay_method_kind_valid"),
            models.CheckConstraint(condition=~Q(kind=MethodKind.ONLINE) | ~Q(gateway=""), name="pay_method_online_gw"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_online(self) -> bool:
        return self.kind == MethodKind.ONLINE


class ChargeKind(models.TextChoices):
    INTENTION = "intention", "诚意金/意向金"
    DEPOSIT = "deposit", "定金"
    DOWN_PAYMENT = "down_payment", "首付款"
    HOUSE_PRICE = "house_price", "房款"
    MAINTENANCE_FUND = "maintenance_fund", "公共维修基金"
    COUPON = "coupon", "购房券款"
    OTHER = "other", "其他"


# Charges that pay for the unit itself: they count against the order's price and its schedule.
PRICE_CHARGE_KINDS = [ChargeKind.DEPOSIT, ChargeKind.DOWN_PAYMENT, ChargeKind.HOUSE_PRICE]
# One charge item each: the rules look them up by kind.
SINGLE_CHARGE_KINDS = [ChargeKind.INTENTION, ChargeKind.DEPOSIT, ChargeKind.COUPON]


class ChargeItem(models.Model):
    """What a payment is for (收费项目). Items of the price kinds count against the order's price."""

    code = models.SlugField("代码", max_length=20, unique=True)
    name = models.CharField("名称", max_length=30)
    kind = models.CharField("类别", max_length=20, choices=ChargeKind.choices)
    is_enabled = models.BooleanField("启用", default=True)
    position = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "收费项目"
        ordering = ["position", "id"]
        default_permissions = ("view", "add", "change")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ChargeKind.values), name="charge_item_kind_valid"),
            models.UniqueConstraint(
                fields=["kind"], condition=Q(kind__in=SINGLE_CHARGE_KINDS), name="charge_item_single_kinds"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def counts_toward_price(self) -> bool:
        return self.kind in PRICE_CHARGE_KINDS


class PaymentSettings(models.Model):
    """The one row of payment settings (pk 1): the points rate and the default waiver limit."""

    yuan_per_point = models.DecimalField(
        "积分抵现比例（元/分）",
        max_digits=8,
        decimal_places=4,
        default=Decimal("0.0100"),
        help_text="0.01 即 100 积分抵 1 元",
    )
    default_waiver_limit_amount = AmountField(
        "默认减免额度（元/单）",
        default=Decimal("10000.00"),
        help_text="有减免权限、未单独设置额度的员工，每个订单累计可减免的上限",
    )
    receipt_title = models.CharField("收据抬头", max_length=60, blank=True, help_text="留空则使用开发商名称")

    class Meta:
        verbose_name = verbose_name_plural = "收款设置"
        default_permissions = ("view", "change")
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="payment_settings_single_row"),
            models.CheckConstraint(condition=Q(yuan_per_point__gt=0), name="payment_settings_rate_positive"),
            models.CheckConstraint(condition=Q(default_waiver_limit_amount__gte=0), name="payment_settings_limit"),
        ]

    def __str__(self) -> str:
        return "收款设置"

    @classmethod
    def current(cls) -> "PaymentSettings":
        return cls.objects.get_or_create(pk=1)[0]


class WaiverLimit(models.Model):
    """A staff member's own waiver limit (减免额度) per order, overriding the default."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name="员工", on_delete=models.PROTECT, related_name="waiver_limit"
    )
    limit_amount = AmountField("每单累计减免上限（元）")

    class Meta:
        verbose_name = verbose_name_plural = "减免额度"
        default_permissions = ("view", "add", "change")
        constraints = [models.CheckConstraint(condition=Q(limit_amount__gte=0), name="waiver_limit_not_negative")]

    def __str__(self) -> str:
        return f"{self.user}：{self.limit_amount}"


class PlanKind(models.TextChoices):
    FULL = "full", "一次性付款"
    MORTGAGE = "mortgage", "按揭"
    INSTALLMENT = "installment", "分期"


class PaymentPlanTemplate(models.Model):
    """A payment plan (付款方案) template: due items with ratios of the price and day offsets.

    The deposit (定金) is not an item: a schedule always starts with the order's deposit, which
    is deducted from the first items (定金转首付).
    """

    name = models.CharField("名称", max_length=40)
    kind = models.CharField("类型", max_length=12, choices=PlanKind.choices)
    project = models.ForeignKey(
        "listings.Project",
        verbose_name="适用楼盘",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="留空表示所有楼盘通用",
    )
    is_default = models.BooleanField(
        "该类型默认方案", default=False, help_text="定金到账时按订单付款方式自动生成应收计划"
    )
    is_enabled = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "付款方案模板"
        ordering = ["kind", "id"]
        default_permissions = ("view", "add", "change")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=PlanKind.values), name="plan_template_kind_valid"),
            models.UniqueConstraint(
                fields=["kind"],
                condition=Q(is_default=True) & Q(project__isnull=True),
                name="plan_template_one_default_per_kind",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PaymentPlanItem(models.Model):
    template = models.ForeignKey(
        PaymentPlanTemplate, verbose_name="方案", on_delete=models.CASCADE, related_name="items"
    )
    position = models.PositiveSmallIntegerField("顺序", default=0)
    charge_item = models.ForeignKey(
        ChargeItem,
        verbose_name="收费项目",
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind__in": [ChargeKind.DOWN_PAYMENT, ChargeKind.HOUSE_PRICE]},
    )
    ratio = models.DecimalField("比例", max_digits=5, decimal_places=4, help_text="占成交价的比例，30% 填 0.3")
    days_after = models.PositiveSmallIntegerField("认购后天数", help_text="应付日期 = 认购日 + 天数")
    note = models.CharField("说明", max_length=60, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "方案明细"
        ordering = ["template_id", "position", "id"]
        default_permissions = ("view", "add", "change", "delete")
        constraints = [
            models.CheckConstraint(condition=Q(ratio__gt=0) & Q(ratio__lte=1), name="plan_item_ratio_range"),
        ]

    def __str__(self) -> str:
        return f"{self.charge_item} {self.ratio:%}"
