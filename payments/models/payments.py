"""Money rows: payments and refunds (收款 / 退款), online trades, held payments, the points ledger.

A payment row is never edited after it counts: a wrong one is voided with its receipt, or reversed
by a refund (a negative payment referencing it). Only its status moves, through the services.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from shuchang.core.money import AmountField


class PaymentKind(models.TextChoices):
    PAYMENT = "payment", "收款"
    REFUND = "refund", "退款"


class PaymentStatus(models.TextChoices):
    PENDING_APPROVAL = "pending_approval", "待审批"
    CONFIRMED = "confirmed", "已确认"
    REJECTED = "rejected", "已驳回"
    VOIDED = "voided", "已作废"


# Rows in these statuses hold their external reference (a bank serial cannot be entered twice).
LIVE_PAYMENT_STATUSES = [PaymentStatus.PENDING_APPROVAL, PaymentStatus.CONFIRMED]

PAYMENT_TRANSITIONS: dict[str, set[str]] = {
    PaymentStatus.PENDING_APPROVAL: {PaymentStatus.CONFIRMED, PaymentStatus.REJECTED},
    PaymentStatus.CONFIRMED: {PaymentStatus.VOIDED},
    PaymentStatus.REJECTED: set(),
    PaymentStatus.VOIDED: set(),
}


class Payment(models.Model):
    """One receipt of money for an order, an intention fee (认筹金) or a coupon — or a refund of one."""

    project = models.ForeignKey("listings.Project", verbose_name="楼盘", on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey(
        "sales.Order", verbose_name="订单", null=True, blank=True, on_delete=models.PROTECT, related_name="payments"
    )
    registration = models.ForeignKey(
        "sales.Registration",
        verbose_name="开盘报名（认筹）",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payments",
    )
    coupon = models.ForeignKey(
        "sales.Coupon", verbose_name="购房券", null=True, blank=True, on_delete=models.PROTECT, related_name="payments"
    )
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="购房人账号", on_delete=models.PROTECT, related_name="payments"
    )
    payer_name = models.CharField("付款人", max_length=50)
    method = models.ForeignKey(
        "payments.PaymentMethod", verbose_name="支付方式", on_delete=models.PROTECT, related_name="+"
    )
    charge_item = models.ForeignKey(
        "payments.ChargeItem", verbose_name="收费项目", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField("类型", max_length=10, choices=PaymentKind.choices, default=PaymentKind.PAYMENT)
    status = models.CharField("状态", max_length=20, choices=PaymentStatus.choices, default=PaymentStatus.CONFIRMED)
    amount = AmountField("金额", help_text="收款为正，退款为负")
    refund_of = models.ForeignKey(
        "self", verbose_name="原收款", null=True, blank=True, on_delete=models.PROTECT, related_name="refunds"
    )
    external_ref = models.CharField(
        "流水号", max_length=64, blank=True, help_text="银行流水号、POS 参考号或支付平台交易号"
    )
    trade = models.ForeignKey(
        "payments.OnlineTrade",
        verbose_name="线上交易",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    points = models.PositiveIntegerField("使用积分", null=True, blank=True)
    reason = models.CharField("事由", max_length=200, blank=True, help_text="减免、退款的原因")
    note = models.CharField("备注", max_length=200, blank=True)
    paid_at = models.DateTimeField("收款时间")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="经办人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="线上支付为空（系统）",
    )
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审批人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField("审批时间", null=True, blank=True)
    review_note = models.CharField("审批意见", max_length=200, blank=True)
    voided_at = models.DateTimeField("作废时间", null=True, blank=True)
    shift = models.ForeignKey(
        "payments.ShiftClose",
        verbose_name="交班",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payments",
    )

    class Meta:
        verbose_name = verbose_name_plural = "收款记录"
        ordering = ["-id"]
        default_permissions = ("view",)
        permissions = [
            ("record_payment", "柜台登记收款"),
            ("grant_waiver", "登记减免（在本人额度内）"),
            ("approve_payment", "审批需审批的收款"),
            ("refund_payment", "办理退款"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(order__isnull=False) & Q(registration__isnull=True) & Q(coupon__isnull=True))
                | (Q(order__isnull=True) & Q(registration__isnull=False) & Q(coupon__isnull=True))
                | (Q(order__isnull=True) & Q(registration__isnull=True) & Q(coupon__isnull=False)),
                name="payment_one_target",
            ),
            models.CheckConstraint(
                condition=(Q(kind=PaymentKind.PAYMENT) & Q(amount__gt=0) & Q(refund_of__isnull=True))
                | (Q(kind=PaymentKind.REFUND) & Q(amount__lt=0) & Q(refund_of__isnull=False)),
                name="payment_sign_matches_kind",
            ),
            models.CheckConstraint(condition=Q(status__in=PaymentStatus.values), name="payment_status_valid"),
            models.CheckConstraint(
                condition=~Q(status__in=[PaymentStatus.REJECTED]) | Q(reviewed_by__isnull=False),
                name="payment_rejected_has_reviewer",
            ),
            models.CheckConstraint(
                condition=~Q(status=PaymentStatus.VOIDED) | Q(voided_at__isnull=False), name="payment_voided_has_time"
            ),
            # A bank serial, POS reference or gateway trade number is recorded once per method.
            models.UniqueConstraint(
                fields=["method", "external_ref"],
                condition=~Q(external_ref="") & Q(status__in=LIVE_PAYMENT_STATUSES),
                name="payment_external_ref_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["project", "paid_at"], name="payment_project_paid_idx"),
            models.Index(fields=["order", "status"], name="payment_order_status_idx"),
            models.Index(fields=["buyer", "-id"], name="payment_buyer_idx"),
            models.Index(fields=["recorded_by"], condition=Q(shift__isnull=True), name="payment_open_shift_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def target_label(self) -> str:
        if self.order_id:
            return f"认购单 RG{self.order_id:08d}"
        if self.registration_id:
            return f"认筹报名 #{self.registration_id}"
        return f"购房券 #{self.coupon_id}"

    @property
    def counts(self) -> bool:
        return self.status == PaymentStatus.CONFIRMED


class TradePurpose(models.TextChoices):
    ORDER_DEPOSIT = "order_deposit", "支付定金"
    REGISTRATION_FEE = "registration_fee", "缴纳认筹金"
    COUPON = "coupon", "购买购房券"


class TradeStatus(models.TextChoices):
    CREATED = "created", "待支付"
    PAID = "paid", "已支付"
    HELD = "held", "已支付（暂挂）"
    CLOSED = "closed", "已关闭"


class OnlineTrade(models.Model):
    """One online payment request (商户订单号 out_trade_no) and what the gateway said about it.

    The gateway's trade number is unique: however often a notification is repeated, replayed or
    reordered, it is applied once.
    """

    out_trade_no = models.CharField("商户订单号", max_length=64, unique=True)
    gateway = models.CharField("支付通道", max_length=20)
    method = models.ForeignKey(
        "payments.PaymentMethod", verbose_name="支付方式", on_delete=models.PROTECT, related_name="+"
    )
    purpose = models.CharField("用途", max_length=20, choices=TradePurpose.choices)
    project = models.ForeignKey("listings.Project", verbose_name="楼盘", on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey(
        "sales.Order", verbose_name="订单", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    registration = models.ForeignKey(
        "sales.Registration", verbose_name="开盘报名", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    coupon = models.ForeignKey(
        "sales.Coupon", verbose_name="购房券", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="购房人", on_delete=models.PROTECT, related_name="+"
    )
    amount = AmountField("金额")
    subject = models.CharField("商品名称", max_length=128)
    status = models.CharField("状态", max_length=10, choices=TradeStatus.choices, default=TradeStatus.CREATED)
    gateway_trade_no = models.CharField("支付平台交易号", max_length=64, null=True, blank=True, unique=True)
    expires_at = models.DateTimeField("支付截止时间")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    paid_at = models.DateTimeField("支付时间", null=True, blank=True)
    notified_at = models.DateTimeField("通知时间", null=True, blank=True)
    notification = models.JSONField("支付通知", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "线上交易"
        ordering = ["-id"]
        default_permissions = ("view",)
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="trade_amount_positive"),
            models.CheckConstraint(condition=Q(status__in=TradeStatus.values), name="trade_status_valid"),
            models.CheckConstraint(
                condition=~Q(status__in=[TradeStatus.PAID, TradeStatus.HELD])
                | (Q(gateway_trade_no__isnull=False) & Q(paid_at__isnull=False)),
                name="trade_paid_has_gateway_no",
            ),
            # A double click on 去支付 reuses the open trade instead of opening a second one.
            models.UniqueConstraint(
                fields=["order"], condition=Q(status=TradeStatus.CREATED, order__isnull=False), name="trade_open_order"
            ),
            models.UniqueConstraint(
                fields=["registration"],
                condition=Q(status=TradeStatus.CREATED, registration__isnull=False),
                name="trade_open_registration",
            ),
            models.UniqueConstraint(
                fields=["coupon"],
                condition=Q(status=TradeStatus.CREATED, coupon__isnull=False),
                name="trade_open_coupon",
            ),
            models.CheckConstraint(
                condition=(Q(purpose=TradePurpose.ORDER_DEPOSIT) & Q(order__isnull=False))
                | (Q(purpose=TradePurpose.REGISTRATION_FEE) & Q(registration__isnull=False))
                | (Q(purpose=TradePurpose.COUPON) & Q(coupon__isnull=False)),
                name="trade_purpose_has_target",
            ),
        ]

    def __str__(self) -> str:
        return f"线上交易 {self.out_trade_no}"


class HeldStatus(models.TextChoices):
    OPEN = "open", "待处理"
    REFUNDED = "refunded", "已退款"
    REATTACHED = "reattached", "已转入订单"


class HeldPayment(models.Model):
    """Money that arrived online but could not be applied (the order had expired, the deposit was
    already paid, 认筹 had closed …): kept here until finance refunds it or re-attaches it."""

    trade = models.OneToOneField(OnlineTrade, verbose_name="线上交易", on_delete=models.PROTECT, related_name="held")
    project = models.ForeignKey("listings.Project", verbose_name="楼盘", on_delete=models.PROTECT, related_name="+")
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="购房人", on_delete=models.PROTECT, related_name="+"
    )
    amount = AmountField("金额")
    reason = models.CharField("暂挂原因", max_length=200)
    status = models.CharField("状态", max_length=12, choices=HeldStatus.choices, default=HeldStatus.OPEN)
    payment = models.OneToOneField(
        Payment, verbose_name="转入的收款", null=True, blank=True, on_delete=models.PROTECT, related_name="from_held"
    )
    refund_ref = models.CharField("退款请求号", max_length=64, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="处理人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    resolved_at = models.DateTimeField("处理时间", null=True, blank=True)
    resolution_note = models.CharField("处理说明", max_length=200, blank=True)
    created_at = models.DateTimeField("暂挂时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "暂挂款"
        ordering = ["-id"]
        default_permissions = ("view",)
        permissions = [("resolve_heldpayment", "处理暂挂款（退款或转入订单）")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="held_amount_positive"),
            models.CheckConstraint(condition=Q(status__in=HeldStatus.values), name="held_status_valid"),
            models.CheckConstraint(
                condition=Q(status=HeldStatus.OPEN) | (Q(resolved_by__isnull=False) & Q(resolved_at__isnull=False)),
                name="held_resolved_has_who",
            ),
            models.CheckConstraint(
                condition=~Q(status=HeldStatus.REATTACHED) | Q(payment__isnull=False), name="held_reattached_payment"
            ),
        ]

    def __str__(self) -> str:
        return f"暂挂款 #{self.pk}"


class PointsAccount(models.Model):
    """A buyer's points (积分) balance; the database refuses a negative balance."""

    buyer = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name="购房人", on_delete=models.PROTECT, related_name="points_account"
    )
    balance = models.IntegerField("积分余额", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "积分账户"
        default_permissions = ("view",)
        constraints = [models.CheckConstraint(condition=Q(balance__gte=0), name="points_balance_not_negative")]

    def __str__(self) -> str:
        return f"{self.buyer} 积分 {self.balance}"


class PointsEntry(models.Model):
    """One change of a buyer's points, appended; the balance is their sum."""

    account = models.ForeignKey(
        PointsAccount, verbose_name="积分账户", on_delete=models.PROTECT, related_name="entries"
    )
    points = models.IntegerField("积分变动")
    reason = models.CharField("事由", max_length=200)
    payment = models.ForeignKey(
        Payment, verbose_name="收款", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="经办人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "积分明细"
        ordering = ["-id"]
        default_permissions = ("view",)
        permissions = [("award_points", "发放积分")]
        constraints = [models.CheckConstraint(condition=~Q(points=0), name="points_entry_not_zero")]

    def __str__(self) -> str:
        return f"{self.points:+d} {self.reason}"


class SandboxTrade(models.Model):
    """The local sandbox gateway's own books (it plays the payment platform): what it was asked
    to collect, what it collected, and what it refunded (by refund request number)."""

    app_id = models.CharField(max_length=32)
    out_trade_no = models.CharField(max_length=64, unique=True)
    trade_no = models.CharField(max_length=64, unique=True)
    total_amount = AmountField()
    subject = models.CharField(max_length=256)
    notify_url = models.CharField(max_length=500)
    return_url = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=20, default="WAIT_BUYER_PAY")
    refunds = models.JSONField(default=dict)  # out_request_no → amount (string)
    expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "沙箱支付交易"
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"沙箱交易 {self.trade_no}"
