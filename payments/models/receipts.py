"""Receipts (收据): numbered per project and year without gaps, printed, reprinted (补打), voided
(作废) but never deleted; and the operators' shift close (交班)."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from shuchang.core.money import AmountField


class ReceiptSequence(models.Model):
    """The numbering of one project's receipts in one year. `last_number` is the counter row the
    payment transaction locks: the number and the receipt commit or roll back together, so the
    numbers have no gaps (payments are few; this row is never on the opening's hot path)."""

    project = models.ForeignKey("listings.Project", verbose_name="楼盘", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField("年度")
    prefix = models.CharField("编号前缀", max_length=12)
    last_number = models.PositiveIntegerField("已用到的号码", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "收据号段"
        ordering = ["project_id", "-year"]
        default_permissions = ("view",)
        permissions = [("view_numbering", "查看收据号码使用报告")]
        constraints = [models.UniqueConstraint(fields=["project", "year"], name="receipt_sequence_per_project_year")]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}（已用至 {self.last_number:06d}）"

    def code_for(self, number: int) -> str:
        return f"{self.prefix}-{self.year}-{number:06d}"


class ReceiptKind(models.TextChoices):
    NORMAL = "normal", "收据"
    RED = "red", "红冲收据"


class ReceiptStatus(models.TextChoices):
    ISSUED = "issued", "已开具"
    VOIDED = "voided", "已作废"


class Receipt(models.Model):
    """The printed evidence of one payment (or, in red, of one refund). What it says is copied
    onto the row when it is issued, so a reprint years later says exactly the same."""

    sequence = models.ForeignKey(
        ReceiptSequence, verbose_name="号段", on_delete=models.PROTECT, related_name="receipts"
    )
    number = models.PositiveIntegerField("号码")
    code = models.CharField("收据编号", max_length=32, unique=True)
    project = models.ForeignKey("listings.Project", verbose_name="楼盘", on_delete=models.PROTECT, related_name="+")
    payment = models.OneToOneField(
        "payments.Payment", verbose_name="收款", on_delete=models.PROTECT, related_name="receipt"
    )
    kind = models.CharField("类型", max_length=10, choices=ReceiptKind.choices, default=ReceiptKind.NORMAL)
    reverses = models.ForeignKey(
        "self", verbose_name="冲销的原收据", null=True, blank=True, on_delete=models.PROTECT, related_name="reversals"
    )
    status = models.CharField("状态", max_length=10, choices=ReceiptStatus.choices, default=ReceiptStatus.ISSUED)
    title = models.CharField("收款单位", max_length=60)
    project_name = models.CharField("楼盘", max_length=100)
    payer_name = models.CharField("付款人", max_length=50)
    unit_label = models.CharField("房号", max_length=60, blank=True)
    charge_item_name = models.CharField("收费项目", max_length=30)
    method_name = models.CharField("支付方式", max_length=30)
    external_ref = models.CharField("流水号", max_length=64, blank=True)
    amount = AmountField("金额")
    amount_in_words = models.CharField("大写金额", max_length=80)
    note = models.CharField("备注", max_length=200, blank=True)
    operator_name = models.CharField("收款人", max_length=50)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="开具人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    issued_at = models.DateTimeField("开具时间")
    print_count = models.PositiveIntegerField("打印次数", default=0)
    voided_at = models.DateTimeField("作废时间", null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="作废人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    void_reason = models.CharField("作废原因", max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "收据"
        ordering = ["-id"]
        default_permissions = ("view",)
        permissions = [("void_receipt", "作废收据"), ("reprint_receipt", "补打收据")]
        constraints = [
            models.UniqueConstraint(fields=["sequence", "number"], name="receipt_number_unique_in_sequence"),
            models.CheckConstraint(condition=Q(number__gte=1), name="receipt_number_positive"),
            models.CheckConstraint(condition=Q(kind__in=ReceiptKind.values), name="receipt_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=ReceiptStatus.values), name="receipt_status_valid"),
            models.CheckConstraint(
                condition=(Q(kind=ReceiptKind.NORMAL) & Q(amount__gt=0) & Q(reverses__isnull=True))
                | (Q(kind=ReceiptKind.RED) & Q(amount__lt=0) & Q(reverses__isnull=False)),
                name="receipt_red_reverses_original",
            ),
            models.CheckConstraint(
                condition=Q(status=ReceiptStatus.ISSUED)
                | (Q(voided_at__isnull=False) & Q(voided_by__isnull=False) & ~Q(void_reason="")),
                name="receipt_voided_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["project", "issued_at"], name="receipt_project_issued_idx"),
            # The receipt detail of every project for a period, in time order: read in index order it
            # streams from its first row, instead of sorting a year (a million lines) before the first.
            models.Index(fields=["issued_at", "id"], name="receipt_issued_idx"),
        ]

    def __str__(self) -> str:
        return f"收据 {self.code}"

    @property
    def reprint_count(self) -> int:
        return max(self.print_count - 1, 0)

    @property
    def is_voided(self) -> bool:
        return self.status == ReceiptStatus.VOIDED


class Paper(models.TextChoices):
    A4 = "a4", "A4 纸（三联同页）"
    CONTINUOUS = "continuous", "241mm 三联连续打印纸"
    ELECTRONIC = "electronic", "电子收据（购房人下载）"


class ReceiptPrint(models.Model):
    """Each time a receipt went to the printer: the first print is the original, the rest are 补打."""

    receipt = models.ForeignKey(Receipt, verbose_name="收据", on_delete=models.PROTECT, related_name="prints")
    copy_number = models.PositiveIntegerField("第几次打印")
    paper = models.CharField("纸张", max_length=12, choices=Paper.choices)
    printed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="打印人", on_delete=models.PROTECT, related_name="+"
    )
    printed_at = models.DateTimeField("打印时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "收据打印记录"
        ordering = ["receipt_id", "copy_number"]
        default_permissions = ("view",)
        constraints = [
            models.UniqueConstraint(fields=["receipt", "copy_number"], name="receipt_print_copy_unique"),
            models.CheckConstraint(condition=Q(copy_number__gte=1), name="receipt_print_copy_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.receipt_id} 第{self.copy_number}次打印"

    @property
    def is_reprint(self) -> bool:
        return self.copy_number > 1


class ShiftClose(models.Model):
    """An operator's shift close (交班): the payments they took since their last close, summed per
    method (waivers and points included) and checked against the receipts issued for them and the
    amounts they counted."""

    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="收款员", on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField("本班开始", null=True, blank=True)
    closed_at = models.DateTimeField("交班时间")
    payment_count = models.PositiveIntegerField("收款笔数")
    receipt_count = models.PositiveIntegerField("收据张数")
    total_amount = AmountField("收款合计")
    lines = models.JSONField("分方式合计")
    is_balanced = models.BooleanField("账据相符")
    note = models.CharField("交班说明", max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "交班记录"
        ordering = ["-closed_at", "-id"]
        default_permissions = ("view", "add")
        permissions = [("view_all_shifts", "查看所有收款员的交班记录")]
        constraints = [
            models.CheckConstraint(
                condition=Q(opened_at__isnull=True) | Q(opened_at__lte=F("closed_at")), name="shift_window_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"交班 #{self.pk}"
