"""贷款申请 (申请信贷): a buyer's application to a bank product for an order, its documents and its
dated timeline. Status moves only through `services.applications` (compare-and-swap)."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from loans.calculator import METHOD_LABELS
from loans.storage import private_storage
from shuchang.core.money import AmountField


class LoanApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", "已提交"
    UNDER_REVIEW = "under_review", "银行审核中"
    APPROVED = "approved", "已批准"
    DISBURSED = "disbursed", "已放款"
    REJECTED = "rejected", "未获批准"


# Every allowed move, in one place; the detail page offers exactly these.
LOAN_APPLICATION_TRANSITIONS: dict[str, set[str]] = {
    LoanApplicationStatus.SUBMITTED: {LoanApplicationStatus.UNDER_REVIEW, LoanApplicationStatus.REJECTED},
    LoanApplicationStatus.UNDER_REVIEW: {LoanApplicationStatus.APPROVED, LoanApplicationStatus.REJECTED},
    # An approval can still be withdrawn by the bank before the money is paid out.
    LoanApplicationStatus.APPROVED: {LoanApplicationStatus.DISBURSED, LoanApplicationStatus.REJECTED},
    LoanApplicationStatus.DISBURSED: set(),
    LoanApplicationStatus.REJECTED: set(),
}
OPEN_APPLICATION_STATUSES = [
    LoanApplicationStatus.SUBMITTED,
    LoanApplicationStatus.UNDER_REVIEW,
    LoanApplicationStatus.APPROVED,
]


class LoanApplication(models.Model):
    order = models.ForeignKey(
        "sales.Order", verbose_name="认购订单", on_delete=models.PROTECT, related_name="loan_applications"
    )
    product = models.ForeignKey(
        "loans.LoanProduct", verbose_name="贷款产品", on_delete=models.PROTECT, related_name="applications"
    )
    plan = models.ForeignKey(
        "loans.LoanPlan",
        verbose_name="依据的贷款方案",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applications",
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="提交人", on_delete=models.PROTECT, related_name="+"
    )
    amount = AmountField("申请金额")
    term_years = models.PositiveSmallIntegerField("贷款期限（年）")
    method = models.CharField("还款方式", max_length=20, choices=list(METHOD_LABELS.items()))
    status = models.CharField(
        "状态", max_length=20, choices=LoanApplicationStatus.choices, default=LoanApplicationStatus.SUBMITTED
    )
    approved_amount = AmountField("批准金额", null=True, blank=True)
    approved_rate = models.DecimalField("批准年利率", max_digits=7, decimal_places=6, null=True, blank=True)
    rejection_reason = models.CharField("未批准原因", max_length=200, blank=True)
    disbursed_amount = AmountField("放款金额", null=True, blank=True)
    disbursed_on = models.DateField("放款日期", null=True, blank=True)
    bank_reference = models.CharField("放款流水号", max_length=64, blank=True)
    submitted_at = models.DateTimeField("提交时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "贷款申请"
        ordering = ["-id"]
        default_permissions = ("view", "add")
        permissions = [
            ("review_loanapplication", "登记银行审核结果"),
            ("disburse_loanapplication", "登记银行放款"),
        ]
        constraints = [
            # One live application per order and product (a combined loan is two products).
            models.UniqueConstraint(
                fields=["order", "product"],
                condition=Q(status__in=[*OPEN_APPLICATION_STATUSES, LoanApplicationStatus.DISBURSED]),
                name="loan_application_one_live_per_product",
            ),
            # The bank's serial number identifies a disbursement: recording it twice finds the first.
            models.UniqueConstraint(
                fields=["bank_reference"], condition=~Q(bank_reference=""), name="loan_application_reference_unique"
            ),
            models.CheckConstraint(
                condition=Q(status__in=LoanApplicationStatus.values), name="loan_application_status_valid"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="loan_application_amount_positive"),
            models.CheckConstraint(
                condition=Q(term_years__gte=1) & Q(term_years__lte=30), name="loan_application_term_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[LoanApplicationStatus.APPROVED, LoanApplicationStatus.DISBURSED])
                | (Q(approved_amount__gt=0) & Q(approved_amount__lte=models.F("amount"))),
                name="loan_application_approved_has_amount",
            ),
            models.CheckConstraint(
                condition=~Q(status=LoanApplicationStatus.DISBURSED)
                | (
                    Q(disbursed_amount__gt=0)
                    & Q(disbursed_amount__lte=models.F("approved_amount"))
                    & Q(disbursed_on__isnull=False)
                    & ~Q(bank_reference="")
                ),
                name="loan_application_disbursed_is_recorded",
            ),
            models.CheckConstraint(
                condition=~Q(status=LoanApplicationStatus.REJECTED) | ~Q(rejection_reason=""),
                name="loan_application_rejected_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"贷款申请 {self.number}"

    @property
    def number(self) -> str:
        return f"DK{self.pk:08d}" if self.pk else "DK（未保存）"

    @property
    def allowed_transitions(self) -> set[str]:
        return LOAN_APPLICATION_TRANSITIONS[self.status]

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_APPLICATION_STATUSES


class LoanApplicationStatusChange(models.Model):
    """The dated timeline of an application: every status move, who made it and why."""

    application = models.ForeignKey(LoanApplication, on_delete=models.PROTECT, related_name="status_changes")
    from_status = models.CharField("原状态", max_length=20, choices=LoanApplicationStatus.choices, blank=True)
    to_status = models.CharField("新状态", max_length=20, choices=LoanApplicationStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.CharField("说明", max_length=200, blank=True)
    changed_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "贷款申请进度"
        ordering = ["id"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.application_id}: {self.from_status or '—'} → {self.to_status}"


class LoanDocumentKind(models.TextChoices):
    ID_CARD = "id_card", "身份证明"
    INCOME = "income", "收入证明"
    BANK_STATEMENT = "bank_statement", "银行流水"
    MARRIAGE = "marriage", "婚姻状况证明"
    CONTRACT = "contract", "购房合同"
    OTHER = "other", "其他材料"


def _document_path(document: "LoanDocument", filename: str) -> str:
    # The stored name is random: the original name is kept in a column, never in the path.
    return f"loans/{document.application_id}/{filename}"


class LoanDocument(models.Model):
    application = models.ForeignKey(
        LoanApplication, verbose_name="贷款申请", on_delete=models.PROTECT, related_name="documents"
    )
    kind = models.CharField("材料类型", max_length=20, choices=LoanDocumentKind.choices)
    file = models.FileField("文件", storage=private_storage, upload_to=_document_path, max_length=200)
    original_name = models.CharField("原文件名", max_length=120)
    content_type = models.CharField("文件类型", max_length=50)
    size_bytes = models.PositiveIntegerField("大小（字节）")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "贷款申请材料"
        ordering = ["id"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.original_name}"
