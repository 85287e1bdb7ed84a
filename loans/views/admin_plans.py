"""The plan generator inside the admin: generate, print or export, save to a customer."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_POST

from loans import forms, services
from loans.models import LoanProduct
from shuchang.core.exceptions import DomainError

PLAN_PERMISSION = "loans.generate_loan_plan"


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
    customer = form.cleaned_data.get("customer") if result else None
    context = {
        **admin_context,
        "title": "生成贷款方案",
        "opts": LoanProduct._meta,
        "form": form,
        "result": result,
        "unit": form.unit,
        "customer": customer,
        "can_save": customer is not None and request.user.has_perm("loans.add_loanplan"),
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
            customer_name=form.printed_name(),
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(back)
    response = HttpResponse(exported.content, content_type=exported.content_type)
    response["Content-Disposition"] = content_disposition_header(True, exported.filename)
    return response


@require_POST
def plan_save(request, *, admin_context: dict):
    """保存到客户: the chosen option, regenerated from the same figures, kept for the customer."""
    _require_plan_permission(request.user)
    query = request.GET.copy()
    back = f"{reverse('admin:loans_loanproduct_plans')}?{query.urlencode()}"
    form = forms.PlanForm(query, user=request.user)
    if not form.is_valid() or form.cleaned_data.get("customer") is None:
        messages.error(request, "请先选择客户并填写正确的客户信息，再保存方案")
        return redirect(back)
    customer = form.cleaned_data["customer"]
    try:
        plan, created = services.loan_plan_save(
            actor=request.user,
            customer=customer,
            result=_generate(request, form),
            key=request.POST.get("plan", ""),
            contract_on=form.cleaned_data["contract_on"],
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(back)
    if created:
        messages.success(request, f"已将“{plan}”保存到客户 {customer}，购房者可在“我的贷款方案”中查看")
    else:
        messages.info(request, f"该方案已保存过（{plan}），未重复保存")
    return redirect(back)
