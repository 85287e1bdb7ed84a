"""Users: buyers sign in with a mainland mobile number, staff with a username."""

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q

from shuchang.core.masking import mask_id_number, mask_mobile, mask_name
from shuchang.core.validators import validate_mobile, validate_resident_id


class User(AbstractUser):
    # Buyers' username is their mobile number; staff may have one too, for notices.
    mobile = models.CharField("手机号", max_length=11, blank=True, validators=[validate_mobile])

    objects = UserManager()

    class Meta:
        verbose_name = verbose_name_plural = "用户"
        constraints = [
            models.UniqueConstraint(fields=["mobile"], condition=~Q(mobile=""), name="user_mobile_unique"),
        ]

    def __str__(self) -> str:
        if hasattr(self, "buyer_profile") and self.buyer_profile.real_name:
            return f"{mask_name(self.buyer_profile.real_name)}（{mask_mobile(self.mobile)}）"
        return self.get_full_name() or (mask_mobile(self.mobile) if self.mobile else self.username)

    @property
    def is_buyer(self) -> bool:
        return not self.is_staff

    @property
    def is_verified_buyer(self) -> bool:
        profile = getattr(self, "buyer_profile", None)
        return profile is not None and profile.verified_at is not None


class BuyerProfile(models.Model):
    """The buyer's real-name record (实名认证): required before joining an opening."""

    user = models.OneToOneField(User, on_delete=models.PROTECT, related_name="buyer_profile")
    real_name = models.CharField("真实姓名", max_length=50, blank=True)
    id_number = models.CharField("身份证号", max_length=18, blank=True, validators=[validate_resident_id])
    verified_at = models.DateTimeField("实名认证时间", null=True, blank=True)
    created_at = models.DateTimeField("注册时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "购房者档案"
        permissions = [("view_full_identity", "查看完整的身份证号和手机号")]
        constraints = [
            # One person, one verified account: otherwise quotas could be dodged with a second phone.
            models.UniqueConstraint(fields=["id_number"], condition=~Q(id_number=""), name="buyer_id_number_unique"),
            models.CheckConstraint(
                condition=Q(verified_at__isnull=True) | (~Q(real_name="") & ~Q(id_number="")),
                name="buyer_verified_has_identity",
            ),
        ]

    def __str__(self) -> str:
        return mask_name(self.real_name) or mask_mobile(self.user.mobile)

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)


class StaffProfile(models.Model):
    """A staff member's data scope: the projects they may see and work on."""

    user = models.OneToOneField(User, on_delete=models.PROTECT, related_name="staff_profile")
    all_projects = models.BooleanField("全部楼盘", default=False, help_text="不受楼盘数据范围限制（如公司级管理人员）")
    projects = models.ManyToManyField("listings.Project", verbose_name="负责楼盘", blank=True, related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = "员工数据范围"

    def __str__(self) -> str:
        return f"{self.user} 的数据范围"
