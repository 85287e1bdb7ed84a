"""What is due, paid and outstanding — per order, per household (购房人), per schedule item — as of a date.

Paid toward the price = confirmed payments (refunds are negative rows) of the price charge items
(定金, 首付款, 房款) on the order, plus 认筹金 converted into it. Sums happen in SQL; only one
order's notice allocates in Python (a handful of lines).
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, DecimalField, F, OuterRef, Q, QuerySet, Subquery, Sum, Value, Window
from django.db.models.functions import Coalesce, Least
from django.utils import timezone

from accounts.scope import filter_by_scope
from payments.models import (
    PRICE_CHARGE_KINDS,
    Deposit,
    DepositKind,
    DepositStatus,
    Payment,
    PaymentSchedule,
    PaymentScheduleItem,
    PaymentStatus,
)
from sales.models import Order, OrderStatus
from shuchang.core.money import ZERO

AMOUNT = DecimalField(max_digits=14, decimal_places=2)
# Orders that owe money on a schedule: reserved onwards and not closed.
OWING_ORDER_STATUSES = [OrderStatus.RESERVED, OrderStatus.SIGNED, OrderStatus.COMPLETED]


def local_day_end(day: date) -> datetime:
    """The first instant after the local (Asia/Shanghai) day: 'as of a date' includes the whole day."""
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone()) + timedelta(days=1)


def _zero() -> Value:
    return Value(ZERO, output_field=AMOUNT)


def _sum_subquery(queryset: QuerySet, group_field: str, amount_field: str = "amount") -> Coalesce:
    """SUM(amount) of `queryset` grouped by `group_field` (already filtered on the outer row), or 0."""
    summed = queryset.order_by().values(group_field).annotate(total=Sum(amount_field)).values("total")
    return Coalesce(Subquery(summed, output_field=AMOUNT), _zero(), output_field=AMOUNT)


def paid_expression(order_ref: str = "pk", *, before: datetime | None = None) -> Coalesce:
    """SQL for what the order in `order_ref` has paid toward its price (before `before` if given)."""
    payments = Payment.objects.filter(
        order_id=OuterRef(order_ref), status=PaymentStatus.CONFIRMED, charge_item__kind__in=PRICE_CHARGE_KINDS
    )
    converted = Deposit.objects.filter(
        converted_order_id=OuterRef(order_ref), kind=DepositKind.INTENTION, status=DepositStatus.CONVERTED
    )
    if before is not None:
        payments = payments.filter(paid_at__lt=before)
        converted = converted.filter(status_changed_at__lt=before)
    return Coalesce(
        _sum_subquery(payments, "order_id") + _sum_subquery(converted, "converted_order_id"),
        _zero(),
        output_field=AMOUNT,
    )


def due_expression(order_ref: str = "pk", *, due_by: date | None = None) -> Coalesce:
    items = PaymentScheduleItem.objects.filter(schedule__order_id=OuterRef(order_ref), schedule__is_current=True)
    if due_by is not None:
        items = items.filter(due_on__lte=due_by)
    return _sum_subquery(items, "schedule__order_id")


def order_paid_amount(order_id: int, *, as_of: date | None = None) -> Decimal:
    """One order's paid-toward-price total (as of the end of `as_of`)."""
    before = local_day_end(as_of) if as_of else None
    value = (
        Order.objects.filter(pk=order_id).annotate(paid=paid_expression(before=before)).values_list("paid", flat=True)
    )
    return value.get()


# ---- one order: the notice ------------------------------------------------------------------


@dataclass
class StatementLine:
    name: str
    due_on: date
    amount: Decimal
    paid: Decimal
    outstanding: Decimal
    is_due: bool
    is_overdue: bool

    def as_json(self) -> dict:
        return {
            "name": self.name,
            "due_on": self.due_on.isoformat(),
            "amount": str(self.amount),
            "paid": str(self.paid),
            "outstanding": str(self.outstanding),
            "is_overdue": self.is_overdue,
        }


@dataclass
class Statement:
    order: Order
    as_of: date
    schedule: PaymentSchedule | None
    lines: list[StatementLine] = field(default_factory=list)
    paid: Decimal = ZERO
    total: Decimal = ZERO  # the whole schedule
    due: Decimal = ZERO  # due by as_of
    outstanding: Decimal = ZERO  # the whole schedule, minus paid
    arrears: Decimal = ZERO  # due by as_of, minus paid (欠费)
    overdue: Decimal = ZERO  # due before as_of and unpaid (逾期)


def allocate(items: list[PaymentScheduleItem], paid: Decimal, as_of: date) -> list[StatementLine]:
    """Apply what was paid to the items in due order (oldest first), as a finance clerk would."""
    left = max(paid, ZERO)
    lines = []
    for item in sorted(items, key=lambda item: (item.due_on, item.position)):
        covered = min(item.amount, left)
        left -= covered
        outstanding = item.amount - covered
        lines.append(
            StatementLine(
                name=item.name,
                due_on=item.due_on,
                amount=item.amount,
                paid=covered,
                outstanding=outstanding,
                is_due=item.due_on <= as_of,
                is_overdue=item.due_on < as_of and outstanding > 0,
            )
        )
    return lines


def order_statement(order: Order, *, as_of: date) -> Statement:
    """Due, paid and outstanding for one order as of a date: what a 缴费通知单 prints."""
    schedule = PaymentSchedule.objects.filter(order=order, is_current=True).first()
    items = list(schedule.items.all()) if schedule else []
    paid = order_paid_amount(order.pk, as_of=as_of)
    lines = allocate(items, paid, as_of)
    total = sum((line.amount for line in lines), ZERO)
    due = sum((line.amount for line in lines if line.is_due), ZERO)
    return Statement(
        order=order,
        as_of=as_of,
        schedule=schedule,
        lines=lines,
        paid=paid,
        total=total,
        due=due,
        outstanding=max(total - paid, ZERO) if schedule else ZERO,
        arrears=max(due - paid, ZERO),
        overdue=sum((line.outstanding for line in lines if line.is_overdue), ZERO),
    )


# ---- many orders: arrears and overdue items ---------------------------------------------------


def arrears_by_order(user, *, as_of: date, project_id: int | None = None) -> QuerySet[Order]:
    """Orders in the user's scope owing money as of `as_of` (due by then minus paid by then), largest first."""
    before = local_day_end(as_of)
    orders = filter_by_scope(Order.objects.filter(status__in=OWING_ORDER_STATUSES), user)
    if project_id:
        orders = orders.filter(project_id=project_id)
    return (
        orders.annotate(due=due_expression(due_by=as_of), paid=paid_expression(before=before))
        .annotate(arrears=F("due") - F("paid"))
        .filter(arrears__gt=0)
        .select_related("project", "unit", "buyer", "buyer__buyer_profile")
        .order_by("-arrears", "pk")
    )


def arrears_by_buyer(user, *, as_of: date, project_id: int | None = None) -> QuerySet:
    """The same summed per household (购房人): one row per buyer with their orders' arrears."""
    rows = arrears_by_order(user, as_of=as_of, project_id=project_id)
    return (
        rows.order_by()
        .values("buyer_id", "buyer__mobile", "buyer__buyer_profile__real_name")
        .annotate(order_count=Count("pk"), due_total=Sum("due"), paid_total=Sum("paid"), arrears_total=Sum("arrears"))
        .order_by("-arrears_total", "buyer_id")
    )


def overdue_items(user, *, as_of: date, project_id: int | None = None) -> QuerySet[PaymentScheduleItem]:
    """Schedule items due before `as_of` and not covered by what was paid by then (oldest items
    are covered first: a running total per schedule, in SQL, against the order's paid total)."""
    before = local_day_end(as_of)
    items = PaymentScheduleItem.objects.filter(
        schedule__is_current=True, schedule__order__status__in=OWING_ORDER_STATUSES, due_on__lt=as_of
    )
    items = filter_by_scope(items, user, "schedule__project")
    if project_id:
        items = items.filter(schedule__project_id=project_id)
    return (
        items.annotate(
            running=Window(
                Sum("amount"), partition_by=[F("schedule_id")], order_by=[F("due_on").asc(), F("position").asc()]
            ),
            paid=paid_expression("schedule__order_id", before=before),
        )
        .annotate(unpaid=Least(F("amount"), F("running") - F("paid"), output_field=AMOUNT))
        .filter(unpaid__gt=0)
        .select_related("schedule__order__unit", "schedule__project", "schedule__order__buyer__buyer_profile")
        .order_by("due_on", "schedule_id", "position")
    )


def owing_filter() -> Q:
    return Q(status__in=OWING_ORDER_STATUSES)
