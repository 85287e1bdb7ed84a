"""Loan reads: rates and policy in force on a date, products for the plan generator, and the
`*_for_user` selectors of saved plans and applications (a stranger gets 404)."""

from datetime import date

from django.db.models import QuerySet
from django.http import Http404

from accounts.scope import filter_by_scope
from listings.models import Project, Unit
from loans import permissions, plans
from loans.calculator import format_rate
from loans.choices import HomeType, RateRule
from loans.exceptions import RateNotConfigured
from loans.models import (
    LoanApplication,
    LoanDocument,
    LoanPlan,
    LoanPolicy,
    LoanProduct,
    LprRate,
    ProvidentFundRate,
)
from sales import selectors as sales_selectors
from sales.models import Customer, Order, OrderStatus
from shuchang.core.formatting import chinese_date


def lpr_rate_on(on: date) -> LprRate:
    """The LPR row in force on `on` (the latest one that took effect on or before it)."""
    row = LprRate.objects.filter(effective_on__lte=on).order_by("-effective_on").first()
    if row is None:
        raise RateNotConfigured(f"{chinese_date(on)}没有生效的LPR利率，请先在后台维护LPR利率表")
    return row


def provident_fund_rates_on(on: date) -> dict[str, ProvidentFundRate]:
    """{home type: the provident-fund row in force on `on`} — a home type without one is missing."""
    rows = {}
    for row in ProvidentFundRate.objects.filter(effective_on__lte=on).order_by("-effective_on", "home_type"):
        rows.setdefault(row.home_type, row)
        if len(rows) == len(HomeType.values):
            break
    return rows


def loan_policy_on(on: date) -> LoanPolicy:
    row = LoanPolicy.objects.filter(effective_on__lte=on).order_by("-effective_on").first()
    if row is None:
        raise RateNotConfigured(f"{chinese_date(on)}没有生效的国家贷款政策，请先在后台维护")
    return row


def plan_policy(*, on: date) -> plans.Policy:
    row = loan_policy_on(on)
    return plans.Policy(min_down_payment_ratio=row.min_down_payment_ratio, max_term_years=row.max_term_years)


def plan_products(*, on: date) -> list[plans.ProductTerms]:
    """The active products of active banks, each with its rates as of contract date `on`."""
    products = list(LoanProduct.objects.filter(is_active=True, bank__is_active=True).select_related("bank"))
    lpr = lpr_rate_on(on) if any(p.rate_rule == RateRule.LPR_SPREAD for p in products) else None
    provident = provident_fund_rates_on(on)
    terms = []
    for product in products:
        fund_row = provident.get(product.home_type)
        if product.rate_rule == RateRule.PROVIDENT_TABLE and fund_row is None:
            raise RateNotConfigured(
                f"{chinese_date(on)}没有生效的{HomeType(product.home_type).label}公积金贷款利率，请先在后台维护"
            )
        short_rate, long_rate, pricing = plans.product_rates(
            rate_rule=product.rate_rule,
            fixed_rate=product.fixed_rate,
            lpr_spread_bp=product.lpr_spread_bp,
            lpr_one_year_rate=lpr.one_year_rate if lpr else None,
            lpr_five_year_rate=lpr.five_year_rate if lpr else None,
            provident_short_rate=fund_row.up_to_five_years_rate if fund_row else None,
            provident_long_rate=fund_row.over_five_years_rate if fund_row else None,
        )
        bank = product.bank
        terms.append(
            plans.ProductTerms(
                id=product.pk,
                bank_id=bank.pk,
                bank_name=bank.name,
                name=product.name,
                kind=product.kind,
                home_type=product.home_type,
                min_down_payment_ratio=product.min_down_payment_ratio,
                max_term_years=product.max_term_years,
                max_loan_amount=product.max_loan_amount,
                bank_max_age=bank.max_age_at_maturity,
                housing_dti_ratio=bank.housing_dti_ratio,
                total_dti_ratio=bank.total_dti_ratio,
                short_term_rate=short_rate,
                long_term_rate=long_rate,
                pricing=pricing,
            )
        )
    return terms


def calculator_defaults(*, on: date) -> dict:
    """Rates the buyer's calculator starts from: the 5-year LPR and the first-home fund rate (>5 years).

    Missing tables give None, and the page simply asks the buyer to type a rate.
    """
    lpr = LprRate.objects.filter(effective_on__lte=on).order_by("-effective_on").first()
    fund = provident_fund_rates_on(on)
    hints = []
    if lpr:
        hints.append(
            f"参考：{chinese_date(lpr.effective_on)}起 1年期LPR {format_rate(lpr.one_year_rate)}、"
            f"5年期以上LPR {format_rate(lpr.five_year_rate)}，商业贷款利率一般为LPR加减若干基点。"
        )
    for row in fund.values():
        hints.append(
            f"参考：{chinese_date(row.effective_on)}起 公积金贷款{row.get_home_type_display()} "
            f"5年以下（含）{format_rate(row.up_to_five_years_rate)}、5年以上{format_rate(row.over_five_years_rate)}。"
        )
    return {
        "lpr": lpr,
        "provident_first": fund.get(HomeType.FIRST),
        "provident_second": fund.get(HomeType.SECOND),
        "hints": hints,
    }


def unit_for_loan_plan(*, user, project_id: int, code: str):
    """The unit `code` of project `project_id` if it lies in the user's data scope, else None."""
    units = filter_by_scope(Unit.objects.select_related("project"), user)
    return units.filter(project_id=project_id, code=code.strip()).first()


def projects_for_loan_plan(user):
    """The projects whose units the user may price a plan for."""
    return filter_by_scope(Project.objects.order_by("name"), user, project_path="pk")


# ---- saved plans and applications -----------------------------------------------------------


def customers_for_loan_plans(user) -> QuerySet:
    """The customers `user` may save plans for: those sales lets them see, if they may save plans."""
    if not user.is_authenticated or not user.has_perm("loans.add_loanplan"):
        return Customer.objects.none()
    return sales_selectors.customer_list_for_user(user)


def loan_plan_list_for_user(user) -> QuerySet[LoanPlan]:
    """A buyer's own saved plans (through their customer records), or the plans of a staff scope."""
    if not user.is_authenticated:
        return LoanPlan.objects.none()
    if user.is_staff:
        if not user.has_perm("loans.view_loanplan"):
            return LoanPlan.objects.none()
        plans_ = filter_by_scope(LoanPlan.objects.all(), user, "customer__project")
    else:
        plans_ = LoanPlan.objects.filter(customer__user=user)
    return plans_.select_related("customer__project").order_by("-id")


def loan_plan_get_for_user(user, pk: int) -> LoanPlan:
    plan = loan_plan_list_for_user(user).filter(pk=pk).first()
    if plan is None:
        raise Http404("贷款方案不存在")
    return plan


def loan_application_list_for_user(user, *, status: str = "") -> QuerySet[LoanApplication]:
    """A buyer's own applications, or those of the projects in a staff member's scope."""
    if not user.is_authenticated:
        return LoanApplication.objects.none()
    if user.is_staff:
        if not user.has_perm("loans.view_loanapplication"):
            return LoanApplication.objects.none()
        applications = filter_by_scope(LoanApplication.objects.all(), user, "order__project")
    else:
        applications = LoanApplication.objects.filter(order__buyer=user)
    if status:
        applications = applications.filter(status=status)
    return applications.select_related("order__unit", "order__project", "product__bank").order_by("-id")


def loan_application_get_for_user(user, pk: int) -> LoanApplication:
    application = loan_application_list_for_user(user).filter(pk=pk).first()
    if application is None:
        raise Http404("贷款申请不存在")
    return application


def loan_document_get_for_user(user, *, application_pk: int, pk: int) -> LoanDocument:
    """A document of an application the user may see; anyone else gets 404, as for the application."""
    application = loan_application_get_for_user(user, application_pk)
    document = application.documents.filter(pk=pk).first()
    if document is None:
        raise Http404("材料不存在")
    return document


def loan_application_detail(application: LoanApplication) -> dict:
    return {
        "timeline": list(application.status_changes.select_related("actor").order_by("id")),
        "documents": list(application.documents.order_by("id")),
    }


def orders_open_for_loans(user) -> QuerySet[Order]:
    """The buyer's own orders a loan may be applied for (认购 or signed)."""
    if not user.is_authenticated or user.is_staff:
        return Order.objects.none()
    return (
        Order.objects.filter(buyer=user, status__in=[OrderStatus.RESERVED, OrderStatus.SIGNED])
        .select_related("unit", "project")
        .order_by("-id")
    )


def order_for_loan_application(user, pk: int) -> Order:
    """An order the user may apply for (its buyer, or staff in scope who may submit); else 404."""
    order = sales_selectors.order_list_for_user(user).filter(pk=pk).first()
    if order is None or not permissions.can_apply_for_order(user, order):
        raise Http404("订单不存在")
    return order


def loan_plans_for_order(order: Order) -> QuerySet[LoanPlan]:
    """The plans saved for the order's customer, to refer to in an application."""
    if order.customer_id is None:
        return LoanPlan.objects.none()
    return LoanPlan.objects.filter(customer_id=order.customer_id).order_by("-id")


def products_for_application() -> QuerySet[LoanProduct]:
    return LoanProduct.objects.filter(is_active=True, bank__is_active=True).select_related("bank")
