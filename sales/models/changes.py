"""Sales changes (销售变更) after reservation: applied, then approved-and-executed or rejected."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class SalesChangeKind(models.TextChoices):
    CANCEL = "cancel", "退房"
    SWAP = "swap", "换房"
    RENAME = "rename", "更名"
    SIGN = "sign", "签约"


class SalesChangeStatus(models.TextChoices):
    APPLIED = "applied", "待审批"
    # Approval executes the change in the same transaction, so "approved" is never a resting state:
    # the row goes from applied to executed (approver recorded) or stays applied if execution fails.
    EXECUTED = "executed", "已审批并执行"
    REJECTED = "rejected", "已驳回"
    WITHDRAWN = "withdrawn", "已撤回"


class SalesChange(models.Model):
    order = models.ForeignKey("sales.Order", verbose_name="订单", on_delete=models.PROTECT, related_name="changes")
    project = models.ForeignKey(
        "listings.Project", verbose_name="楼盘", on_delete=models.PROTECT, related_name="sales_changes"
    )
    kind = models.CharField("变更类型", max_length=10, choices=SalesChangeKind.choices)
    status = models.CharField(
        "状态", max_length=10, choices=SalesChangeStatus.choices, default=SalesChangeStatus.APPLIED
    )
    payload = models.JSONField("变更内容", default=dict)
    reason = models.CharField("申请原因", max_length=300)
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="申请人", on_delete=models.PROTECT, related_name="+"
    )
    applied_at = models.DateTimeField("申请时间", auto_now_add=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审批人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField("审批时间", null=True, blank=True)
    review_note = models.CharField("审批意见", max_length=300, blank=True)
    result = models.JSONField("执行结果", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "销售变更"
        ordering = ["-id"]
        default_permissions = ("view", "add")
        permissions = [("approve_saleschange", "审批销售变更")]
        constraints = [
            # One open application per order: two approvals racing on one order cannot both execute.
            models.UniqueConstraint(
                fields=["order"], condition=Q(status=SalesChangeStatus.APPLIED), name="sales_change_one_open_per_order"
            ),
            models.CheckConstraint(condition=Q(kind__in=SalesChangeKind.values), name="sales_change_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=SalesChangeStatus.values), name="sales_change_status_valid"),
            models.CheckConstraint(condition=~Q(reason=""), name="sales_change_has_reason"),
            models.CheckConstraint(
                condition=~Q(status__in=[SalesChangeStatus.EXECUTED, SalesChangeStatus.REJECTED])
                | (Q(reviewer__isnull=False) & Q(reviewed_at__isnull=False)),
                name="sales_change_reviewed_has_reviewer",
            ),
            models.CheckConstraint(
                condition=~Q(status=SalesChangeStatus.REJECTED) | ~Q(review_note=""),
                name="sales_change_rejection_has_note",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}申请 #{self.pk}"
