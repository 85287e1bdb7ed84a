"""Staff pages of 收款管理 (/office/payments/): the cashier's order page (schedule, counter payment,
notices), registrations' 认筹金, payments and approvals, receipts (print, reprint, void), the
numbering report and the shift close. Each view fetches through a selector (404 outside the data
scope), validates a form, calls one service and turns a refusal into its Chinese message."""

import tempfile
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.scope import filter_by_scope
from audit.services import audit_record
from listings.models import Project
from payments import pdf, permissions, selectors, services
from payments.exceptions import DomainError
from payments.forms import (
    ORDER_CHARGE_KINDS,
    CounterPaymentForm,
    NoticeForm,
    PrintForm,
    ReasonForm,
    ReceiptFilterForm,
    RefundForm,
    ReviewForm,
    ScheduleForm,
    SearchForm,
    ShiftCloseForm,
)
from payments.models import (
    ChargeKind,
    MethodKind,
    PaymentKind,
    PaymentStatus,
    ReceiptSequence,
)
from payments.services.shifts import COUNTED_KINDS
from sales.models import OrderStatus
from shuchang.core.xlsx import write_table

PER_PAGE = 30


def _page(request, queryset, per_page: int = PER_PAGE):
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def _projects(user):
    return filter_by_scope(Project.objects.all(), user, "pk").order_by("name")


def _int(value) -> int | None:
    return int(value) if str(value or "").isdigit() else None


def _pdf_response(content: bytes, filename: str, *, inline: bool = True) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response


# ---- home ---------------------------------------------------------------------------------------------


@permission_required("payments.view_payment", raise_exception=True)
def home(request):
    """收款工作台: today's takings of the user, what waits for them, and where to go."""
    user = request.user
    today = timezone.localdate()
    context = {
        "open_lines": services.shift_preview(operator=user),
        "pending_count": selectors.payments_pending_approval(user).count(),
        "held": selectors.held_open_total(user),
        "settle_count": selectors.orders_awaiting_settlement(user).count(),
        "today": today,
        "search_form": SearchForm(),
    }
    return render(request, "payments/office/home.html", context)


# ---- orders: the cashier's page ----------------------------------------------------------------------------


@permission_required("payments.view_payment", raise_exception=True)
def order_list(request):
    form = SearchForm(request.GET or None)
    search = form.cleaned_data["q"] if form.is_valid() else ""
    project_id = _int(request.GET.get("project"))
    orders = selectors.order_list_for_cashier(request.user, search=search, project_id=project_id)
    template = "payments/office/order_list.html"
    if request.htmx:
        template += "#results"
    return render(
        request,
        template,
        {
            "form": form,
            "page_obj": _page(request, orders),
            "projects": _projects(request.user),
            "project_id": project_id,
        },
    )


def _collect_form(user, order, data=None) -> CounterPaymentForm:
    kinds = [ChargeKind.DEPOSIT] if order.status == OrderStatus.PENDING_PAYMENT else ORDER_CHARGE_KINDS
    methods = [
        method
        for method in selectors.counter_methods()
        if method.kind != MethodKind.WAIVER or permissions.can_waive(user, order.project_id)
    ]
    initial = {"amount": order.deposit_amount} if order.status == OrderStatus.PENDING_PAYMENT else None
    return CounterPaymentForm(data, charge_kinds=kinds, methods=methods, initial=initial)


def _order_page(request, order, *, collect_form=None, schedule_form=None, status: int = 200):
    user = request.user
    statement = selectors.order_statement(order, as_of=timezone.localdate())
    can_collect = permissions.can_record(user, order.project_id) and order.status in (
        OrderStatus.PENDING_PAYMENT,
        OrderStatus.RESERVED,
        OrderStatus.SIGNED,
        OrderStatus.COMPLETED,
    )
    context = {
        "order": order,
        "statement": statement,
        "payments": selectors.payments_for_order(order),
        "notices": selectors.notices_for_order(order),
        "can_collect": can_collect,
        "collect_form": collect_form or (_collect_form(user, order) if can_collect else None),
        "can_schedule": permissions.can_schedule(user, order.project_id)
        and order.status in (OrderStatus.RESERVED, OrderStatus.SIGNED, OrderStatus.COMPLETED),
        "schedule_form": schedule_form or ScheduleForm(project_id=order.project_id),
        "can_notice": permissions.can_issue_notice(user, order.project_id) and statement.schedule is not None,
        "can_settle": permissions.can_refund(user, order.project_id) and order.status == OrderStatus.CANCELLED,
    }
    return render(request, "payments/office/order_detail.html", context, status=status)


@permission_required("payments.view_payment", raise_exception=True)
def order_detail(request, pk: int):
    return _order_page(request, selectors.order_get_for_cashier(request.user, pk))


@require_POST
@permission_required("payments.record_payment", raise_exception=True)
def order_collect(request, pk: int):
    """收款登记 for an order: cash, POS, transfer, waiver or points."""
    order = selectors.order_get_for_cashier(request.user, pk)
    form = _collect_form(request.user, order, request.POST)
    if form.is_valid():
        try:
            payment = services.payment_record(
                actor=request.user,
                order=order,
                method=form.cleaned_data["method"],
                charge_item=form.cleaned_data["charge_item"],
                amount=form.cleaned_data["amount"],
                external_ref=form.cleaned_data["external_ref"],
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
            )
        except DomainError as refusal:
            form.add_error(None, refusal.message)
        else:
            _collected_message(request, payment)
            return redirect("payments:office_order", pk=order.pk)
    return _order_page(request, order, collect_form=form, status=400)


def _collected_message(request, payment) -> None:
    if payment.status == PaymentStatus.PENDING_APPROVAL:
        messages.info(request, f"已登记 {payment.method.name} {payment.amount:,.2f} 元，待财务审批后出具收据")
    else:
        messages.success(request, f"已收款 {payment.amount:,.2f} 元，收据编号 {payment.receipt.code}")


@require_POST
@permission_required("payments.add_paymentschedule", raise_exception=True)
def order_schedule(request, pk: int):
    order = selectors.order_get_for_cashier(request.user, pk)
    form = ScheduleForm(request.POST, project_id=order.project_id)
    if form.is_valid():
        try:
            services.schedule_create(
                order=order,
                template=form.cleaned_data["template"],
                actor=request.user,
                start_on=form.cleaned_data["start_on"],
            )
        except DomainError as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, f"已按「{form.cleaned_data['template'].name}」生成应收计划")
            return redirect("payments:office_order", pk=order.pk)
    return _order_page(request, order, schedule_form=form, status=400)


@require_POST
@permission_required("payments.add_paymentnotice", raise_exception=True)
def order_notice(request, pk: int):
    """Issue a 缴费通知单 or 催款通知 and open its PDF."""
    order = selectors.order_get_for_cashier(request.user, pk)
    form = NoticeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择通知单类型和截至日期")
        return redirect("payments:office_order", pk=order.pk)
    try:
        notice = services.notice_issue(
            order=order, actor=request.user, kind=form.cleaned_data["kind"], as_of=form.cleaned_data["as_of"]
        )
    except DomainError as refusal:
        messages.error(request, refusal.message)
        return redirect("payments:office_order", pk=order.pk)
    return redirect("payments:office_notice_pdf", pk=notice.pk)


@permission_required("payments.view_paymentnotice", raise_exception=True)
def notice_pdf(request, pk: int):
    notice = selectors.notice_get_for_user(request.user, pk)
    company = getattr(notice.project.developer, "name", "") if notice.project_id else ""
    return _pdf_response(pdf.notice_pdf(notice, company=company), f"{notice.number}.pdf")


@require_POST
@permission_required("payments.refund_payment", raise_exception=True)
def order_settle(request, pk: int):
    """退房结算: refund what the cancelled order holds per its rule (or put the 定金 up for forfeit)."""
    order = selectors.order_get_for_cashier(request.user, pk)
    try:
        done = services.order_refund_settle(order=order, actor=request.user)
    except DomainError as refusal:
        messages.error(request, refusal.message)
    else:
        parts = []
        if done["refunds"]:
            parts.append(f"已退款 {len(done['refunds'])} 笔")
        if done["forfeit_requested"]:
            parts.append("定金已提交没收申请，待审批")
        messages.success(request, "；".join(parts) or "没有需要退还的款项")
    return redirect("payments:office_order", pk=order.pk)


# ---- registrations: 认筹金 at the counter ------------------------------------------------------------------


@permission_required("payments.view_payment", raise_exception=True)
def registration_list(request):
    form = SearchForm(request.GET or None)
    search = form.cleaned_data["q"] if form.is_valid() else ""
    registrations = selectors.registration_list_for_cashier(request.user, search=search)
    return render(
        request, "payments/office/registration_list.html", {"form": form, "page_obj": _page(request, registrations)}
    )


@permission_required("payments.view_payment", raise_exception=True)
def registration_collect(request, pk: int):
    registration = selectors.registration_get_for_cashier(request.user, pk)
    project_id = registration.opening.project_id
    can_collect = permissions.can_record(request.user, project_id) and registration.fee_status == "unpaid"
    methods = [method for method in selectors.counter_methods() if method.kind == MethodKind.OFFLINE]
    form = CounterPaymentForm(
        request.POST if request.method == "POST" else None,
        charge_kinds=[ChargeKind.INTENTION],
        methods=methods,
        initial={"amount": registration.fee_amount},
    )
    status = 200
    if request.method == "POST":
        if not can_collect:
            form.add_error(None, "该报名无需收取认筹金，或您没有登记收款的权限")
        elif form.is_valid():
            try:
                payment = services.payment_record(
                    actor=request.user,
                    registration=registration,
                    method=form.cleaned_data["method"],
                    charge_item=form.cleaned_data["charge_item"],
                    amount=form.cleaned_data["amount"],
                    external_ref=form.cleaned_data["external_ref"],
                    note=form.cleaned_data["note"],
                )
            except DomainError as refusal:
                form.add_error(None, refusal.message)
            else:
                _collected_message(request, payment)
                return redirect("payments:office_registration", pk=registration.pk)
        status = 400
    payments = list(registration.payments.select_related("method", "receipt").order_by("id"))
    return render(
        request,
        "payments/office/registration_detail.html",
        {"registration": registration, "form": form, "can_collect": can_collect, "payments": payments},
        status=status,
    )


# ---- payments and approvals ------------------------------------------------------------------------------


@permission_required("payments.view_payment", raise_exception=True)
def payment_list(request):
    status = request.GET.get("status", "")
    kind = request.GET.get("kind", "")
    payments = selectors.payment_list_for_user(
        request.user,
        project_id=_int(request.GET.get("project")),
        status=status if status in PaymentStatus.values else "",
        kind=kind if kind in PaymentKind.values else "",
    )
    return render(
        request,
        "payments/office/payment_list.html",
        {
            "page_obj": _page(request, payments),
            "statuses": PaymentStatus.choices,
            "kinds": PaymentKind.choices,
            "status": status,
            "kind": kind,
        },
    )


def _payment_page(request, payment, *, refund_form=None, review_form=None, status: int = 200):
    user = request.user
    can_refund = (
        permissions.can_refund(user, payment.project_id)
        and payment.kind == PaymentKind.PAYMENT
        and payment.status == PaymentStatus.CONFIRMED
    )
    refundable = services.refundable(payment) if can_refund else None
    return render(
        request,
        "payments/office/payment_detail.html",
        {
            "payment": payment,
            "refunds": list(payment.refunds.select_related("receipt", "recorded_by").order_by("id")),
            "can_refund": can_refund and refundable > 0,
            "refundable": refundable,
            "refund_form": refund_form or RefundForm(initial={"amount": refundable}),
            "can_review": payment.status == PaymentStatus.PENDING_APPROVAL
            and permissions.can_approve_payment(user, payment),
            "review_form": review_form or ReviewForm(),
        },
        status=status,
    )


@permission_required("payments.view_payment", raise_exception=True)
def payment_detail(request, pk: int):
    return _payment_page(request, selectors.payment_get_for_user(request.user, pk))


@require_POST
@permission_required("payments.refund_payment", raise_exception=True)
def payment_refund(request, pk: int):
    payment = selectors.payment_get_for_user(request.user, pk)
    form = RefundForm(request.POST)
    if form.is_valid():
        try:
            refund = services.refund_create(
                payment=payment,
                amount=form.cleaned_data["amount"],
                actor=request.user,
                reason=form.cleaned_data["reason"],
            )
        except DomainError as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, f"已退款 {-refund.amount:,.2f} 元，红冲收据 {refund.receipt.code}")
            return redirect("payments:office_payment", pk=payment.pk)
    return _payment_page(request, payment, refund_form=form, status=400)


@require_POST
@permission_required("payments.approve_payment", raise_exception=True)
def payment_review(request, pk: int):
    payment = selectors.payment_get_for_user(request.user, pk)
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            if form.cleaned_data["decision"] == "approve":
                services.payment_approve(payment=payment, actor=request.user, note=form.cleaned_data["note"])
                messages.success(request, f"已审批通过，收据编号 {payment.receipt.code}")
            else:
                services.payment_reject(payment=payment, actor=request.user, note=form.cleaned_data["note"])
                messages.success(request, "已驳回该笔收款")
        except DomainError as refusal:
            form.add_error(None, refusal.message)
        else:
            return redirect(request.POST.get("next") or "payments:office_approvals")
    return _payment_page(request, payment, review_form=form, status=400)


@permission_required("payments.approve_payment", raise_exception=True)
def approval_list(request):
    pending = selectors.payments_pending_approval(request.user)
    return render(request, "payments/office/approval_list.html", {"page_obj": _page(request, pending)})


# ---- receipts -------------------------------------------------------------------------------------------------


@permission_required("payments.view_receipt", raise_exception=True)
def receipt_list(request):
    form = ReceiptFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    receipts = selectors.receipt_list_for_user(
        request.user,
        project_id=_int(request.GET.get("project")),
        status=filters.get("status", ""),
        search=filters.get("search", ""),
        date_from=filters.get("date_from"),
        date_to=filters.get("date_to"),
    )
    template = "payments/office/receipt_list.html"
    if request.htmx:
        template += "#results"
    return render(request, template, {"form": form, "page_obj": _page(request, receipts)})


def _receipt_page(request, receipt, *, void_form=None, status: int = 200):
    user = request.user
    return render(
        request,
        "payments/office/receipt_detail.html",
        {
            "receipt": receipt,
            "prints": list(receipt.prints.select_related("printed_by")),
            "print_form": PrintForm(),
            "can_void": permissions.can_void(user, receipt),
            "void_form": void_form or ReasonForm(),
            "can_reprint": permissions.can_reprint(user, receipt.project_id),
        },
        status=status,
    )


@permission_required("payments.view_receipt", raise_exception=True)
def receipt_detail(request, pk: int):
    return _receipt_page(request, selectors.receipt_get_for_user(request.user, pk))


@require_POST
@permission_required("payments.view_receipt", raise_exception=True)
def receipt_print(request, pk: int):
    """打印 / 补打: counts the print and returns the PDF (marked 补打 from the second print on)."""
    receipt = selectors.receipt_get_for_user(request.user, pk)
    form = PrintForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择打印纸张")
        return redirect("payments:office_receipt", pk=receipt.pk)
    try:
        copy_number = services.receipt_print(receipt=receipt, actor=request.user, paper=form.cleaned_data["paper"])
    except DomainError as refusal:
        messages.error(request, refusal.message)
        return redirect("payments:office_receipt", pk=receipt.pk)
    content = pdf.receipt_pdf(receipt, paper=form.cleaned_data["paper"], copy_number=copy_number)
    return _pdf_response(content, f"receipt-{receipt.code}-{copy_number}.pdf")


@require_POST
@permission_required("payments.void_receipt", raise_exception=True)
def receipt_void(request, pk: int):
    receipt = selectors.receipt_get_for_user(request.user, pk)
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            services.receipt_void(receipt=receipt, actor=request.user, reason=form.cleaned_data["reason"])
        except DomainError as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, f"收据 {receipt.code} 已作废，号码保留，该笔收款不再计入")
            return redirect("payments:office_receipt", pk=receipt.pk)
    return _receipt_page(request, receipt, void_form=form, status=400)


@permission_required("payments.view_numbering", raise_exception=True)
def numbering(request):
    """收据号码使用报告: every number of a sequence as issued, voided or reprinted; no gap unexplained."""
    sequences = list(selectors.sequences_for_user(request.user))
    chosen = _int(request.GET.get("sequence"))
    sequence = next((item for item in sequences if item.pk == chosen), sequences[0] if sequences else None)
    if sequence is not None and request.GET.get("export") == "xlsx":
        return _numbering_export(request, sequence)
    report = None
    if sequence is not None:
        start = _int(request.GET.get("start")) or 1
        report = selectors.numbering_report(sequence, start=start, count=200)
        report["missing_numbers"] = selectors.numbering_missing(sequence)
    return render(
        request, "payments/office/numbering.html", {"sequences": sequences, "sequence": sequence, "report": report}
    )


def _numbering_export(request, sequence: ReceiptSequence):
    missing = set(selectors.numbering_missing(sequence))
    report = selectors.numbering_report(sequence, start=1, count=sequence.last_number)

    def rows():
        for row in report["rows"]:
            receipt = row["receipt"]
            if receipt is None:
                yield [row["code"], "缺号", "", None, "", None, 0, ""]
                continue
            yield [
                row["code"],
                receipt.get_status_display(),
                receipt.get_kind_display(),
                receipt.amount,
                receipt.payer_name,
                receipt.issued_at,
                max(receipt.print_count - 1, 0),
                receipt.void_reason,
            ]

    handle = tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False)  # noqa: SIM115 - FileResponse closes it
    handle.close()
    count = write_table(
        Path(handle.name),
        title=f"收据号码使用报告 {sequence.prefix}-{sequence.year}",
        filters=f"号段 {sequence}；缺号 {len(missing)} 个",
        header=["收据编号", "状态", "类型", "金额", "付款人", "开具时间", "补打次数", "作废原因"],
        rows=rows(),
        widths=[22, 10, 10, 14, 12, 20, 10, 30],
    )
    with transaction.atomic():
        audit_record(actor=request.user, action="payments.numbering.exported", target=sequence, data={"rows": count})
    return FileResponse(
        open(handle.name, "rb"), as_attachment=True, filename=f"收据号码-{sequence.prefix}-{sequence.year}.xlsx"
    )


# ---- shifts ----------------------------------------------------------------------------------------------------


def _counted_methods():
    return [method for method in selectors.counter_methods() if method.kind in COUNTED_KINDS]


@permission_required("payments.add_shiftclose", raise_exception=True)
def shift_current(request):
    """交班: what I took since my last close, per method, checked against my receipts; close it."""
    user = request.user
    form = ShiftCloseForm(request.POST if request.method == "POST" else None, counted_methods=_counted_methods())
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                shift = services.shift_close(actor=user, declared=form.declared(), note=form.cleaned_data["note"])
            except DomainError as refusal:
                form.add_error(None, refusal.message)
            else:
                if shift.is_balanced:
                    messages.success(
                        request, f"交班完成：{shift.payment_count} 笔，合计 {shift.total_amount:,.2f} 元，账据相符"
                    )
                else:
                    messages.warning(request, "交班已记录，但存在差异，请核对后报财务")
                return redirect("payments:office_shift_detail", pk=shift.pk)
        status = 400
    return render(
        request,
        "payments/office/shift_current.html",
        {
            "lines": services.shift_preview(operator=user),
            "payments": list(selectors.shift_open_payments(user)[:500]),
            "form": form,
        },
        status=status,
    )


@permission_required("payments.view_shiftclose", raise_exception=True)
def shift_list(request):
    return render(
        request,
        "payments/office/shift_list.html",
        {"page_obj": _page(request, selectors.shift_list_for_user(request.user))},
    )


@permission_required("payments.view_shiftclose", raise_exception=True)
def shift_detail(request, pk: int):
    shift = selectors.shift_get_for_user(request.user, pk)
    payments = shift.payments.select_related("method", "charge_item", "receipt", "project").order_by("id")
    return render(request, "payments/office/shift_detail.html", {"shift": shift, "payments": list(payments)})
