"""Back-office forms for inventory: admin model forms with Chinese checks, price-list import/export,
withholding. Project choices always come from the user's data scope."""

from django import forms

from accounts.admin_scope import scoped_choices
from listings.imports import MAX_FILE_BYTES, TOTAL_TOLERANCE
from listings.models import Building, FloorPlan, Project, SampleHouse, Unit
from listings.resources import COLUMNS
from shuchang.core.money import to_amount


def _current(form: forms.ModelForm, name: str):
    """The value a model form will save for `name`: the cleaned one, or the instance's for read-only fields."""
    if name in form.fields:
        return form.cleaned_data.get(name)
    field = form.instance._meta.get_field(name)
    if field.is_relation:
        related_id = getattr(form.instance, field.attname)
        return field.related_model._default_manager.filter(pk=related_id).first() if related_id else None
    return getattr(form.instance, name)


def _check_areas(form: forms.ModelForm) -> None:
    gross, inner = _current(form, "gross_area"), _current(form, "inner_area")
    if gross is not None and gross <= 0:
        form.add_error("gross_area" if "gross_area" in form.fields else None, "建筑面积必须大于0")
    if inner is not None and inner <= 0:
        form.add_error("inner_area" if "inner_area" in form.fields else None, "套内面积必须大于0")
    if gross is not None and inner is not None and inner > gross:
        form.add_error("inner_area" if "inner_area" in form.fields else None, "套内面积不能大于建筑面积")


def _check_same_project(form: forms.ModelForm, *names: str) -> None:
    project = _current(form, "project")
    for name in names:
        related = _current(form, name)
        if project is not None and related is not None and related.project_id != project.pk:
            form.add_error(
                name if name in form.fields else None, f"所选{related._meta.verbose_name}不属于楼盘“{project}”"
            )


class BuildingAdminForm(forms.ModelForm):
    class Meta:
        model = Building
        fields = ("project", "number", "name", "floors", "units_per_floor", "elevators", "completion_on")

    def clean(self):
        cleaned = super().clean()
        for name, label in (("floors", "地上层数"), ("units_per_floor", "每层户数")):
            if name in self.fields and cleaned.get(name) is not None and cleaned[name] < 1:
                self.add_error(name, f"{label}至少为1")
        return cleaned


class FloorPlanAdminForm(forms.ModelForm):
    class Meta:
        model = FloorPlan
        fields = ("project", "name", "rooms", "halls", "baths", "gross_area", "inner_area", "image", "description")

    def clean(self):
        cleaned = super().clean()
        _check_areas(self)
        return cleaned


class UnitAdminForm(forms.ModelForm):
    """A unit's facts. Status and (after creation) prices are not here: they change through services."""

    class Meta:
        model = Unit
        fields = (
            "project",
            "building",
            "floor_plan",
            "code",
            "floor",
            "position",
            "orientation",
            "gross_area",
            "inner_area",
            "unit_price_amount",
            "list_price_amount",
        )

    def clean(self):
        cleaned = super().clean()
        _check_same_project(self, "building", "floor_plan")
        _check_areas(self)
        building, floor, position = _current(self, "building"), _current(self, "floor"), _current(self, "position")
        if building is not None and floor is not None and not 1 <= floor <= building.floors:
            self.add_error("floor" if "floor" in self.fields else None, f"楼层应在1–{building.floors}之间")
        if building is not None and position is not None and not 1 <= position <= building.units_per_floor:
            self.add_error(
                "position" if "position" in self.fields else None,
                f"层内序号应在1–{building.units_per_floor}之间",
            )
        if "list_price_amount" in self.fields:
            unit_price, total, gross = (
                cleaned.get("unit_price_amount"),
                cleaned.get("list_price_amount"),
                cleaned.get("gross_area"),
            )
            if unit_price is not None and unit_price < 0:
                self.add_error("unit_price_amount", "单价不能为负数")
            if unit_price is not None and total is not None and gross is not None:
                expected = to_amount(unit_price * gross)
                if abs(total - expected) > TOTAL_TOLERANCE:
                    self.add_error(
                        "list_price_amount", f"总价应等于单价×建筑面积（{expected}），允许误差±{TOTAL_TOLERANCE}元"
                    )
        return cleaned


class SampleHouseAdminForm(forms.ModelForm):
    # Links pasted without a scheme are https (Django 6's default, chosen now).
    vr_url = forms.URLField(label="VR看房链接", required=False, assume_scheme="https")
    video_url = forms.URLField(label="视频链接", required=False, assume_scheme="https")

    class Meta:
        model = SampleHouse
        fields = ("project", "floor_plan", "name", "description", "vr_url", "video_url", "location")

    def clean(self):
        cleaned = super().clean()
        _check_same_project(self, "floor_plan")
        return cleaned


class _ScopedProjectForm(forms.Form):
    project = forms.ModelChoiceField(label="楼盘", queryset=Project.objects.none(), empty_label="请选择楼盘")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = scoped_choices(Project, user).order_by("name")


class PriceImportForm(_ScopedProjectForm):
    file = forms.FileField(
        label="价目表文件",
        help_text=f"Excel .xlsx 文件，表头：{'、'.join(COLUMNS)}（可先导出一房一价作为模板）",
    )
    note = forms.CharField(label="说明", max_length=200, required=False, help_text="如：2026年12月首次开盘价目表")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(f"文件不能超过 {MAX_FILE_BYTES // 1024 // 1024}MB")
        return upload


class PriceImportConfirmForm(_ScopedProjectForm):
    """The preview's confirm button: the checked file is kept server-side under `token`."""

    token = forms.RegexField(regex=r"^[0-9a-f]{32}$", widget=forms.HiddenInput)
    source_name = forms.CharField(max_length=200, required=False, widget=forms.HiddenInput)
    note = forms.CharField(max_length=200, required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].widget = forms.HiddenInput()


class PriceExportForm(_ScopedProjectForm):
    pass


class UnitWithholdForm(forms.Form):
    reason = forms.CharField(
        label="销控原因", max_length=200, help_text="如：预留给员工内购、工程整改等，将记入操作日志"
    )
