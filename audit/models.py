"""The operation log (操作日志) and the login log (登录日志): append-only, hash-chained.

Entries are inserted by whoever acts, without touching any shared row (a chain head updated on
every write would be one hot row during an opening). The periodic sealer then gives each entry
its place in the chain (`seq`) and its hash; the PostgreSQL trigger allows exactly that one
update, once, and rejects every other UPDATE, every DELETE and TRUNCATE.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditResult(models.TextChoices):
    SUCCESS = "success", "成功"
    REFUSED = "refused", "被拒绝"


class AuditEntry(models.Model):
    # A default, not auto_now_add: a restore puts carried-over entries back with their own time.
    created_at = models.DateTimeField("时间", default=timezone.now, editable=False, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    actor_label = models.CharField("操作人", max_length=150, blank=True)
    actor_role = models.CharField("角色", max_length=100, blank=True)
    ip = models.GenericIPAddressField("IP地址", null=True, blank=True)
    user_agent = models.CharField("客户端", max_length=300, blank=True)
    action = models.CharField("操作", max_length=100, db_index=True)
    object_type = models.CharField("对象类型", max_length=100, blank=True)
    object_id = models.CharField("对象ID", max_length=64, blank=True)
    object_label = models.CharField("对象", max_length=200, blank=True)
    before = models.JSONField("变更前", null=True, blank=True)
    after = models.JSONField("变更后", null=True, blank=True)
    data = models.JSONField("详情", null=True, blank=True)
    result = models.CharField("结果", max_length=10, choices=AuditResult.choices, default=AuditResult.SUCCESS)
    message = models.CharField("说明", max_length=500, blank=True)
    # Filled once by the sealer: the position in the chain and the chained hash.
    seq = models.BigIntegerField("链序号", null=True, blank=True, unique=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    entry_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "操作日志"
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            models.Index(fields=["actor", "-id"], name="audit_actor_idx"),
            # The sealer's work list: small, however long the log grows.
            models.Index(fields=["id"], condition=models.Q(seq__isnull=True), name="audit_unsealed_idx"),
        ]
        default_permissions = ("view",)
        permissions = [("export_auditentry", "导出操作日志")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action}"


class LoginEvent(models.TextChoices):
    LOGIN = "login", "登录成功"
    FAILED = "failed", "登录失败"
    LOGOUT = "logout", "退出"


class LoginEntry(models.Model):
    created_at = models.DateTimeField("时间", default=timezone.now, editable=False, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="用户",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    username = models.CharField("登录名", max_length=150, blank=True)
    event = models.CharField("事件", max_length=10, choices=LoginEvent.choices)
    ip = models.GenericIPAddressField("IP地址", null=True, blank=True)
    user_agent = models.CharField("客户端", max_length=300, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "登录日志"
        ordering = ["-id"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.username} {self.get_event_display()}"


class BackupKind(models.TextChoices):
    AUTOMATIC = "automatic", "自动备份"
    MANUAL = "manual", "手动备份"
    SAFETY = "safety", "恢复前安全备份"


class VerifyStatus(models.TextChoices):
    PENDING = "pending", "待校验"
    VERIFIED = "verified", "校验通过"
    FAILED = "failed", "校验失败"


class Backup(models.Model):
    """数据备份: the database and the uploaded media in one archive, with a manifest of per-table
    row counts and checksums taken in the same snapshot as the dump. Records are never deleted;
    retention removes old archive files and says so (`pruned_at`)."""

    name = models.CharField("备份名称", max_length=80, unique=True)
    kind = models.CharField("类型", max_length=10, choices=BackupKind.choices)
    file_name = models.CharField("文件", max_length=200)
    size_bytes = models.BigIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64)
    manifest = models.JSONField("清单")
    seconds = models.DecimalField("耗时（秒）", max_digits=10, decimal_places=2)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    created_at = models.DateTimeField("备份时间", default=timezone.now, editable=False, db_index=True)
    verify_status = models.CharField(
        "校验结果", max_length=10, choices=VerifyStatus.choices, default=VerifyStatus.PENDING
    )
    verified_at = models.DateTimeField("校验时间", null=True, blank=True)
    verify_message = models.TextField("校验说明", blank=True)
    pruned_at = models.DateTimeField("文件清理时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "数据备份"
        ordering = ["-id"]
        default_permissions = ("view", "add")
        permissions = [("restore_backup", "恢复数据备份")]

    def __str__(self) -> str:
        return self.name
