"""贷款方案: every feasible loan plan for a customer's situation, ranked, and the others with reasons.

Pure: the inputs are plain values (`PlanRequest`, `ProductTerms` with their rates already resolved
for the contract date, `Policy`); `services.loan_plans_generate` loads them from the database.

Rules (see docs/loans.md):
* the plan puts down the customer's whole available down payment; the loan is the rest of the price;
* the down payment must reach the highest of the national minimum and each product's minimum;
* provident-fund loans need the customer to be eligible and stay within both the product's maximum
  and the customer's own ceiling; a combined loan (组合贷款) takes the provident fund up to that
  limit and the rest commercially, both at the same bank, over the same term;
* the customer's age plus the term may not pass the bank's age limit;
* 月房产支出 (the first instalment — the highest one for 等额本金 — plus the property fee)
  ≤ the bank's housing ratio of monthly income (50%), and 月所有债务支出 (that plus other
  debts) ≤ its total ratio (55%), as 《个人住房贷款管理办法》 puts it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal
from enum import StrEnum

from loans import calculator
from loans.calculator import CENT, MIN_LOAN_AMOUNT, ZERO, Method, Schedule
from loans.choices import HomeType, LoanKind, RateRule
from loans.exceptions import InvalidRate, LoanInputError

DEFAULT_TERMS = (10, 15, 20, 25, 30)
SHORT_TERM_MONTHS = 60  # rate tables split at 5 years; exactly 5 years is the short bucket
MIN_AGE, MAX_AGE = 18, 80
_BASIS_POINT = Decimal("0.0001")


class PlanInputError(LoanInputError):
    default_message = "客户信息有误，请检查后重试"


class RankBy(StrEnum):
    MONTHLY_PAYMENT = "monthly"
    TOTAL_INTEREST = "interest"

    @property
    def label(self) -> str:
        return {RankBy.MONTHLY_PAYMENT: "月供最低", RankBy.TOTAL_INTEREST: "总利息最少"}[self]


class PlanKind(StrEnum):
    COMMERCIAL = "commercial"
    PROVIDENT = "provident"
    COMBINED = "combined"

    @property
    def label(self) -> str:
        return {PlanKind.COMMERCIAL: "纯商业贷款", PlanKind.PROVIDENT: "纯公积金贷款", PlanKind.COMBINED: "组合贷款"}[
            self
        ]


class ReasonCode(StrEnum):
    PROVIDENT_INELIGIBLE = "provident_ineligible"
    DOWN_PAYMENT = "down_payment"
    LOAN_OVER_MAX = "loan_over_max"
    TERM_OVER_MAX = "term_over_max"
    AGE = "age"
    HOUSING_DTI = "housing_dti"
    TOTAL_DTI = "total_dti"


@dataclass(frozen=True)
class Reason:
    code: ReasonCode
    message: str


# ---- inputs -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProductTerms:
    """A loan product with its bank's limits and its two rates in force on the contract date."""

    id: int
    bank_id: int
    bank_name: str
    name: str
    kind: str  # LoanKind
    home_type: str  # HomeType
    min_down_payment_ratio: Decimal
    max_term_years: int
    max_loan_amount: Decimal
    bank_max_age: int
    housing_dti_ratio: Decimal
    total_dti_ratio: Decimal
    short_term_rate: Decimal  # 5 years or less
    long_term_rate: Decimal  # more than 5 years
    pricing: str = ""  # how the rate is set, for people: "5年期以上LPR减45基点"

    def rate_for(self, months: int) -> Decimal:
        """The annual rate of a loan of `months`: the bucket follows the contract term."""
        return self.short_term_rate if months <= SHORT_TERM_MONTHS else self.long_term_rate

    @property
    def label(self) -> str:
        return f"{self.bank_name} {self.name}"


def product_rates(
    *,
    rate_rule: str,
    fixed_rate: Decimal | None,
    lpr_spread_bp: int,
    lpr_one_year_rate: Decimal | None,
    lpr_five_year_rate: Decimal | None,
    provident_short_rate: Decimal | None,
    provident_long_rate: Decimal | None,
) -> tuple[Decimal, Decimal, str]:
    """(rate for ≤5 years, rate for >5 years, how it is priced) under a product's rule.

    Only the table the rule uses has to be given."""
    if rate_rule == RateRule.FIXED:
        if fixed_rate is None:
            raise InvalidRate("固定利率产品未设置利率")
        return fixed_rate, fixed_rate, f"固定利率 {fixed_rate:.2%}"
    if rate_rule == RateRule.PROVIDENT_TABLE:
        if provident_short_rate is None or provident_long_rate is None:
            raise InvalidRate("没有生效的公积金贷款利率")
        return provident_short_rate, provident_long_rate, "公积金贷款利率"
    if lpr_one_year_rate is None or lpr_five_year_rate is None:
        raise InvalidRate("没有生效的LPR利率")
    spread = lpr_spread_bp * _BASIS_POINT
    short, long = lpr_one_year_rate + spread, lpr_five_year_rate + spread
    if short < 0 or long < 0:
        raise InvalidRate("LPR加点后的利率为负数，请检查产品的加点设置")
    direction = "加" if lpr_spread_bp > 0 else "减"
    return short, long, f"LPR{direction}{abs(lpr_spread_bp)}基点" if lpr_spread_bp else "LPR"


@dataclass(frozen=True)
class Policy:
    """National rules in force on the contract date."""

    min_down_payment_ratio: Decimal
    max_term_years: int


@dataclass(frozen=True)
class PlanRequest:
    """What the sales manager enters about the customer (amounts in yuan, per month where monthly)."""

    price: Decimal
    down_payment: Decimal  # what the customer can put down
    monthly_income: Decimal
    age: int
    home_type: str
    monthly_debt: Decimal = ZERO
    property_fee: Decimal = ZERO
    provident_eligible: bool = False
    provident_ceiling: Decimal | None = None  # the customer's own limit from their fund account
    terms: tuple[int, ...] = DEFAULT_TERMS


# ---- outputs ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanOption:
    kind: PlanKind
    bank_name: str
    products: tuple[ProductTerms, ...]  # commercial first in a combined loan
    term_years: int
    method: Method
    down_payment: Decimal
    commercial_amount: Decimal
    provident_amount: Decimal
    commercial_rate: Decimal | None
    provident_rate: Decimal | None
    schedule: Schedule
    housing_payment: Decimal  # first instalment + property fee
    total_debt_payment: Decimal  # housing payment + other debts

    @property
    def key(self) -> str:
        """Identifies the option among one request's options (used by the export links)."""
        ids = "-".join(str(product.id) for product in self.products)
        return f"{self.kind}-{ids}-{self.term_years}-{self.method}"

    @property
    def label(self) -> str:
        return f"{self.bank_name} · {self.kind.label}"

    @property
    def loan_amount(self) -> Decimal:
        return self.commercial_amount + self.provident_amount

    @property
    def first_payment(self) -> Decimal:
        return self.schedule.first_payment

    @property
    def total_interest(self) -> Decimal:
        return self.schedule.total_interest

    @property
    def total_payment(self) -> Decimal:
        return self.schedule.total_payment

    @property
    def months(self) -> int:
        return self.term_years * 12


@dataclass(frozen=True)
class Exclusion:
    """A plan that cannot be offered. `term_years`/`method` None: the reasons hold for every one."""

    kind: PlanKind
    bank_name: str
    products: tuple[ProductTerms, ...]
    reasons: tuple[Reason, ...]
    term_years: int | None = None
    method: Method | None = None

    @property
    def label(self) -> str:
        return f"{self.bank_name} · {self.kind.label}"

    @property
    def term_label(self) -> str:
        return "全部期限" if self.term_years is None else f"{self.term_years}年"

    @property
    def method_label(self) -> str:
        return "全部还款方式" if self.method is None else self.method.label

    @property
    def codes(self) -> set[ReasonCode]:
        return {reason.code for reason in self.reasons}


@dataclass(frozen=True)
class PlanResult:
    request: PlanRequest
    rank_by: RankBy
    loan_amount: Decimal
    options: tuple[PlanOption, ...]
    exclusions: tuple[Exclusion, ...]
    notes: tuple[str, ...] = field(default=())

    def option(self, key: str) -> PlanOption | None:
        return next((option for option in self.options if option.key == key), None)


# ---- the generator ------------------------------------------------------------------------


def _money(value, label: str, *, positive: bool = False) -> Decimal:
    if isinstance(value, float | bool) or not isinstance(value, Decimal | int | str):
        raise PlanInputError(f"{label}必须是数字")
    try:
        amount = Decimal(value)
    except ArithmeticError:
        raise PlanInputError(f"{label}必须是数字") from None
    if not amount.is_finite():
        raise PlanInputError(f"{label}必须是数字")
    if positive and amount <= 0:
        raise PlanInputError(f"{label}必须大于0")
    if amount < 0:
        raise PlanInputError(f"{label}不能为负数")
    return calculator.round_fen(amount)


def check_request(request: PlanRequest) -> PlanRequest:
    """The request with amounts to the fen, or PlanInputError naming the first bad field."""
    if request.home_type not in HomeType.values:
        raise PlanInputError("请选择首套房或二套房")
    if isinstance(request.age, bool) or not isinstance(request.age, int) or not MIN_AGE <= request.age <= MAX_AGE:
        raise PlanInputError(f"借款人年龄应在{MIN_AGE}至{MAX_AGE}周岁之间")
    terms = tuple(sorted(set(request.terms)))
    if not terms or any(isinstance(t, bool) or not isinstance(t, int) or not 1 <= t <= 30 for t in terms):
        raise PlanInputError("贷款期限应为1至30年的整数")
    ceiling = request.provident_ceiling
    return PlanRequest(
        price=_money(request.price, "房屋总价", positive=True),
        down_payment=_money(request.down_payment, "可用首付款"),
        monthly_income=_money(request.monthly_income, "月收入"),
        age=request.age,
        home_type=request.home_type,
        monthly_debt=_money(request.monthly_debt, "其他负债月还款额"),
        property_fee=_money(request.property_fee, "月物业费"),
        provident_eligible=bool(request.provident_eligible),
        provident_ceiling=None if ceiling is None else _money(ceiling, "公积金可贷额度"),
        terms=terms,
    )


@dataclass(frozen=True)
class _Combo:
    kind: PlanKind
    products: tuple[ProductTerms, ...]

    @property
    def lead(self) -> ProductTerms:
        return self.products[0]


def _combos(products: Iterable[ProductTerms], home_type: str) -> list[_Combo]:
    matching = [product for product in products if product.home_type == home_type]
    commercial = [product for product in matching if product.kind == LoanKind.COMMERCIAL]
    provident = [product for product in matching if product.kind == LoanKind.PROVIDENT]
    combos = [_Combo(PlanKind.COMMERCIAL, (product,)) for product in commercial]
    combos += [_Combo(PlanKind.PROVIDENT, (product,)) for product in provident]
    # A combined loan is handled by one bank: the fund's entrusted bank lends the commercial part too.
    combos += [_Combo(PlanKind.COMBINED, (c, p)) for c in commercial for p in provident if c.bank_id == p.bank_id]
    return combos


def _provident_limit(product: ProductTerms, request: PlanRequest) -> Decimal:
    if request.provident_ceiling is None:
        return product.max_loan_amount
    return min(product.max_loan_amount, request.provident_ceiling)


def _amounts(combo: _Combo, loan: Decimal, request: PlanRequest) -> tuple[Decimal, Decimal, list[Reason]] | None:
    """(commercial part, provident part, reasons) — None when the combination makes no sense."""
    reasons = []
    if combo.kind is PlanKind.COMMERCIAL:
        (product,) = combo.products
        if loan > product.max_loan_amount:
            reasons.append(
                Reason(
                    ReasonCode.LOAN_OVER_MAX, f"需贷 {_yuan(loan)}，超过产品最高贷款额 {_yuan(product.max_loan_amount)}"
                )
            )
        return loan, ZERO, reasons
    if combo.kind is PlanKind.PROVIDENT:
        (product,) = combo.products
        limit = _provident_limit(product, request)
        if loan > limit:
            reasons.append(Reason(ReasonCode.LOAN_OVER_MAX, f"需贷 {_yuan(loan)}，超过公积金可贷额度 {_yuan(limit)}"))
        return ZERO, loan, reasons
    commercial_product, provident_product = combo.products
    provident = min(loan, _provident_limit(provident_product, request))
    commercial = loan - provident
    if commercial == 0:
        return None  # the fund alone covers it: that is the provident-only plan
    if commercial < MIN_LOAN_AMOUNT:
        # Banks lend at least 1万 commercially; move that much over from the fund's part.
        provident, commercial = loan - MIN_LOAN_AMOUNT, MIN_LOAN_AMOUNT
        if provident < MIN_LOAN_AMOUNT:
            return None
    if commercial > commercial_product.max_loan_amount:
        reasons.append(
            Reason(
                ReasonCode.LOAN_OVER_MAX,
                f"商业贷款部分 {_yuan(commercial)} 超过产品最高贷款额 {_yuan(commercial_product.max_loan_amount)}",
            )
        )
    return commercial, provident, reasons


def _yuan(amount: Decimal) -> str:
    return f"¥{amount:,.2f}"


def _percent(ratio: Decimal) -> str:
    return f"{(ratio * 100).normalize():f}%"


def _product_reasons(combo: _Combo, request: PlanRequest, policy: Policy) -> list[Reason]:
    reasons = []
    if any(product.kind == LoanKind.PROVIDENT for product in combo.products) and not request.provident_eligible:
        reasons.append(Reason(ReasonCode.PROVIDENT_INELIGIBLE, "客户不符合公积金贷款条件"))
    ratio = max([policy.min_down_payment_ratio, *(product.min_down_payment_ratio for product in combo.products)])
    required = (request.price * ratio).quantize(CENT, rounding=ROUND_CEILING)
    if request.down_payment < required:
        reasons.append(
            Reason(
                ReasonCode.DOWN_PAYMENT,
                f"首付款不足：最低首付 {_percent(ratio)} 即 {_yuan(required)}，可用 {_yuan(request.down_payment)}",
            )
        )
    return reasons


def _term_reasons(combo: _Combo, years: int, request: PlanRequest, policy: Policy) -> list[Reason]:
    reasons = []
    max_years = min([policy.max_term_years, *(product.max_term_years for product in combo.products)])
    if years > max_years:
        reasons.append(Reason(ReasonCode.TERM_OVER_MAX, f"期限 {years} 年超过最长贷款期限 {max_years} 年"))
    bank = combo.lead
    if request.age + years > bank.bank_max_age:
        reasons.append(
            Reason(
                ReasonCode.AGE,
                f"贷款到期时客户 {request.age + years} 岁，超过{bank.bank_name}的年龄上限 {bank.bank_max_age} 岁",
            )
        )
    return reasons


def _payment_reasons(combo: _Combo, housing: Decimal, total: Decimal, request: PlanRequest) -> list[Reason]:
    bank = combo.lead
    reasons = []
    housing_limit = request.monthly_income * bank.housing_dti_ratio
    if housing > housing_limit:
        reasons.append(
            Reason(
                ReasonCode.HOUSING_DTI,
                f"月供加物业费 {_yuan(housing)} 超过月收入的 {_percent(bank.housing_dti_ratio)}"
                f"（{_yuan(calculator.round_fen(housing_limit))}）",
            )
        )
    total_limit = request.monthly_income * bank.total_dti_ratio
    if total > total_limit:
        reasons.append(
            Reason(
                ReasonCode.TOTAL_DTI,
                f"月供、物业费与其他负债合计 {_yuan(total)} 超过月收入的 {_percent(bank.total_dti_ratio)}"
                f"（{_yuan(calculator.round_fen(total_limit))}）",
            )
        )
    return reasons


def _schedule(combo: _Combo, commercial: Decimal, provident: Decimal, months: int, method: Method) -> Schedule:
    parts = []
    for product in combo.products:
        amount = commercial if product.kind == LoanKind.COMMERCIAL else provident
        parts.append(
            calculator.loan_schedule(
                principal=amount, annual_rate=product.rate_for(months), months=months, method=method
            )
        )
    return parts[0] if len(parts) == 1 else calculator.combine(parts)


def _rank_key(rank_by: RankBy):
    if rank_by is RankBy.TOTAL_INTEREST:
        return lambda option: (option.total_interest, option.first_payment, option.key)
    return lambda option: (option.first_payment, option.total_interest, option.key)


def generate_plans(
    *, request: PlanRequest, products: Iterable[ProductTerms], policy: Policy, rank_by: str = RankBy.MONTHLY_PAYMENT
) -> PlanResult:
    """Every plan across `products`, terms and both methods: the feasible ones ranked, the rest with reasons."""
    request = check_request(request)
    try:
        rank_by = RankBy(rank_by)
    except ValueError:
        raise PlanInputError("排序方式只能是月供最低或总利息最少") from None
    loan = request.price - request.down_payment
    if loan <= 0:
        return PlanResult(request, rank_by, ZERO, (), (), ("可用首付款已覆盖房屋总价，无需贷款",))
    if loan < MIN_LOAN_AMOUNT:
        return PlanResult(request, rank_by, loan, (), (), (f"需贷金额 {_yuan(loan)} 不足1万元，银行一般不予受理",))

    options: list[PlanOption] = []
    exclusions: list[Exclusion] = []
    for combo in _combos(products, request.home_type):
        amounts = _amounts(combo, loan, request)
        if amounts is None:
            continue
        commercial, provident, reasons = amounts
        reasons = _product_reasons(combo, request, policy) + reasons
        if reasons:
            exclusions.append(Exclusion(combo.kind, combo.lead.bank_name, combo.products, tuple(reasons)))
            continue
        for years in request.terms:
            reasons = _term_reasons(combo, years, request, policy)
            if reasons:
                exclusions.append(Exclusion(combo.kind, combo.lead.bank_name, combo.products, tuple(reasons), years))
                continue
            for method in Method:
                schedule = _schedule(combo, commercial, provident, years * 12, method)
                # The regular instalment (for 等额本金 the first, highest one); the last period's
                # rounding residue is not what a bank assesses.
                housing = schedule.first_payment + request.property_fee
                total = housing + request.monthly_debt
                reasons = _payment_reasons(combo, housing, total, request)
                if reasons:
                    exclusions.append(
                        Exclusion(combo.kind, combo.lead.bank_name, combo.products, tuple(reasons), years, method)
                    )
                    continue
                options.append(_option(combo, years, method, commercial, provident, schedule, housing, total, request))
    options.sort(key=_rank_key(rank_by))
    return PlanResult(request, rank_by, loan, tuple(options), tuple(exclusions))


def _option(combo, years, method, commercial, provident, schedule, housing, total, request) -> PlanOption:
    months = years * 12
    rates = {product.kind: product.rate_for(months) for product in combo.products}
    return PlanOption(
        kind=combo.kind,
        bank_name=combo.lead.bank_name,
        products=combo.products,
        term_years=years,
        method=method,
        down_payment=request.down_payment,
        commercial_amount=commercial,
        provident_amount=provident,
        commercial_rate=rates.get(LoanKind.COMMERCIAL),
        provident_rate=rates.get(LoanKind.PROVIDENT),
        schedule=schedule,
        housing_payment=housing,
        total_debt_payment=total,
    )


# ---- the seam for saved plans -------------------------------------------------------------


def plan_snapshot(option: PlanOption, request: PlanRequest) -> dict:
    """Everything a saved plan must keep, as JSON-able values (Decimals as strings).

    The schedule itself is not stored: `schedule_from_snapshot` rebuilds it exactly, because the
    calculator is pure and the rates are frozen here.
    """

    def text(value):
        return None if value is None else str(value)

    return {
        "version": 1,
        "key": option.key,
        "kind": str(option.kind),
        "bank_name": option.bank_name,
        "products": [{"id": p.id, "name": p.name, "kind": p.kind, "pricing": p.pricing} for p in option.products],
        "term_years": option.term_years,
        "method": str(option.method),
        "price": text(request.price),
        "down_payment": text(option.down_payment),
        "commercial_amount": text(option.commercial_amount),
        "provident_amount": text(option.provident_amount),
        "commercial_rate": text(option.commercial_rate),
        "provident_rate": text(option.provident_rate),
        "first_payment": text(option.first_payment),
        "total_interest": text(option.total_interest),
        "monthly_income": text(request.monthly_income),
        "monthly_debt": text(request.monthly_debt),
        "property_fee": text(request.property_fee),
        "age": request.age,
        "home_type": request.home_type,
    }


def schedule_from_snapshot(snapshot: dict) -> Schedule:
    """The repayment table of a saved plan, recomputed from its frozen amounts and rates."""
    months, method = snapshot["term_years"] * 12, snapshot["method"]
    parts = [
        calculator.loan_schedule(
            principal=Decimal(snapshot[f"{kind}_amount"]),
            annual_rate=Decimal(snapshot[f"{kind}_rate"]),
            months=months,
            method=method,
        )
        for kind in ("commercial", "provident")
        if snapshot[f"{kind}_rate"] is not None and Decimal(snapshot[f"{kind}_amount"]) > 0
    ]
    return parts[0] if len(parts) == 1 else calculator.combine(parts)
