"""Customers (客户管理) of a project and the consultants' follow-up notes (跟进记录)."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from shuchang.core.masking import mask_id_number, mask_mobile, mask_name
from shuchang.core.validators import validate_mobile, validate_resident_id


class CustomerSource(models.TextChoices):
    VISIT = "visit", "自然到访"
    ONLINE = "online", "线上注册"
    PHONE = "phone", "来电咨询"
    REFERRAL = "referral", "老带新"
    AGENT = "agent", "渠道带客"
    OTHER = "other", "其他"


class Customer(models.Model):
    """A person a project's sales team knows; `user` links the buyer account when they have one."""

    project = models.ForeignKey(
        "listings.Project", verbose_name="楼盘", on_delete=models.PROTECT, related_name="customers"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="购房者账号",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sales_customers",
    )
    name = models.CharField("姓名", max_length=50)
    mobile = models.CharField("手机号", max_length=11, validators=[validate_mobile])
    id_number = models.CharField("身份证号", max_length=18, blank=True, validators=[validate_resident_id])
    consultant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="置业顾问",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_customers",
    )
    source = models.CharField("来源", max_length=10, choices=CustomerSource.choices, default=CustomerSource.VISIT)
    note = models.CharField("备注", max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "客户"
        ordering = ["-id"]
        default_permissions = ("view", "add", "change")
        permissions = [("view_all_customers", "查看所负责楼盘的全部客户（不限本人名下）")]
        constraints = [
            # One record per person per project: a second visit is a follow-up, not a new customer.
            models.UniqueConstraint(fields=["project", "mobile"], name="customer_mobile_per_project"),
            models.UniqueConstraint(
                fields=["project", "user"], condition=Q(user__isnull=False), name="customer_user_per_project"
            ),
        ]
        indexes = [models.Index(fields=["consultant", "-id"], name="customer_consultant_idx")]

    def __str__(self) -> str:
        return f"{mask_name(self.name)}（{mask_mobile(self.mobile)}）"

    @property
    def masked_name(self) -> str:
        return mask_name(self.name)

    @property
    def masked_mobile(self) -> str:
        return mask_mobile(self.mobile)

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)


class FollowUpMethod(models.TextChoices):
    PHONE = "phone", "电话"
    VISIT = "visit", "到访"
    WECHAT = "wechat", "微信"
    OTHER = "other", "其他"


class FollowUp(models.Model):
    """A consultant's note on a customer; notes are appended, never edited."""

    customer = models.ForeignKey(Customer, verbose_name="客户", on_delete=models.PROTECT, related_name="follow_ups")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="跟进人", on_delete=models.PROTECT, related_name="+"
    )
    method = models.CharField("方式", max_length=10, choices=FollowUpMethod.choices, default=FollowUpMethod.PHONE)
    content = models.TextField("跟进内容")
    next_follow_up_on = models.DateField("下次跟进日期", null=True, blank=True)
    created_at = models.DateTimeField("跟进时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "跟进记录"
        ordering = ["-id"]
        default_permissions = ("view", "add")
        constraints = [models.CheckConstraint(condition=~Q(content=""), name="follow_up_has_content")]

    def __str__(self) -> str:
        return f"{self.get_method_display()}跟进 {self.created_at:%Y-%m-%d}"
