"""Pages: the buyer's mortgage calculator, and the plan generator inside the admin."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from loans import calculator, charts, forms, selectors, services
from loans.exceptions import LoanInputError
from loans.models import LoanProduct
from shuchang.core.exceptions import DomainError

PLAN_PERMISSION = "loans.generate_loan_plan"


@login_not_required
@require_GET
@vary_on_headers("HX-Request")
def calculator_page(request):
    """房贷计算器: recalculates as the buyer types (htmx swaps #results); a plain GET form without JS."""
    defaults = selectors.calculator_defaults(on=timezone.localdate())
    form = forms.CalculatorForm(request.GET or forms.CalculatorForm.initial_data(defaults))
    quote = None
    if form.is_valid():
        try:
            quote = calculator.quote(**form.quote_arguments())
        except LoanInputError as error:
            form.add_error(None, error.message)
    context = {
        "form": form,
        "quote": quote,
        "chart": charts.principal_interest_chart(quote.schedule) if quote else None,
        "years": calculator.by_year(quote.schedule) if quote else [],
        "defaults": defaults,
    }
    partial = request.htmx and not request.htmx.history_restore_request
    return render(request, "loans/calculator.html#results" if partial else "loans/calculator.html", context)


def _require_plan_permission(user) -> None:
    if not user.has_perm(PLAN_PERMISSION):
        raise PermissionDenied


def _generate(request, form):
    data = form.cleaned_data
    return services.loan_plans_generate(
        actor=request.user, request=form.plan_request(), contract_on=data["contract_on"], rank_by=data["rank_by"]
    )


@require_GET
def plan_generator(request, *, admin_context: dict):
    """生成贷款方案 (admin): the customer's figures in, ranked plans and the excluded ones out."""
    _require_plan_permission(request.user)
    bound = bool(request.GET)
    form = forms.PlanForm(
        request.GET if bound else None,
        initial=forms.PlanForm.initial_data(timezone.localdate()),
        user=request.user,
    )
    result = None
    if bound and form.is_valid():
        try:
            result = _generate(request, form)
        except DomainError as error:
            form.add_error(None, error.message)
    context = {
        **admin_context,
        "title": "生成贷款方案",
        "opts": LoanProduct._meta,
        "form": form,
        "result": result,
        "unit": form.unit,
        "query": request.GET.urlencode(),
    }
    return render(request, "loans/admin/plan_generator.html", context)


@require_GET
def plan_export(request, *, admin_context: dict):
    """One plan as PDF or Excel, regenerated from the same figures and rate date (nothing is stored)."""
    _require_plan_permission(request.user)
    query = request.GET.copy()
    key, file_format = query.pop("plan", [""])[0], query.pop("format", [""])[0]
    back = f"{reverse('admin:loans_loanproduct_plans')}?{query.urlencode()}"
    form = forms.PlanForm(query, user=request.user)
    if not form.is_valid():
        messages.error(request, "客户信息有误，请修改后重新生成方案")
        return redirect(back)
    try:
        exported = services.loan_plan_export(
            actor=request.user,
            result=_generate(request, form),
            key=key,
            file_format=file_format,
            contract_on=form.cleaned_data["contract_on"],
            customer_name=form.cleaned_data["customer_name"],
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(back)
    response = HttpResponse(exported.content, content_type=exported.content_type)
    response["Content-Disposition"] = content_disposition_header(True, exported.filename)
    return response
