"""Banks, loan products and the dated rate tables they price from.

Rates and ratios are Decimal fractions (0.035 is 3.50%). Interest rates end in `_rate`;
other fractions (down payment, debt-to-income) end in `_ratio`. Rate rows are never edited
once loans have been priced from them: a change is a new row with a later `effective_on`, so a
loan always keeps the rate of its contract date.
"""

from decimal import Decimal

from django.db import models
from django.db.models import Q

from loans.choices import HomeType, LoanKind, RateRule
from shuchang.core.money import AmountField

MAX_RATE = Decimal("0.24")
LEGAL_MAX_TERM_YEARS = 30  # 《个人住房贷款管理办法》: a housing loan runs at most 30 years


def _rate_between(field: str, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=Q(**{f"{field}__gte": 0, f"{field}__lte": MAX_RATE}), name=name)


def _ratio_between(field: str, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=Q(**{f"{field}__gt": 0, f"{field}__lte": 1}), name=name)


class Bank(models.Model):
    name = models.CharField("银行名称", max_length=50, unique=True)
    max_age_at_maturity = models.PositiveSmallIntegerField(
        "到期年龄上限（周岁）", default=70, help_text="贷款到期时借款人年龄不得超过此值"
    )
    housing_dti_ratio = models.DecimalField(
        "房产支出收入比上限",
        max_digits=5,
        decimal_places=4,
        default=Decimal("0.5000"),
        help_text="月供加物业费不超过月收入的比例，如 0.5 表示 50%",
    )
    total_dti_ratio = models.DecimalField(
        "所有债务收入比上限",
        max_digits=5,
        decimal_places=4,
        default=Decimal("0.5500"),
        help_text="月供、物业费与其他负债月还款合计不超过月收入的比例，如 0.55 表示 55%",
    )
    is_active = models.BooleanField("启用", default=True)
    position = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "合作银行"
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(max_age_at_maturity__gte=18) & Q(max_age_at_maturity__lte=100), name="bank_max_age_valid"
            ),
            _ratio_between("housing_dti_ratio", "bank_housing_dti_valid"),
            _ratio_between("total_dti_ratio", "bank_total_dti_valid"),
            models.CheckConstraint(
                condition=Q(housing_dti_ratio__lte=models.F("total_dti_ratio")), name="bank_dti_order"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class LoanProduct(models.Model):
    bank = models.ForeignKey(Bank, verbose_name="银行", on_delete=models.PROTECT, related_name="products")
    name = models.CharField("产品名称", max_length=50)
    kind = models.CharField("贷款类型", max_length=10, choices=LoanKind.choices)
    home_type = models.CharField("适用房屋", max_length=10, choices=HomeType.choices)
    rate_rule = models.CharField("定价方式", max_length=10, choices=RateRule.choices)
    lpr_spread_bp = models.SmallIntegerField(
        "LPR加点（基点）", default=0, help_text="1基点 = 0.01%，减点填负数，如 -45 表示 LPR 减 0.45%"
    )
    fixed_rate = models.DecimalField(
        "固定年利率", max_digits=7, decimal_places=6, null=True, blank=True, help_text="如 0.032 表示 3.20%"
    )
    min_down_payment_ratio = models.DecimalField(
        "最低首付比例", max_digits=5, decimal_places=4, help_text="如 0.15 表示 15%；不低于国家最低首付比例"
    )
    max_term_years = models.PositiveSmallIntegerField("最长期限（年）", default=LEGAL_MAX_TERM_YEARS)
    max_loan_amount = AmountField("最高贷款额（元）")
    is_active = models.BooleanField("启用", default=True)
    description = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "贷款产品"
        ordering = ["bank__position", "bank_id", "kind", "home_type", "id"]
        permissions = [("generate_loan_plan", "生成贷款方案")]
        constraints = [
            models.UniqueConstraint(fields=["bank", "name"], name="loan_product_name_unique"),
            # Provident-fund loans price from the provident table; commercial ones from LPR or a fixed rate.
            models.CheckConstraint(
                condition=(Q(kind=LoanKind.PROVIDENT) & Q(rate_rule=RateRule.PROVIDENT_TABLE))
                | (Q(kind=LoanKind.COMMERCIAL) & Q(rate_rule__in=[RateRule.LPR_SPREAD, RateRule.FIXED])),
                name="loan_product_rule_matches_kind",
            ),
            models.CheckConstraint(
                condition=~Q(rate_rule=RateRule.FIXED)
                | (Q(fixed_rate__isnull=False) & Q(fixed_rate__gte=0) & Q(fixed_rate__lte=MAX_RATE)),
                name="loan_product_fixed_rate_valid",
            ),
            models.CheckConstraint(
                condition=Q(lpr_spread_bp__gte=-300) & Q(lpr_spread_bp__lte=1000), name="loan_product_spread_valid"
            ),
            _ratio_between("min_down_payment_ratio", "loan_product_down_payment_valid"),
            models.CheckConstraint(
                condition=Q(max_term_years__gte=1) & Q(max_term_years__lte=LEGAL_MAX_TERM_YEARS),
                name="loan_product_term_valid",
            ),
            models.CheckConstraint(condition=Q(max_loan_amount__gt=0), name="loan_product_max_amount_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.bank.name} {self.name}"


class LprRate(models.Model):
    """贷款市场报价利率 (LPR), as published; in force from `effective_on` until the next row."""

    effective_on = models.DateField("生效日期", unique=True)
    one_year_rate = models.DecimalField("1年期LPR", max_digits=7, decimal_places=6, help_text="如 0.03 表示 3.00%")
    five_year_rate = models.DecimalField(
        "5年期以上LPR", max_digits=7, decimal_places=6, help_text="如 0.035 表示 3.50%"
    )
    note = models.CharField("备注", max_length=100, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "LPR利率表"
        ordering = ["-effective_on"]
        constraints = [
            _rate_between("one_year_rate", "lpr_one_year_rate_valid"),
            _rate_between("five_year_rate", "lpr_five_year_rate_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.effective_on:%Y-%m-%d} 起 1年期 {self.one_year_rate:.2%} / 5年期以上 {self.five_year_rate:.2%}"


class ProvidentFundRate(models.Model):
    """个人住房公积金贷款利率 by home type and term bucket, in force from `effective_on`."""

    effective_on = models.DateField("生效日期")
    home_type = models.CharField("适用房屋", max_length=10, choices=HomeType.choices)
    up_to_five_years_rate = models.DecimalField("5年以下（含5年）", max_digits=7, decimal_places=6)
    over_five_years_rate = models.DecimalField("5年以上", max_digits=7, decimal_places=6)
    note = models.CharField("备注", max_length=100, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "公积金贷款利率表"
        ordering = ["-effective_on", "home_type"]
        constraints = [
            models.UniqueConstraint(fields=["effective_on", "home_type"], name="provident_rate_unique"),
            _rate_between("up_to_five_years_rate", "provident_short_rate_valid"),
            _rate_between("over_five_years_rate", "provident_long_rate_valid"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.effective_on:%Y-%m-%d} 起 {self.get_home_type_display()} "
            f"{self.up_to_five_years_rate:.3%} / {self.over_five_years_rate:.3%}"
        )


class LoanPolicy(models.Model):
    """National lending policy in force from `effective_on`: the floor and ceiling every product obeys."""

    effective_on = models.DateField("生效日期", unique=True)
    min_down_payment_ratio = models.DecimalField(
        "国家最低首付比例", max_digits=5, decimal_places=4, help_text="如 0.15 表示 15%"
    )
    max_term_years = models.PositiveSmallIntegerField("最长贷款期限（年）", default=LEGAL_MAX_TERM_YEARS)
    note = models.CharField("备注", max_length=100, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "国家贷款政策"
        ordering = ["-effective_on"]
        constraints = [
            _ratio_between("min_down_payment_ratio", "loan_policy_down_payment_valid"),
            models.CheckConstraint(
                condition=Q(max_term_years__gte=1) & Q(max_term_years__lte=LEGAL_MAX_TERM_YEARS),
                name="loan_policy_term_valid",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.effective_on:%Y-%m-%d} 起 最低首付 {self.min_down_payment_ratio:.0%}，最长 {self.max_term_years} 年"
        )
