"""贷款方案 saved to a customer: the figures frozen when it was saved.

The repayment table is not stored: `plans.schedule_from_snapshot` rebuilds it exactly from the
amounts and rates kept here, because the calculator is pure.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from loans.calculator import METHOD_LABELS
from loans.plans import PlanKind
from shuchang.core.money import AmountField


class LoanPlan(models.Model):
    customer = models.ForeignKey(
        "sales.Customer", verbose_name="客户", on_delete=models.PROTECT, related_name="loan_plans"
    )
    # sha256 of the figures: saving the same plan twice finds the first.
    fingerprint = models.CharField(max_length=64)
    kind = models.CharField("贷款方式", max_length=12, choices=[(kind.value, kind.label) for kind in PlanKind])
    bank_name = models.CharField("银行", max_length=50)
    products_label = models.CharField("贷款产品", max_length=200)
    term_years = models.PositiveSmallIntegerField("贷款期限（年）")
    method = models.CharField("还款方式", max_length=20, choices=list(METHOD_LABELS.items()))
    price_amount = AmountField("房屋总价")
    down_payment_amount = AmountField("首付款")
    commercial_amount = AmountField("商业贷款金额")
    provident_amount = AmountField("公积金贷款金额")
    commercial_rate = models.DecimalField("商业贷款年利率", max_digits=7, decimal_places=6, null=True, blank=True)
    provident_rate = models.DecimalField("公积金贷款年利率", max_digits=7, decimal_places=6, null=True, blank=True)
    first_payment_amount = AmountField("首月月供")
    total_interest_amount = AmountField("总利息")
    contract_on = models.DateField("利率日期")
    snapshot = models.JSONField("方案数据")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="经办人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("保存时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "客户贷款方案"
        ordering = ["-id"]
        default_permissions = ("view", "add")
        constraints = [
            models.UniqueConstraint(fields=["customer", "fingerprint"], name="loan_plan_saved_once"),
            models.CheckConstraint(
                condition=Q(commercial_amount__gte=0)
                & Q(provident_amount__gte=0)
                & (Q(commercial_amount__gt=0) | Q(provident_amount__gt=0)),
                name="loan_plan_amounts_valid",
            ),
            models.CheckConstraint(condition=Q(term_years__gte=1) & Q(term_years__lte=30), name="loan_plan_term_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.bank_name} {self.get_kind_display()} {self.term_years}年 {self.get_method_display()}"

    @property
    def loan_amount(self):
        return self.commercial_amount + self.provident_amount
