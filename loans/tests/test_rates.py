"""Rate tables, seed data, the contract-date rule, and writes to the settings (database)."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from audit.models import AuditEntry
from loans import selectors, services
from loans.choices import HomeType
from loans.exceptions import RateNotConfigured
from loans.models import Bank, LoanPolicy, LoanProduct, LprRate, ProvidentFundRate
from loans.plans import PlanRequest

pytestmark = pytest.mark.django_db


def test_the_seed_rates_are_the_2025_tables():
    lpr = selectors.lpr_rate_on(date(2025, 6, 1))
    fund = selectors.provident_fund_rates_on(date(2025, 6, 1))
    policy = selectors.loan_policy_on(date(2025, 6, 1))

    assert (lpr.effective_on, lpr.one_year_rate, lpr.five_year_rate) == (
        date(2025, 5, 20),
        Decimal("0.030000"),
        Decimal("0.035000"),
    )
    first, second = fund[HomeType.FIRST], fund[HomeType.SECOND]
    assert (first.up_to_five_years_rate, first.over_five_years_rate) == (Decimal("0.021"), Decimal("0.026"))
    assert (second.up_to_five_years_rate, second.over_five_years_rate) == (Decimal("0.02525"), Decimal("0.03075"))
    assert first.effective_on == date(2025, 5, 8)
    assert (policy.min_down_payment_ratio, policy.max_term_years) == (Decimal("0.15"), 30)


def test_the_seed_banks_have_products():
    banks = set(Bank.objects.values_list("name", flat=True))
    products = LoanProduct.objects.filter(bank__name="工商银行")

    assert {"工商银行", "建设银行", "招商银行"} <= banks
    assert {(p.kind, p.home_type) for p in products} == {
        ("commercial", "first"),
        ("commercial", "second"),
        ("provident", "first"),
        ("provident", "second"),
    }


def test_a_loan_keeps_the_rate_of_its_contract_date():
    LprRate.objects.create(
        effective_on=date(2025, 10, 20), one_year_rate=Decimal("0.029"), five_year_rate=Decimal("0.034")
    )

    before = {p.id: p for p in selectors.plan_products(on=date(2025, 10, 19))}
    after = {p.id: p for p in selectors.plan_products(on=date(2025, 10, 20))}

    icbc_first = LoanProduct.objects.get(bank__name="工商银行", name="首套住房商业贷款")  # LPR − 45 基点
    assert (before[icbc_first.pk].short_term_rate, before[icbc_first.pk].long_term_rate) == (
        Decimal("0.0255"),
        Decimal("0.0305"),
    )
    assert (after[icbc_first.pk].short_term_rate, after[icbc_first.pk].long_term_rate) == (
        Decimal("0.0245"),
        Decimal("0.0295"),
    )
    assert before[icbc_first.pk].pricing == "LPR减45基点"


def test_provident_fund_products_price_from_the_fund_table_by_home_type():
    products = {(p.bank_name, p.name): p for p in selectors.plan_products(on=date(2025, 6, 1))}

    second = products[("工商银行", "住房公积金贷款（二套）")]
    assert (second.short_term_rate, second.long_term_rate) == (Decimal("0.02525"), Decimal("0.03075"))
    assert second.rate_for(60) == Decimal("0.02525")
    assert second.rate_for(61) == Decimal("0.03075")


def test_no_rate_in_force_before_the_first_row_is_a_clear_error():
    with pytest.raises(RateNotConfigured) as error:
        selectors.plan_products(on=date(2020, 1, 1))

    assert error.value.message == "2020年1月1日没有生效的LPR利率，请先在后台维护LPR利率表"


def test_inactive_products_and_banks_are_left_out():
    LoanProduct.objects.filter(bank__name="招商银行").update(is_active=False)
    Bank.objects.filter(name="建设银行").update(is_active=False)

    names = {p.bank_name for p in selectors.plan_products(on=date(2025, 6, 1))}

    assert names == {"工商银行"}


def test_generating_plans_from_the_seed_products():
    customer = PlanRequest(
        price=Decimal("3000000"),
        down_payment=Decimal("900000"),
        monthly_income=Decimal("60000"),
        age=35,
        home_type="first",
        provident_eligible=True,
        provident_ceiling=Decimal("800000"),
    )

    result = services.loan_plans_generate(actor=None, request=customer, contract_on=date(2025, 6, 1), rank_by="monthly")

    best = result.options[0]
    # Lowest monthly payment: 工商银行's combined loan, 130万 at LPR − 45 基点 (3.05%) + 80万 at 2.60%.
    assert (best.bank_name, best.kind, best.term_years, best.method) == ("工商银行", "combined", 30, "equal_instalment")
    assert (best.commercial_rate, best.provident_rate) == (Decimal("0.0305"), Decimal("0.026"))
    assert best.first_payment == Decimal("8718.69")
    # 招商银行 has no fund product; its LPR − 50 基点 (3.00%) commercial loan: the annuity is 8,853.6847…
    cmb = next(
        o for o in result.options if o.bank_name == "招商银行" and o.term_years == 30 and o.method == "equal_instalment"
    )
    assert (cmb.kind, cmb.commercial_rate, cmb.first_payment) == ("commercial", Decimal("0.030"), Decimal("8853.68"))
    # The fixed-rate product runs 20 years at most.
    assert any(e.term_years == 25 and "最长贷款期限 20 年" in e.reasons[0].message for e in result.exclusions)


def test_database_refuses_impossible_rates_and_rules():
    bank = Bank.objects.get(name="工商银行")

    with pytest.raises(IntegrityError), transaction.atomic():
        LprRate.objects.create(
            effective_on=date(2026, 1, 20), one_year_rate=Decimal("0.25"), five_year_rate=Decimal("0.03")
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        LoanProduct.objects.create(
            bank=bank,
            name="错配产品",
            kind="provident",
            home_type="first",
            rate_rule="lpr",
            min_down_payment_ratio=Decimal("0.2"),
            max_loan_amount=Decimal("1000000"),
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        LoanProduct.objects.create(
            bank=bank,
            name="无利率固定产品",
            kind="commercial",
            home_type="first",
            rate_rule="fixed",
            min_down_payment_ratio=Decimal("0.2"),
            max_loan_amount=Decimal("1000000"),
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        ProvidentFundRate.objects.create(
            effective_on=date(2025, 5, 8),
            home_type="first",
            up_to_five_years_rate=Decimal("0.02"),
            over_five_years_rate=Decimal("0.025"),
        )


def test_saving_a_setting_writes_before_and_after_to_the_operation_log(admin_user):
    bank = Bank.objects.get(name="招商银行")
    bank.max_age_at_maturity = 68

    services.loan_setting_save(instance=bank, actor=admin_user)

    entry = AuditEntry.objects.get(action="loans.bank.changed")
    assert entry.actor == admin_user
    assert (entry.before["max_age_at_maturity"], entry.after["max_age_at_maturity"]) == (65, 68)
    assert Bank.objects.get(pk=bank.pk).max_age_at_maturity == 68


def test_an_invalid_setting_is_refused_and_nothing_is_written(admin_user):
    policy = LoanPolicy(effective_on=date(2026, 1, 1), min_down_payment_ratio=Decimal("1.5"), max_term_years=30)

    with pytest.raises(ValidationError):
        services.loan_setting_save(instance=policy, actor=admin_user)

    assert not LoanPolicy.objects.filter(effective_on=date(2026, 1, 1)).exists()
    assert not AuditEntry.objects.filter(action__startswith="loans.").exists()
