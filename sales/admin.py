"""The sales back office in the Django admin: openings, schemes, customers, orders, sales changes.

Every write goes through a service (the admin only translates forms and actions); every list is
limited to the user's data scope; nothing is deleted here.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import NON_FIELD_ERRORS
from django.db.models import Count
from django.http import HttpResponseRedirect

from accounts.models import User
from accounts.scope import filter_by_scope
from listings.models import Building, Project, Unit, UnitStatus
from sales import lottery, permissions, selectors, services
from sales.exceptions import DomainError
from sales.models import (
    Coupon,
    Customer,
    DepositDisposition,
    FollowUp,
    Opening,
    Order,
    OrderCoBuyer,
    OrderStatus,
    OrderStatusChange,
    Registration,
    SalesChange,
    SalesChangeKind,
    Scheme,
)


class NoteActionForm(ActionForm):
    """The action bar's extra field: the reason or review note an action needs."""

    note = forms.CharField(label="原因 / 审批意见", required=False, max_length=200)


class ScopedAdmin(admin.ModelAdmin):
    """Lists and pickers limited to the user's projects; a refused service call becomes a message."""

    project_path = "project"

    def get_queryset(self, request):
        return filter_by_scope(super().get_queryset(request), request.user, self.project_path)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "project":
            kwargs["queryset"] = filter_by_scope(Project.objects.all(), request.user, "pk")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_delete_permission(self, request, obj=None):
        return False  # history is never erased: close, cancel or deactivate instead

    def get_form(self, request, obj=None, change=False, **kwargs):
        """The form class bound to this request, so its pickers can be limited to the user's scope
        per instance (never by mutating fields shared between requests)."""
        form_class = super().get_form(request, obj, change, **kwargs)
        if not getattr(form_class, "wants_request", False):
            return form_class

        class RequestBoundForm(form_class):
            def __init__(self, *args, **inner):
                super().__init__(*args, request=request, **inner)

        RequestBoundForm.__name__ = form_class.__name__
        return RequestBoundForm

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # A service refusing at save time (a race the form could not foresee) rolls the save back.
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as refusal:
            self.message_user(request, refusal.message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def _run_each(self, request, queryset, call, done: str) -> None:
        ok = 0
        for obj in queryset:
            try:
                call(obj)
                ok += 1
            except DomainError as refusal:
                self.message_user(request, f"{obj}：{refusal.message}", messages.ERROR)
        if ok:
            self.message_user(request, f"{done} {ok} 条", messages.SUCCESS)


def _scoped_projects(request, instance):
    projects = filter_by_scope(Project.objects.all(), request.user, "pk")
    if instance is not None and instance.pk:
        projects = projects.filter(pk=instance.project_id)
    return projects


def _limit(form, name: str, queryset) -> None:
    """Limit a picker to `queryset` (absent when the user may only view: the form is read-only)."""
    if name in form.fields:
        form.fields[name].queryset = queryset


class ServiceCheckedForm(forms.ModelForm):
    """Runs the service's own validation on the built instance; its Chinese message replaces the
    model constraints' generic ones."""

    def service_check(self, instance) -> None:
        raise NotImplementedError

    def _post_clean(self):
        field_errors = bool(self.errors)
        super()._post_clean()  # builds the instance; model constraints may complain generically
        if field_errors:
            return
        try:
            self.service_check(self.instance)
        except DomainError as refusal:
            self._errors.pop(NON_FIELD_ERRORS, None)  # the service says why, in words a user reads
            self.add_error(None, refusal.message)


# ---- openings -------------------------------------------------------------------------------------


class OpeningForm(ServiceCheckedForm):
    buildings = forms.ModelMultipleChoiceField(
        label="整栋加入",
        queryset=Building.objects.none(),
        required=False,
        help_text="所选楼栋中已公布或未公布的全部房源（已售除外）一并加入本批",
    )

    class Meta:
        model = Opening
        fields = [
            "project", "name", "units", "signup_ends_at", "starts_at", "ends_at", "mode", "quota", "hold_minutes",
            "deposit_amount", "turn_minutes", "turn_batch_size", "requires_registration", "registration_fee_amount",
        ]  # fmt: skip

    wants_request = True

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        if request is not None:
            projects = _scoped_projects(request, self.instance)
            _limit(self, "units", Unit.objects.filter(project__in=projects).select_related("building"))
            _limit(self, "buildings", Building.objects.filter(project__in=projects))

    def service_check(self, instance) -> None:
        services.opening_validate(instance)

    def unit_ids(self) -> list[int]:
        ids = {unit.pk for unit in self.cleaned_data.get("units", [])}
        buildings = self.cleaned_data.get("buildings") or []
        ids |= set(
            Unit.objects.filter(building__in=buildings).exclude(status=UnitStatus.SOLD).values_list("pk", flat=True)
        )
        return sorted(ids)


@admin.register(Opening)
class OpeningAdmin(ScopedAdmin):
    form = OpeningForm
    list_display = ["name", "project", "mode", "starts_at", "ends_at", "quota", "is_published", "unit_total",
                    "lottery_state"]  # fmt: skip
    list_filter = ["mode", "is_published", "project"]
    search_fields = ["name"]
    filter_horizontal = ["units"]
    readonly_fields = ["is_published", "lottery_seed_hash", "lottery_committed_at", "lottery_drawn_at",
                       "revealed_seed", "lottery_summary"]  # fmt: skip
    actions = ["publish", "lottery_commit", "lottery_draw", "lottery_verify"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("project").annotate(unit_total=Count("units"))

    @admin.display(description="房源数", ordering="unit_total")
    def unit_total(self, obj):
        return obj.unit_total

    @admin.display(description="摇号")
    def lottery_state(self, obj):
        if not obj.is_lottery:
            return "—"
        if obj.lottery_drawn_at:
            return "已摇号"
        return "已公示种子" if obj.lottery_committed_at else "未公示种子"

    @admin.display(description="摇号种子（摇号后公开）")
    def revealed_seed(self, obj):
        return obj.revealed_seed or "—"

    @admin.display(description="摇号结果")
    def lottery_summary(self, obj):
        if not obj.lottery_drawn_at:
            return "—"
        return f"共 {len(obj.lottery_result.get('entries', []))} 人；{lottery.verify_lottery(obj).message}"

    def save_model(self, request, obj, form, change):
        services.opening_save(opening=obj, actor=request.user, unit_ids=form.unit_ids())

    def save_related(self, request, form, formsets, change):
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)  # units were set by the service

    @admin.action(description="发布所选开盘活动", permissions=["change"])
    def publish(self, request, queryset):
        self._run_each(request, queryset, lambda o: services.opening_publish(opening=o, actor=request.user), "已发布")

    @admin.action(description="公示摇号种子哈希（报名截止前）", permissions=["draw"])
    def lottery_commit(self, request, queryset):
        self._run_each(
            request, queryset, lambda o: services.opening_lottery_commit(opening=o, actor=request.user), "已公示"
        )

    @admin.action(description="执行摇号（报名截止后、开盘前）", permissions=["draw"])
    def lottery_draw(self, request, queryset):
        self._run_each(
            request, queryset, lambda o: services.opening_lottery_draw(opening=o, actor=request.user), "已摇号"
        )

    @admin.action(description="校验摇号结果")
    def lottery_verify(self, request, queryset):
        for opening in queryset:
            result = lottery.verify_lottery(opening)
            self.message_user(
                request, f"{opening}：{result.message}", messages.SUCCESS if result.ok else messages.ERROR
            )

    def has_draw_permission(self, request):
        return request.user.has_perm("sales.draw_lottery")


@admin.register(Registration)
class RegistrationAdmin(ScopedAdmin):
    project_path = "opening__project"
    list_display = ["id", "opening", "buyer", "fee_status", "fee_amount", "lottery_rank", "turn_starts_at",
                    "created_at"]  # fmt: skip
    list_filter = ["fee_status", "opening"]
    list_select_related = ["opening", "buyer__buyer_profile"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# ---- schemes and coupons ------------------------------------------------------------------------------


class SchemeForm(ServiceCheckedForm):
    class Meta:
        model = Scheme
        fields = [
            "project", "name", "kind", "discount_rate", "reduction_amount", "coupon_price_amount", "deduction_amount",
            "payment_method", "buildings", "units", "valid_from", "valid_until", "is_exclusive", "priority",
            "is_active",
        ]  # fmt: skip

    wants_request = True

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        if request is not None:
            projects = _scoped_projects(request, self.instance)
            _limit(self, "buildings", Building.objects.filter(project__in=projects))
            _limit(self, "units", Unit.objects.filter(project__in=projects))

    def service_check(self, instance) -> None:
        services.scheme_validate(instance)


@admin.register(Scheme)
class SchemeAdmin(ScopedAdmin):
    form = SchemeForm
    list_display = ["name", "project", "kind", "label", "payment_method", "valid_from", "valid_until",
                    "is_exclusive", "priority", "is_active"]  # fmt: skip
    list_filter = ["kind", "is_active", "project"]
    search_fields = ["name"]
    filter_horizontal = ["buildings", "units"]
    actions = ["deactivate"]

    @admin.display(description="优惠")
    def label(self, obj):
        return obj.label

    def save_model(self, request, obj, form, change):
        services.scheme_save(
            scheme=obj,
            actor=request.user,
            building_ids=[b.pk for b in form.cleaned_data.get("buildings", [])],
            unit_ids=[u.pk for u in form.cleaned_data.get("units", [])],
        )

    def save_related(self, request, form, formsets, change):
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    @admin.action(description="停用所选方案（已成交订单不受影响）", permissions=["change"])
    def deactivate(self, request, queryset):
        self._run_each(request, queryset, lambda s: services.scheme_deactivate(scheme=s, actor=request.user), "已停用")


@admin.register(Coupon)
class CouponAdmin(ScopedAdmin):
    project_path = "scheme__project"
    list_display = ["id", "scheme", "buyer", "price_amount", "deduction_amount", "status", "paid_at", "used_order"]
    list_filter = ["status"]
    list_select_related = ["scheme", "buyer__buyer_profile", "used_order"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# ---- customers -----------------------------------------------------------------------------------------


class FollowUpHistoryInline(admin.TabularInline):
    model = FollowUp
    verbose_name_plural = "跟进记录"
    fields = ["created_at", "author", "method", "content", "next_follow_up_on"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class FollowUpAddInline(admin.TabularInline):
    """A new note; notes are appended through the service, never edited."""

    model = FollowUp
    verbose_name_plural = "新增跟进"
    fields = ["method", "content", "next_follow_up_on"]
    extra = 1
    can_delete = False

    def get_queryset(self, request):
        return FollowUp.objects.none()

    def has_change_permission(self, request, obj=None):
        return False


class CustomerForm(ServiceCheckedForm):
    class Meta:
        model = Customer
        fields = ["project", "name", "mobile", "id_number", "consultant", "source", "user", "note"]

    def service_check(self, instance) -> None:
        services.customer_validate(instance)


class ConsultantActionForm(NoteActionForm):
    consultant = forms.ModelChoiceField(
        label="分配给", queryset=User.objects.filter(is_staff=True, is_active=True), required=False
    )


@admin.register(Customer)
class CustomerAdmin(ScopedAdmin):
    form = CustomerForm
    action_form = ConsultantActionForm
    list_display = ["masked_name_display", "masked_mobile_display", "project", "consultant", "source", "created_at"]
    full_list_display = ["name", "mobile", "project", "consultant", "source", "created_at"]
    list_filter = ["source", "project"]
    search_fields = ["name", "mobile"]
    raw_id_fields = ["user"]
    inlines = [FollowUpHistoryInline, FollowUpAddInline]
    actions = ["assign"]

    def get_queryset(self, request):
        # Consultants see only their own customers: the selector is the one place that decides.
        return selectors.customer_list_for_user(request.user)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and not permissions.can_view_full_identity(request.user):
            return ["masked_mobile_display", "masked_id_display"]
        return []

    def get_fields(self, request, obj=None):
        fields = ["project", "name", "mobile", "id_number", "consultant", "source", "user", "note"]
        if obj is not None and not permissions.can_view_full_identity(request.user):
            fields = [{"mobile": "masked_mobile_display", "id_number": "masked_id_display"}.get(f, f) for f in fields]
        return fields

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "consultant":
            kwargs["queryset"] = User.objects.filter(is_staff=True, is_active=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_list_display(self, request):
        return self.full_list_display if permissions.can_view_full_identity(request.user) else self.list_display

    @admin.display(description="姓名")
    def masked_name_display(self, obj):
        return obj.masked_name

    @admin.display(description="手机号")
    def masked_mobile_display(self, obj):
        return obj.masked_mobile

    @admin.display(description="身份证号")
    def masked_id_display(self, obj):
        return obj.masked_id_number or "—"

    def save_model(self, request, obj, form, change):
        services.customer_save(customer=obj, actor=request.user)

    def save_formset(self, request, form, formset, change):
        if formset.model is not FollowUp:
            return super().save_formset(request, form, formset, change)
        for inline_form in formset.forms:
            if inline_form.has_changed() and inline_form.cleaned_data.get("content"):
                services.customer_add_follow_up(
                    customer=form.instance,
                    actor=request.user,
                    method=inline_form.cleaned_data["method"],
                    content=inline_form.cleaned_data["content"],
                    next_follow_up_on=inline_form.cleaned_data.get("next_follow_up_on"),
                )
        return None

    @admin.action(description="分配给所选置业顾问", permissions=["assign"])
    def assign(self, request, queryset):
        consultant_id = request.POST.get("consultant")
        consultant = User.objects.filter(pk=consultant_id, is_staff=True).first() if consultant_id else None
        if consultant is None:
            self.message_user(request, "请先在“分配给”中选择置业顾问", messages.ERROR)
            return
        self._run_each(
            request,
            queryset,
            lambda c: services.customer_assign(customer=c, consultant=consultant, actor=request.user),
            f"已分配给 {consultant}",
        )

    def has_assign_permission(self, request):
        return permissions.can_see_all_customers(request.user)


# ---- orders --------------------------------------------------------------------------------------------


class OrderStatusChangeInline(admin.TabularInline):
    model = OrderStatusChange
    verbose_name_plural = "状态变更记录"
    fields = ["changed_at", "from_status", "to_status", "actor", "reason"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class OrderCoBuyerInline(admin.TabularInline):
    model = OrderCoBuyer
    verbose_name_plural = "共同购房人"
    fields = ["masked", "added_at", "change"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    @admin.display(description="共同购房人")
    def masked(self, obj):
        return str(obj)

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Order)
class OrderAdmin(ScopedAdmin):
    action_form = NoteActionForm
    list_display = ["number", "project", "unit", "buyer", "status", "price_amount", "hold_expires_at",
                    "created_at"]  # fmt: skip
    list_filter = ["status", "payment_method", "project", "opening"]
    search_fields = ["=id", "unit__code", "contract_number"]
    list_select_related = ["project", "unit", "buyer__buyer_profile"]
    inlines = [OrderStatusChangeInline, OrderCoBuyerInline]
    actions = ["cancel"]
    readonly_fields = ["number", "price_breakdown_display"]
    exclude = ["price_breakdown", "request_token"]

    @admin.display(description="订单号", ordering="id")
    def number(self, obj):
        return obj.number

    @admin.display(description="价格明细")
    def price_breakdown_display(self, obj):
        lines = [f"表价 ¥{obj.price_breakdown.get('list_price')}"]
        lines += [
            f"{line['name']}（{line['label']}）−¥{line['amount']}" for line in obj.price_breakdown.get("lines", [])
        ]
        lines.append(f"成交价 ¥{obj.price_breakdown.get('final_price')}")
        return "；".join(lines)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # read-only: statuses change through services (actions below, payments, changes)

    @admin.action(description="取消所选待付定金订单（在上方填写原因）", permissions=["cancel"])
    def cancel(self, request, queryset):
        reason = (request.POST.get("note") or "").strip()
        if not reason:
            self.message_user(request, "请先填写取消原因", messages.ERROR)
            return
        self._run_each(
            request, queryset, lambda o: services.order_cancel(order=o, actor=request.user, reason=reason), "已取消"
        )

    def has_cancel_permission(self, request):
        return request.user.has_perm("sales.cancel_order")


# ---- sales changes ---------------------------------------------------------------------------------------


class SalesChangeForm(forms.ModelForm):
    """The application: the order, the kind, the reason, and the fields of that kind."""

    deposit_disposition = forms.ChoiceField(
        label="定金处理（退房）",
        choices=[("", "—"), (DepositDisposition.REFUND, "退还定金"), (DepositDisposition.FORFEIT, "定金不予退还")],
        required=False,
    )
    new_unit = forms.ModelChoiceField(label="换入房源（换房）", queryset=Unit.objects.none(), required=False)
    rename_action = forms.ChoiceField(
        label="更名方式（更名）",
        choices=[("", "—"), ("replace_buyer", "更换购房人"), ("add_co_buyer", "增加共同购房人")],
        required=False,
    )
    new_buyer = forms.ModelChoiceField(
        label="新购房人（更换购房人）", queryset=User.objects.filter(is_staff=False), required=False
    )
    co_buyer_name = forms.CharField(label="共同购房人姓名", required=False, max_length=50)
    co_buyer_id_number = forms.CharField(label="共同购房人身份证号", required=False, max_length=18)
    co_buyer_mobile = forms.CharField(label="共同购房人手机号", required=False, max_length=11)
    contract_number = forms.CharField(label="合同编号（签约）", required=False, max_length=50)
    contract_signed_on = forms.DateField(label="签约日期（签约）", required=False)

    class Meta:
        model = SalesChange
        fields = ["order", "kind", "reason"]

    wants_request = True

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        if request is not None and "order" in self.fields:  # an existing change is shown read-only
            self.fields["order"].queryset = filter_by_scope(
                Order.objects.filter(status__in=[OrderStatus.RESERVED, OrderStatus.SIGNED]), request.user
            )
            self.fields["new_unit"].queryset = filter_by_scope(
                Unit.objects.filter(status=UnitStatus.AVAILABLE), request.user
            )

    def payload(self) -> dict:
        data, kind = self.cleaned_data, self.cleaned_data.get("kind")
        if kind == SalesChangeKind.CANCEL:
            return {"deposit_disposition": data.get("deposit_disposition")}
        if kind == SalesChangeKind.SWAP:
            return {"new_unit_id": data["new_unit"].pk if data.get("new_unit") else None}
        if kind == SalesChangeKind.RENAME:
            return {
                "action": data.get("rename_action"),
                "buyer_id": data["new_buyer"].pk if data.get("new_buyer") else None,
                "name": data.get("co_buyer_name"),
                "id_number": data.get("co_buyer_id_number"),
                "mobile": data.get("co_buyer_mobile"),
            }
        signed_on = data.get("contract_signed_on")
        return {"contract_number": data.get("contract_number"), "contract_signed_on": signed_on or ""}

    def clean(self):
        cleaned = super().clean()
        if self.errors or self.request is None:
            return cleaned
        try:
            self.cleaned_payload = services.sales_change_validate(
                order=cleaned["order"],
                kind=cleaned["kind"],
                payload=self.payload(),
                reason=cleaned.get("reason", ""),
                actor=self.request.user,
            )
        except DomainError as refusal:
            raise forms.ValidationError(refusal.message) from None
        return cleaned


@admin.register(SalesChange)
class SalesChangeAdmin(ScopedAdmin):
    form = SalesChangeForm
    action_form = NoteActionForm
    list_display = ["__str__", "order", "kind", "status", "applicant", "applied_at", "reviewer", "reviewed_at"]
    list_filter = ["status", "kind", "project"]
    list_select_related = ["order", "applicant", "reviewer"]
    actions = ["approve", "reject", "withdraw"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["order", "kind", "status", "reason", "payload", "applicant", "applied_at", "reviewer",
                "reviewed_at", "review_note", "result"]  # fmt: skip

    def get_fields(self, request, obj=None):
        if obj is not None:
            return self.get_readonly_fields(request, obj)
        return super().get_fields(request, obj)

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        created = services.sales_change_apply(
            order=form.cleaned_data["order"],
            kind=form.cleaned_data["kind"],
            payload=form.payload(),
            reason=form.cleaned_data["reason"],
            actor=request.user,
        )
        obj.pk, obj.applied_at, obj.applicant = created.pk, created.applied_at, created.applicant

    @admin.action(description="批准并执行所选申请", permissions=["approve"])
    def approve(self, request, queryset):
        note = (request.POST.get("note") or "").strip()
        self._run_each(
            request,
            queryset,
            lambda c: services.sales_change_approve(change=c, actor=request.user, note=note),
            "已批准并执行",
        )

    @admin.action(description="驳回所选申请（在上方填写理由）", permissions=["approve"])
    def reject(self, request, queryset):
        note = (request.POST.get("note") or "").strip()
        self._run_each(
            request, queryset, lambda c: services.sales_change_reject(change=c, actor=request.user, note=note), "已驳回"
        )

    @admin.action(description="撤回本人提交的申请", permissions=["add"])
    def withdraw(self, request, queryset):
        self._run_each(
            request, queryset, lambda c: services.sales_change_withdraw(change=c, actor=request.user), "已撤回"
        )

    def has_approve_permission(self, request):
        return request.user.has_perm("sales.approve_saleschange")
