"""Invariants of every repayment table, whatever the amount, rate, term and method (hypothesis)."""

import itertools
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from loans import calculator
from loans.calculator import Method, PrepaymentMode, loan_schedule, prepay
from loans.tests import reference

amounts = st.integers(min_value=1_000_000, max_value=10_000_000_000).map(lambda fen: Decimal(fen).scaleb(-2))
rates = st.integers(min_value=0, max_value=24_000).map(
    lambda thousandths_of_a_percent: Decimal(thousandths_of_a_percent).scaleb(-5)
)
months = st.integers(min_value=1, max_value=360)
methods = st.sampled_from(list(Method))
PROPERTY_SETTINGS = settings(max_examples=150, deadline=None)


def _two_places(value: Decimal) -> bool:
    return value.as_tuple().exponent == -2


def _assert_valid_table(schedule, amount):
    periods = schedule.periods
    assert sum(p.principal + p.prepayment for p in periods) == amount
    assert periods[-1].remaining == Decimal("0.00")
    assert all(p.remaining >= 0 and p.principal >= 0 and p.interest >= 0 for p in periods)
    assert all(
        _two_places(value) for p in periods for value in (p.payment, p.principal, p.interest, p.remaining, p.prepayment)
    )
    assert all(p.payment == p.principal + p.interest for p in periods)
    assert schedule.total_interest == sum(p.interest for p in periods)
    assert schedule.total_payment == amount + schedule.total_interest
    assert [p.number for p in periods] == list(range(1, len(periods) + 1))


@PROPERTY_SETTINGS
@given(amount=amounts, rate=rates, months=months, method=methods)
def test_every_table_repays_exactly_the_loan_to_the_fen(amount, rate, months, method):
    schedule = loan_schedule(principal=amount, annual_rate=rate, months=months, method=method)

    assert schedule.months == months
    _assert_valid_table(schedule, amount)


@PROPERTY_SETTINGS
@given(amount=amounts, rate=rates, months=months)
def test_equal_principal_payments_never_increase(amount, rate, months):
    schedule = loan_schedule(principal=amount, annual_rate=rate, months=months, method=Method.EQUAL_PRINCIPAL)

    payments = [p.payment for p in schedule.periods]
    assert all(later <= earlier for earlier, later in itertools.pairwise(payments))


@PROPERTY_SETTINGS
@given(amount=amounts, rate=rates, months=months)
def test_equal_instalment_payments_are_constant_except_the_last(amount, rate, months):
    schedule = loan_schedule(principal=amount, annual_rate=rate, months=months, method=Method.EQUAL_INSTALMENT)

    assert len({p.payment for p in schedule.periods[:-1]}) <= 1


@settings(max_examples=60, deadline=None)
@given(amount=amounts, rate=rates, months=months, method=methods)
def test_the_table_agrees_with_the_independent_fen_implementation(amount, rate, months, method):
    schedule = loan_schedule(principal=amount, annual_rate=rate, months=months, method=method)

    rows = [(p.payment, p.principal, p.interest, p.remaining) for p in schedule.periods]
    assert rows == reference.table(amount, rate, months, method)


@PROPERTY_SETTINGS
@given(
    first=amounts,
    second=amounts,
    rate_a=rates,
    rate_b=rates,
    months_a=months,
    months_b=months,
    method=methods,
)
def test_a_combined_loan_is_the_month_by_month_sum_of_its_parts(
    first, second, rate_a, rate_b, months_a, months_b, method
):
    parts = [
        loan_schedule(principal=first, annual_rate=rate_a, months=months_a, method=method),
        loan_schedule(principal=second, annual_rate=rate_b, months=months_b, method=method),
    ]

    combined = calculator.combine(parts)

    _assert_valid_table(combined, first + second)
    assert combined.months == max(months_a, months_b)
    assert combined.total_interest == parts[0].total_interest + parts[1].total_interest


@PROPERTY_SETTINGS
@given(
    amount=amounts,
    rate=rates,
    months=st.integers(min_value=2, max_value=360),
    method=methods,
    mode=st.sampled_from(list(PrepaymentMode)),
    data=st.data(),
)
def test_a_prepayment_keeps_the_table_exact_and_never_costs_interest(amount, rate, months, method, mode, data):
    original = loan_schedule(principal=amount, annual_rate=rate, months=months, method=method)
    after = data.draw(st.integers(min_value=1, max_value=months - 1), label="after")
    outstanding_fen = int(original.periods[after - 1].remaining * 100)
    smallest = min(100_000, outstanding_fen)  # 1,000 yuan, or the whole balance when less is left
    prepaid = Decimal(data.draw(st.integers(min_value=smallest, max_value=outstanding_fen), label="fen")).scaleb(-2)

    result = prepay(schedule=original, after_period=after, amount=prepaid, mode=mode)

    _assert_valid_table(result.schedule, amount)
    assert result.schedule.periods[: after - 1] == original.periods[: after - 1]
    # The two tables round each month's interest independently: at a rate near 0% that noise, up
    # to a fen a month, is all there is to "save". At any real rate paying early saves interest.
    assert result.interest_saved >= Decimal("-0.01") * (months - after)
    if rate >= Decimal("0.01"):
        assert result.interest_saved > 0
    assert result.schedule.months <= original.months
    if mode is PrepaymentMode.LOWER_PAYMENT and prepaid < original.periods[after - 1].remaining:
        assert result.schedule.months == original.months
