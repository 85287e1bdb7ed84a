"""The mortgage calculator: pure functions over Decimal, no database, no floats.

Rounding is the one a bank's repayment table (还款计划表) shows, to the fen:

* the monthly rate is the annual rate / 12, kept unrounded;
* the equal instalment (等额本息) is the annuity payment rounded half-up to the fen;
* each period's interest is the balance × the monthly rate, rounded half-up to the fen;
* the principal part is the payment minus that interest (等额本息), or the loan / months rounded
  up to the fen (等额本金, so that the instalments never rise); the last period takes whatever
  balance is left, so the table ends at exactly 0.00;
* the total interest is the sum of the schedule's interest column.

Because the last period absorbs the rounding residue, the total interest of 1,000,000 yuan over
30 years at 4.90% is 910,615.12 — not the 910,617.20 that `payment × 360 − loan` gives: the last
payment is 5,305.19, not 5,307.27.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from enum import StrEnum

from loans.exceptions import InvalidLoanAmount, InvalidPrepayment, InvalidRate, InvalidTerm

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
# Banks lend from 1万 up; the floor also keeps every fen-rounding residue far below one instalment.
MIN_LOAN_AMOUNT = Decimal("10000.00")
MAX_LOAN_AMOUNT = Decimal("100000000.00")  # 1亿: anything larger is a typing slip
MAX_ANNUAL_RATE = Decimal("0.24")
# Banks take prepayments from 1,000 yuan (or the whole balance). Smaller ones could even cost a
# little interest: re-rounding the instalment can move more principal to the end than they repay.
MIN_PREPAYMENT_AMOUNT = Decimal("1000.00")
MAX_MONTHS = 360  # 30 years, the legal maximum of a housing loan
_PRECISION = 40  # enough that (1 + r) ** 360 loses nothing a fen could notice


class Method(StrEnum):
    EQUAL_INSTALMENT = "equal_instalment"
    EQUAL_PRINCIPAL = "equal_principal"

    @property
    def label(self) -> str:
        return METHOD_LABELS[self]


METHOD_LABELS = {Method.EQUAL_INSTALMENT: "等额本息", Method.EQUAL_PRINCIPAL: "等额本金"}


class PrepaymentMode(StrEnum):
    SHORTEN_TERM = "shorten_term"  # 月供基本不变，缩短还款期限
    LOWER_PAYMENT = "lower_payment"  # 期限不变，减少月供

    @property
    def label(self) -> str:
        return PREPAYMENT_MODE_LABELS[self]


PREPAYMENT_MODE_LABELS = {PrepaymentMode.SHORTEN_TERM: "缩短还款期限", PrepaymentMode.LOWER_PAYMENT: "减少月供"}


@dataclass(frozen=True)
class Period:
    """One row of the repayment table; `payment` is the regular instalment, without any prepayment."""

    number: int
    payment: Decimal
    principal: Decimal
    interest: Decimal
    remaining: Decimal
    prepayment: Decimal = ZERO


@dataclass(frozen=True)
class Schedule:
    """A full repayment table and its totals."""

    principal_amount: Decimal
    annual_rate: Decimal | None  # None for a combined schedule (two rates)
    method: Method
    periods: tuple[Period, ...]

    @property
    def months(self) -> int:
        return len(self.periods)

    @property
    def first_payment(self) -> Decimal:
        return self.periods[0].payment

    @property
    def max_payment(self) -> Decimal:
        return max(period.payment for period in self.periods)

    @property
    def last_payment(self) -> Decimal:
        return self.periods[-1].payment

    @property
    def total_interest(self) -> Decimal:
        return sum((period.interest for period in self.periods), ZERO)

    @property
    def total_prepayment(self) -> Decimal:
        return sum((period.prepayment for period in self.periods), ZERO)

    @property
    def total_payment(self) -> Decimal:
        """Everything the borrower pays: instalments plus prepayments."""
        return sum((period.payment for period in self.periods), ZERO) + self.total_prepayment


@dataclass(frozen=True)
class CombinedSchedule(Schedule):
    """组合贷款: the parts' schedules summed per month (a part that ends early adds nothing after)."""

    parts: tuple[Schedule, ...] = ()


@dataclass(frozen=True)
class Prepayment:
    """The schedule after a prepayment (提前还款) and what it saves."""

    original: Schedule
    schedule: Schedule
    after_period: int
    amount: Decimal
    mode: PrepaymentMode

    @property
    def interest_saved(self) -> Decimal:
        return self.original.total_interest - self.schedule.total_interest

    @property
    def months_saved(self) -> int:
        return self.original.months - self.schedule.months

    @property
    def next_payment(self) -> Decimal | None:
        """The first regular instalment after the prepayment (None when it paid the loan off)."""
        if self.schedule.months > self.after_period:
            return self.schedule.periods[self.after_period].payment
        return None


# ---- input checks -------------------------------------------------------------------------


def _decimal(value, error: type[Exception], message: str) -> Decimal:
    # Floats cannot hold money or rates exactly; booleans are ints in Python but never an amount.
    if isinstance(value, float | bool) or not isinstance(value, Decimal | int | str):
        raise error(message)
    try:
        number = Decimal(value)
    except (InvalidOperation, ValueError):
        raise error(message) from None
    if not number.is_finite():
        raise error(message)
    return number


def check_amount(value) -> Decimal:
    """The loan amount as yuan with two places, or InvalidLoanAmount saying what is wrong."""
    amount = _decimal(value, InvalidLoanAmount, "贷款金额必须是数字")
    if amount <= 0:
        raise InvalidLoanAmount("贷款金额必须大于0")
    if amount != amount.quantize(CENT, rounding=ROUND_HALF_UP):
        raise InvalidLoanAmount("贷款金额最多保留两位小数（到分）")
    if amount < MIN_LOAN_AMOUNT:
        raise InvalidLoanAmount(f"贷款金额不能低于{MIN_LOAN_AMOUNT:,.0f}元")
    if amount > MAX_LOAN_AMOUNT:
        raise InvalidLoanAmount("贷款金额超过1亿元，请核对")
    return amount.quantize(CENT)


def check_rate(value) -> Decimal:
    """The annual rate as a fraction (0.049 for 4.90%), between 0 and 24%."""
    rate = _decimal(value, InvalidRate, "年利率必须是数字")
    if rate < 0 or rate > MAX_ANNUAL_RATE:
        raise InvalidRate(f"年利率应在0%到{MAX_ANNUAL_RATE * 100:.0f}%之间")
    return rate


def check_months(value, max_months: int = MAX_MONTHS) -> int:
    """A whole number of months from 1 to `max_months` (the product's or the law's maximum)."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal | str):
        raise InvalidTerm("贷款期限必须是整数个月")
    try:
        number = Decimal(value)
    except (InvalidOperation, ValueError):
        raise InvalidTerm("贷款期限必须是整数个月") from None
    if not number.is_finite() or number != number.to_integral_value():
        raise InvalidTerm("贷款期限必须是整数个月")
    months = int(number)
    if months < 1:
        raise InvalidTerm("贷款期限至少1个月")
    if months > max_months:
        raise InvalidTerm(f"贷款期限不能超过{max_months}个月（{max_months // 12}年）")
    return months


# ---- the two methods ----------------------------------------------------------------------


def round_fen(value: Decimal) -> Decimal:
    """Half-up to the fen, the rounding of every amount in a repayment table."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def monthly_rate(annual_rate: Decimal) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        return annual_rate / 12


def _annuity(balance: Decimal, rate: Decimal, months: int) -> Decimal:
    """The unrounded equal instalment that repays `balance` in `months` at monthly `rate`."""
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        if rate == 0:
            return balance / months
        growth = (1 + rate) ** months
        return balance * rate * growth / (growth - 1)


def _equal_instalment_periods(balance: Decimal, rate: Decimal, months: int, first_number: int) -> list[Period]:
    payment = round_fen(_annuity(balance, rate, months))
    periods = []
    for index in range(months):
        interest = round_fen(balance * rate)
        last = index == months - 1
        # The last period takes the whole remaining balance, so the table ends at exactly 0.00.
        principal = balance if last else min(payment - interest, balance)
        balance -= principal
        periods.append(Period(first_number + index, principal + interest, principal, interest, balance))
    return periods


def _equal_principal_periods(balance: Decimal, rate: Decimal, months: int, first_number: int) -> list[Period]:
    # Rounded up, not half-up: the last period then takes at most one part and the instalments
    # never rise (half-up could leave up to ¥1.80 extra for the last month on a 30-year loan).
    part = (balance / months).quantize(CENT, rounding=ROUND_CEILING)
    periods = []
    for index in range(months):
        interest = round_fen(balance * rate)
        last = index == months - 1
        principal = balance if last else min(part, balance)
        balance -= principal
        periods.append(Period(first_number + index, principal + interest, principal, interest, balance))
    return periods


_PERIOD_BUILDERS = {
    Method.EQUAL_INSTALMENT: _equal_instalment_periods,
    Method.EQUAL_PRINCIPAL: _equal_principal_periods,
}


def _method(value) -> Method:
    try:
        return Method(value)
    except ValueError:
        raise InvalidTerm("还款方式只能是等额本息或等额本金") from None


def loan_schedule(*, principal, annual_rate, months, method, max_months: int = MAX_MONTHS) -> Schedule:
    """The full repayment table of one loan; bad input raises a LoanInputError with a Chinese message."""
    amount = check_amount(principal)
    rate = check_rate(annual_rate)
    months = check_months(months, max_months)
    method = _method(method)
    periods = _PERIOD_BUILDERS[method](amount, monthly_rate(rate), months, 1)
    return Schedule(principal_amount=amount, annual_rate=rate, method=method, periods=tuple(periods))


def combine(schedules: Iterable[Schedule]) -> CombinedSchedule:
    """组合贷款: one table whose every column is the parts' sum for that month."""
    parts = tuple(schedules)
    if not parts:
        raise InvalidLoanAmount("组合贷款至少需要一笔贷款")
    months = max(part.months for part in parts)
    periods = []
    for index in range(months):
        rows = [part.periods[index] for part in parts if index < part.months]
        periods.append(
            Period(
                number=index + 1,
                payment=sum((row.payment for row in rows), ZERO),
                principal=sum((row.principal for row in rows), ZERO),
                interest=sum((row.interest for row in rows), ZERO),
                # A part already repaid contributes a zero balance.
                remaining=sum((row.remaining for row in rows), ZERO),
                prepayment=sum((row.prepayment for row in rows), ZERO),
            )
        )
    methods = {part.method for part in parts}
    return CombinedSchedule(
        principal_amount=sum((part.principal_amount for part in parts), ZERO),
        annual_rate=parts[0].annual_rate if len(parts) == 1 else None,
        method=parts[0].method if len(methods) == 1 else Method.EQUAL_INSTALMENT,
        periods=tuple(periods),
        parts=parts,
    )


# ---- prepayment ---------------------------------------------------------------------------


def _shortened_months(balance: Decimal, rate: Decimal, current: Period, method: Method, remaining_months: int) -> int:
    """The fewest months whose regular payment does not exceed what the borrower pays now."""
    if method is Method.EQUAL_PRINCIPAL:
        # Keep the monthly principal part; the interest part then falls with the balance.
        if current.principal <= 0:
            return remaining_months
        months = int((balance / current.principal).to_integral_value(rounding=ROUND_CEILING))
        return min(remaining_months, max(1, months))
    low, high = 1, remaining_months
    while low < high:  # the annuity falls as the term grows: binary search for the shortest term
        middle = (low + high) // 2
        if _annuity(balance, rate, middle) <= current.payment:
            high = middle
        else:
            low = middle + 1
    return low


def prepay(*, schedule: Schedule, after_period, amount, mode) -> Prepayment:
    """提前还款 of `amount` right after instalment `after_period`, then a new table for the rest.

    "Shorten the term" keeps the instalment (or, for 等额本金, the monthly principal part) and
    repays sooner; "lower the payment" keeps the end date and lowers the instalment. A prepayment
    equal to the remaining balance pays the loan off.
    """
    if isinstance(schedule, CombinedSchedule) or schedule.annual_rate is None:
        raise InvalidPrepayment("组合贷款请分别对商业贷款或公积金贷款部分计算提前还款")
    try:
        mode = PrepaymentMode(mode)
    except ValueError:
        raise InvalidPrepayment("提前还款方式只能是缩短还款期限或减少月供") from None
    try:
        after = check_months(after_period, schedule.months - 1)
    except InvalidTerm:
        raise InvalidPrepayment(f"提前还款应在第1期至第{schedule.months - 1}期还款之后") from None
    value = _decimal(amount, InvalidPrepayment, "提前还款金额必须是数字")
    if value <= 0:
        raise InvalidPrepayment("提前还款金额必须大于0")
    if value != value.quantize(CENT, rounding=ROUND_HALF_UP):
        raise InvalidPrepayment("提前还款金额最多保留两位小数（到分）")
    value = value.quantize(CENT)
    kept = list(schedule.periods[:after])
    outstanding = kept[-1].remaining
    if value > outstanding:
        raise InvalidPrepayment(f"提前还款金额不能超过第{after}期后的剩余本金 {outstanding:,.2f} 元")
    if value < MIN_PREPAYMENT_AMOUNT and value != outstanding:
        raise InvalidPrepayment(f"提前还款金额不能低于{MIN_PREPAYMENT_AMOUNT:,.0f}元（一次结清剩余本金除外）")

    balance = outstanding - value
    kept[-1] = replace(kept[-1], remaining=balance, prepayment=value)
    rest: list[Period] = []
    if balance > 0:
        rate = monthly_rate(schedule.annual_rate)
        remaining_months = schedule.months - after
        if mode is PrepaymentMode.SHORTEN_TERM:
            months = _shortened_months(balance, rate, schedule.periods[after - 1], schedule.method, remaining_months)
        else:
            months = remaining_months
        rest = _PERIOD_BUILDERS[schedule.method](balance, rate, months, after + 1)
    new_schedule = Schedule(
        principal_amount=schedule.principal_amount,
        annual_rate=schedule.annual_rate,
        method=schedule.method,
        periods=tuple(kept + rest),
    )
    return Prepayment(original=schedule, schedule=new_schedule, after_period=after, amount=value, mode=mode)


# ---- summaries for pages and exports ------------------------------------------------------


@dataclass(frozen=True)
class YearSummary:
    year: int
    payment: Decimal
    principal: Decimal
    interest: Decimal
    prepayment: Decimal
    remaining: Decimal
    periods: tuple[Period, ...]


def by_year(schedule: Schedule) -> list[YearSummary]:
    """The schedule grouped into loan years of twelve instalments (第1年 = periods 1–12)."""
    years = []
    for start in range(0, schedule.months, 12):
        rows = schedule.periods[start : start + 12]
        years.append(
            YearSummary(
                year=start // 12 + 1,
                payment=sum((row.payment for row in rows), ZERO),
                principal=sum((row.principal for row in rows), ZERO),
                interest=sum((row.interest for row in rows), ZERO),
                prepayment=sum((row.prepayment for row in rows), ZERO),
                remaining=rows[-1].remaining,
                periods=rows,
            )
        )
    return years


# ---- one quote: what the buyer's calculator shows -----------------------------------------


@dataclass(frozen=True)
class Quote:
    """A calculation for the buyer: one loan or a combined one, optionally with a prepayment."""

    schedule: Schedule  # what the borrower pays each month, after any prepayment
    parts: tuple[tuple[str, Schedule], ...]  # (商业贷款/公积金贷款, its schedule after any prepayment)
    original: Schedule  # before any prepayment (the same as `schedule` without one)
    prepayment: Prepayment | None = None

    @property
    def monthly_decrease(self) -> Decimal | None:
        """等额本金: how much less each instalment is than the one before (None for 等额本息)."""
        periods = self.original.periods
        if self.original.method is not Method.EQUAL_PRINCIPAL or len(periods) < 2:
            return None
        return periods[0].payment - periods[1].payment

    @property
    def interest_saved(self) -> Decimal:
        return self.original.total_interest - self.schedule.total_interest

    @property
    def prepaid_part(self) -> str:
        """Which loan the prepayment went to, when there are two ("" for a single loan)."""
        return self.parts[0][0] if len(self.parts) > 1 else ""


def quote(
    *,
    months,
    method,
    commercial_amount=None,
    commercial_rate=None,
    provident_amount=None,
    provident_rate=None,
    prepay_after=None,
    prepay_amount=None,
    prepay_mode=None,
) -> Quote:
    """The buyer's calculation. A prepayment goes to the commercial part when there is one:
    its rate is the higher, so that is where repaying early saves most."""
    loans = []
    if commercial_amount is not None:
        loans.append(("商业贷款", commercial_amount, commercial_rate))
    if provident_amount is not None:
        loans.append(("公积金贷款", provident_amount, provident_rate))
    if not loans:
        raise InvalidLoanAmount("请填写贷款金额")
    schedules = [
        (label, loan_schedule(principal=amount, annual_rate=rate, months=months, method=method))
        for label, amount, rate in loans
    ]
    original = schedules[0][1] if len(schedules) == 1 else combine(s for _, s in schedules)
    prepayment = None
    if prepay_amount is not None:
        label, target = schedules[0]
        prepayment = prepay(schedule=target, after_period=prepay_after, amount=prepay_amount, mode=prepay_mode)
        schedules[0] = (label, prepayment.schedule)
    schedule = schedules[0][1] if len(schedules) == 1 else combine(s for _, s in schedules)
    return Quote(schedule=schedule, parts=tuple(schedules), original=original, prepayment=prepayment)


def format_rate(rate: Decimal | None) -> str:
    """An annual rate as banks print it: 0.035 → 3.50%, 0.02525 → 2.525% (at least two places)."""
    if rate is None:
        return "—"
    text = f"{(rate * 100).normalize():f}"
    whole, _, places = text.partition(".")
    return f"{whole}.{places.ljust(2, '0')}%"
