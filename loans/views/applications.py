"""申请信贷: apply for a loan for an order, upload documents, follow the timeline; staff record the
bank's answers on the same page. Everything is fetched through `*_for_user` selectors (404)."""

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from loans import forms, permissions, selectors, services
from loans.models import LoanApplicationStatus
from shuchang.core.exceptions import DomainError


def _layout(user) -> str:
    return "layouts/office.html" if user.is_staff else "layouts/storefront.html"


@require_GET
def application_list(request):
    context = {
        "applications": selectors.loan_application_list_for_user(request.user)[:200],
        "orders": selectors.orders_open_for_loans(request.user),
        "layout": _layout(request.user),
    }
    return render(request, "loans/application_list.html", context)


@require_http_methods(["GET", "POST"])
def application_create(request, order_pk: int):
    order = selectors.order_for_loan_application(request.user, order_pk)
    initial = {}
    if plan_pk := request.GET.get("plan"):
        plan = selectors.loan_plans_for_order(order).filter(pk=plan_pk).first()
        if plan is not None:
            initial = {"plan": plan, "amount": plan.loan_amount, "term_years": plan.term_years, "method": plan.method}
    form = forms.ApplicationForm(request.POST or None, order=order, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            application = services.loan_application_submit(
                actor=request.user,
                order=order,
                product=data["product"],
                amount=data["amount"],
                term_years=data["term_years"],
                method=data["method"],
                plan=data["plan"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"{application} 已提交，请上传申请材料")
            return redirect("loans:application_detail", pk=application.pk)
    return render(
        request, "loans/application_form.html", {"form": form, "order": order, "layout": _layout(request.user)}
    )


def _detail_context(request, application, **forms_):
    user = request.user
    allowed = application.allowed_transitions
    can_review = permissions.can_review_application(user, application)
    context = {
        "application": application,
        **selectors.loan_application_detail(application),
        "can_upload": permissions.can_upload_documents(user, application),
        "can_start_review": can_review and LoanApplicationStatus.UNDER_REVIEW in allowed,
        "can_approve": can_review and LoanApplicationStatus.APPROVED in allowed,
        "can_reject": can_review and LoanApplicationStatus.REJECTED in allowed,
        "can_disburse": permissions.can_disburse_application(user, application)
        and LoanApplicationStatus.DISBURSED in allowed,
        "document_form": forms.DocumentForm(),
        "review_form": forms.ReviewStartForm(),
        "approve_form": forms.ApproveForm(initial={"approved_amount": application.amount}),
        "reject_form": forms.RejectForm(),
        "disburse_form": forms.DisburseForm(initial={"amount": application.approved_amount}),
        "layout": _layout(user),
    }
    context.update(forms_)
    return context


@require_GET
def application_detail(request, pk: int):
    application = selectors.loan_application_get_for_user(request.user, pk)
    return render(request, "loans/application_detail.html", _detail_context(request, application))


@require_POST
def document_upload(request, pk: int):
    application = selectors.loan_application_get_for_user(request.user, pk)
    form = forms.DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.loan_document_upload(
                actor=request.user,
                application=application,
                kind=form.cleaned_data["kind"],
                upload=form.cleaned_data["file"],
            )
        except DomainError as error:
            form.add_error("file", error.message)
        else:
            messages.success(request, "材料已上传")
            return redirect("loans:application_detail", pk=application.pk)
    context = _detail_context(request, application, document_form=form)
    return render(request, "loans/application_detail.html", context, status=400)


@require_GET
def document_download(request, pk: int, document_pk: int):
    document = selectors.loan_document_get_for_user(request.user, application_pk=pk, pk=document_pk)
    try:
        handle = services.loan_document_open(actor=request.user, document=document)
    except FileNotFoundError:
        raise Http404("材料文件不存在") from None
    response = FileResponse(
        handle, as_attachment=True, filename=document.original_name, content_type=document.content_type
    )
    response["Cache-Control"] = "private, no-store"
    return response


# action → (form, service call)
def _start_review(request, application, form):
    return services.loan_application_review_start(
        actor=request.user, application=application, note=form.cleaned_data["note"]
    )


def _approve(request, application, form):
    return services.loan_application_approve(
        actor=request.user,
        application=application,
        approved_amount=form.cleaned_data["approved_amount"],
        approved_rate=form.rate_fraction(),
        note=form.cleaned_data["note"],
    )


def _reject(request, application, form):
    return services.loan_application_reject(
        actor=request.user, application=application, reason=form.cleaned_data["reason"]
    )


def _disburse(request, application, form):
    data = form.cleaned_data
    return services.loan_application_disburse(
        actor=request.user,
        application=application,
        amount=data["amount"],
        disbursed_on=data["disbursed_on"],
        bank_reference=data["bank_reference"],
    )


# action → (form's name in the page, form, call, done message, the flag that shows the form)
ACTIONS = {
    "review": ("review_form", forms.ReviewStartForm, _start_review, "已登记：银行审核中", "can_start_review"),
    "approve": ("approve_form", forms.ApproveForm, _approve, "已登记：银行批准", "can_approve"),
    "reject": ("reject_form", forms.RejectForm, _reject, "已登记：未获批准", "can_reject"),
    "disburse": ("disburse_form", forms.DisburseForm, _disburse, "已登记：银行放款", "can_disburse"),
}


@require_POST
def application_action(request, pk: int, action: str):
    """Staff record the bank's answer; each action is one service, refused with a Chinese message."""
    if action not in ACTIONS:
        raise Http404("没有这个操作")
    application = selectors.loan_application_get_for_user(request.user, pk)
    name, form_class, call, done, shown_by = ACTIONS[action]
    form = form_class(request.POST)
    if form.is_valid():
        try:
            call(request, application, form)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, done)
            return redirect("loans:application_detail", pk=application.pk)
    context = _detail_context(request, application, **{name: form})
    if not context[shown_by]:
        # The form is not on this user's page (no right, or the step has passed): say why on top.
        for error in form.non_field_errors() or ["该操作当前不可用"]:
            messages.error(request, error)
    return render(request, "loans/application_detail.html", context, status=400)
