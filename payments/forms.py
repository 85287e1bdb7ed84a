"""Forms of the payments pages: they validate input; the services decide."""

from decimal import Decimal

from django import forms
from django.utils import timezone

from payments.models import (
    ChargeItem,
    ChargeKind,
    DepositKind,
    DepositStatus,
    NoticeKind,
    Paper,
    PaymentMethod,
    PaymentPlanTemplate,
    ReceiptStatus,
)

AMOUNT_ERRORS = {
    "required": "请输入金额",
    "invalid": "请输入正确的金额",
    "max_decimal_places": "金额最多保留两位小数（精确到分）",
    "max_digits": "金额过大",
    "min_value": "金额须大于 0",
}


def amount_field(label: str = "金额（元）", **kwargs) -> forms.DecimalField:
    kwargs.setdefault("min_value", Decimal("0.01"))
    return forms.DecimalField(label=label, max_digits=14, decimal_places=2, error_messages=AMOUNT_ERRORS, **kwargs)


class PayForm(forms.Form):
    """The buyer picks an online method."""

    method = forms.ModelChoiceField(
        label="支付方式",
        queryset=PaymentMethod.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": "请选择支付方式", "invalid_choice": "请选择可用的支付方式"},
    )

    def __init__(self, *args, methods=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["method"].queryset = PaymentMethod.objects.filter(pk__in=[method.pk for method in methods])
        if len(methods) == 1:
            self.fields["method"].initial = methods[0].pk


class CounterPaymentForm(forms.Form):
    """收款登记 at the counter."""

    charge_item = forms.ModelChoiceField(
        label="收费项目", queryset=ChargeItem.objects.none(), error_messages={"required": "请选择收费项目"}
    )
    method = forms.ModelChoiceField(
        label="支付方式", queryset=PaymentMethod.objects.none(), error_messages={"required": "请选择支付方式"}
    )
    amount = amount_field()
    external_ref = forms.CharField(
        label="流水号/参考号", max_length=64, required=False, help_text="POS 参考号、银行流水号；现金可不填"
    )
    reason = forms.CharField(label="减免事由", max_length=200, required=False, help_text="减免时必填")
    note = forms.CharField(label="备注", max_length=200, required=False)

    def __init__(self, *args, charge_kinds=(), methods=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["charge_item"].queryset = ChargeItem.objects.filter(kind__in=list(charge_kinds), is_enabled=True)
        self.fields["method"].queryset = PaymentMethod.objects.filter(pk__in=[method.pk for method in methods])


ORDER_CHARGE_KINDS = [
    ChargeKind.DEPOSIT,
    ChargeKind.DOWN_PAYMENT,
    ChargeKind.HOUSE_PRICE,
    ChargeKind.MAINTENANCE_FUND,
    ChargeKind.OTHER,
]


class ReasonForm(forms.Form):
    reason = forms.CharField(label="原因", max_length=200, error_messages={"required": "请填写原因"})


class RefundForm(forms.Form):
    amount = amount_field("退款金额（元）")
    reason = forms.CharField(label="退款原因", max_length=200, error_messages={"required": "请填写退款原因"})


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "通过"), ("reject", "驳回")], widget=forms.HiddenInput)
    note = forms.CharField(label="审批意见", max_length=200, required=False, help_text="驳回时必填")


class PrintForm(forms.Form):
    paper = forms.ChoiceField(
        label="纸张",
        choices=[(Paper.A4, Paper.A4.label), (Paper.CONTINUOUS, Paper.CONTINUOUS.label)],
        initial=Paper.A4,
        widget=forms.RadioSelect,
    )


class ScheduleForm(forms.Form):
    template = forms.ModelChoiceField(
        label="付款方案", queryset=PaymentPlanTemplate.objects.none(), error_messages={"required": "请选择付款方案"}
    )
    start_on = forms.DateField(label="起算日（认购日）", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, project_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        from django.db.models import Q

        self.fields["template"].queryset = PaymentPlanTemplate.objects.filter(is_enabled=True).filter(
            Q(project__isnull=True) | Q(project_id=project_id)
        )


class NoticeForm(forms.Form):
    kind = forms.ChoiceField(choices=NoticeKind.choices, widget=forms.HiddenInput)
    as_of = forms.DateField(label="截至日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))


class AsOfForm(forms.Form):
    """Filters of the arrears and overdue pages."""

    as_of = forms.DateField(label="截至日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    project = forms.IntegerField(label="楼盘", required=False, widget=forms.HiddenInput)
    group = forms.ChoiceField(
        label="统计口径", required=False, choices=[("order", "按订单"), ("buyer", "按户（购房人）")]
    )

    def as_of_date(self):
        if self.is_valid() and self.cleaned_data.get("as_of"):
            return self.cleaned_data["as_of"]
        return timezone.localdate()


class ReceiptFilterForm(forms.Form):
    search = forms.CharField(label="收据编号/付款人/房号", required=False, max_length=50)
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部"), *ReceiptStatus.choices])
    date_from = forms.DateField(label="开具日期自", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="至", required=False, widget=forms.DateInput(attrs={"type": "date"}))


class DepositFilterForm(forms.Form):
    search = forms.CharField(label="购房人手机号/姓名", required=False, max_length=50)
    kind = forms.ChoiceField(label="类别", required=False, choices=[("", "全部"), *DepositKind.choices])
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部"), *DepositStatus.choices])


class SearchForm(forms.Form):
    q = forms.CharField(label="订单号/房号/购房人手机号或姓名", required=False, max_length=50)


class ShiftCloseForm(forms.Form):
    """交班: what the operator counted for each method that handles money, and a note."""

    note = forms.CharField(label="交班说明", max_length=200, required=False)

    def __init__(self, *args, counted_methods=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.counted = list(counted_methods)
        for method in self.counted:
            self.fields[f"declared_{method.pk}"] = amount_field(
                f"{method.name} 实点金额（元）", required=False, min_value=None
            )

    def declared(self) -> dict[int, Decimal]:
        return {
            method.pk: self.cleaned_data[f"declared_{method.pk}"]
            for method in self.counted
            if self.cleaned_data.get(f"declared_{method.pk}") is not None
        }


class HeldReattachForm(forms.Form):
    order = forms.ChoiceField(label="转入订单", error_messages={"required": "请选择订单"})
    charge_item = forms.ModelChoiceField(
        label="收费项目",
        queryset=ChargeItem.objects.filter(
            kind__in=[ChargeKind.DEPOSIT, ChargeKind.DOWN_PAYMENT, ChargeKind.HOUSE_PRICE]
        ),
        error_messages={"required": "请选择收费项目"},
    )

    def __init__(self, *args, orders=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["order"].choices = [
            (order.pk, f"{order.number} {order.unit.code}（{order.get_status_display()}）") for order in orders
        ]


class DepositActionForm(forms.Form):
    action = forms.ChoiceField(
        choices=[
            ("convert", "转房款"),
            ("refund", "退还"),
            ("forfeit_request", "申请没收"),
            ("forfeit_approve", "批准没收"),
            ("forfeit_reject", "驳回没收"),
        ],
        widget=forms.HiddenInput,
    )
    order = forms.IntegerField(required=False, widget=forms.HiddenInput)
    reason = forms.CharField(label="说明", max_length=200, required=False)
