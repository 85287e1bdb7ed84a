"""The calculator against published bank figures, to the fen, and against an independent table."""

from decimal import Decimal

import pytest

from loans import calculator
from loans.calculator import Method, PrepaymentMode, loan_schedule, prepay
from loans.exceptions import InvalidLoanAmount, InvalidPrepayment, InvalidRate, InvalidTerm, LoanInputError
from loans.tests import reference
from shuchang.core.exceptions import DomainError

MILLION = Decimal("1000000.00")


def _rows(schedule):
    return [(p.payment, p.principal, p.interest, p.remaining) for p in schedule.periods]


# ---- 等额本息 -----------------------------------------------------------------------------


def test_equal_instalment_one_million_thirty_years_at_4_90_matches_the_published_payment():
    schedule = loan_schedule(
        principal=MILLION, annual_rate=Decimal("0.049"), months=360, method=Method.EQUAL_INSTALMENT
    )

    # The figure every bank and calculator publishes for 100万 / 30年 / 4.90%.
    assert schedule.first_payment == Decimal("5307.27")
    first = schedule.periods[0]
    assert (first.interest, first.principal, first.remaining) == (
        Decimal("4083.33"),
        Decimal("1223.94"),
        Decimal("998776.06"),
    )
    assert all(period.payment == Decimal("5307.27") for period in schedule.periods[:-1])


def test_equal_instalment_last_period_absorbs_the_residue_and_total_interest_is_the_column_sum():
    schedule = loan_schedule(
        principal=MILLION, annual_rate=Decimal("0.049"), months=360, method=Method.EQUAL_INSTALMENT
    )

    last = schedule.periods[-1]
    assert (last.payment, last.principal, last.interest, last.remaining) == (
        Decimal("5305.19"),
        Decimal("5283.62"),
        Decimal("21.57"),
        Decimal("0.00"),
    )
    # 5307.27 × 360 − 1,000,000 = 910,617.20 is the formula total; the table's own sum is 2.08 less,
    # exactly what the smaller last payment (5305.19 instead of 5307.27) saves.
    assert schedule.total_interest == Decimal("910615.12")
    assert schedule.total_interest == Decimal("5307.27") * 359 + last.payment - MILLION
    assert schedule.total_payment == Decimal("1910615.12")


def test_equal_instalment_matches_the_independent_fen_table_for_current_rates():
    for amount, rate, months in [
        ("1000000.00", "0.049", 360),
        ("2100000.00", "0.0305", 300),
        ("800000.00", "0.026", 240),
        ("356789.45", "0.02525", 60),
    ]:
        schedule = loan_schedule(principal=amount, annual_rate=rate, months=months, method=Method.EQUAL_INSTALMENT)

        assert _rows(schedule) == reference.table(amount, rate, months, "equal_instalment")


# ---- 等额本金 -----------------------------------------------------------------------------


def test_equal_principal_one_million_thirty_years_at_4_90_matches_the_published_figures():
    schedule = loan_schedule(principal=MILLION, annual_rate=Decimal("0.049"), months=360, method=Method.EQUAL_PRINCIPAL)

    # Published: first month 6,861.11, falling by 11.34 a month.
    assert schedule.first_payment == Decimal("6861.11")
    assert schedule.periods[0].principal == Decimal("2777.78")
    assert schedule.periods[0].payment - schedule.periods[1].payment == Decimal("11.34")
    last = schedule.periods[-1]
    assert (last.payment, last.principal, last.interest, last.remaining) == (
        Decimal("2788.32"),
        Decimal("2776.98"),
        Decimal("11.34"),
        Decimal("0.00"),
    )
    # The formula total P·r·(n+1)/2 is 737,041.67; the table, interest rounded each month, sums to:
    assert schedule.total_interest == Decimal("737041.08")


def test_equal_principal_matches_the_independent_fen_table():
    for amount, rate, months in [
        ("1000000.00", "0.049", 360),
        ("1200000.00", "0.0305", 360),
        ("500000.00", "0.026", 120),
    ]:
        schedule = loan_schedule(principal=amount, annual_rate=rate, months=months, method=Method.EQUAL_PRINCIPAL)

        assert _rows(schedule) == reference.table(amount, rate, months, "equal_principal")


def test_equal_principal_part_is_rounded_up_so_the_last_instalment_is_never_higher():
    # 1,200,000 / 360 = 3333.333…: half-up would leave 1.20 extra for the last month.
    schedule = loan_schedule(principal="1200000.00", annual_rate="0.0305", months=360, method=Method.EQUAL_PRINCIPAL)

    assert schedule.periods[0].principal == Decimal("3333.34")
    assert schedule.periods[-1].principal == Decimal("3330.94")  # 1,200,000 − 359 × 3,333.34
    assert schedule.periods[-1].payment < schedule.periods[-2].payment


# ---- 0% -----------------------------------------------------------------------------------


def test_zero_rate_pays_principal_over_months_with_the_residue_in_the_last_period():
    schedule = loan_schedule(principal="100000.00", annual_rate="0", months=7, method=Method.EQUAL_INSTALMENT)

    assert [p.payment for p in schedule.periods] == [Decimal("14285.71")] * 6 + [Decimal("14285.74")]
    assert schedule.total_interest == Decimal("0.00")
    assert schedule.periods[-1].remaining == Decimal("0.00")


# ---- 组合贷款 -----------------------------------------------------------------------------


def test_combined_loan_sums_the_two_schedules_month_by_month():
    commercial = loan_schedule(principal="1300000.00", annual_rate="0.0305", months=360, method=Method.EQUAL_INSTALMENT)
    provident = loan_schedule(principal="800000.00", annual_rate="0.026", months=360, method=Method.EQUAL_INSTALMENT)

    combined = calculator.combine([commercial, provident])

    # The annuity formula gives 5,515.9707… and 3,202.7177…
    assert commercial.first_payment == Decimal("5515.97")
    assert provident.first_payment == Decimal("3202.72")
    assert combined.first_payment == Decimal("8718.69")
    assert combined.principal_amount == Decimal("2100000.00")
    assert combined.total_interest == commercial.total_interest + provident.total_interest
    assert combined.total_interest == Decimal("1038727.59")
    for index, period in enumerate(combined.periods):
        parts = (commercial.periods[index], provident.periods[index])
        assert period.payment == sum(p.payment for p in parts)
        assert period.remaining == sum(p.remaining for p in parts)
    assert _rows(commercial) == reference.table("1300000.00", "0.0305", 360, "equal_instalment")
    assert _rows(provident) == reference.table("800000.00", "0.026", 360, "equal_instalment")


def test_combined_parts_of_different_terms_add_nothing_after_the_shorter_one_ends():
    long = loan_schedule(principal="500000", annual_rate="0.0305", months=240, method=Method.EQUAL_PRINCIPAL)
    short = loan_schedule(principal="100000", annual_rate="0.026", months=120, method=Method.EQUAL_PRINCIPAL)

    combined = calculator.combine([long, short])

    assert combined.months == 240
    assert combined.periods[120].payment == long.periods[120].payment
    assert combined.periods[-1].remaining == Decimal("0.00")


# ---- 提前还款 -----------------------------------------------------------------------------


def _reference_prepaid(amount, rate, months, method, after, prepaid, new_months):
    """The same loan by the independent table: k periods, then a fresh table for the new balance."""
    before = reference.table(amount, rate, months, method)[:after]
    balance = before[-1][3] - Decimal(prepaid)
    return before, reference.table(balance, rate, new_months, method)


def test_prepayment_shortening_the_term_keeps_the_payment_and_saves_interest():
    original = loan_schedule(principal=MILLION, annual_rate="0.049", months=360, method=Method.EQUAL_INSTALMENT)

    result = prepay(schedule=original, after_period=12, amount="200000", mode=PrepaymentMode.SHORTEN_TERM)

    assert result.schedule.periods[11].prepayment == Decimal("200000.00")
    assert result.schedule.periods[11].remaining == Decimal("784978.39")
    assert result.schedule.months == 240  # 228 instalments after the 12th instead of 348
    assert result.months_saved == 120
    assert result.next_payment == Decimal("5297.25")  # ≤ 5307.27: the term is the shortest that fits
    assert result.interest_saved == Decimal("439154.37")
    before, after = _reference_prepaid("1000000", "0.049", 360, "equal_instalment", 12, "200000", 228)
    assert _rows(result.schedule)[12:] == after
    assert [row[:3] for row in _rows(result.schedule)[:12]] == [row[:3] for row in before]


def test_prepayment_lowering_the_payment_keeps_the_end_date():
    original = loan_schedule(principal=MILLION, annual_rate="0.049", months=360, method=Method.EQUAL_INSTALMENT)

    result = prepay(schedule=original, after_period=12, amount="200000", mode=PrepaymentMode.LOWER_PAYMENT)

    assert result.schedule.months == 360
    assert result.next_payment == Decimal("4229.63")
    assert result.interest_saved == Decimal("175019.80")
    _, after = _reference_prepaid("1000000", "0.049", 360, "equal_instalment", 12, "200000", 348)
    assert _rows(result.schedule)[12:] == after
    assert sum(p.principal + p.prepayment for p in result.schedule.periods) == MILLION


def test_prepayment_of_an_equal_principal_loan_shortening_keeps_the_monthly_principal():
    original = loan_schedule(principal=MILLION, annual_rate="0.049", months=360, method=Method.EQUAL_PRINCIPAL)

    result = prepay(schedule=original, after_period=12, amount="200000", mode=PrepaymentMode.SHORTEN_TERM)

    # 766,666.64 left ÷ 2,777.78 a month → 276 more months.
    assert result.schedule.periods[11].remaining == Decimal("766666.64")
    assert result.schedule.months == 12 + 276
    assert result.schedule.periods[12].principal <= Decimal("2777.78")
    assert result.interest_saved == Decimal("255208.11")


def test_prepayment_of_the_whole_balance_pays_the_loan_off():
    original = loan_schedule(principal="300000", annual_rate="0.0305", months=120, method=Method.EQUAL_INSTALMENT)
    balance = original.periods[23].remaining

    result = prepay(schedule=original, after_period=24, amount=balance, mode=PrepaymentMode.LOWER_PAYMENT)

    assert result.schedule.months == 24
    assert result.schedule.periods[-1].remaining == Decimal("0.00")
    assert result.next_payment is None


@pytest.mark.parametrize(
    ("after", "amount", "message"),
    [
        (0, "1000", "提前还款应在第1期至第119期还款之后"),
        (120, "1000", "提前还款应在第1期至第119期还款之后"),
        (12, "0", "提前还款金额必须大于0"),
        (12, "-5", "提前还款金额必须大于0"),
        (12, "10.001", "提前还款金额最多保留两位小数（到分）"),
        (12, "999999", "提前还款金额不能超过第12期后的剩余本金"),
        (12, 1000.0, "提前还款金额必须是数字"),
        (12, "999.99", "提前还款金额不能低于1,000元（一次结清剩余本金除外）"),
    ],
)
def test_bad_prepayment_is_refused_with_a_chinese_message(after, amount, message):
    original = loan_schedule(principal="300000", annual_rate="0.0305", months=120, method=Method.EQUAL_INSTALMENT)

    with pytest.raises(InvalidPrepayment) as error:
        prepay(schedule=original, after_period=after, amount=amount, mode=PrepaymentMode.SHORTEN_TERM)

    assert error.value.message.startswith(message)


# ---- bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "error_class", "message"),
    [
        ({"principal": "0"}, InvalidLoanAmount, "贷款金额必须大于0"),
        ({"principal": "-100000"}, InvalidLoanAmount, "贷款金额必须大于0"),
        ({"principal": "abc"}, InvalidLoanAmount, "贷款金额必须是数字"),
        ({"principal": Decimal("NaN")}, InvalidLoanAmount, "贷款金额必须是数字"),
        ({"principal": Decimal("Infinity")}, InvalidLoanAmount, "贷款金额必须是数字"),
        ({"principal": 1000000.0}, InvalidLoanAmount, "贷款金额必须是数字"),
        ({"principal": "100000.005"}, InvalidLoanAmount, "贷款金额最多保留两位小数（到分）"),
        ({"principal": "9999.99"}, InvalidLoanAmount, "贷款金额不能低于10,000元"),
        ({"principal": "100000000.01"}, InvalidLoanAmount, "贷款金额超过1亿元，请核对"),
        ({"annual_rate": "-0.001"}, InvalidRate, "年利率应在0%到24%之间"),
        ({"annual_rate": "0.2401"}, InvalidRate, "年利率应在0%到24%之间"),
        ({"annual_rate": 0.049}, InvalidRate, "年利率必须是数字"),
        ({"annual_rate": Decimal("NaN")}, InvalidRate, "年利率必须是数字"),
        ({"months": 0}, InvalidTerm, "贷款期限至少1个月"),
        ({"months": 361}, InvalidTerm, "贷款期限不能超过360个月（30年）"),
        ({"months": 12.5}, InvalidTerm, "贷款期限必须是整数个月"),
        ({"months": Decimal("12.5")}, InvalidTerm, "贷款期限必须是整数个月"),
        ({"months": True}, InvalidTerm, "贷款期限必须是整数个月"),
        ({"months": "十二"}, InvalidTerm, "贷款期限必须是整数个月"),
        ({"method": "balloon"}, InvalidTerm, "还款方式只能是等额本息或等额本金"),
    ],
)
def test_bad_input_raises_a_domain_error_with_a_chinese_message(arguments, error_class, message):
    values = {"principal": "500000", "annual_rate": "0.0305", "months": 240, "method": Method.EQUAL_INSTALMENT}

    with pytest.raises(error_class) as error:
        loan_schedule(**{**values, **arguments})

    assert isinstance(error.value, DomainError)
    assert error.value.message == message


def test_term_over_the_products_maximum_is_refused():
    with pytest.raises(InvalidTerm) as error:
        loan_schedule(principal="500000", annual_rate="0.032", months=241, method="equal_instalment", max_months=240)

    assert error.value.message == "贷款期限不能超过240个月（20年）"


def test_whole_months_as_text_or_integral_decimal_are_accepted():
    by_text = loan_schedule(principal="500000", annual_rate="0.0305", months="240", method="equal_instalment")
    by_decimal = loan_schedule(
        principal="500000", annual_rate="0.0305", months=Decimal("240"), method="equal_instalment"
    )

    assert by_text == by_decimal
    assert by_text.months == 240


def test_quote_applies_a_prepayment_to_the_commercial_part_of_a_combined_loan():
    quote = calculator.quote(
        months=360,
        method="equal_instalment",
        commercial_amount=Decimal("1300000"),
        commercial_rate=Decimal("0.0305"),
        provident_amount=Decimal("800000"),
        provident_rate=Decimal("0.026"),
        prepay_after=24,
        prepay_amount=Decimal("300000"),
        prepay_mode="lower_payment",
    )

    commercial, provident = (schedule for _, schedule in quote.parts)
    assert commercial.periods[23].prepayment == Decimal("300000.00")
    assert provident.total_prepayment == Decimal("0.00")
    assert quote.original.first_payment == Decimal("8718.69")
    assert quote.schedule.periods[24].payment == commercial.periods[24].payment + provident.periods[24].payment
    assert quote.interest_saved == quote.prepayment.interest_saved > 0


def test_quote_without_any_loan_is_refused():
    with pytest.raises(LoanInputError) as error:
        calculator.quote(months=120, method="equal_instalment")

    assert error.value.message == "请填写贷款金额"


def test_format_rate_prints_at_least_two_places():
    assert calculator.format_rate(Decimal("0.035")) == "3.50%"
    assert calculator.format_rate(Decimal("0.02525")) == "2.525%"
    assert calculator.format_rate(Decimal("0.030750")) == "3.075%"
