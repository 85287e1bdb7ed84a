"""Users, roles and data scope in the admin (系统管理).

Administrators create staff accounts, give them roles (groups) and a data scope (projects).
Buyers register themselves; here they are shown with masked numbers, unmasked only for those
holding `accounts.view_full_identity`. Roles are declared in code (accounts/roles.py), so the
group pages are read-only. Every write is logged through AuditedModelAdmin, never the password.
"""

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group, Permission
from django.db import models, transaction
from django.db.models import Count
from django.utils.html import format_html_join

from accounts.admin_scope import ScopedAdminMixin
from accounts.models import BuyerProfile, StaffProfile, User
from audit.admin_mixins import AuditedModelAdmin
from audit.services import audit_record
from shuchang.core.masking import mask_id_number, mask_mobile, mask_name
from shuchang.core.validators import MOBILE_RE

FULL_IDENTITY_PERMISSION = "accounts.view_full_identity"


def _sees_full_identity(request) -> bool:
    return request.user.has_perm(FULL_IDENTITY_PERMISSION)


def _buyer_identity_fields(request) -> tuple[str, str]:
    """The buyer's login name and mobile: the real fields, or their masked displays."""
    return ("username", "mobile") if _sees_full_identity(request) else ("account_display", "mobile_display")


class StaffProfileInline(ScopedAdminMixin, admin.StackedInline):
    """The staff member's data scope; the projects offered are those in the editor's own scope."""

    model = StaffProfile
    scope_path = None  # the profile belongs to the user being edited; only its choices are scoped
    can_delete = False
    max_num = 1
    fields = ("all_projects", "projects")
    formfield_overrides = {models.ManyToManyField: {"widget": forms.CheckboxSelectMultiple}}
    verbose_name = verbose_name_plural = "数据范围"


class BuyerProfileInline(admin.StackedInline):
    """The buyer's real-name record: read-only here (buyers verify themselves), masked by default."""

    model = BuyerProfile
    can_delete = False
    extra = 0
    max_num = 0
    verbose_name = verbose_name_plural = "实名信息"

    def get_fields(self, request, obj=None):
        if _sees_full_identity(request):
            return ("real_name", "id_number", "verified_at", "created_at")
        return ("masked_real_name", "masked_id_number", "verified_at", "created_at")

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="真实姓名")
    def masked_real_name(self, profile):
        return mask_name(profile.real_name) or "—"

    @admin.display(description="身份证号")
    def masked_id_number(self, profile):
        return mask_id_number(profile.id_number) or "—"


@admin.register(User)
class UserAdmin(AuditedModelAdmin, DjangoUserAdmin):
    audit_exclude = ("last_login",)  # changes at every sign-in; the login log has it
    list_display = ("account", "display_name", "masked_mobile", "role_names", "is_staff", "is_active", "date_joined")
    list_filter = ("is_staff", "is_active", "groups")
    search_fields = ("username", "first_name", "=mobile")
    search_help_text = "按登录名、姓名或完整手机号搜索"
    ordering = ("-id",)
    filter_horizontal = ("user_permissions",)
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "usable_password", "password1", "password2")}),
        ("员工信息", {"fields": ("first_name", "mobile", "is_staff", "groups")}),
    )
    _STAFF_FIELDSETS = (
        (None, {"fields": ("username", "password")}),
        ("基本信息", {"fields": ("first_name", "last_name", "email", "mobile")}),
        ("角色与状态", {"fields": ("is_active", "is_staff", "groups")}),
        ("重要日期", {"fields": ("last_login", "date_joined")}),
    )
    _SUPERUSER_FIELDS = ("超级管理员", {"fields": ("is_superuser", "user_permissions")})

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("buyer_profile").prefetch_related("groups")

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groups":
            # A handful of roles: checkboxes read better than the two-box selector.
            kwargs["widget"] = forms.CheckboxSelectMultiple
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return self.add_fieldsets
        if obj.is_buyer:
            return (
                (None, {"fields": (*_buyer_identity_fields(request), "password")}),
                ("状态", {"fields": ("is_active",)}),
                ("重要日期", {"fields": ("last_login", "date_joined")}),
            )
        if request.user.is_superuser:
            # Individual permissions and superuser status bypass the roles: only a superuser grants them.
            return (*self._STAFF_FIELDSETS, self._SUPERUSER_FIELDS)
        return self._STAFF_FIELDSETS

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        if obj.is_buyer:
            # A buyer's number changes only through the buyer's own flow.
            return (*_buyer_identity_fields(request), "last_login", "date_joined")
        return ("last_login", "date_joined")

    def get_inlines(self, request, obj):
        if obj is not None and obj.is_buyer:
            return [BuyerProfileInline]
        return [StaffProfileInline]

    def get_changeform_initial_data(self, request):
        # Accounts made here are staff accounts; buyers register themselves with their mobile.
        return {"is_staff": True, **super().get_changeform_initial_data(request)}

    def has_change_permission(self, request, obj=None):
        # An administrator who is not a superuser cannot take over a superuser's account.
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)

    def user_change_password(self, request, id, form_url=""):
        """Django's password page, logged (that it changed, never the value)."""
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            if request.method == "POST" and response.status_code == 302:
                user = self.get_object(request, unquote(id))
                audit_record(
                    actor=request.user,
                    action="accounts.user.password_changed",
                    target=user,
                    data={"via": "admin", "usable": user.has_usable_password()},
                )
        return response

    # -- columns ----------------------------------------------------------------------------

    @admin.display(description="登录名", ordering="username")
    def account(self, user):
        # A buyer's login name is their mobile number: masked like the number itself.
        return mask_mobile(user.username) if user.is_buyer else user.username

    @admin.display(description="姓名")
    def display_name(self, user):
        profile = getattr(user, "buyer_profile", None)
        if user.is_buyer:
            return mask_name(profile.real_name) if profile is not None and profile.real_name else "—"
        return user.get_full_name() or "—"

    @admin.display(description="手机号")
    def masked_mobile(self, user):
        return mask_mobile(user.mobile) or "—"

    @admin.display(description="角色")
    def role_names(self, user):
        return "、".join(sorted(group.name for group in user.groups.all())) or "—"

    @admin.display(description="登录名")
    def account_display(self, user):
        return mask_mobile(user.username)

    @admin.display(description="手机号")
    def mobile_display(self, user):
        return mask_mobile(user.mobile) or "—"

    def audit_snapshot(self, obj):
        values = super().audit_snapshot(obj)
        # A buyer's login name is their mobile number, so the log masks it like one.
        if MOBILE_RE.match(values.get("username") or ""):
            values["username"] = mask_mobile(values["username"])
        return values


admin.site.unregister(Group)


@admin.register(Group)
class RoleAdmin(admin.ModelAdmin):
    """Roles (角色) are declared in accounts/roles.py and applied by `manage.py sync_roles`.

    Editing a group here would be undone by the next sync, so the page only shows them.
    """

    list_display = ("name", "permission_count", "member_count")
    fields = ("name", "permission_list")
    readonly_fields = fields
    search_fields = ("name",)
    ordering = ("name",)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(permission_total=Count("permissions", distinct=True), member_total=Count("user", distinct=True))
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="权限数", ordering="permission_total")
    def permission_count(self, group):
        return group.permission_total

    @admin.display(description="成员数", ordering="member_total")
    def member_count(self, group):
        return group.member_total

    @admin.display(description="权限（在 accounts/roles.py 中定义）")
    def permission_list(self, group):
        permissions = group.permissions.select_related("content_type").order_by("content_type__app_label", "codename")
        return format_html_join(
            "",
            "<div>{}｜{}</div>",
            ((permission.content_type.app_label, _permission_label(permission)) for permission in permissions),
        )


_DEFAULT_VERBS = {"add": "新增", "change": "修改", "delete": "删除", "view": "查看"}


def _permission_label(permission: Permission) -> str:
    """Django's default permissions are named in English ("Can view 操作日志"): say them in Chinese."""
    verb = _DEFAULT_VERBS.get(permission.codename.split("_", 1)[0])
    model = permission.content_type.model_class()
    if verb and permission.name.startswith("Can ") and model is not None:
        return f"{verb}{model._meta.verbose_name}"
    return permission.name
