"""Inventory in the admin: projects, buildings, floor plans, units, sample houses, price lists
and publication — all within the user's data scope, every write in the operation log.

A unit's status is never edited in a form: publication (公布), withholding (销控) and release go
through listings.services as admin actions; prices change only through a price-list version,
which the 一房一价 import creates.
"""

from collections import defaultdict
from uuid import uuid4

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import content_disposition_header
from import_export.formats.base_formats import XLSX
from import_export.tmp_storages import CacheStorage

from accounts.admin_scope import ScopedAdminMixin
from accounts.scope import filter_by_scope, has_all_projects
from audit.admin_mixins import AuditedModelAdmin
from audit.services import audit_record
from listings import imports, resources, services
from listings.exceptions import PriceImportRejected
from listings.forms import (
    BuildingAdminForm,
    FloorPlanAdminForm,
    PriceExportForm,
    PriceImportConfirmForm,
    PriceImportForm,
    SampleHouseAdminForm,
    UnitAdminForm,
    UnitWithholdForm,
)
from listings.models import (
    UNIT_TRANSITIONS,
    Building,
    FloorPlan,
    PriceListVersion,
    Project,
    ProjectImage,
    PublicationBatch,
    SampleHouse,
    SampleHousePhoto,
    Unit,
    UnitStatus,
)
from shuchang.core.exceptions import DomainError
from shuchang.core.money import format_yuan

ONLY_IN_SCOPE = admin.RelatedOnlyFieldListFilter  # filter choices drawn from the scoped changelist


class ReadOnlyAdminMixin:
    """Records written by services only (price lists, publication batches): shown, never edited."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# ---- project, building, floor plan, sample house ---------------------------------------------


class ProjectImageInline(admin.TabularInline):
    model = ProjectImage
    extra = 0
    fields = ("image", "caption", "position")


@admin.register(Project)
class ProjectAdmin(ScopedAdminMixin, AuditedModelAdmin):
    scope_path = "pk"
    list_display = ("name", "district", "developer", "sales_status", "opening_on", "unit_total")
    list_filter = ("sales_status", "district")
    list_select_related = ("developer",)
    search_fields = ("name", "address")
    inlines = (ProjectImageInline,)
    fieldsets = (
        (
            "基本信息",
            {
                "fields": (
                    ("developer", "property_manager"),
                    ("name", "slug"),
                    ("district", "address"),
                    ("sales_status", "opening_on", "delivery_on"),
                    "sales_hotline",
                )
            },
        ),
        ("规划指标", {"fields": (("property_type", "decoration"), ("plot_ratio", "greening_rate", "property_fee"))}),
        ("展示", {"fields": ("cover", "description", "withheld_display")}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(unit_count=Count("units"))

    def has_add_permission(self, request):
        # A new project lies outside every limited scope: only staff over all projects create one.
        return super().has_add_permission(request) and has_all_projects(request.user)

    @admin.display(description="房源数", ordering="unit_count")
    def unit_total(self, project):
        return project.unit_count


@admin.register(Building)
class BuildingAdmin(ScopedAdminMixin, AuditedModelAdmin):
    form = BuildingAdminForm
    list_display = (
        "name",
        "project",
        "number",
        "floors",
        "units_per_floor",
        "elevators",
        "completion_on",
        "unit_total",
    )
    list_filter = (("project", ONLY_IN_SCOPE),)
    list_select_related = ("project",)
    search_fields = ("name", "number", "project__name")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(unit_count=Count("units"))

    @admin.display(description="房源数", ordering="unit_count")
    def unit_total(self, building):
        return building.unit_count


@admin.register(FloorPlan)
class FloorPlanAdmin(ScopedAdminMixin, AuditedModelAdmin):
    form = FloorPlanAdminForm
    list_display = ("name", "project", "layout", "gross_area", "inner_area")
    list_filter = (("project", ONLY_IN_SCOPE),)
    list_select_related = ("project",)
    search_fields = ("name", "project__name")

    @admin.display(description="户型结构")
    def layout(self, plan):
        return plan.layout


class SampleHousePhotoInline(admin.TabularInline):
    model = SampleHousePhoto
    extra = 0
    fields = ("image", "caption", "position")


@admin.register(SampleHouse)
class SampleHouseAdmin(ScopedAdminMixin, AuditedModelAdmin):
    form = SampleHouseAdminForm
    list_display = ("name", "project", "floor_plan", "location")
    list_filter = (("project", ONLY_IN_SCOPE),)
    list_select_related = ("project", "floor_plan")
    search_fields = ("name", "project__name")
    inlines = (SampleHousePhotoInline,)


# ---- units -------------------------------------------------------------------------------------


class BuildingListFilter(admin.SimpleListFilter):
    """Buildings of the user's scope, labelled with their project, in one query."""

    title = "楼栋"
    parameter_name = "building"

    def lookups(self, request, model_admin):
        buildings = filter_by_scope(Building.objects.select_related("project"), request.user)
        project_id = request.GET.get("project__id__exact")
        if project_id and project_id.isdigit():
            buildings = buildings.filter(project_id=project_id)
        return [(str(b.pk), f"{b.project.name} {b.name}") for b in buildings.order_by("project_id", "id")]

    def queryset(self, request, queryset):
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(building_id=value)
        return queryset


class _PriceImportStorage(CacheStorage):
    """Where an uploaded price list waits between the preview and the confirmation.

    The cache is Redis in production (shared by every web process), so the confirmation may
    land on another process; files left unconfirmed expire.
    """

    CACHE_LIFETIME = 3600
    CACHE_PREFIX = "listings:price-import:"


PREVIEW_ROWS = 500  # rows shown on the preview page; every error is listed regardless


def _preview_context(plan: imports.PricePlan) -> dict:
    return {
        "plan": plan,
        "columns": resources.COLUMNS,
        "preview_rows": plan.rows[:PREVIEW_ROWS],
        "hidden_row_count": max(0, len(plan.rows) - PREVIEW_ROWS),
        "created_count": plan.count(imports.RowAction.CREATE),
        "repriced_count": plan.count(imports.RowAction.REPRICE),
        "unchanged_count": plan.count(imports.RowAction.UNCHANGED),
        "kept_count": plan.count(imports.RowAction.KEEP),
    }


def _import_storage(request, token: str) -> _PriceImportStorage:
    # The token is only good for the user who uploaded the file.
    return _PriceImportStorage(name=f"{request.user.pk}-{token}")


@admin.register(Unit)
class UnitAdmin(ScopedAdminMixin, AuditedModelAdmin):
    form = UnitAdminForm
    change_list_template = "admin/listings/unit/change_list.html"
    list_display = (
        "code",
        "project",
        "building_name",
        "floor",
        "floor_plan",
        "orientation",
        "gross_area",
        "unit_price",
        "list_price",
        "status",
    )
    list_filter = (("project", ONLY_IN_SCOPE), BuildingListFilter, "status")
    list_select_related = ("project", "building", "floor_plan")
    search_fields = ("code",)
    search_help_text = "按房号搜索，如 3-1203"
    list_per_page = 100
    actions = ("publish_units", "withhold_units", "release_units")
    fieldsets = (
        (None, {"fields": ("project", "building", "floor_plan", "code", ("floor", "position"), "orientation")}),
        (
            "面积与价格",
            {"fields": (("gross_area", "inner_area"), ("unit_price_amount", "list_price_amount"), "price_version")},
        ),
        (
            "状态",
            {
                "fields": ("status", "status_changed_at", "published_at"),
                "description": "房源状态只能通过公布、销控、选房等操作变更。",
            },
        ),
    )
    _ALWAYS_READ_ONLY = ("status", "status_changed_at", "published_at", "price_version")
    # Once a unit is public its place and areas are what buyers were shown and priced by.
    _READ_ONLY_WHEN_PUBLIC = (
        "project",
        "building",
        "floor_plan",
        "code",
        "floor",
        "position",
        "gross_area",
        "inner_area",
    )

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return self._ALWAYS_READ_ONLY
        # After creation a price changes only through a new price-list version (一房一价导入).
        fields = (*self._ALWAYS_READ_ONLY, "unit_price_amount", "list_price_amount")
        if obj.status != UnitStatus.DRAFT:
            fields += self._READ_ONLY_WHEN_PUBLIC
        return fields

    @admin.display(description="楼栋", ordering="building__number")
    def building_name(self, unit):
        return unit.building.name

    @admin.display(description="单价（元/㎡）", ordering="unit_price_amount")
    def unit_price(self, unit):
        return format_yuan(unit.unit_price_amount)

    @admin.display(description="总价", ordering="list_price_amount")
    def list_price(self, unit):
        return format_yuan(unit.list_price_amount)

    # -- permissions of the actions ----------------------------------------------------------

    def has_publish_permission(self, request):
        return request.user.has_perm("listings.publish_unit")

    def has_withhold_permission(self, request):
        return request.user.has_perm("listings.withhold_unit")

    # -- actions -----------------------------------------------------------------------------

    @admin.action(description="公布所选房源", permissions=["publish"])
    def publish_units(self, request, queryset):
        """房源公布: one batch per project; units that are not draft are left as they are."""
        unit_ids_by_project = defaultdict(list)
        for unit_id, project_id in queryset.order_by("pk").values_list("pk", "project_id"):
            unit_ids_by_project[project_id].append(unit_id)
        projects = Project.objects.in_bulk(list(unit_ids_by_project))
        for project_id, unit_ids in unit_ids_by_project.items():
            project = projects[project_id]
            try:
                batch = services.units_publish(project=project, unit_ids=unit_ids, actor=request.user, note="后台公布")
            except DomainError as error:
                self.message_user(request, f"{project}：{error.message}", messages.ERROR)
                continue
            skipped = len(unit_ids) - batch.unit_count
            message = f"{project}：已公布 {batch.unit_count} 套房源（第{batch.pk}批），买家现在可以看到"
            if skipped:
                message += f"；另有 {skipped} 套不是未公布状态，未作改动"
            self.message_user(request, message, messages.SUCCESS)

    @admin.action(description="销控所选房源", permissions=["withhold"])
    def withhold_units(self, request, queryset):
        """销控 with a reason, asked on a confirmation page like Django's delete confirmation."""
        form = UnitWithholdForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            self._move_units(
                request,
                queryset,
                to_status=UnitStatus.WITHHELD,
                service=lambda unit: services.unit_withhold(
                    unit=unit, actor=request.user, reason=form.cleaned_data["reason"]
                ),
                verb="销控",
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "销控房源",
            "opts": self.opts,
            "units": queryset.select_related("building").order_by("building_id", "-floor", "position"),
            "form": form,
            "action_name": "withhold_units",
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media,
        }
        return TemplateResponse(request, "admin/listings/unit/withhold_confirm.html", context)

    @admin.action(description="解除销控", permissions=["withhold"])
    def release_units(self, request, queryset):
        self._move_units(
            request,
            queryset,
            to_status=UnitStatus.AVAILABLE,
            from_statuses={UnitStatus.WITHHELD},
            service=lambda unit: services.unit_release(unit=unit, actor=request.user, reason="后台解除销控"),
            verb="解除销控",
        )

    def _move_units(self, request, queryset, *, to_status, service, verb, from_statuses=None) -> None:
        """Apply `service` to each unit that may move to `to_status`; report the rest in Chinese."""
        done, refused = [], []
        for unit in queryset.order_by("pk"):
            allowed = to_status in UNIT_TRANSITIONS[unit.status] and (
                from_statuses is None or unit.status in from_statuses
            )
            if not allowed:
                refused.append(f"{unit.code}（{unit.get_status_display()}）")
                continue
            try:
                service(unit)
            except DomainError as error:
                refused.append(f"{unit.code}（{error.message}）")
                continue
            done.append(unit.code)
        if done:
            self.message_user(
                request,
                f"已{verb} {len(done)} 套房源：{'、'.join(done[:20])}{'等' if len(done) > 20 else ''}",
                messages.SUCCESS,
            )
        if refused:
            self.message_user(
                request, f"以下 {len(refused)} 套房源当前状态不能{verb}：{'、'.join(refused[:20])}", messages.ERROR
            )

    # -- 一房一价 import / export ------------------------------------------------------------

    def get_urls(self):
        info = (self.opts.app_label, self.opts.model_name)
        return [
            path(
                "price-import/",
                self.admin_site.admin_view(self.price_import_view),
                name="{}_{}_price_import".format(*info),
            ),
            path(
                "price-export/",
                self.admin_site.admin_view(self.price_export_view),
                name="{}_{}_price_export".format(*info),
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            "can_import_prices": request.user.has_perm("listings.import_prices"),
            "filtered_project_id": request.GET.get("project__id__exact", ""),
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context)

    def _page(self, request, template: str, **context):
        context = {**self.admin_site.each_context(request), "opts": self.opts, **context}
        return TemplateResponse(request, f"admin/listings/unit/{template}", context)

    def price_import_view(self, request):
        """Upload → dry-run preview of every row and error → confirm → one all-or-nothing import."""
        if not request.user.has_perm("listings.import_prices"):
            raise PermissionDenied
        if request.method == "POST" and "confirm" in request.POST:
            return self._price_import_confirm(request)
        if request.method != "POST":
            form = PriceImportForm(user=request.user, initial={"project": request.GET.get("project")})
            return self._page(request, "price_import.html", title="导入一房一价", form=form)
        form = PriceImportForm(request.POST, request.FILES, user=request.user)
        if not form.is_valid():
            return self._page(request, "price_import.html", title="导入一房一价", form=form)
        upload, project = form.cleaned_data["file"], form.cleaned_data["project"]
        content = upload.read()
        try:
            dataset = imports.read_price_sheet(content, upload.name)
        except DomainError as error:
            form.add_error("file", error.message)
            return self._page(request, "price_import.html", title="导入一房一价", form=form)
        plan = imports.price_list_check(project=project, dataset=dataset)
        confirm_form = None
        if plan.is_valid:
            token = uuid4().hex
            _import_storage(request, token).save(content)
            confirm_form = PriceImportConfirmForm(
                user=request.user,
                initial={
                    "project": project.pk,
                    "token": token,
                    "source_name": upload.name[:200],
                    "note": form.cleaned_data["note"],
                },
            )
        return self._page(
            request,
            "price_import.html",
            title=f"导入一房一价：{project} · 预览",
            form=PriceImportForm(user=request.user, initial={"project": project.pk, "note": form.cleaned_data["note"]}),
            confirm_form=confirm_form,
            **_preview_context(plan),
            source_name=upload.name,
        )

    def _price_import_confirm(self, request):
        form = PriceImportConfirmForm(request.POST, user=request.user)
        if not form.is_valid():
            self.message_user(request, "导入请求无效或楼盘不在您的数据范围内，请重新上传文件。", messages.ERROR)
            return HttpResponseRedirect(reverse("admin:listings_unit_price_import"))
        data = form.cleaned_data
        storage = _import_storage(request, data["token"])
        content = storage.read()
        if content is None:
            self.message_user(request, "上传的文件已过期（超过1小时未确认），请重新上传。", messages.ERROR)
            return HttpResponseRedirect(reverse("admin:listings_unit_price_import"))
        dataset = imports.read_price_sheet(content)
        try:
            version = imports.price_list_import(
                project=data["project"],
                dataset=dataset,
                actor=request.user,
                source_name=data["source_name"],
                note=data["note"],
            )
        except PriceImportRejected as rejected:
            # Something changed since the preview (e.g. a unit was reserved): show the new errors.
            storage.remove()
            return self._page(
                request,
                "price_import.html",
                title=f"导入一房一价：{data['project']} · 未导入",
                form=PriceImportForm(user=request.user, initial={"project": data["project"].pk, "note": data["note"]}),
                rejected=rejected,
                **_preview_context(imports.price_list_check(project=data["project"], dataset=dataset)),
                source_name=data["source_name"],
            )
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)
            return HttpResponseRedirect(reverse("admin:listings_unit_price_import") + f"?project={data['project'].pk}")
        storage.remove()
        self.message_user(
            request,
            f"一房一价已导入：价目表 V{version.number}，共 {version.unit_count} 套房源定价。"
            "新建的房源为“未公布”状态，需公布后买家才能看到。",
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:listings_pricelistversion_change", args=[version.pk]))

    def price_export_view(self, request):
        """The project's current price list as .xlsx, in the columns the import reads."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = PriceExportForm(request.GET or None, user=request.user)
        if not form.is_valid():
            return self._page(request, "price_export.html", title="导出一房一价", form=form)
        project = form.cleaned_data["project"]
        content = resources.price_list_export(project=project)
        # Prices are commercially sensitive: who took them out, and when, is kept.
        audit_record(actor=request.user, action="listings.price_list.exported", target=project, data={"format": "xlsx"})
        filename = f"一房一价-{project.name}-{timezone.localdate():%Y%m%d}.xlsx"
        response = HttpResponse(content, content_type=XLSX.CONTENT_TYPE)
        response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
        return response


# ---- price lists and publication: written by services, read here -----------------------------


@admin.register(PriceListVersion)
class PriceListVersionAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("__str__", "project", "number", "unit_count", "source_name", "note", "creator", "created_at")
    list_filter = (("project", ONLY_IN_SCOPE),)
    list_select_related = ("project", "created_by")
    fields = ("project", "number", "unit_count", "source_name", "note", "creator", "created_at", "price_lines")
    readonly_fields = fields

    @admin.display(description="操作人")
    def creator(self, version):
        return version.created_by.username if version.created_by else "系统"

    @admin.display(description="一房一价明细")
    def price_lines(self, version):
        # One query and a plain table: a version holds thousands of lines, too many for inline forms.
        lines = version.prices.select_related("unit__building").order_by(
            "unit__building_id", "unit__floor", "unit__position"
        )
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td class='num'>{}</td><td class='num'>{}</td><td class='num'>{}</td></tr>",
            (
                (
                    line.unit.building.name,
                    line.unit.code,
                    line.unit.gross_area,
                    format_yuan(line.unit_price_amount),
                    format_yuan(line.list_price_amount),
                )
                for line in lines
            ),
        )
        return format_html(
            "<table><thead><tr><th>楼栋</th><th>房号</th><th>建筑面积（㎡）</th><th>单价（元/㎡）</th><th>总价</th>"
            "</tr></thead><tbody>{}</tbody></table>",
            rows,
        )


@admin.register(PublicationBatch)
class PublicationBatchAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("__str__", "project", "unit_count", "publisher", "published_at", "note")
    list_filter = (("project", ONLY_IN_SCOPE),)
    list_select_related = ("project", "published_by")
    fields = ("project", "unit_count", "publisher", "published_at", "note", "unit_codes")
    readonly_fields = fields

    @admin.display(description="公布人")
    def publisher(self, batch):
        return batch.published_by.username

    @admin.display(description="房源")
    def unit_codes(self, batch):
        return "、".join(batch.units.order_by("building_id", "floor", "position").values_list("code", flat=True))
