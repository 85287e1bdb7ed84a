"""The download centre (报表中心): reports generated in the background or on schedule, kept for a while."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class ReportStatus(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "生成中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"
    EXPIRED = "expired", "已过期清理"


class GeneratedReport(models.Model):
    """One generated .xlsx file: who asked (none for the nightly run), when, size and until when it is kept."""

    code = models.CharField("报表", max_length=40)
    title = models.CharField("标题", max_length=100)
    filters = models.JSONField("筛选条件", default=dict)
    filters_text = models.CharField("筛选条件说明", max_length=300, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="申请人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="定时生成为空（系统）",
    )
    scheduled = models.BooleanField("定时生成", default=False)
    status = models.CharField("状态", max_length=10, choices=ReportStatus.choices, default=ReportStatus.QUEUED)
    progress = models.PositiveSmallIntegerField("进度（%）", default=0)
    row_count = models.PositiveIntegerField("行数", default=0)
    file_name = models.CharField("文件", max_length=200, blank=True)
    size = models.PositiveBigIntegerField("大小（字节）", default=0)
    error = models.CharField("错误", max_length=300, blank=True)
    created_at = models.DateTimeField("申请时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    expires_at = models.DateTimeField("保留至", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "生成的报表"
        ordering = ["-created_at", "-id"]
        default_permissions = ("view",)
        permissions = [
            ("view_charge_reports", "查看收费报表"),
            ("view_property_reports", "查看房产与业主统计"),
            ("export_reports", "导出报表（含个人信息，记入操作日志）"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ReportStatus.values), name="report_status_valid"),
            models.CheckConstraint(condition=Q(progress__lte=100), name="report_progress_max_100"),
            models.CheckConstraint(
                condition=~Q(status=ReportStatus.DONE) | (~Q(file_name="") & Q(finished_at__isnull=False)),
                name="report_done_has_file",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title}（{self.get_status_display()}）"
