"""收款管理 in the admin: the configuration finance edits (methods, charge items, plan templates, the
points rate and waiver limits — every change in the operation log), and read-only views of the
money records, limited to the user's data scope. Money is never added, edited or deleted here: the
pages under /office/payments/ do that through the services."""

from decimal import Decimal

from django import forms
from django.contrib import admin
from django.db.models import Q

from accounts.admin_scope import ScopedAdminMixin
from accounts.scope import scoped_project_ids
from audit.admin_mixins import AuditedModelAdmin
from payments.models import (
    ChargeItem,
    Deposit,
    DepositEvent,
    HeldPayment,
    OnlineTrade,
    Payment,
    PaymentMethod,
    PaymentNotice,
    PaymentPlanItem,
    PaymentPlanTemplate,
    PaymentSettings,
    PointsEntry,
    Receipt,
    ReceiptPrint,
    ReceiptSequence,
    ShiftClose,
    WaiverLimit,
)
from shuchang.core.masking import mask_name

# ---- configuration -------------------------------------------------------------------------------


@admin.register(PaymentMethod)
class PaymentMethodAdmin(AuditedModelAdmin):
    list_display = ["name", "code", "kind", "gateway", "is_enabled", "needs_approval", "needs_reference", "position"]
    list_editable = ["is_enabled", "needs_approval", "position"]
    list_filter = ["kind", "is_enabled"]
    ordering = ["position", "id"]

    def get_readonly_fields(self, request, obj=None):
        # The rules key on code, kind and gateway: fixed once the method exists.
        return ["code", "kind", "gateway"] if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        return False  # payments refer to it: switch it off instead


@admin.register(ChargeItem)
class ChargeItemAdmin(AuditedModelAdmin):
    list_display = ["name", "code", "kind", "is_enabled", "position"]
    list_editable = ["is_enabled", "position"]
    ordering = ["position", "id"]

    def get_readonly_fields(self, request, obj=None):
        return ["code", "kind"] if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        return False


class PlanItemFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        ratios = [
            form.cleaned_data["ratio"]
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE") and form.cleaned_data.get("ratio") is not None
        ]
        if not ratios:
            raise forms.ValidationError("付款方案至少要有一项")
        total = sum(ratios, Decimal(0))
        if total != Decimal(1):
            raise forms.ValidationError(f"各项比例之和须为 100%，现为 {total * 100:.2f}%")


class PlanItemInline(admin.TabularInline):
    model = PaymentPlanItem
    formset = PlanItemFormSet
    fields = ["position", "charge_item", "ratio", "days_after", "note"]
    extra = 1


@admin.register(PaymentPlanTemplate)
class PaymentPlanTemplateAdmin(ScopedAdminMixin, AuditedModelAdmin):
    """Company-wide templates (no project) and templates of the user's projects."""

    scope_path = None
    list_display = ["name", "kind", "project", "is_default", "is_enabled"]
    list_filter = ["kind", "is_enabled"]
    inlines = [PlanItemInline]

    def get_queryset(self, request):
        templates = super().get_queryset(request).select_related("project")
        ids = scoped_project_ids(request.user)
        return templates if ids is None else templates.filter(Q(project__isnull=True) | Q(project__in=ids))

    def has_delete_permission(self, request, obj=None):
        return False  # schedules keep their template: switch it off instead


@admin.register(PaymentSettings)
class PaymentSettingsAdmin(AuditedModelAdmin):
    list_display = ["__str__", "yuan_per_point", "default_waiver_limit_amount", "receipt_title"]

    def has_add_permission(self, request):
        return not PaymentSettings.objects.exists() and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(WaiverLimit)
class WaiverLimitAdmin(AuditedModelAdmin):
    list_display = ["user", "limit_amount"]
    list_select_related = ["user"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            from accounts.models import User

            kwargs["queryset"] = User.objects.filter(is_staff=True, is_active=True).order_by("username")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


# ---- the money records, read-only ----------------------------------------------------------------------


class ReadOnlyAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Viewing only: money records change through the services (and their pages), never here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ["id", "paid_at", "project", "target_label", "charge_item", "method", "amount", "kind", "status",
                    "masked_payer", "recorded_by"]  # fmt: skip
    list_filter = ["kind", "status", "method", "charge_item"]
    list_select_related = ["project", "charge_item", "method", "recorded_by"]
    search_fields = ["external_ref"]
    date_hierarchy = "paid_at"
    show_facets = admin.ShowFacets.NEVER

    @admin.display(description="付款人")
    def masked_payer(self, obj):
        return mask_name(obj.payer_name)


class ReceiptPrintInline(admin.TabularInline):
    model = ReceiptPrint
    fields = readonly_fields = ["copy_number", "paper", "printed_by", "printed_at"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Receipt)
class ReceiptAdmin(ReadOnlyAdmin):
    list_display = ["code", "issued_at", "project", "masked_payer", "charge_item_name", "method_name", "amount", "kind",
                    "status", "print_count"]  # fmt: skip
    list_filter = ["status", "kind"]
    list_select_related = ["project"]
    search_fields = ["code"]
    inlines = [ReceiptPrintInline]
    show_facets = admin.ShowFacets.NEVER

    @admin.display(description="付款人")
    def masked_payer(self, obj):
        return mask_name(obj.payer_name)


@admin.register(ReceiptSequence)
class ReceiptSequenceAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "project", "year", "last_number"]
    list_select_related = ["project"]


class DepositEventInline(admin.TabularInline):
    model = DepositEvent
    fields = readonly_fields = ["at", "from_status", "to_status", "actor", "reason"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Deposit)
class DepositAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "project", "buyer", "amount", "status", "created_at", "status_changed_at"]
    list_filter = ["kind", "status"]
    list_select_related = ["project", "buyer__buyer_profile"]
    inlines = [DepositEventInline]
    show_facets = admin.ShowFacets.NEVER


@admin.register(HeldPayment)
class HeldPaymentAdmin(ReadOnlyAdmin):
    list_display = ["id", "created_at", "project", "buyer", "amount", "reason", "status"]
    list_filter = ["status"]
    list_select_related = ["project", "buyer__buyer_profile"]


@admin.register(OnlineTrade)
class OnlineTradeAdmin(ReadOnlyAdmin):
    list_display = [
        "out_trade_no",
        "gateway",
        "purpose",
        "project",
        "amount",
        "status",
        "gateway_trade_no",
        "created_at",
    ]
    list_filter = ["status", "gateway", "purpose"]
    list_select_related = ["project"]
    search_fields = ["out_trade_no", "gateway_trade_no"]
    show_facets = admin.ShowFacets.NEVER


@admin.register(PaymentNotice)
class PaymentNoticeAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "project", "unit_label", "as_of", "outstanding_amount", "overdue_amount", "issued_by",
                    "issued_at"]  # fmt: skip
    list_filter = ["kind"]
    list_select_related = ["project", "issued_by"]


@admin.register(ShiftClose)
class ShiftCloseAdmin(ReadOnlyAdmin):
    scope_path = None  # a shift belongs to its operator: they see theirs, finance sees everyone's
    list_display = ["closed_at", "operator", "payment_count", "receipt_count", "total_amount", "is_balanced"]
    list_select_related = ["operator"]

    def get_queryset(self, request):
        shifts = super().get_queryset(request)
        return shifts if request.user.has_perm("payments.view_all_shifts") else shifts.filter(operator=request.user)


@admin.register(PointsEntry)
class PointsEntryAdmin(ReadOnlyAdmin):
    scope_path = None  # a buyer's points are not project data; only finance has the view permission
    list_display = ["created_at", "account", "points", "reason", "actor"]
    list_select_related = ["account__buyer__buyer_profile", "actor"]
