"""Back office for loans: banks, products, rate tables, national policy, and the plan generator.

Every save goes through `services.loan_setting_save` (operation log with before/after). Nothing
here is deleted: a bank or product is switched off, a rate changes by a new dated row, because
loans priced earlier keep the rate of their contract date.
"""

from django.contrib import admin
from django.urls import NoReverseMatch, path, reverse
from django.utils.html import format_html

from loans import selectors, services, views
from loans.calculator import format_rate
from loans.models import Bank, LoanApplication, LoanPlan, LoanPolicy, LoanProduct, LprRate, ProvidentFundRate


class LoanSettingAdmin(admin.ModelAdmin):
    def save_model(self, request, obj, form, change):
        services.loan_setting_save(instance=obj, actor=request.user)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Bank)
class BankAdmin(LoanSettingAdmin):
    list_display = ["name", "max_age_at_maturity", "housing_dti", "total_dti", "is_active", "position"]
    list_filter = ["is_active"]
    search_fields = ["name"]

    @admin.display(description="房产支出收入比上限")
    def housing_dti(self, obj):
        return f"{obj.housing_dti_ratio:.0%}"

    @admin.display(description="所有债务收入比上限")
    def total_dti(self, obj):
        return f"{obj.total_dti_ratio:.0%}"


@admin.register(LoanProduct)
class LoanProductAdmin(LoanSettingAdmin):
    list_display = [
        "name",
        "bank",
        "kind",
        "home_type",
        "pricing",
        "down_payment",
        "max_term_years",
        "max_loan_amount",
        "is_active",
    ]
    list_filter = ["bank", "kind", "home_type", "is_active"]
    list_select_related = ["bank"]
    search_fields = ["name", "bank__name"]
    change_list_template = "loans/admin/loanproduct_change_list.html"
    fieldsets = [
        (None, {"fields": ["bank", "name", "kind", "home_type", "is_active", "description"]}),
        ("定价", {"fields": ["rate_rule", "lpr_spread_bp", "fixed_rate"]}),
        ("额度与期限", {"fields": ["min_down_payment_ratio", "max_term_years", "max_loan_amount"]}),
    ]

    @admin.display(description="定价")
    def pricing(self, obj):
        if obj.rate_rule == "fixed":
            return f"固定 {format_rate(obj.fixed_rate)}"
        if obj.rate_rule == "lpr":
            return f"LPR {obj.lpr_spread_bp:+d}基点" if obj.lpr_spread_bp else "LPR"
        return "公积金利率表"

    @admin.display(description="最低首付")
    def down_payment(self, obj):
        return f"{obj.min_down_payment_ratio:.0%}"

    def get_urls(self):
        def wrap(view):
            def handler(request):
                return view(request, admin_context=self.admin_site.each_context(request))

            return self.admin_site.admin_view(handler)

        custom = [
            path("plans/", wrap(views.plan_generator), name="loans_loanproduct_plans"),
            path("plans/export/", wrap(views.plan_export), name="loans_loanproduct_plans_export"),
            path("plans/save/", wrap(views.plan_save), name="loans_loanproduct_plans_save"),
        ]
        return custom + super().get_urls()


@admin.register(LprRate)
class LprRateAdmin(LoanSettingAdmin):
    list_display = ["effective_on", "one_year", "five_year", "note"]
    date_hierarchy = "effective_on"

    @admin.display(description="1年期LPR", ordering="one_year_rate")
    def one_year(self, obj):
        return format_rate(obj.one_year_rate)

    @admin.display(description="5年期以上LPR", ordering="five_year_rate")
    def five_year(self, obj):
        return format_rate(obj.five_year_rate)


@admin.register(ProvidentFundRate)
class ProvidentFundRateAdmin(LoanSettingAdmin):
    list_display = ["effective_on", "home_type", "short_term", "long_term", "note"]
    list_filter = ["home_type"]

    @admin.display(description="5年以下（含5年）")
    def short_term(self, obj):
        return format_rate(obj.up_to_five_years_rate)

    @admin.display(description="5年以上")
    def long_term(self, obj):
        return format_rate(obj.over_five_years_rate)


@admin.register(LoanPolicy)
class LoanPolicyAdmin(LoanSettingAdmin):
    list_display = ["effective_on", "min_down", "max_term_years", "note"]

    @admin.display(description="国家最低首付比例")
    def min_down(self, obj):
        return f"{obj.min_down_payment_ratio:.0%}"


def _page_link(name: str, pk: int, text: str) -> str:
    try:
        return format_html('<a href="{}">{}</a>', reverse(name, args=[pk]), text)
    except NoReverseMatch:  # the loan pages are not mounted in the root URLs yet
        return "—"


class ReadOnlyAdmin(admin.ModelAdmin):
    """Saved plans and applications change only through their pages and services."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LoanPlan)
class LoanPlanAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "customer", "loan_amount", "first_payment_amount", "contract_on", "created_at", "page"]
    list_filter = ["kind", "bank_name"]
    exclude = ["snapshot", "fingerprint"]

    def get_queryset(self, request):
        return selectors.loan_plan_list_for_user(request.user)

    @admin.display(description="贷款总额")
    def loan_amount(self, obj):
        return obj.loan_amount

    @admin.display(description="查看")
    def page(self, obj):
        return _page_link("loans:plan_detail", obj.pk, "方案详情")


@admin.register(LoanApplication)
class LoanApplicationAdmin(ReadOnlyAdmin):
    list_display = ["number", "order", "product", "amount", "status", "submitted_at", "page"]
    list_filter = ["status", "product__bank"]
    search_fields = ["order__unit__code", "bank_reference"]

    def get_queryset(self, request):
        return selectors.loan_application_list_for_user(request.user)

    @admin.display(description="申请号")
    def number(self, obj):
        return obj.number

    @admin.display(description="办理")
    def page(self, obj):
        return _page_link("loans:application_detail", obj.pk, "办理")
