from django import forms

from audit.models import AuditResult, LoginEvent


class _DateRangeForm(forms.Form):
    date_from = forms.DateField(label="开始日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="结束日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("date_from") and cleaned.get("date_to") and cleaned["date_from"] > cleaned["date_to"]:
            raise forms.ValidationError("开始日期不能晚于结束日期")
        return cleaned


class AuditFilterForm(_DateRangeForm):
    actor = forms.CharField(label="操作人（登录名）", required=False, max_length=150)
    action = forms.CharField(
        label="操作", required=False, max_length=100, help_text="如 listings.units 匹配以此开头的操作"
    )
    object_type = forms.CharField(label="对象类型", required=False, max_length=100, help_text="如 listings.unit")
    object_id = forms.CharField(label="对象ID", required=False, max_length=64)
    result = forms.ChoiceField(label="结果", required=False, choices=[("", "全部"), *AuditResult.choices])

    field_order = ["actor", "action", "object_type", "object_id", "result", "date_from", "date_to"]


class LoginFilterForm(_DateRangeForm):
    username = forms.CharField(label="登录名", required=False, max_length=150)
    event = forms.ChoiceField(label="事件", required=False, choices=[("", "全部"), *LoginEvent.choices])

    field_order = ["username", "event", "date_from", "date_to"]


class RestoreConfirmForm(forms.Form):
    confirm_name = forms.CharField(
        label="请输入备份名称以确认恢复", max_length=80, help_text="恢复将以该备份覆盖当前全部业务数据和附件"
    )
