"""Receipts (收据): issue with a gapless number, print and reprint (补打), void (作废).

Numbering: one `ReceiptSequence` row per project and year is the counter. Issuing a receipt
increments it with one UPDATE inside the payment's transaction, which row-locks it until commit:
a parallel payment of the same project waits for it, and a rolled-back payment gives its number
back with everything else. So numbers are unique (a unique index on sequence + number) and
gapless (every used number has a receipt row; voided receipts keep theirs). This lock serialises
receipts of one project, which is fine here: payments are counted in hundreds a day, not the
thousands a second of an opening's selections.
"""

import re

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from audit.services import audit_record
from payments.exceptions import ConcurrentChange, PaymentNotAllowed, ReceiptNotVoidable
from payments.models import (
    DepositStatus,
    MethodKind,
    Paper,
    Payment,
    PaymentKind,
    PaymentSettings,
    PaymentStatus,
    Receipt,
    ReceiptKind,
    ReceiptPrint,
    ReceiptSequence,
    ReceiptStatus,
)
from payments.services._common import (
    SYSTEM_OPERATOR,
    actor_or_none,
    deposit_cas,
    payment_cas,
    person_name,
    require,
    staff_may,
)
from payments.services.points import points_return_for
from shuchang.core.money import amount_in_chinese_capitals


def receipt_prefix(project) -> str:
    """YUNQI for 舒畅·云栖府 (slug yunqi): short, Latin, printable on any receipt printer."""
    letters = re.sub(r"[^A-Za-z0-9]", "", project.slug or "").upper()[:8]
    return letters or f"P{project.pk}"


def _next_number(project, year: int) -> tuple[ReceiptSequence, int]:
    """Take the next number of the project's sequence for `year`, locking the counter row until commit."""
    ReceiptSequence.objects.bulk_create(
        [ReceiptSequence(project=project, year=year, prefix=receipt_prefix(project))], ignore_conflicts=True
    )
    sequence = ReceiptSequence.objects.filter(project=project, year=year)
    # The UPDATE takes the row lock; the SELECT after it, in the same transaction, reads our own value.
    sequence.update(last_number=F("last_number") + 1)
    sequence = sequence.get()
    return sequence, sequence.last_number


def receipt_issue(*, payment: Payment, actor, reverses: Receipt | None = None) -> Receipt:
    """A receipt for a confirmed payment (red, reversing `reverses`, for a refund), in the caller's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("receipt_issue must run inside the payment's transaction")
    project = payment.project
    now = timezone.now()
    sequence, number = _next_number(project, timezone.localdate(now).year)
    red = payment.kind == PaymentKind.REFUND
    settings_row = PaymentSettings.current()
    title = settings_row.receipt_title or getattr(project.developer, "name", "") or project.name
    note = payment.note or ""
    if red and reverses is not None:
        note = f"冲销原收据 {reverses.code}" + (f"；{payment.reason}" if payment.reason else "")
    elif payment.method.kind == MethodKind.WAIVER:
        note = f"减免事由：{payment.reason}"
    elif payment.method.kind == MethodKind.POINTS and payment.points:
        note = f"使用积分 {payment.points}"
    receipt = Receipt.objects.create(
        sequence=sequence,
        number=number,
        code=sequence.code_for(number),
        project=project,
        payment=payment,
        kind=ReceiptKind.RED if red else ReceiptKind.NORMAL,
        reverses=reverses if red else None,
        title=title[:60],
        project_name=project.name[:100],
        payer_name=payment.payer_name,
        unit_label=_unit_label(payment)[:60],
        charge_item_name=payment.charge_item.name,
        method_name=payment.method.name,
        external_ref=payment.external_ref,
        amount=payment.amount,
        amount_in_words=amount_in_chinese_capitals(payment.amount),
        note=note[:200],
        operator_name=person_name(actor_or_none(actor)) if actor_or_none(actor) else SYSTEM_OPERATOR,
        issued_by=actor_or_none(actor),
        issued_at=now,
    )
    audit_record(
        actor=actor,
        action="payments.receipt.issued",
        target=receipt,
        data={"payment_id": payment.pk, "number": receipt.code, "amount": payment.amount, "red": red},
    )
    return receipt


def _unit_label(payment: Payment) -> str:
    if payment.order_id:
        return f"{payment.order.unit.code}（认购单 {payment.order.number}）"
    if payment.registration_id:
        return f"{payment.registration.opening.name} 认筹"
    return f"购房券 {payment.coupon.scheme.name}"


@transaction.atomic
def receipt_print(*, receipt: Receipt, actor, paper: str) -> int:
    """Record one print of the receipt; returns which print it is (1 = original, 2+ = 补打).

    The first print needs only access to the receipt; printing again is a reprint (补打) and needs
    the reprint permission. Every print is logged.
    """
    if paper not in (Paper.A4, Paper.CONTINUOUS):
        raise PaymentNotAllowed("请选择打印纸张")
    if not staff_may(actor, "payments.view_receipt", receipt.project_id):
        raise PaymentNotAllowed("您无权打印该收据")
    current = Receipt.objects.filter(pk=receipt.pk).values_list("print_count", flat=True).get()
    if current >= 1 and not actor.has_perm("payments.reprint_receipt"):
        raise PaymentNotAllowed("该收据已打印过，补打须由财务办理")
    # Compare-and-swap on the count: two clicks on 打印 make two numbered prints, never the same one twice.
    if Receipt.objects.filter(pk=receipt.pk, print_count=current).update(print_count=current + 1) != 1:
        raise ConcurrentChange(receipt)
    copy_number = current + 1
    receipt.print_count = copy_number
    ReceiptPrint.objects.create(receipt=receipt, copy_number=copy_number, paper=paper, printed_by=actor)
    audit_record(
        actor=actor,
        action="payments.receipt.reprinted" if copy_number > 1 else "payments.receipt.printed",
        target=receipt,
        data={"copy_number": copy_number, "paper": paper},
    )
    return copy_number


@transaction.atomic
def receipt_void(*, receipt: Receipt, actor, reason: str) -> Receipt:
    """Void a wrong receipt (作废): its number stays used, its payment stops counting.

    Refused for online payments (the money is at the platform: refund it instead), for red
    receipts, for payments already refunded, and for deposits already converted or forfeited.
    """
    reason = (reason or "").strip()
    require(actor, "payments.void_receipt", receipt.project_id, "您没有作废收据的权限")
    if not reason:
        raise ReceiptNotVoidable("请填写作废原因")
    receipt = Receipt.objects.select_for_update(of=("self",)).select_related("payment__method").get(pk=receipt.pk)
    payment = receipt.payment
    if receipt.status == ReceiptStatus.VOIDED:
        raise ReceiptNotVoidable("该收据已作废")
    if receipt.kind == ReceiptKind.RED:
        raise ReceiptNotVoidable("红冲收据不能作废")
    if payment.method.kind == MethodKind.ONLINE:
        raise ReceiptNotVoidable("线上支付的收据不能作废，如需退还请办理退款")
    if payment.refunds.filter(status=PaymentStatus.CONFIRMED).exists():
        raise ReceiptNotVoidable("该笔收款已有退款，不能作废收据")
    deposit = getattr(payment, "deposit", None)
    if deposit is not None and deposit.status != DepositStatus.RECEIVED:
        raise ReceiptNotVoidable(
            f"该笔{deposit.get_kind_display()}当前为「{deposit.get_status_display()}」，不能作废收据"
        )
    now = timezone.now()
    if (
        Receipt.objects.filter(pk=receipt.pk, status=ReceiptStatus.ISSUED).update(
            status=ReceiptStatus.VOIDED, voided_at=now, voided_by=actor, void_reason=reason[:200]
        )
        != 1
    ):
        raise ConcurrentChange(receipt)
    receipt.status, receipt.voided_at, receipt.voided_by, receipt.void_reason = ReceiptStatus.VOIDED, now, actor, reason
    payment_cas(payment=payment, to_status=PaymentStatus.VOIDED, voided_at=now)
    if deposit is not None:
        deposit_cas(deposit=deposit, to_status=DepositStatus.VOIDED, actor=actor, reason=f"收据作废：{reason}")
    if payment.method.kind == MethodKind.POINTS and payment.points:
        points_return_for(payment=payment, actor=actor, reason=f"收据 {receipt.code} 作废，积分退回")
    audit_record(
        actor=actor,
        action="payments.receipt.voided",
        target=receipt,
        before={"status": ReceiptStatus.ISSUED},
        after={"status": ReceiptStatus.VOIDED},
        data={"reason": reason, "payment_id": payment.pk, "amount": payment.amount},
    )
    return receipt
