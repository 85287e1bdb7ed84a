"""Seed data, editable in the admin: national policy, the LPR and provident-fund rate tables in
force in 2025, and three banks with example products."""

from decimal import Decimal

from django.db import migrations

POLICY = {
    "effective_on": "2024-09-29",
    "min_down_payment_ratio": Decimal("0.15"),
    "max_term_years": 30,
    "note": "首套、二套商业性个人住房贷款最低首付比例统一为15%",
}
LPR = {
    "effective_on": "2025-05-20",
    "one_year_rate": Decimal("0.030"),
    "five_year_rate": Decimal("0.035"),
    "note": "2025年5月20日贷款市场报价利率",
}
PROVIDENT = [
    {
        "effective_on": "2025-05-08",
        "home_type": "first",
        "up_to_five_years_rate": Decimal("0.021"),
        "over_five_years_rate": Decimal("0.026"),
        "note": "2025年5月8日起下调0.25个百分点",
    },
    {
        "effective_on": "2025-05-08",
        "home_type": "second",
        "up_to_five_years_rate": Decimal("0.02525"),
        "over_five_years_rate": Decimal("0.03075"),
        "note": "2025年5月8日起下调0.25个百分点",
    },
]
# (bank, age limit at maturity, position, products: (name, kind, home, rule, spread bp, fixed rate, down, years, max))
BANKS = [
    (
        "工商银行",
        70,
        1,
        [
            ("首套住房商业贷款", "commercial", "first", "lpr", -45, None, "0.15", 30, "10000000"),
            ("二套住房商业贷款", "commercial", "second", "lpr", -25, None, "0.25", 30, "10000000"),
            ("住房公积金贷款（首套）", "provident", "first", "provident", 0, None, "0.20", 30, "1200000"),
            ("住房公积金贷款（二套）", "provident", "second", "provident", 0, None, "0.30", 30, "1200000"),
        ],
    ),
    (
        "建设银行",
        70,
        2,
        [
            ("首套住房商业贷款", "commercial", "first", "lpr", -40, None, "0.15", 30, "10000000"),
            ("二套住房商业贷款", "commercial", "second", "lpr", -20, None, "0.25", 30, "10000000"),
            ("住房公积金贷款（首套）", "provident", "first", "provident", 0, None, "0.20", 30, "1200000"),
            ("住房公积金贷款（二套）", "provident", "second", "provident", 0, None, "0.30", 30, "1200000"),
        ],
    ),
    (
        "招商银行",
        65,
        3,
        [
            ("首套住房商业贷款", "commercial", "first", "lpr", -50, None, "0.15", 30, "8000000"),
            ("二套住房商业贷款", "commercial", "second", "lpr", -30, None, "0.25", 30, "8000000"),
            ("首套固定利率贷款", "commercial", "first", "fixed", 0, "0.032", "0.20", 20, "5000000"),
        ],
    ),
]


def seed(apps, schema_editor):
    LoanPolicy = apps.get_model("loans", "LoanPolicy")
    LprRate = apps.get_model("loans", "LprRate")
    ProvidentFundRate = apps.get_model("loans", "ProvidentFundRate")
    Bank = apps.get_model("loans", "Bank")
    LoanProduct = apps.get_model("loans", "LoanProduct")
    LoanPolicy.objects.get_or_create(effective_on=POLICY["effective_on"], defaults=POLICY)
    LprRate.objects.get_or_create(effective_on=LPR["effective_on"], defaults=LPR)
    for row in PROVIDENT:
        ProvidentFundRate.objects.get_or_create(
            effective_on=row["effective_on"], home_type=row["home_type"], defaults=row
        )
    for bank_name, max_age, position, products in BANKS:
        bank, _ = Bank.objects.get_or_create(
            name=bank_name, defaults={"max_age_at_maturity": max_age, "position": position}
        )
        for name, kind, home, rule, spread, fixed, down, years, maximum in products:
            LoanProduct.objects.get_or_create(
                bank=bank,
                name=name,
                defaults={
                    "kind": kind,
                    "home_type": home,
                    "rate_rule": rule,
                    "lpr_spread_bp": spread,
                    "fixed_rate": Decimal(fixed) if fixed else None,
                    "min_down_payment_ratio": Decimal(down),
                    "max_term_years": years,
                    "max_loan_amount": Decimal(maximum),
                },
            )


def unseed(apps, schema_editor):
    names = [bank for bank, *_ in BANKS]
    apps.get_model("loans", "LoanProduct").objects.filter(bank__name__in=names).delete()
    apps.get_model("loans", "Bank").objects.filter(name__in=names).delete()
    apps.get_model("loans", "ProvidentFundRate").objects.filter(effective_on="2025-05-08").delete()
    apps.get_model("loans", "LprRate").objects.filter(effective_on=LPR["effective_on"]).delete()
    apps.get_model("loans", "LoanPolicy").objects.filter(effective_on=POLICY["effective_on"]).delete()


class Migration(migrations.Migration):
    dependencies = [("loans", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
