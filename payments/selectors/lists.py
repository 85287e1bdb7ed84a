"""Reads for the pages. Staff see the projects of their data scope and need the page's view
permission; a buyer sees only their own payments and receipts. Anything else answers 404."""

from decimal import Decimal

from django.db.models import Count, Max, Min, Q, QuerySet, Sum
from django.http import Http404

from accounts.scope import filter_by_scope
from payments.models import (
    Deposit,
    DepositStatus,
    HeldPayment,
    HeldStatus,
    MethodKind,
    OnlineTrade,
    Payment,
    PaymentKind,
    PaymentMethod,
    PaymentNotice,
    PaymentStatus,
    Receipt,
    ReceiptSequence,
    ReceiptStatus,
    ShiftClose,
)
from sales.models import ACTIVE_ORDER_STATUSES, Order, OrderStatus, Registration
from shuchang.core.money import ZERO


def _staff_with(user, perm: str) -> bool:
    return user.is_authenticated and user.is_staff and user.has_perm(perm)


def _one_or_404(queryset: QuerySet, pk: int, message: str):
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise Http404(message)
    return obj


# ---- orders and registrations as the cashier finds them -----------------------------------------


def order_list_for_cashier(user, *, search: str = "", project_id: int | None = None) -> QuerySet[Order]:
    """Orders a cashier may take money for: the user's projects; search by order number, unit or buyer."""
    if not _staff_with(user, "payments.view_payment"):
        return Order.objects.none()
    orders = filter_by_scope(Order.objects.all(), user)
    search = (search or "").strip()
    if search:
        number = search.upper().removeprefix("RG").lstrip("0")
        condition = Q(unit__code__iexact=search) | Q(buyer__mobile=search) | Q(buyer__buyer_profile__real_name=search)
        if number.isdigit():
            condition |= Q(pk=int(number))
        orders = orders.filter(condition)
    if project_id:
        orders = orders.filter(project_id=project_id)
    return orders.select_related("project", "unit", "buyer", "buyer__buyer_profile").order_by("-id")


def order_get_for_cashier(user, pk: int) -> Order:
    return _one_or_404(order_list_for_cashier(user), pk, "订单不存在")


def registration_get_for_cashier(user, pk: int) -> Registration:
    if not _staff_with(user, "payments.view_payment"):
        raise Http404("报名记录不存在")
    registrations = filter_by_scope(Registration.objects.all(), user, "opening__project")
    return _one_or_404(
        registrations.select_related("opening", "opening__project", "buyer", "buyer__buyer_profile"),
        pk,
        "报名记录不存在",
    )


def registration_list_for_cashier(user, *, search: str = "") -> QuerySet[Registration]:
    """Registrations with an intention fee (认筹金) to collect, searchable by the buyer's mobile or name."""
    if not _staff_with(user, "payments.view_payment"):
        return Registration.objects.none()
    registrations = filter_by_scope(
        Registration.objects.filter(opening__requires_registration=True), user, "opening__project"
    )
    search = (search or "").strip()
    if search:
        registrations = registrations.filter(Q(buyer__mobile=search) | Q(buyer__buyer_profile__real_name=search))
    return registrations.select_related("opening", "buyer", "buyer__buyer_profile").order_by("-id")


# ---- payments -------------------------------------------------------------------------------------


def _payments_related(queryset: QuerySet[Payment]) -> QuerySet[Payment]:
    return queryset.select_related(
        "project", "method", "charge_item", "receipt", "recorded_by", "order", "order__unit", "registration__opening"
    )


def payment_list_for_user(
    user, *, project_id: int | None = None, status: str = "", kind: str = "", method_id: int | None = None
) -> QuerySet[Payment]:
    if not _staff_with(user, "payments.view_payment"):
        return Payment.objects.none()
    payments = filter_by_scope(Payment.objects.all(), user)
    if project_id:
        payments = payments.filter(project_id=project_id)
    if status:
        payments = payments.filter(status=status)
    if kind:
        payments = payments.filter(kind=kind)
    if method_id:
        payments = payments.filter(method_id=method_id)
    return _payments_related(payments).order_by("-id")


def payment_get_for_user(user, pk: int) -> Payment:
    return _one_or_404(payment_list_for_user(user), pk, "收款记录不存在")


def payments_for_order(order: Order) -> list[Payment]:
    return list(_payments_related(Payment.objects.filter(order=order)).order_by("paid_at", "id"))


def payments_pending_approval(user) -> QuerySet[Payment]:
    if not _staff_with(user, "payments.approve_payment"):
        return Payment.objects.none()
    return payment_list_for_user(user, status=PaymentStatus.PENDING_APPROVAL).order_by("id")


def refundable_amount(payment: Payment) -> Decimal:
    refunded = payment.refunds.filter(status=PaymentStatus.CONFIRMED).aggregate(total=Sum("amount", default=ZERO))
    return payment.amount + refunded["total"]


def refund_list_for_user(user, *, project_id: int | None = None) -> QuerySet[Payment]:
    if not _staff_with(user, "payments.view_payment"):
        return Payment.objects.none()
    return payment_list_for_user(user, project_id=project_id, kind=PaymentKind.REFUND).select_related(
        "refund_of__receipt"
    )


def orders_awaiting_settlement(user) -> QuerySet[Order]:
    """Cancelled orders still holding the buyer's money: price or other payments not yet refunded,
    a 定金 not yet refunded or put up for forfeit, or 认筹金 converted into the order."""
    if not _staff_with(user, "payments.refund_payment"):
        return Order.objects.none()
    orders = filter_by_scope(Order.objects.filter(status=OrderStatus.CANCELLED), user)
    money_left = (
        Payment.objects.filter(status=PaymentStatus.CONFIRMED, order__isnull=False)
        .exclude(deposit__status__in=[DepositStatus.FORFEIT_PENDING, DepositStatus.FORFEITED])
        .exclude(refund_of__deposit__status__in=[DepositStatus.FORFEIT_PENDING, DepositStatus.FORFEITED])
        .order_by()
        .values("order_id")
        .annotate(net=Sum("amount"))
        .filter(net__gt=0)
        .values("order_id")
    )
    converted = Deposit.objects.filter(status=DepositStatus.CONVERTED, converted_order__isnull=False).values(
        "converted_order_id"
    )
    return (
        orders.filter(Q(pk__in=money_left) | Q(pk__in=converted))
        .select_related("project", "unit", "buyer", "buyer__buyer_profile")
        .order_by("-closed_at", "-id")
    )


# ---- receipts ----------------------------------------------------------------------------------------


def receipt_list_for_user(
    user,
    *,
    project_id: int | None = None,
    status: str = "",
    search: str = "",
    date_from=None,
    date_to=None,
) -> QuerySet[Receipt]:
    if not _staff_with(user, "payments.view_receipt"):
        return Receipt.objects.none()
    receipts = filter_by_scope(Receipt.objects.all(), user)
    if project_id:
        receipts = receipts.filter(project_id=project_id)
    if status:
        receipts = receipts.filter(status=status)
    search = (search or "").strip()
    if search:
        receipts = receipts.filter(Q(code__icontains=search) | Q(payer_name=search) | Q(unit_label__icontains=search))
    if date_from:
        receipts = receipts.filter(issued_at__date__gte=date_from)
    if date_to:
        receipts = receipts.filter(issued_at__date__lte=date_to)
    return receipts.select_related("project", "payment", "reverses").order_by("-id")


def receipt_get_for_user(user, pk: int) -> Receipt:
    return _one_or_404(
        receipt_list_for_user(user).select_related("payment__method", "voided_by", "issued_by"), pk, "收据不存在"
    )


def sequences_for_user(user) -> QuerySet[ReceiptSequence]:
    if not _staff_with(user, "payments.view_numbering"):
        return ReceiptSequence.objects.none()
    return (
        filter_by_scope(ReceiptSequence.objects.all(), user).select_related("project").order_by("project_id", "-year")
    )


def numbering_report(sequence: ReceiptSequence, *, start: int = 1, count: int = 200) -> dict:
    """Every number start..start+count-1 of the sequence (up to the last used) with what became of it.

    A number is 已开具, 已作废, or 缺号 — the last must never happen (the report says so loudly).
    Reprints (补打) are counted per number.
    """
    last = sequence.last_number
    end = min(start + count - 1, last)
    receipts = {
        receipt.number: receipt
        for receipt in Receipt.objects.filter(sequence=sequence, number__gte=start, number__lte=end).only(
            "number", "code", "status", "kind", "amount", "payer_name", "issued_at", "print_count", "void_reason"
        )
    }
    rows = [
        {"number": number, "code": sequence.code_for(number), "receipt": receipts.get(number)}
        for number in range(start, end + 1)
    ]
    totals = Receipt.objects.filter(sequence=sequence).aggregate(
        issued=Count("pk", filter=Q(status=ReceiptStatus.ISSUED)),
        voided=Count("pk", filter=Q(status=ReceiptStatus.VOIDED)),
        reprinted=Count("pk", filter=Q(print_count__gt=1)),
        lowest=Min("number"),
        highest=Max("number"),
        present=Count("pk"),
    )
    totals["missing"] = last - totals["present"]
    return {"sequence": sequence, "rows": rows, "totals": totals, "start": start, "end": end, "last": last}


def numbering_missing(sequence: ReceiptSequence) -> list[int]:
    """Numbers up to the last used that have no receipt (always empty unless the data was damaged)."""
    present = set(Receipt.objects.filter(sequence=sequence).values_list("number", flat=True))
    return [number for number in range(1, sequence.last_number + 1) if number not in present]


# ---- deposits, held money ------------------------------------------------------------------------------


def deposit_list_for_user(
    user, *, project_id: int | None = None, status: str = "", kind: str = "", search: str = ""
) -> QuerySet[Deposit]:
    if not _staff_with(user, "payments.view_deposit"):
        return Deposit.objects.none()
    deposits = filter_by_scope(Deposit.objects.all(), user)
    if project_id:
        deposits = deposits.filter(project_id=project_id)
    if status:
        deposits = deposits.filter(status=status)
    if kind:
        deposits = deposits.filter(kind=kind)
    search = (search or "").strip()
    if search:
        deposits = deposits.filter(Q(buyer__mobile=search) | Q(buyer__buyer_profile__real_name=search))
    return deposits.select_related(
        "project",
        "buyer",
        "buyer__buyer_profile",
        "order__unit",
        "registration__opening",
        "coupon__scheme",
        "payment__receipt",
        "payment__method",
        "converted_order",
        "refund_payment__receipt",
    ).order_by("-id")


def deposit_get_for_user(user, pk: int) -> Deposit:
    return _one_or_404(deposit_list_for_user(user), pk, "台账记录不存在")


def deposit_totals(user, *, project_id: int | None = None) -> dict:
    """Money per kind and status: the ledger's answer to "where is it now" (one grouped query)."""
    rows = (
        deposit_list_for_user(user, project_id=project_id)
        .order_by()
        .values("kind", "status")
        .annotate(count=Count("pk"), total=Sum("amount"))
    )
    return {(row["kind"], row["status"]): row for row in rows}


def held_list_for_user(user, *, status: str = "") -> QuerySet[HeldPayment]:
    if not _staff_with(user, "payments.view_heldpayment"):
        return HeldPayment.objects.none()
    held = filter_by_scope(HeldPayment.objects.all(), user)
    if status:
        held = held.filter(status=status)
    return held.select_related(
        "project", "buyer", "buyer__buyer_profile", "trade", "trade__order__unit", "payment__receipt", "resolved_by"
    ).order_by("-id")


def held_get_for_user(user, pk: int) -> HeldPayment:
    return _one_or_404(held_list_for_user(user), pk, "暂挂款不存在")


def held_open_total(user) -> dict:
    return held_list_for_user(user, status=HeldStatus.OPEN).aggregate(
        count=Count("pk"), total=Sum("amount", default=ZERO)
    )


def orders_for_reattach(held: HeldPayment) -> QuerySet[Order]:
    """The buyer's orders in the same project the held money could pay for."""
    return Order.objects.filter(
        buyer_id=held.buyer_id, project_id=held.project_id, status__in=ACTIVE_ORDER_STATUSES
    ).select_related("unit")


# ---- notices, shifts ---------------------------------------------------------------------------------------


def notice_get_for_user(user, pk: int) -> PaymentNotice:
    if not _staff_with(user, "payments.view_paymentnotice"):
        raise Http404("通知单不存在")
    return _one_or_404(
        filter_by_scope(PaymentNotice.objects.all(), user).select_related("issued_by"), pk, "通知单不存在"
    )


def notices_for_order(order: Order) -> list[PaymentNotice]:
    return list(PaymentNotice.objects.filter(order=order).select_related("issued_by").order_by("-id"))


def shift_open_payments(operator) -> QuerySet[Payment]:
    """The payments an operator has taken since their last shift close (not yet handed over)."""
    return (
        Payment.objects.filter(recorded_by=operator, shift__isnull=True)
        .select_related("method", "charge_item", "receipt", "project")
        .order_by("id")
    )


def shift_list_for_user(user) -> QuerySet[ShiftClose]:
    """Everyone's shifts for finance (view_all_shifts), otherwise the user's own."""
    if not _staff_with(user, "payments.view_shiftclose"):
        return ShiftClose.objects.none()
    shifts = ShiftClose.objects.all()
    if not user.has_perm("payments.view_all_shifts"):
        shifts = shifts.filter(operator=user)
    return shifts.select_related("operator").order_by("-closed_at", "-id")


def shift_get_for_user(user, pk: int) -> ShiftClose:
    return _one_or_404(shift_list_for_user(user), pk, "交班记录不存在")


def counter_methods() -> list[PaymentMethod]:
    """The methods a cashier may record with (online payments are the buyer's to make)."""
    return list(PaymentMethod.objects.filter(is_enabled=True).exclude(kind=MethodKind.ONLINE).order_by("position"))


def online_methods() -> list[PaymentMethod]:
    return list(PaymentMethod.objects.filter(is_enabled=True, kind=MethodKind.ONLINE).order_by("position"))


# ---- the buyer's own ---------------------------------------------------------------------------------------


def buyer_payments(buyer) -> QuerySet[Payment]:
    """A buyer's payments and refunds that count (or counted), newest first, with their receipts."""
    return (
        Payment.objects.filter(buyer=buyer)
        .exclude(status__in=[PaymentStatus.PENDING_APPROVAL, PaymentStatus.REJECTED])
        .select_related(
            "project", "method", "charge_item", "receipt", "order__unit", "registration__opening", "coupon__scheme"
        )
        .order_by("-paid_at", "-id")
    )


def buyer_receipt_get(buyer, pk: int) -> Receipt:
    """A receipt of the buyer's own payment; anyone else's is 404."""
    if not buyer.is_authenticated or buyer.is_staff:
        raise Http404("收据不存在")
    return _one_or_404(Receipt.objects.filter(payment__buyer=buyer).select_related("payment"), pk, "收据不存在")


def buyer_trade_get(buyer, out_trade_no: str) -> OnlineTrade | None:
    return OnlineTrade.objects.filter(buyer=buyer, out_trade_no=out_trade_no).first()
