"""Forms of the sales pages. They check the shape of the input; the services decide the rules."""

import re
import uuid

from django import forms
from django.core.exceptions import ValidationError

from accounts.models import User
from sales.models import (
    DepositDisposition,
    FollowUpMethod,
    OrderStatus,
    PaymentMethod,
    SalesChangeKind,
    SalesChangeStatus,
)

TOKEN_RE = re.compile(r"^[0-9a-f]{32}$")
STALE_FORM_MESSAGE = "提交标识无效，请刷新页面后重试"


def new_request_token() -> str:
    """One per rendered selection form: the idempotency key that makes a double submit one order."""
    return uuid.uuid4().hex


def price_signature(unit) -> str:
    """What the buyer was shown: the unit's price-list version and total. If the unit is repriced
    before the click, the signature no longer matches and the selection is refused."""
    return f"{unit.price_version_id or 0}:{unit.list_price_amount}"


class SelectForm(forms.Form):
    """选房: the payment method, the one-time token and the price the page showed."""

    payment_method = forms.ChoiceField(
        label="付款方式",
        choices=PaymentMethod.choices,
        widget=forms.RadioSelect,
        initial=PaymentMethod.MORTGAGE,
        error_messages={"required": "请选择付款方式", "invalid_choice": "请选择付款方式"},
    )
    request_token = forms.CharField(
        widget=forms.HiddenInput,
        max_length=64,
        error_messages={"required": STALE_FORM_MESSAGE, "max_length": STALE_FORM_MESSAGE},
    )
    price_signature = forms.CharField(
        widget=forms.HiddenInput,
        max_length=40,
        error_messages={"required": STALE_FORM_MESSAGE, "max_length": STALE_FORM_MESSAGE},
    )

    def clean_request_token(self) -> str:
        token = self.cleaned_data["request_token"].strip().lower()
        if not TOKEN_RE.match(token):
            raise ValidationError(STALE_FORM_MESSAGE)
        return token


class CancelOrderForm(forms.Form):
    reason = forms.CharField(
        label="取消原因",
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": "如：暂不购买、选错房源"}),
        error_messages={"required": "请填写取消原因", "max_length": "取消原因最多200字"},
    )


class ReasonForm(forms.Form):
    """销控 / 解除销控: the reason goes into the unit's history and the operation log."""

    reason = forms.CharField(
        label="原因",
        max_length=200,
        error_messages={"required": "请填写原因", "max_length": "原因最多200字"},
    )


# ---- staff lists ------------------------------------------------------------------------------------


def _choice(label: str, choices, *, empty: str = "全部") -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        required=False,
        choices=[("", empty), *choices],
        error_messages={"invalid_choice": f"请选择列表中的{label}"},
    )


class ChartFilterForm(forms.Form):
    status = _choice("状态", [])
    plan = _choice("户型", [])

    def __init__(self, *args, statuses, plans, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", "全部"), *statuses]
        self.fields["plan"].choices = [("", "全部"), *((str(plan.pk), str(plan)) for plan in plans)]


class CustomerFilterForm(forms.Form):
    q = forms.CharField(
        label="搜索", required=False, max_length=50, widget=forms.TextInput(attrs={"placeholder": "姓名或手机号"})
    )
    project = _choice("楼盘", [])
    consultant = _choice("置业顾问", [])
    source = _choice("来源", [])

    def __init__(self, *args, projects, consultants, sources, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].choices = [("", "全部"), *((str(p.pk), p.name) for p in projects)]
        self.fields["consultant"].choices = [
            ("", "全部"),
            *((str(u.pk), u.get_full_name() or u.username) for u in consultants),
        ]
        self.fields["source"].choices = [("", "全部"), *sources]


class OrderFilterForm(forms.Form):
    status = _choice("状态", OrderStatus.choices)
    project = _choice("楼盘", [])
    opening = _choice("开盘活动", [])

    def __init__(self, *args, projects, openings, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].choices = [("", "全部"), *((str(p.pk), p.name) for p in projects)]
        self.fields["opening"].choices = [
            ("", "全部"),
            *((str(o.pk), f"{o.project.name} · {o.name}") for o in openings),
        ]


class ChangeFilterForm(forms.Form):
    status = _choice("状态", SalesChangeStatus.choices)
    kind = _choice("类型", SalesChangeKind.choices)


# ---- customers -----------------------------------------------------------------------------------------


class FollowUpForm(forms.Form):
    method = forms.ChoiceField(
        label="跟进方式", choices=FollowUpMethod.choices, error_messages={"invalid_choice": "请选择跟进方式"}
    )
    content = forms.CharField(
        label="跟进内容",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "请填写跟进内容", "max_length": "跟进内容最多2000字"},
    )
    next_follow_up_on = forms.DateField(
        label="下次跟进日期",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "请填写正确的日期，如 2026-12-18"},
    )


class AssignForm(forms.Form):
    consultant = forms.ModelChoiceField(
        label="置业顾问",
        queryset=User.objects.none(),
        required=False,
        empty_label="（不指定）",
        error_messages={"invalid_choice": "请选择列表中的置业顾问"},
    )

    def __init__(self, *args, consultants, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["consultant"].queryset = consultants


# ---- sales changes ---------------------------------------------------------------------------------------


class ChangeApplyForm(forms.Form):
    """销售变更申请: one form for the four kinds; only the fields of the chosen kind are used."""

    kind = forms.ChoiceField(
        label="变更类型", choices=SalesChangeKind.choices, error_messages={"invalid_choice": "请选择变更类型"}
    )
    reason = forms.CharField(
        label="申请原因",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "请填写申请原因", "max_length": "申请原因最多300字"},
    )
    deposit_disposition = forms.ChoiceField(
        label="定金处理（退房）",
        required=False,
        choices=[("", "请选择"), (DepositDisposition.REFUND, "退还定金"), (DepositDisposition.FORFEIT, "定金不予退还")],
    )
    new_unit = forms.TypedChoiceField(label="换入房源（换房）", required=False, coerce=int, empty_value=None)
    rename_action = forms.ChoiceField(
        label="更名方式（更名）",
        required=False,
        choices=[("", "请选择"), ("replace_buyer", "更换购房人"), ("add_co_buyer", "增加共同购房人")],
    )
    new_buyer_mobile = forms.CharField(label="新购房人手机号（更换购房人）", required=False, max_length=11)
    co_buyer_name = forms.CharField(label="共同购房人姓名", required=False, max_length=50)
    co_buyer_id_number = forms.CharField(label="共同购房人身份证号", required=False, max_length=18)
    co_buyer_mobile = forms.CharField(label="共同购房人手机号", required=False, max_length=11)
    contract_number = forms.CharField(label="合同编号（签约）", required=False, max_length=50)
    contract_signed_on = forms.DateField(
        label="签约日期（签约）",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "请填写正确的日期，如 2026-12-18"},
    )

    def __init__(self, *args, swap_units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_unit"].choices = [("", "请选择"), *((unit.pk, f"{unit.code}") for unit in swap_units)]

    def payload(self) -> dict:
        """The service's payload for the chosen kind (the service validates it)."""
        data = self.cleaned_data
        kind = data["kind"]
        if kind == SalesChangeKind.CANCEL:
            return {"deposit_disposition": data.get("deposit_disposition") or ""}
        if kind == SalesChangeKind.SWAP:
            return {"new_unit_id": data.get("new_unit")}
        if kind == SalesChangeKind.RENAME:
            if data.get("rename_action") == "replace_buyer":
                mobile = (data.get("new_buyer_mobile") or "").strip()
                buyer = User.objects.filter(mobile=mobile, is_staff=False).first() if mobile else None
                return {"action": "replace_buyer", "buyer_id": buyer.pk if buyer else None}
            return {
                "action": data.get("rename_action") or "",
                "name": data.get("co_buyer_name", ""),
                "id_number": data.get("co_buyer_id_number", ""),
                "mobile": data.get("co_buyer_mobile", ""),
            }
        return {
            "contract_number": data.get("contract_number", ""),
            "contract_signed_on": data.get("contract_signed_on"),
        }


class ReviewForm(forms.Form):
    note = forms.CharField(
        label="审批意见",
        required=False,
        max_length=300,
        widget=forms.TextInput(attrs={"placeholder": "驳回时必填"}),
        error_messages={"max_length": "审批意见最多300字"},
    )
