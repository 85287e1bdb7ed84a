"""The plan generator over plain inputs: each exclusion reason, the ranking, the amounts."""

from decimal import Decimal

import pytest

from loans import calculator, plans
from loans.calculator import Method
from loans.plans import PlanInputError, PlanKind, PlanRequest, Policy, ProductTerms, ReasonCode, generate_plans

POLICY = Policy(min_down_payment_ratio=Decimal("0.15"), max_term_years=30)


def product(id, bank_id=1, kind="commercial", **overrides) -> ProductTerms:
    provident = kind == "provident"
    values = {
        "id": id,
        "bank_id": bank_id,
        "bank_name": {1: "工商银行", 2: "建设银行", 3: "招商银行"}[bank_id],
        "name": "住房公积金贷款" if provident else "首套住房商业贷款",
        "kind": kind,
        "home_type": "first",
        "min_down_payment_ratio": Decimal("0.20") if provident else Decimal("0.15"),
        "max_term_years": 30,
        "max_loan_amount": Decimal("1200000") if provident else Decimal("10000000"),
        "bank_max_age": 70,
        "housing_dti_ratio": Decimal("0.50"),
        "total_dti_ratio": Decimal("0.55"),
        "short_term_rate": Decimal("0.021") if provident else Decimal("0.0255"),
        "long_term_rate": Decimal("0.026") if provident else Decimal("0.0305"),
        "pricing": "公积金贷款利率" if provident else "LPR减45基点",
    }
    return ProductTerms(**{**values, **overrides})


def request(**overrides) -> PlanRequest:
    values = {
        "price": Decimal("3000000"),
        "down_payment": Decimal("900000"),
        "monthly_income": Decimal("60000"),
        "age": 35,
        "home_type": "first",
        "provident_eligible": True,
        "provident_ceiling": Decimal("800000"),
    }
    return PlanRequest(**{**values, **overrides})


def exclusions_with(result, code):
    return [exclusion for exclusion in result.exclusions if code in exclusion.codes]


# ---- feasible plans -----------------------------------------------------------------------


def test_a_well_off_customer_gets_every_product_term_and_method():
    products = [product(1), product(2, kind="provident")]

    result = generate_plans(request=request(), products=products, policy=POLICY)

    # commercial, combined (provident alone cannot: 2.1M needed, 800k ceiling) × 5 terms × 2 methods
    assert len(result.options) == 20
    assert {option.kind for option in result.options} == {PlanKind.COMMERCIAL, PlanKind.COMBINED}
    assert result.loan_amount == Decimal("2100000.00")
    (excluded,) = result.exclusions
    assert excluded.kind is PlanKind.PROVIDENT and excluded.codes == {ReasonCode.LOAN_OVER_MAX}
    assert excluded.term_years is None and excluded.method is None
    assert excluded.reasons[0].message == "需贷 ¥2,100,000.00，超过公积金可贷额度 ¥800,000.00"


def test_combined_loan_takes_the_fund_up_to_its_limit_and_the_rest_commercially():
    products = [product(1), product(2, kind="provident")]

    result = generate_plans(request=request(), products=products, policy=POLICY)

    option = result.option(f"{PlanKind.COMBINED}-1-2-30-{Method.EQUAL_INSTALMENT}")
    assert (option.provident_amount, option.commercial_amount) == (Decimal("800000.00"), Decimal("1300000.00"))
    assert (option.commercial_rate, option.provident_rate) == (Decimal("0.0305"), Decimal("0.026"))
    assert option.down_payment == Decimal("900000.00")
    assert option.first_payment == Decimal("8718.69")
    assert option.total_interest == Decimal("1038727.59")
    expected = calculator.combine(
        [
            calculator.loan_schedule(principal="1300000", annual_rate="0.0305", months=360, method="equal_instalment"),
            calculator.loan_schedule(principal="800000", annual_rate="0.026", months=360, method="equal_instalment"),
        ]
    )
    assert option.schedule == expected


def test_combined_loans_pair_products_of_the_same_bank_only():
    products = [product(1, bank_id=1), product(2, bank_id=2, kind="provident")]

    result = generate_plans(request=request(), products=products, policy=POLICY)

    assert not [option for option in result.options if option.kind is PlanKind.COMBINED]


def test_when_the_fund_covers_the_whole_loan_there_is_no_combined_plan():
    products = [product(1), product(2, kind="provident")]

    result = generate_plans(
        request=request(price=Decimal("1000000"), down_payment=Decimal("300000")), products=products, policy=POLICY
    )

    kinds = {option.kind for option in result.options}
    assert kinds == {PlanKind.COMMERCIAL, PlanKind.PROVIDENT}
    provident = next(option for option in result.options if option.kind is PlanKind.PROVIDENT)
    assert provident.provident_amount == Decimal("700000.00") and provident.commercial_amount == 0


def test_a_commercial_remainder_under_ten_thousand_is_raised_to_ten_thousand():
    products = [product(1), product(2, kind="provident")]

    result = generate_plans(
        request=request(price=Decimal("1000000"), down_payment=Decimal("200000"), provident_ceiling=Decimal("795000")),
        products=products,
        policy=POLICY,
    )

    combined = next(option for option in result.options if option.kind is PlanKind.COMBINED)
    assert (combined.commercial_amount, combined.provident_amount) == (Decimal("10000.00"), Decimal("790000.00"))


def test_the_term_bucket_follows_the_contract_term():
    rich = request(monthly_income=Decimal("200000"), terms=(5, 6))

    result = generate_plans(request=rich, products=[product(1)], policy=POLICY)

    rates = {option.term_years: option.commercial_rate for option in result.options}
    assert rates == {5: Decimal("0.0255"), 6: Decimal("0.0305")}


# ---- ranking ------------------------------------------------------------------------------


def test_ranked_by_lowest_monthly_payment():
    products = [product(1), product(2, bank_id=2, long_term_rate=Decimal("0.031")), product(3, kind="provident")]

    result = generate_plans(request=request(), products=products, policy=POLICY, rank_by="monthly")

    payments = [option.first_payment for option in result.options]
    assert payments == sorted(payments)
    best = result.options[0]
    assert (best.kind, best.term_years, best.method) == (PlanKind.COMBINED, 30, Method.EQUAL_INSTALMENT)


def test_ranked_by_lowest_total_interest():
    products = [product(1), product(2, bank_id=2, long_term_rate=Decimal("0.031")), product(3, kind="provident")]

    result = generate_plans(request=request(), products=products, policy=POLICY, rank_by="interest")

    interest = [option.total_interest for option in result.options]
    assert interest == sorted(interest)
    best = result.options[0]
    assert (best.kind, best.term_years, best.method) == (PlanKind.COMBINED, 10, Method.EQUAL_PRINCIPAL)


def test_an_unknown_ranking_is_refused():
    with pytest.raises(PlanInputError) as error:
        generate_plans(request=request(), products=[product(1)], policy=POLICY, rank_by="fastest")

    assert error.value.message == "排序方式只能是月供最低或总利息最少"


# ---- each exclusion reason ----------------------------------------------------------------


def test_down_payment_below_the_national_minimum_excludes_every_plan():
    result = generate_plans(request=request(down_payment=Decimal("400000")), products=[product(1)], policy=POLICY)

    assert result.options == ()
    (excluded,) = result.exclusions
    assert excluded.codes == {ReasonCode.DOWN_PAYMENT}
    assert excluded.reasons[0].message == "首付款不足：最低首付 15% 即 ¥450,000.00，可用 ¥400,000.00"


def test_a_products_higher_down_payment_ratio_applies():
    products = [product(1), product(2, kind="provident", max_loan_amount=Decimal("3000000"))]

    result = generate_plans(
        request=request(down_payment=Decimal("500000"), provident_ceiling=None), products=products, policy=POLICY
    )

    (excluded,) = exclusions_with(result, ReasonCode.DOWN_PAYMENT)
    assert excluded.kind is PlanKind.PROVIDENT
    assert "最低首付 20% 即 ¥600,000.00" in excluded.reasons[0].message
    assert {option.kind for option in result.options} == {PlanKind.COMMERCIAL}


def test_loan_over_the_products_maximum():
    result = generate_plans(request=request(), products=[product(1, max_loan_amount=Decimal("2000000"))], policy=POLICY)

    (excluded,) = result.exclusions
    assert excluded.codes == {ReasonCode.LOAN_OVER_MAX}
    assert excluded.reasons[0].message == "需贷 ¥2,100,000.00，超过产品最高贷款额 ¥2,000,000.00"


def test_a_customer_without_provident_fund_gets_no_fund_plans():
    products = [product(1), product(2, kind="provident")]

    result = generate_plans(request=request(provident_eligible=False), products=products, policy=POLICY)

    excluded = exclusions_with(result, ReasonCode.PROVIDENT_INELIGIBLE)
    assert {exclusion.kind for exclusion in excluded} == {PlanKind.PROVIDENT, PlanKind.COMBINED}
    assert excluded[0].reasons[0].message == "客户不符合公积金贷款条件"
    assert {option.kind for option in result.options} == {PlanKind.COMMERCIAL}


def test_age_at_the_end_of_the_term_over_the_banks_limit():
    result = generate_plans(request=request(age=45), products=[product(1)], policy=POLICY)

    excluded = exclusions_with(result, ReasonCode.AGE)
    assert [exclusion.term_years for exclusion in excluded] == [30]
    assert excluded[0].method is None
    assert excluded[0].reasons[0].message == "贷款到期时客户 75 岁，超过工商银行的年龄上限 70 岁"
    # 45 + 25 = 70 is allowed: the limit is inclusive.
    assert {option.term_years for option in result.options} == {10, 15, 20, 25}


def test_term_over_the_products_maximum():
    result = generate_plans(request=request(), products=[product(1, max_term_years=20)], policy=POLICY)

    excluded = exclusions_with(result, ReasonCode.TERM_OVER_MAX)
    assert [exclusion.term_years for exclusion in excluded] == [25, 30]
    assert excluded[0].reasons[0].message == "期限 25 年超过最长贷款期限 20 年"


def test_housing_payment_over_half_the_income_and_its_boundary():
    schedule = calculator.loan_schedule(
        principal="2100000", annual_rate="0.0305", months=360, method="equal_instalment"
    )
    fee = Decimal("500.00")
    income_at_limit = (schedule.first_payment + fee) * 2  # exactly 50%: allowed

    at_limit = generate_plans(
        request=request(monthly_income=income_at_limit, property_fee=fee, terms=(30,)),
        products=[product(1)],
        policy=POLICY,
    )
    just_below = generate_plans(
        request=request(monthly_income=income_at_limit - Decimal("0.01"), property_fee=fee, terms=(30,)),
        products=[product(1)],
        policy=POLICY,
    )

    assert [option.method for option in at_limit.options] == [Method.EQUAL_INSTALMENT]
    assert at_limit.options[0].housing_payment == schedule.first_payment + fee
    assert just_below.options == ()
    excluded = next(e for e in just_below.exclusions if e.method is Method.EQUAL_INSTALMENT)
    assert ReasonCode.HOUSING_DTI in excluded.codes
    assert excluded.reasons[0].message.startswith(f"月供加物业费 ¥{schedule.first_payment + fee:,.2f} 超过月收入的 50%")


def test_equal_principal_is_judged_by_its_highest_first_instalment():
    equal_principal = calculator.loan_schedule(
        principal="2100000", annual_rate="0.0305", months=360, method="equal_principal"
    )
    income = equal_principal.first_payment * 2 - Decimal("0.01")

    result = generate_plans(request=request(monthly_income=income, terms=(30,)), products=[product(1)], policy=POLICY)

    assert [option.method for option in result.options] == [Method.EQUAL_INSTALMENT]
    assert [e.method for e in exclusions_with(result, ReasonCode.HOUSING_DTI)] == [Method.EQUAL_PRINCIPAL]


def test_all_debts_over_fifty_five_percent_of_income():
    # 30-year payment 8,910.41: under 50% of 20,000 on its own, over 55% with 2,500 of car loan.
    result = generate_plans(
        request=request(monthly_income=Decimal("20000"), monthly_debt=Decimal("2500"), terms=(30,)),
        products=[product(1)],
        policy=POLICY,
    )

    excluded = next(e for e in result.exclusions if e.method is Method.EQUAL_INSTALMENT)
    assert excluded.codes == {ReasonCode.TOTAL_DTI}
    assert excluded.reasons[0].message == "月供、物业费与其他负债合计 ¥11,410.41 超过月收入的 55%（¥11,000.00）"


def test_configurable_debt_ratios_of_the_bank_are_used():
    strict = product(1, housing_dti_ratio=Decimal("0.30"), total_dti_ratio=Decimal("0.35"))

    result = generate_plans(
        request=request(monthly_income=Decimal("25000"), terms=(30,)), products=[strict], policy=POLICY
    )

    assert result.options == ()
    assert "超过月收入的 30%" in result.exclusions[0].reasons[0].message


def test_products_for_the_other_home_type_are_ignored():
    second_home = product(9, home_type="second")

    result = generate_plans(request=request(), products=[second_home], policy=POLICY)

    assert result.options == () and result.exclusions == ()


# ---- nothing to borrow, and bad input -----------------------------------------------------


def test_no_loan_is_needed_when_the_down_payment_covers_the_price():
    result = generate_plans(request=request(down_payment=Decimal("3000000")), products=[product(1)], policy=POLICY)

    assert result.options == () and result.notes == ("可用首付款已覆盖房屋总价，无需贷款",)


def test_a_loan_under_ten_thousand_is_not_planned():
    result = generate_plans(request=request(down_payment=Decimal("2995000")), products=[product(1)], policy=POLICY)

    assert result.notes == ("需贷金额 ¥5,000.00 不足1万元，银行一般不予受理",)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"price": Decimal("0")}, "房屋总价必须大于0"),
        ({"down_payment": Decimal("-1")}, "可用首付款不能为负数"),
        ({"monthly_income": 30000.0}, "月收入必须是数字"),
        ({"monthly_debt": Decimal("NaN")}, "其他负债月还款额必须是数字"),
        ({"age": 17}, "借款人年龄应在18至80周岁之间"),
        ({"home_type": "third"}, "请选择首套房或二套房"),
        ({"terms": (40,)}, "贷款期限应为1至30年的整数"),
        ({"terms": ()}, "贷款期限应为1至30年的整数"),
    ],
)
def test_bad_customer_input_is_refused_with_a_chinese_message(overrides, message):
    with pytest.raises(PlanInputError) as error:
        generate_plans(request=request(**overrides), products=[product(1)], policy=POLICY)

    assert error.value.message == message


# ---- rates and the saved-plan seam --------------------------------------------------------


def test_product_rates_under_each_rule():
    lpr = {"lpr_one_year_rate": Decimal("0.030"), "lpr_five_year_rate": Decimal("0.035")}
    fund = {"provident_short_rate": Decimal("0.021"), "provident_long_rate": Decimal("0.026")}

    spread = plans.product_rates(rate_rule="lpr", fixed_rate=None, lpr_spread_bp=-45, **lpr, **fund)
    fixed = plans.product_rates(rate_rule="fixed", fixed_rate=Decimal("0.032"), lpr_spread_bp=0, **lpr, **fund)
    provident = plans.product_rates(rate_rule="provident", fixed_rate=None, lpr_spread_bp=0, **lpr, **fund)

    assert spread == (Decimal("0.0255"), Decimal("0.0305"), "LPR减45基点")
    assert fixed == (Decimal("0.032"), Decimal("0.032"), "固定利率 3.20%")
    assert provident == (Decimal("0.021"), Decimal("0.026"), "公积金贷款利率")


def test_a_spread_below_zero_is_refused():
    with pytest.raises(calculator.InvalidRate):
        plans.product_rates(
            rate_rule="lpr",
            fixed_rate=None,
            lpr_spread_bp=-400,
            lpr_one_year_rate=Decimal("0.03"),
            lpr_five_year_rate=Decimal("0.035"),
            provident_short_rate=None,
            provident_long_rate=None,
        )


def test_a_snapshot_rebuilds_exactly_the_same_schedule():
    result = generate_plans(request=request(), products=[product(1), product(2, kind="provident")], policy=POLICY)

    for option in (result.options[0], result.options[-1]):
        snapshot = plans.plan_snapshot(option, result.request)

        assert plans.schedule_from_snapshot(snapshot) == option.schedule
        assert snapshot["first_payment"] == str(option.first_payment)
