"""The developer company in the admin (基本信息): profile and brand, news, property managers,
departments and employees. Every write is logged through AuditedModelAdmin."""

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Count

from audit.admin_mixins import AuditedModelAdmin
from developers import services
from developers.models import Company, Department, Employee, News, PropertyManager


@admin.register(Company)
class CompanyAdmin(AuditedModelAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ("name", "short_name", "brand", "hotline")
    search_fields = ("name", "short_name", "brand")
    fieldsets = (
        (None, {"fields": ("name", "short_name", "hotline", "address", "website")}),
        ("品牌形象", {"fields": ("brand", "slogan", "logo", "banner")}),
        ("公司简介", {"fields": ("introduction",)}),
    )


@admin.register(News)
class NewsAdmin(AuditedModelAdmin):
    list_display = ("title", "company", "is_published", "published_at")
    list_filter = ("is_published", "company")
    list_select_related = ("company",)
    search_fields = ("title", "summary")
    date_hierarchy = "published_at"
    fields = ("company", "title", "summary", "body", "cover", "is_published", "published_at")
    readonly_fields = ("is_published", "published_at")  # set by the publish / withdraw actions only
    actions = ("publish_news", "withdraw_news")

    @admin.action(description="发布所选动态", permissions=["change"])
    def publish_news(self, request, queryset):
        count = services.news_set_published(
            news_items=queryset.filter(is_published=False), actor=request.user, published=True
        )
        if count:
            self.message_user(request, f"已发布 {count} 条公司动态。", messages.SUCCESS)
        else:
            self.message_user(request, "所选动态均已发布，没有需要发布的内容。", messages.WARNING)

    @admin.action(description="撤回所选动态", permissions=["change"])
    def withdraw_news(self, request, queryset):
        count = services.news_set_published(
            news_items=queryset.filter(is_published=True), actor=request.user, published=False
        )
        if count:
            self.message_user(request, f"已撤回 {count} 条公司动态，前台不再显示。", messages.SUCCESS)
        else:
            self.message_user(request, "所选动态均未发布，没有需要撤回的内容。", messages.WARNING)


@admin.register(PropertyManager)
class PropertyManagerAdmin(AuditedModelAdmin):
    list_display = ("name", "qualification", "contact_name", "phone")
    search_fields = ("name", "contact_name")


class EmployeeInline(admin.TabularInline):
    model = Employee
    extra = 0
    fields = ("name", "title", "phone", "user", "is_active")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            kwargs["queryset"] = _staff_accounts()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


def _staff_accounts():
    # An employee's system account is a staff account, never a buyer's.
    return get_user_model().objects.filter(is_staff=True).order_by("username")


@admin.register(Department)
class DepartmentAdmin(AuditedModelAdmin):
    list_display = ("name", "company", "parent", "employee_count")
    list_filter = ("company",)
    list_select_related = ("company", "parent")
    search_fields = ("name",)
    inlines = (EmployeeInline,)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(employee_total=Count("employees"))

    @admin.display(description="员工数", ordering="employee_total")
    def employee_count(self, department):
        return department.employee_total


@admin.register(Employee)
class EmployeeAdmin(AuditedModelAdmin):
    list_display = ("name", "department", "title", "phone", "account", "is_active")
    list_filter = ("is_active", "department")
    list_select_related = ("department", "user")
    search_fields = ("name", "title", "user__username")

    @admin.display(description="系统账号", ordering="user__username")
    def account(self, employee):
        return employee.user.username if employee.user else "—"

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            kwargs["queryset"] = _staff_accounts()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
