"""Forms of the buyer's calculator and the sales manager's plan generator (Chinese messages)."""

from datetime import date
from decimal import Decimal

from django import forms

from loans import plans, selectors
from loans.calculator import METHOD_LABELS, PREPAYMENT_MODE_LABELS, Method, PrepaymentMode
from loans.choices import HomeType
from loans.models import LoanDocumentKind

LOAN_TYPES = [("commercial", "商业贷款"), ("provident", "公积金贷款"), ("combined", "组合贷款")]
_HUNDRED = Decimal(100)


def _amount_field(label: str, *, required: bool = False, help_text: str = "", min_value=0) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        min_value=min_value,
        max_digits=14,
        decimal_places=2,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
        error_messages={
            "invalid": "请输入金额（数字，最多两位小数）",
            "max_decimal_places": "金额最多保留两位小数",
            "max_digits": "金额过大，请核对",
            "min_value": "金额不能为负数",
            "required": "请填写金额",
        },
    )


def _rate_field(label: str) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=False,
        min_value=0,
        max_value=24,
        max_digits=7,
        decimal_places=4,
        widget=forms.NumberInput(attrs={"step": "0.001", "inputmode": "decimal"}),
        error_messages={
            "invalid": "请输入年利率（百分数，如 3.5）",
            "min_value": "年利率不能为负数",
            "max_value": "年利率不能超过24%%",
            "max_decimal_places": "年利率最多保留四位小数",
        },
    )


class CalculatorForm(forms.Form):
    """The buyer's calculator. Rates are typed as percentages (3.5 means 3.50%)."""

    loan_type = forms.ChoiceField(label="贷款类型", choices=LOAN_TYPES, widget=forms.RadioSelect, initial="commercial")
    commercial_amount = _amount_field("商业贷款金额（元）", help_text="如 1000000 即100万元")
    commercial_rate = _rate_field("商业贷款年利率（%）")
    provident_amount = _amount_field("公积金贷款金额（元）")
    provident_rate = _rate_field("公积金贷款年利率（%）")
    years = forms.IntegerField(
        label="贷款年限（年）",
        min_value=1,
        max_value=30,
        initial=30,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "required": "请填写贷款年限",
            "invalid": "贷款年限应为整数",
            "min_value": "贷款年限至少1年",
            "max_value": "贷款年限最长30年",
        },
    )
    method = forms.ChoiceField(
        label="还款方式", choices=list(METHOD_LABELS.items()), widget=forms.RadioSelect, initial=Method.EQUAL_INSTALMENT
    )
    prepay_after = forms.IntegerField(
        label="提前还款：在第几期后",
        required=False,
        min_value=1,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={"invalid": "期数应为整数", "min_value": "期数至少为1"},
    )
    prepay_amount = _amount_field("提前还款金额（元）", min_value=Decimal("0.01"))
    prepay_mode = forms.ChoiceField(
        label="提前还款后",
        choices=list(PREPAYMENT_MODE_LABELS.items()),
        widget=forms.RadioSelect,
        required=False,
        initial=PrepaymentMode.SHORTEN_TERM,
    )

    @classmethod
    def initial_data(cls, defaults: dict) -> dict:
        """The example the page opens with: 100万 commercial over 30 years at the current 5-year LPR."""
        lpr, fund = defaults.get("lpr"), defaults.get("provident_first")
        return {
            "loan_type": "commercial",
            "commercial_amount": "1000000",
            "commercial_rate": _percent_text(lpr.five_year_rate) if lpr else "",
            "provident_amount": "600000",
            "provident_rate": _percent_text(fund.over_five_years_rate) if fund else "",
            "years": "30",
            "method": Method.EQUAL_INSTALMENT,
            "prepay_mode": PrepaymentMode.SHORTEN_TERM,
        }

    def clean(self):
        data = super().clean()
        loan_type = data.get("loan_type")
        wanted = {"commercial": ["commercial"], "provident": ["provident"], "combined": ["commercial", "provident"]}
        for kind in wanted.get(loan_type, []):
            label = "商业贷款" if kind == "commercial" else "公积金贷款"
            if data.get(f"{kind}_amount") in (None, ""):
                self.add_error(f"{kind}_amount", f"请填写{label}金额")
            if data.get(f"{kind}_rate") in (None, ""):
                self.add_error(f"{kind}_rate", f"请填写{label}年利率")
        has_after, has_amount = data.get("prepay_after") is not None, data.get("prepay_amount") is not None
        if has_after != has_amount:
            field = "prepay_amount" if has_after else "prepay_after"
            self.add_error(field, "提前还款需同时填写期数和金额")
        if has_after and has_amount and not data.get("prepay_mode"):
            self.add_error("prepay_mode", "请选择提前还款后缩短期限还是减少月供")
        return data

    def quote_arguments(self) -> dict:
        """Keyword arguments for `calculator.quote`: only the chosen loans, rates as fractions."""
        data = self.cleaned_data
        kinds = {"commercial": ["commercial"], "provident": ["provident"], "combined": ["commercial", "provident"]}
        arguments = {"months": data["years"] * 12, "method": data["method"]}
        for kind in kinds[data["loan_type"]]:
            arguments[f"{kind}_amount"] = data[f"{kind}_amount"]
            arguments[f"{kind}_rate"] = data[f"{kind}_rate"] / _HUNDRED
        if data.get("prepay_amount") is not None:
            arguments.update(
                prepay_after=data["prepay_after"], prepay_amount=data["prepay_amount"], prepay_mode=data["prepay_mode"]
            )
        return arguments


def _percent_text(rate: Decimal) -> str:
    return f"{(rate * _HUNDRED).normalize():f}"


TERM_CHOICES = [(years, f"{years}年") for years in plans.DEFAULT_TERMS]


class PlanForm(forms.Form):
    """What the sales manager knows about the customer; a GET form, since generating stores nothing."""

    customer = forms.ModelChoiceField(
        label="客户",
        queryset=None,
        required=False,
        empty_label="（不选客户：只测算，不保存）",
        help_text="选择客户后可将方案保存给客户，购房者在“我的贷款方案”中查看",
    )
    customer_name = forms.CharField(
        label="打印姓名", max_length=50, required=False, help_text="打印在方案上；不填则用所选客户的姓名"
    )
    project = forms.ModelChoiceField(
        label="楼盘", queryset=None, required=False, empty_label="（不选房源，直接填写总价）"
    )
    unit_code = forms.CharField(
        label="房号", max_length=20, required=False, help_text="如 3-1203；填写后按该房源总价计算"
    )
    price = _amount_field("房屋总价（元）", min_value=Decimal("0.01"))
    down_payment = _amount_field("可用首付款（元）", required=True)
    monthly_income = _amount_field("家庭月收入（元）", required=True)
    monthly_debt = _amount_field("其他负债月还款（元）", help_text="车贷、消费贷等每月还款合计")
    property_fee = _amount_field("月物业费（元）")
    age = forms.IntegerField(
        label="借款人年龄（周岁）",
        min_value=plans.MIN_AGE,
        max_value=plans.MAX_AGE,
        error_messages={
            "required": "请填写借款人年龄",
            "invalid": "年龄应为整数",
            "min_value": f"借款人年龄不能小于{plans.MIN_AGE}周岁",
            "max_value": f"借款人年龄不能大于{plans.MAX_AGE}周岁",
        },
    )
    home_type = forms.ChoiceField(label="房屋类型", choices=HomeType.choices, widget=forms.RadioSelect)
    provident_eligible = forms.BooleanField(label="可申请公积金贷款", required=False)
    provident_ceiling = _amount_field("公积金可贷额度（元）", help_text="按公积金中心核定额度填写；不填则按产品上限")
    terms = forms.TypedMultipleChoiceField(
        label="贷款期限",
        choices=TERM_CHOICES,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "请至少选择一个贷款期限"},
    )
    contract_on = forms.DateField(
        label="利率日期",
        help_text="按该日生效的LPR与公积金利率计算，默认今天（签约日）",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "请输入正确的日期", "required": "请填写利率日期"},
    )
    rank_by = forms.ChoiceField(
        label="排序", choices=[(r.value, r.label) for r in plans.RankBy], initial=plans.RankBy.MONTHLY_PAYMENT
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.unit = None
        self.fields["project"].queryset = selectors.projects_for_loan_plan(user)
        self.fields["customer"].queryset = selectors.customers_for_loan_plans(user)

    FIELDSETS = (
        ("客户与房源", ("customer", "customer_name", "project", "unit_code", "price")),
        (
            "客户资金与收入",
            (
                "down_payment",
                "monthly_income",
                "monthly_debt",
                "property_fee",
                "age",
                "home_type",
                "provident_eligible",
                "provident_ceiling",
            ),
        ),
        ("方案条件", ("terms", "contract_on", "rank_by")),
    )

    def fieldsets(self):
        """(title, bound fields) for the template, in the order a sales manager asks."""
        return [(title, [self[name] for name in names]) for title, names in self.FIELDSETS]

    @staticmethod
    def initial_data(today: date) -> dict:
        return {
            "terms": list(plans.DEFAULT_TERMS),
            "contract_on": today,
            "rank_by": plans.RankBy.MONTHLY_PAYMENT,
            "home_type": HomeType.FIRST,
        }

    def clean(self):
        data = super().clean()
        code = (data.get("unit_code") or "").strip()
        project = data.get("project")
        if code and project is None:
            self.add_error("project", "填写房号时请选择楼盘")
        elif code:
            self.unit = selectors.unit_for_loan_plan(user=self.user, project_id=project.pk, code=code)
            if self.unit is None:
                self.add_error("unit_code", f"{project.name} 没有房号为 {code} 的房源")
            else:
                data["price"] = self.unit.list_price_amount
        if not code and data.get("price") is None and "price" not in self.errors:
            self.add_error("price", "请填写房屋总价，或选择楼盘并填写房号")
        if data.get("provident_ceiling") is not None and not data.get("provident_eligible"):
            data["provident_ceiling"] = None  # a ceiling without eligibility means nothing
        return data

    def printed_name(self) -> str:
        """The name printed on the plan: typed, else the chosen customer's."""
        data = self.cleaned_data
        if data.get("customer_name"):
            return data["customer_name"]
        return data["customer"].name if data.get("customer") else ""

    def plan_request(self) -> plans.PlanRequest:
        data = self.cleaned_data
        zero = Decimal("0.00")
        return plans.PlanRequest(
            price=data["price"],
            down_payment=data["down_payment"],
            monthly_income=data["monthly_income"],
            monthly_debt=data.get("monthly_debt") or zero,
            property_fee=data.get("property_fee") or zero,
            age=data["age"],
            home_type=data["home_type"],
            provident_eligible=data.get("provident_eligible", False),
            provident_ceiling=data.get("provident_ceiling"),
            terms=tuple(data["terms"]),
        )


# ---- applications ---------------------------------------------------------------------------


class ProductChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.bank.name} · {obj.name}（{obj.get_kind_display()}）"


class ApplicationForm(forms.Form):
    product = ProductChoiceField(label="贷款产品", queryset=None, empty_label="请选择银行与产品")
    amount = _amount_field("申请金额（元）", required=True, min_value=Decimal("0.01"))
    term_years = forms.IntegerField(
        label="贷款期限（年）",
        min_value=1,
        max_value=30,
        error_messages={"required": "请填写贷款期限", "min_value": "贷款期限至少1年", "max_value": "贷款期限最长30年"},
    )
    method = forms.ChoiceField(
        label="还款方式", choices=list(METHOD_LABELS.items()), widget=forms.RadioSelect, initial=Method.EQUAL_INSTALMENT
    )
    plan = forms.ModelChoiceField(label="参考的贷款方案", queryset=None, required=False, empty_label="（不参考方案）")

    def __init__(self, *args, order, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = selectors.products_for_application()
        self.fields["plan"].queryset = selectors.loan_plans_for_order(order)


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label="材料类型", choices=LoanDocumentKind.choices)
    file = forms.FileField(
        label="文件",
        help_text="PDF、JPG或PNG，单个文件不超过10MB",
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
        error_messages={"required": "请选择要上传的文件", "empty": "文件是空的，请重新选择"},
    )


class ReviewStartForm(forms.Form):
    note = forms.CharField(label="说明", max_length=200, required=False)


class ApproveForm(forms.Form):
    approved_amount = _amount_field("批准金额（元）", required=True, min_value=Decimal("0.01"))
    approved_rate = _rate_field("批准年利率（%）")
    note = forms.CharField(label="说明", max_length=200, required=False)

    def rate_fraction(self) -> Decimal | None:
        rate = self.cleaned_data.get("approved_rate")
        return None if rate is None else rate / _HUNDRED


class RejectForm(forms.Form):
    reason = forms.CharField(
        label="未获批准的原因", max_length=200, error_messages={"required": "请填写未获批准的原因"}
    )


class DisburseForm(forms.Form):
    amount = _amount_field("放款金额（元）", required=True, min_value=Decimal("0.01"))
    disbursed_on = forms.DateField(
        label="放款日期",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": "请填写放款日期", "invalid": "请输入正确的日期"},
    )
    bank_reference = forms.CharField(
        label="银行放款流水号", max_length=64, error_messages={"required": "请填写银行放款流水号"}
    )
