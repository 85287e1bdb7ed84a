"""Staff pages about where money is: refunds and orders to settle, held payments, the deposits
ledger (定金台账), arrears (欠费) and overdue items (逾期) with their dunning notices."""

import tempfile
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from audit.services import audit_record
from payments import permissions, selectors, services
from payments.exceptions import DomainError, PaymentNotAllowed
from payments.forms import AsOfForm, DepositActionForm, DepositFilterForm, HeldReattachForm, ReasonForm
from payments.models import DepositKind, DepositStatus, HeldStatus
from payments.services._common import staff_may
from payments.views.office import _int, _projects
from shuchang.core.masking import mask_mobile, mask_name
from shuchang.core.xlsx import write_table

PER_PAGE = 30


def _page(request, queryset, per_page: int = PER_PAGE):
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


# ---- refunds --------------------------------------------------------------------------------------------------


@permission_required("payments.view_payment", raise_exception=True)
def refund_list(request):
    """退款: refunds made, and cancelled orders still holding money (退房结算)."""
    return render(
        request,
        "payments/office/refund_list.html",
        {
            "page_obj": _page(request, selectors.refund_list_for_user(request.user)),
            "to_settle": list(selectors.orders_awaiting_settlement(request.user)[:100]),
        },
    )


# ---- held payments ---------------------------------------------------------------------------------------------


@permission_required("payments.view_heldpayment", raise_exception=True)
def held_list(request):
    status = request.GET.get("status", HeldStatus.OPEN)
    held = selectors.held_list_for_user(request.user, status=status if status in HeldStatus.values else "")
    return render(
        request,
        "payments/office/held_list.html",
        {"page_obj": _page(request, held), "status": status, "statuses": HeldStatus.choices},
    )


@require_http_methods(["GET", "HEAD", "POST"])
@permission_required("payments.view_heldpayment", raise_exception=True)
def held_detail(request, pk: int):
    """A held payment: refund it through its gateway, or re-attach it to one of the buyer's orders."""
    held = selectors.held_get_for_user(request.user, pk)
    orders = list(selectors.orders_for_reattach(held))
    refund_form, reattach_form = ReasonForm(), HeldReattachForm(orders=orders)
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "refund":
                refund_form = ReasonForm(request.POST)
                if refund_form.is_valid():
                    services.held_refund(held=held, actor=request.user, reason=refund_form.cleaned_data["reason"])
                    messages.success(request, f"暂挂款 {held.amount:,.2f} 元已原路退回")
                    return redirect("payments:office_held_detail", pk=held.pk)
            elif action == "reattach":
                reattach_form = HeldReattachForm(request.POST, orders=orders)
                if reattach_form.is_valid():
                    order = next(order for order in orders if str(order.pk) == reattach_form.cleaned_data["order"])
                    payment = services.held_reattach(
                        held=held,
                        actor=request.user,
                        order=order,
                        charge_item=reattach_form.cleaned_data["charge_item"],
                    )
                    messages.success(request, f"已转入订单 {order.number}，收据编号 {payment.receipt.code}")
                    return redirect("payments:office_held_detail", pk=held.pk)
        except DomainError as refusal:
            messages.error(request, refusal.message)
        status = 400
    return render(
        request,
        "payments/office/held_detail.html",
        {
            "held": held,
            "orders": orders,
            "can_resolve": held.status == HeldStatus.OPEN and permissions.can_resolve_held(request.user, held),
            "refund_form": refund_form,
            "reattach_form": reattach_form,
        },
        status=status,
    )


# ---- the deposits ledger ------------------------------------------------------------------------------------------


@permission_required("payments.view_deposit", raise_exception=True)
def deposit_list(request):
    """定金台账: whose money it is (buyer, order/opening/coupon) and where it is now (status)."""
    form = DepositFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    project_id = _int(request.GET.get("project"))
    deposits = selectors.deposit_list_for_user(
        request.user,
        project_id=project_id,
        status=filters.get("status", ""),
        kind=filters.get("kind", ""),
        search=filters.get("search", ""),
    )
    totals = selectors.deposit_totals(request.user, project_id=project_id)
    summary = [
        {
            "kind": kind_label,
            "cells": [
                totals.get((kind, status), {"count": 0, "total": None}) for status, _label in DepositStatus.choices
            ],
        }
        for kind, kind_label in DepositKind.choices
    ]
    return render(
        request,
        "payments/office/deposit_list.html",
        {
            "form": form,
            "page_obj": _page(request, deposits),
            "summary": summary,
            "statuses": DepositStatus.choices,
            "held": selectors.held_open_total(request.user),
            "projects": _projects(request.user),
            "project_id": project_id,
        },
    )


def _deposit_actions(user, deposit) -> dict:
    """Which buttons the page shows; the services check again."""
    project_id = deposit.project_id
    allowed = deposit.allowed_transitions
    return {
        "convert": DepositStatus.CONVERTED in allowed and staff_may(user, "payments.convert_deposit", project_id),
        "refund": deposit.status in (DepositStatus.RECEIVED, DepositStatus.CONVERTED)
        and staff_may(user, "payments.refund_payment", project_id),
        "forfeit_request": deposit.kind == DepositKind.DEPOSIT
        and DepositStatus.FORFEIT_PENDING in allowed
        and staff_may(user, "payments.request_forfeit", project_id),
        "forfeit_review": deposit.status == DepositStatus.FORFEIT_PENDING
        and deposit.forfeit_requested_by_id != user.pk
        and staff_may(user, "payments.approve_forfeit", project_id),
    }


@require_http_methods(["GET", "HEAD", "POST"])
@permission_required("payments.view_deposit", raise_exception=True)
def deposit_detail(request, pk: int):
    deposit = selectors.deposit_get_for_user(request.user, pk)
    form = DepositActionForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                _deposit_act(request, deposit, form.cleaned_data)
            except DomainError as refusal:
                messages.error(request, refusal.message)
            else:
                return redirect("payments:office_deposit", pk=deposit.pk)
        status = 400
    convertible = []
    if deposit.kind == DepositKind.INTENTION:
        from sales.models import Order, OrderStatus

        convertible = list(
            Order.objects.filter(
                buyer_id=deposit.buyer_id,
                project_id=deposit.project_id,
                status__in=[OrderStatus.RESERVED, OrderStatus.SIGNED, OrderStatus.COMPLETED],
            ).select_related("unit")
        )
    return render(
        request,
        "payments/office/deposit_detail.html",
        {
            "deposit": deposit,
            "events": list(deposit.events.select_related("actor")),
            "actions": _deposit_actions(request.user, deposit),
            "convertible_orders": convertible,
            "form": form,
        },
        status=status,
    )


def _deposit_act(request, deposit, data: dict) -> None:
    action, reason, user = data["action"], data.get("reason", ""), request.user
    if action == "convert":
        order = None
        if deposit.kind == DepositKind.INTENTION:
            from sales.models import Order

            order = Order.objects.filter(pk=data.get("order") or 0, buyer_id=deposit.buyer_id).first()
            if order is None:
                raise PaymentNotAllowed("请选择认筹金转入的订单")
        services.deposit_convert(deposit=deposit, actor=user, order=order, reason=reason)
        messages.success(request, "已转房款")
    elif action == "refund":
        refund = services.deposit_refund(deposit=deposit, actor=user, reason=reason)
        messages.success(request, f"已退还 {-refund.amount:,.2f} 元，红冲收据 {refund.receipt.code}")
    elif action == "forfeit_request":
        services.deposit_forfeit_request(deposit=deposit, actor=user, reason=reason)
        messages.success(request, "已提交没收申请，待他人审批")
    elif action == "forfeit_approve":
        services.deposit_forfeit_approve(deposit=deposit, actor=user)
        messages.success(request, "已批准没收")
    elif action == "forfeit_reject":
        services.deposit_forfeit_reject(deposit=deposit, actor=user, note=reason)
        messages.success(request, "已驳回没收申请")


# ---- arrears and overdue --------------------------------------------------------------------------------------------


def _buyer_label(real_name: str | None, mobile: str | None) -> str:
    return mask_name(real_name or "") or mask_mobile(mobile or "")


@permission_required("payments.view_arrears", raise_exception=True)
def arrears(request):
    """欠费统计 as of any date, per order or per household (购房人); exportable to Excel."""
    form = AsOfForm(request.GET or None)
    as_of = form.as_of_date()
    project_id = _int(request.GET.get("project"))
    by_buyer = request.GET.get("group") == "buyer"
    rows = (
        selectors.arrears_by_buyer(request.user, as_of=as_of, project_id=project_id)
        if by_buyer
        else selectors.arrears_by_order(request.user, as_of=as_of, project_id=project_id)
    )
    if request.GET.get("export") == "xlsx":
        return _arrears_export(request, rows, as_of=as_of, by_buyer=by_buyer)
    return render(
        request,
        "payments/office/arrears.html",
        {
            "form": form,
            "as_of": as_of,
            "by_buyer": by_buyer,
            "page_obj": _page(request, rows),
            "projects": _projects(request.user),
            "project_id": project_id,
        },
    )


def _arrears_export(request, rows, *, as_of, by_buyer: bool):
    if by_buyer:
        header = ["购房人", "手机号", "订单数", "应收（截至日）", "已收", "欠费"]

        def data():
            for row in rows.iterator():
                name = _buyer_label(row["buyer__buyer_profile__real_name"], None)
                yield [name, mask_mobile(row["buyer__mobile"] or ""), row["order_count"], row["due_total"],
                       row["paid_total"], row["arrears_total"]]  # fmt: skip
    else:
        header = ["订单号", "楼盘", "房号", "购房人", "状态", "应收（截至日）", "已收", "欠费"]

        def data():
            for order in rows.iterator():
                profile = getattr(order.buyer, "buyer_profile", None)
                yield [order.number, order.project.name, order.unit.code,
                       _buyer_label(profile.real_name if profile else "", order.buyer.mobile),
                       order.get_status_display(), order.due, order.paid, order.arrears]  # fmt: skip

    handle = tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False)  # noqa: SIM115 - FileResponse closes it
    handle.close()
    count = write_table(
        Path(handle.name),
        title="欠费统计表",
        filters=f"截至 {as_of.isoformat()}；{'按户' if by_buyer else '按订单'}",
        header=header,
        rows=data(),
    )
    with transaction.atomic():
        audit_record(actor=request.user, action="payments.arrears.exported", data={"rows": count, "as_of": as_of})
    return FileResponse(open(handle.name, "rb"), as_attachment=True, filename=f"欠费统计-{as_of.isoformat()}.xlsx")


@permission_required("payments.view_arrears", raise_exception=True)
def overdue(request):
    """逾期明细: schedule items past their due date and not covered by what was paid by then."""
    form = AsOfForm(request.GET or None)
    as_of = form.as_of_date()
    project_id = _int(request.GET.get("project"))
    items = selectors.overdue_items(request.user, as_of=as_of, project_id=project_id)
    return render(
        request,
        "payments/office/overdue.html",
        {
            "form": form,
            "as_of": as_of,
            "page_obj": _page(request, items),
            "projects": _projects(request.user),
            "project_id": project_id,
        },
    )
