"""Openings (开盘活动) and the buyers' registrations (报名 / 认筹), with the lottery (摇号) result."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from shuchang.core.money import AmountField


class OpeningMode(models.TextChoices):
    FREE = "free", "自由选房（抢房）"
    LOTTERY = "lottery", "摇号选房"


class Opening(models.Model):
    project = models.ForeignKey(
        "listings.Project", verbose_name="楼盘", on_delete=models.PROTECT, related_name="openings"
    )
    name = models.CharField("活动名称", max_length=60, help_text="如：3号楼首次开盘")
    units = models.ManyToManyField("listings.Unit", verbose_name="本批房源", blank=True, related_name="openings")
    signup_ends_at = models.DateTimeField("报名截止时间", help_text="不晚于开盘时间；摇号在截止后、开盘前进行")
    starts_at = models.DateTimeField("开盘时间")
    ends_at = models.DateTimeField("结束时间")
    mode = models.CharField("选房方式", max_length=10, choices=OpeningMode.choices, default=OpeningMode.FREE)
    quota = models.PositiveSmallIntegerField("每人限选套数", default=1)
    hold_minutes = models.PositiveSmallIntegerField("锁定时长（分钟）", default=30, help_text="选房后支付定金的时限")
    deposit_amount = AmountField("定金（元）", default=0)
    turn_minutes = models.PositiveSmallIntegerField(
        "每批选房时长（分钟）", null=True, blank=True, help_text="摇号选房时必填"
    )
    turn_batch_size = models.PositiveSmallIntegerField("每批人数", default=1, help_text="摇号顺序中每批同时选房的人数")
    requires_registration = models.BooleanField("需认筹", default=False, help_text="需先缴纳认筹金方可参加选房")
    registration_fee_amount = AmountField("认筹金（元）", default=0)
    is_published = models.BooleanField("已发布", default=False)
    # The lottery's commitment: sha256(seed) is published before sign-up closes; the seed itself
    # is revealed by the draw, so anyone can recompute the order (sales.lottery.verify_lottery).
    lottery_seed_hash = models.CharField("摇号种子哈希（SHA-256）", max_length=64, blank=True)
    lottery_seed = models.CharField("摇号种子", max_length=64, blank=True)
    lottery_committed_at = models.DateTimeField("种子公示时间", null=True, blank=True)
    lottery_drawn_at = models.DateTimeField("摇号时间", null=True, blank=True)
    lottery_result = models.JSONField("摇号结果", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="创建人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "开盘活动"
        ordering = ["-starts_at", "-id"]
        default_permissions = ("view", "add", "change")
        permissions = [("draw_lottery", "公示种子并执行摇号")]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="opening_window_valid"),
            models.CheckConstraint(condition=Q(signup_ends_at__lte=F("starts_at")), name="opening_signup_before_start"),
            models.CheckConstraint(condition=Q(quota__gte=1) & Q(hold_minutes__gte=1), name="opening_quota_and_hold"),
            models.CheckConstraint(condition=Q(mode__in=OpeningMode.values), name="opening_mode_valid"),
            models.CheckConstraint(
                condition=~Q(mode=OpeningMode.LOTTERY) | (Q(turn_minutes__gte=1) & Q(turn_batch_size__gte=1)),
                name="opening_lottery_has_turns",
            ),
            models.CheckConstraint(
                condition=Q(requires_registration=False) | Q(registration_fee_amount__gt=0),
                name="opening_registration_has_fee",
            ),
            models.CheckConstraint(
                condition=Q(deposit_amount__gte=0) & Q(registration_fee_amount__gte=0), name="opening_amounts"
            ),
            models.CheckConstraint(
                condition=Q(lottery_drawn_at__isnull=True) | (~Q(lottery_seed="") & ~Q(lottery_seed_hash="")),
                name="opening_drawn_has_seed",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_lottery(self) -> bool:
        return self.mode == OpeningMode.LOTTERY

    @property
    def revealed_seed(self) -> str:
        """The seed, only once the draw has made it public."""
        return self.lottery_seed if self.lottery_drawn_at else ""


class FeeStatus(models.TextChoices):
    NOT_REQUIRED = "none", "无需认筹"
    UNPAID = "unpaid", "待缴认筹金"
    PAID = "paid", "已认筹"
    REFUNDED = "refunded", "认筹金已退"


ELIGIBLE_FEE_STATUSES = [FeeStatus.NOT_REQUIRED, FeeStatus.PAID]


class Registration(models.Model):
    """A buyer's sign-up to one opening (报名); with 认筹 it counts once the intention fee is paid.

    The buyer's quota slots in the opening hang off this row (Order.registration).
    """

    opening = models.ForeignKey(
        Opening, verbose_name="开盘活动", on_delete=models.PROTECT, related_name="registrations"
    )
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="购房者", on_delete=models.PROTECT, related_name="sales_registrations"
    )
    fee_amount = AmountField("认筹金", default=0)
    fee_status = models.CharField("认筹状态", max_length=10, choices=FeeStatus.choices, default=FeeStatus.NOT_REQUIRED)
    fee_paid_at = models.DateTimeField("认筹金支付时间", null=True, blank=True)
    lottery_rank = models.PositiveIntegerField("摇号顺序", null=True, blank=True)
    lottery_digest = models.CharField("摇号值（HMAC-SHA256）", max_length=64, blank=True)
    turn_starts_at = models.DateTimeField("选房开始时间", null=True, blank=True)
    turn_ends_at = models.DateTimeField("选房结束时间", null=True, blank=True)
    created_at = models.DateTimeField("报名时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "开盘报名"
        ordering = ["opening_id", "lottery_rank", "id"]
        default_permissions = ("view",)
        constraints = [
            models.UniqueConstraint(fields=["opening", "buyer"], name="registration_once_per_opening"),
            models.UniqueConstraint(
                fields=["opening", "lottery_rank"],
                condition=Q(lottery_rank__isnull=False),
                name="registration_rank_unique",
            ),
            models.CheckConstraint(condition=Q(fee_status__in=FeeStatus.values), name="registration_fee_status"),
            models.CheckConstraint(
                condition=~Q(fee_status__in=[FeeStatus.PAID, FeeStatus.REFUNDED]) | Q(fee_paid_at__isnull=False),
                name="registration_paid_has_time",
            ),
            models.CheckConstraint(
                condition=Q(turn_starts_at__isnull=True) | Q(turn_ends_at__gt=F("turn_starts_at")),
                name="registration_turn_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"报名 #{self.pk}"

    @property
    def is_eligible(self) -> bool:
        return self.fee_status in ELIGIBLE_FEE_STATUSES
