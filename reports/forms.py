"""The one filter form every charge report shares; each report shows only the fields it uses."""

from django import forms
from django.contrib.auth import get_user_model

from accounts.scope import filter_by_scope
from listings.models import Building, Project
from payments.models import ChargeItem, PaymentMethod, ReceiptStatus

GRAINS = [("day", "按日"), ("month", "按月"), ("year", "按年")]


class ReportFilterForm(forms.Form):
    date_from = forms.DateField(label="开始日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="结束日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    as_of = forms.DateField(label="截至日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    year = forms.IntegerField(label="年度", required=False, min_value=2000, max_value=2100)
    project = forms.ModelChoiceField(label="楼盘", queryset=Project.objects.none(), required=False, empty_label="全部")
    building = forms.ModelChoiceField(
        label="楼栋", queryset=Building.objects.none(), required=False, empty_label="全部"
    )
    operator = forms.ModelChoiceField(
        label="收款员", queryset=get_user_model().objects.none(), required=False, empty_label="全部"
    )
    method = forms.ModelChoiceField(
        label="支付方式", queryset=PaymentMethod.objects.order_by("position", "pk"), required=False, empty_label="全部"
    )
    charge_item = forms.ModelChoiceField(
        label="收费项目", queryset=ChargeItem.objects.order_by("position", "pk"), required=False, empty_label="全部"
    )
    receipt_status = forms.ChoiceField(label="收据状态", choices=[("", "全部"), *ReceiptStatus.choices], required=False)
    grain = forms.ChoiceField(label="统计粒度", choices=GRAINS, required=False)

    def __init__(self, data=None, *, user, fields: tuple[str, ...]):
        super().__init__(data)
        for name in list(self.fields):
            if name not in fields:
                del self.fields[name]
        # Only the projects (and their buildings) in the user's data scope can be chosen.
        if "project" in self.fields:
            self.fields["project"].queryset = filter_by_scope(Project.objects.order_by("name"), user, "pk")
        if "building" in self.fields:
            self.fields["building"].queryset = filter_by_scope(
                Building.objects.select_related("project").order_by("project__name", "number"), user
            )
        if "operator" in self.fields:
            self.fields["operator"].queryset = get_user_model().objects.filter(is_staff=True).order_by("username")

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError("开始日期不能晚于结束日期")
        building, project = data.get("building"), data.get("project")
        if building and project and building.project_id != project.pk:
            self.add_error("building", "该楼栋不属于所选楼盘")
        return data

    def filters(self) -> dict:
        """The cleaned values (the report fills in its defaults)."""
        return dict(self.cleaned_data) if self.is_bound and self.is_valid() else {}
