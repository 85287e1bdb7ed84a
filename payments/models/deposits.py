"""The deposits ledger (定金台账): 认筹金/诚意金, 定金 and purchased coupons (交X抵Y), each in one
explicit state, so finance can always say whose money it is and where it is now."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from shuchang.core.money import AmountField


class DepositKind(models.TextChoices):
    INTENTION = "intention", "认筹金/诚意金"
    DEPOSIT = "deposit", "定金"
    COUPON = "coupon", "购房券"


class DepositStatus(models.TextChoices):
    RECEIVED = "received", "已收取"
    CONVERTED = "converted", "已转房款"
    FORFEIT_PENDING = "forfeit_pending", "没收待审批"
    FORFEITED = "forfeited", "已没收"
    REFUNDED = "refunded", "已退还"
    VOIDED = "voided", "已作废"


# received → converted (转房款 / 购房券已抵扣), refunded, or forfeited after approval; converted
# money can still be refunded or forfeited on a 退房; a voided receipt voids its deposit.
DEPOSIT_TRANSITIONS: dict[str, set[str]] = {
    DepositStatus.RECEIVED: {
        DepositStatus.CONVERTED,
        DepositStatus.REFUNDED,
        DepositStatus.FORFEIT_PENDING,
        DepositStatus.VOIDED,
    },
    DepositStatus.CONVERTED: {DepositStatus.REFUNDED, DepositStatus.FORFEIT_PENDING},
    DepositStatus.FORFEIT_PENDING: {DepositStatus.FORFEITED, DepositStatus.RECEIVED, DepositStatus.CONVERTED},
    DepositStatus.FORFEITED: set(),
    DepositStatus.REFUNDED: set(),
    DepositStatus.VOIDED: set(),
}

# A target holds at most one deposit of a kind in these statuses.
LIVE_DEPOSIT_STATUSES = [
    DepositStatus.RECEIVED,
    DepositStatus.CONVERTED,
    DepositStatus.FORFEIT_PENDING,
    DepositStatus.FORFEITED,
]


class Deposit(models.Model):
    project = models.ForeignKey("listings.Project", verbose_name="楼盘", on_delete=models.PROTECT, related_name="+")
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="购房人", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField("类别", max_length=10, choices=DepositKind.choices)
    order = models.ForeignKey(
        "sales.Order", verbose_name="订单", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    registration = models.ForeignKey(
        "sales.Registration", verbose_name="开盘报名", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    coupon = models.ForeignKey(
        "sales.Coupon", verbose_name="购房券", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    amount = AmountField("金额")
    status = models.CharField("状态", max_length=16, choices=DepositStatus.choices, default=DepositStatus.RECEIVED)
    payment = models.OneToOneField(
        "payments.Payment", verbose_name="收款", on_delete=models.PROTECT, related_name="deposit"
    )
    converted_order = models.ForeignKey(
        "sales.Order",
        verbose_name="转入订单",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="认筹金转为该订单的房款",
    )
    refund_payment = models.OneToOneField(
        "payments.Payment",
        verbose_name="退款",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="refunded_deposit",
    )
    forfeit_reason = models.CharField("没收原因", max_length=200, blank=True)
    forfeit_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="没收申请人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    forfeit_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="没收审批人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status_changed_at = models.DateTimeField("状态时间", auto_now_add=True)
    created_at = models.DateTimeField("收取时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "定金台账"
        ordering = ["-id"]
        default_permissions = ("view",)
        permissions = [
            ("convert_deposit", "定金/认筹金转房款"),
            ("request_forfeit", "申请没收定金"),
            ("approve_forfeit", "审批没收定金"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=DepositKind.values), name="deposit_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=DepositStatus.values), name="deposit_status_valid"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="deposit_amount_positive"),
            models.CheckConstraint(
                condition=(Q(kind=DepositKind.DEPOSIT) & Q(order__isnull=False))
                | (Q(kind=DepositKind.INTENTION) & Q(registration__isnull=False))
                | (Q(kind=DepositKind.COUPON) & Q(coupon__isnull=False)),
                name="deposit_kind_has_target",
            ),
            models.CheckConstraint(
                condition=~Q(status=DepositStatus.REFUNDED) | Q(refund_payment__isnull=False),
                name="deposit_refunded_has_refund",
            ),
            models.CheckConstraint(
                condition=~Q(status=DepositStatus.FORFEITED)
                | (Q(forfeit_approved_by__isnull=False) & ~Q(forfeit_approved_by=models.F("forfeit_requested_by"))),
                name="deposit_forfeit_four_eyes",
            ),
            # One live 定金 per order, one 认筹金 per registration, one payment per coupon: a second
            # online payment for the same thing is held instead of counted twice.
            models.UniqueConstraint(
                fields=["order"],
                condition=Q(kind=DepositKind.DEPOSIT) & Q(status__in=LIVE_DEPOSIT_STATUSES),
                name="deposit_one_per_order",
            ),
            models.UniqueConstraint(
                fields=["registration"],
                condition=Q(kind=DepositKind.INTENTION) & Q(status__in=LIVE_DEPOSIT_STATUSES),
                name="deposit_one_per_registration",
            ),
            models.UniqueConstraint(
                fields=["coupon"],
                condition=Q(kind=DepositKind.COUPON) & Q(status__in=LIVE_DEPOSIT_STATUSES),
                name="deposit_one_per_coupon",
            ),
        ]
        indexes = [models.Index(fields=["project", "status"], name="deposit_project_status_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def allowed_transitions(self) -> set[str]:
        return DEPOSIT_TRANSITIONS[self.status]


class DepositEvent(models.Model):
    """Every move of a deposit, with who and why."""

    deposit = models.ForeignKey(Deposit, verbose_name="定金", on_delete=models.PROTECT, related_name="events")
    from_status = models.CharField("原状态", max_length=16, choices=DepositStatus.choices, blank=True)
    to_status = models.CharField("新状态", max_length=16, choices=DepositStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="经办人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.CharField("说明", max_length=200, blank=True)
    at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "定金状态记录"
        ordering = ["deposit_id", "id"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.deposit_id}: {self.from_status or '—'} → {self.to_status}"
