"""Shift close (交班): an operator hands over what they took since their last close.

Every payment a person recorded belongs to exactly one of their shifts: closing stamps the
still-open ones (one UPDATE … WHERE shift IS NULL, so two closes can never both take a payment).
Payments waiting for approval stay open until decided. The close sums per method (waivers and
points included), checks the sums against the receipts issued for those payments, and against
what the operator counted for the methods that handle money.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from audit.services import audit_record
from payments.exceptions import PaymentNotAllowed
from payments.models import MethodKind, Payment, PaymentMethod, PaymentStatus, ReceiptStatus, ShiftClose
from shuchang.core.money import ZERO, to_amount

# Statuses a payment is final in: those go into a shift.
_SETTLED = [PaymentStatus.CONFIRMED, PaymentStatus.VOIDED, PaymentStatus.REJECTED]
# Methods whose takings an operator counts and hands over (cash, POS slips, transfer slips).
COUNTED_KINDS = (MethodKind.OFFLINE,)


@dataclass
class ShiftLine:
    method_id: int
    method_name: str
    method_kind: str
    count: int
    payments_total: Decimal
    receipts_total: Decimal
    receipt_count: int
    declared: Decimal | None = None

    @property
    def method(self) -> str:  # the stored lines' key, so one template shows both
        return self.method_name

    @property
    def balanced(self) -> bool:
        return self.is_balanced

    @property
    def receipts_match(self) -> bool:
        return self.payments_total == self.receipts_total

    @property
    def difference(self) -> Decimal | None:
        return None if self.declared is None else self.declared - self.payments_total

    @property
    def is_balanced(self) -> bool:
        return self.receipts_match and (self.declared is None or self.difference == 0)

    def as_json(self) -> dict:
        return {
            "method_id": self.method_id,
            "method": self.method_name,
            "kind": self.method_kind,
            "count": self.count,
            "payments_total": str(self.payments_total),
            "receipts_total": str(self.receipts_total),
            "receipt_count": self.receipt_count,
            "declared": None if self.declared is None else str(self.declared),
            "difference": None if self.difference is None else str(self.difference),
            "balanced": self.is_balanced,
        }


def shift_lines(payments) -> list[ShiftLine]:
    """Per method: confirmed payments (refunds negative), and the issued receipts of those payments."""
    rows = (
        payments.order_by()
        .values("method_id")
        .annotate(
            count=Count("pk", filter=Q(status=PaymentStatus.CONFIRMED)),
            payments_total=Sum("amount", filter=Q(status=PaymentStatus.CONFIRMED), default=ZERO),
            receipts_total=Sum("receipt__amount", filter=Q(receipt__status=ReceiptStatus.ISSUED), default=ZERO),
            receipt_count=Count("receipt", filter=Q(receipt__status=ReceiptStatus.ISSUED)),
        )
    )
    methods = {method.pk: method for method in PaymentMethod.objects.all()}
    lines = [
        ShiftLine(
            method_id=row["method_id"],
            method_name=methods[row["method_id"]].name,
            method_kind=methods[row["method_id"]].kind,
            count=row["count"],
            payments_total=to_amount(row["payments_total"]),
            receipts_total=to_amount(row["receipts_total"]),
            receipt_count=row["receipt_count"],
        )
        for row in rows
    ]
    return sorted(lines, key=lambda line: (methods[line.method_id].position, line.method_id))


def shift_preview(*, operator) -> list[ShiftLine]:
    return shift_lines(Payment.objects.filter(recorded_by=operator, shift__isnull=True, status__in=_SETTLED))


@transaction.atomic
def shift_close(*, actor, declared: dict[int, Decimal] | None = None, note: str = "") -> ShiftClose:
    """Close the actor's shift: stamp their open payments, sum per method, check against the
    receipts and the counted amounts (`declared`: method id → amount, for the counted methods)."""
    if not (actor.is_staff and actor.has_perm("payments.add_shiftclose")):
        raise PaymentNotAllowed("您没有交班的权限")
    declared = declared or {}
    now = timezone.now()
    previous = (
        ShiftClose.objects.filter(operator=actor).order_by("-closed_at").values_list("closed_at", flat=True).first()
    )
    shift = ShiftClose.objects.create(
        operator=actor,
        opened_at=previous,
        closed_at=now,
        payment_count=0,
        receipt_count=0,
        total_amount=ZERO,
        lines=[],
        is_balanced=True,
        note=(note or "").strip()[:200],
    )
    taken = Payment.objects.filter(
        recorded_by=actor, shift__isnull=True, status__in=_SETTLED, recorded_at__lte=now
    ).update(shift=shift)
    if not taken:
        raise PaymentNotAllowed("本班没有需要交接的收款")
    lines = shift_lines(Payment.objects.filter(shift=shift))
    for line in lines:
        if line.method_kind in COUNTED_KINDS:
            line.declared = declared.get(line.method_id)
    ShiftClose.objects.filter(pk=shift.pk).update(
        payment_count=sum(line.count for line in lines),
        receipt_count=sum(line.receipt_count for line in lines),
        total_amount=sum((line.payments_total for line in lines), ZERO),
        lines=[line.as_json() for line in lines],
        is_balanced=all(line.is_balanced for line in lines),
    )
    shift.refresh_from_db()
    audit_record(
        actor=actor,
        action="payments.shift.closed",
        target=shift,
        data={"payments": taken, "total": shift.total_amount, "balanced": shift.is_balanced},
    )
    return shift
