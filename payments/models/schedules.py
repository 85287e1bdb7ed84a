"""What is due: an order's payment schedule (应收计划) and the notices sent from it (缴费通知单 / 催款通知)."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from shuchang.core.money import AmountField


class PaymentSchedule(models.Model):
    """The due items of one order, built from its final price and a plan template.

    A schedule is never edited: a new one (another template, a new price after 换房 or signing)
    supersedes it, and exactly one per order is current.
    """

    order = models.ForeignKey("sales.Order", verbose_name="订单", on_delete=models.PROTECT, related_name="+")
    project = models.ForeignKey("listings.Project", verbose_name="楼盘", on_delete=models.PROTECT, related_name="+")
    template = models.ForeignKey(
        "payments.PaymentPlanTemplate", verbose_name="付款方案", null=True, on_delete=models.PROTECT, related_name="+"
    )
    template_name = models.CharField("方案名称", max_length=40)
    price_amount = AmountField("应收合计（成交价/合同价）")
    deposit_amount = AmountField("定金")
    start_on = models.DateField("起算日（认购日）")
    is_current = models.BooleanField("当前计划", default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="生成人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("生成时间", auto_now_add=True)
    superseded_at = models.DateTimeField("作废时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "应收计划"
        ordering = ["-id"]
        default_permissions = ("view", "add")
        permissions = [("view_arrears", "查看欠费统计与逾期催款")]
        constraints = [
            models.UniqueConstraint(fields=["order"], condition=Q(is_current=True), name="schedule_one_current"),
            models.CheckConstraint(
                condition=Q(price_amount__gte=0)
                & Q(deposit_amount__gte=0)
                & Q(deposit_amount__lte=models.F("price_amount")),
                name="schedule_amounts_valid",
            ),
            models.CheckConstraint(
                condition=Q(is_current=True) | Q(superseded_at__isnull=False), name="schedule_superseded_has_time"
            ),
        ]

    def __str__(self) -> str:
        return f"应收计划 #{self.pk}（{self.template_name}）"


class PaymentScheduleItem(models.Model):
    schedule = models.ForeignKey(
        PaymentSchedule, verbose_name="应收计划", on_delete=models.PROTECT, related_name="items"
    )
    position = models.PositiveSmallIntegerField("顺序")
    charge_item = models.ForeignKey(
        "payments.ChargeItem", verbose_name="收费项目", on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField("款项", max_length=40)
    amount = AmountField("应收金额")
    due_on = models.DateField("应付日期")

    class Meta:
        verbose_name = verbose_name_plural = "应收明细"
        ordering = ["schedule_id", "due_on", "position"]
        default_permissions = ("view",)
        constraints = [
            models.UniqueConstraint(fields=["schedule", "position"], name="schedule_item_position_unique"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="schedule_item_amount_not_negative"),
        ]
        indexes = [models.Index(fields=["due_on"], name="schedule_item_due_idx")]

    def __str__(self) -> str:
        return f"{self.name} {self.amount}"


class NoticeKind(models.TextChoices):
    NOTICE = "notice", "缴费通知单"
    DUNNING = "dunning", "催款通知"


class PaymentNotice(models.Model):
    """A notice as it was issued: its lines are a snapshot, so a reprint shows what was sent."""

    order = models.ForeignKey("sales.Order", verbose_name="订单", on_delete=models.PROTECT, related_name="+")
    project = models.ForeignKey("listings.Project", verbose_name="楼盘", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("类型", max_length=10, choices=NoticeKind.choices)
    as_of = models.DateField("截至日期")
    payer_name = models.CharField("付款人", max_length=50)
    unit_label = models.CharField("房号", max_length=60)
    lines = models.JSONField("明细")
    due_amount = AmountField("应收")
    paid_amount = AmountField("已收")
    outstanding_amount = AmountField("未收")
    overdue_amount = AmountField("逾期未收", default=0)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="出具人", on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField("出具时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "缴费通知单"
        ordering = ["-id"]
        default_permissions = ("view", "add")
        constraints = [models.CheckConstraint(condition=Q(kind__in=NoticeKind.values), name="notice_kind_valid")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"

    @property
    def number(self) -> str:
        prefix = "CK" if self.kind == NoticeKind.DUNNING else "TZ"
        return f"{prefix}{self.pk:08d}" if self.pk else f"{prefix}（未保存）"
