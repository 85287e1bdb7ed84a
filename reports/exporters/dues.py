"""What is due and what of it is still unpaid, from the payment schedules — the same figures as
payments' arrears (payments.selectors.money): what an order has paid toward its price (confirmed
price-item payments, refunds negative, plus 认筹金 converted into it) covers its items oldest first.
"""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db import connections
from django.db.models import F, QuerySet, Sum, Window
from django.db.models.functions import Least

from payments.models import PaymentScheduleItem
from payments.selectors.money import AMOUNT, OWING_ORDER_STATUSES, local_day_end, paid_expression
from shuchang.core.money import CENT


def schedule_items(report, *, project=None, building=None) -> QuerySet[PaymentScheduleItem]:
    """The current schedules' items of the orders that owe money, in the report user's scope."""
    items = report.scoped(
        PaymentScheduleItem.objects.filter(schedule__is_current=True, schedule__order__status__in=OWING_ORDER_STATUSES),
        "schedule__project",
    )
    if project:
        items = items.filter(schedule__project=project)
    if building:
        items = items.filter(schedule__order__unit__building=building)
    return items


def unpaid_items(items: QuerySet[PaymentScheduleItem], *, as_of: date) -> QuerySet[PaymentScheduleItem]:
    """The items due by `as_of` that what their order paid by the end of that day does not cover,
    each annotated with its `unpaid` part (a running total per schedule in due order, in SQL).

    `items` must hold whole schedules (filter by order, project or building — never by charge
    item before this: the running total needs every earlier item of the schedule)."""
    return (
        items.filter(due_on__lte=as_of)
        .annotate(
            running=Window(
                Sum("amount"), partition_by=[F("schedule_id")], order_by=[F("due_on").asc(), F("position").asc()]
            ),
            paid=paid_expression("schedule__order_id", before=local_day_end(as_of)),
        )
        .annotate(unpaid=Least(F("amount"), F("running") - F("paid"), output_field=AMOUNT))
        .filter(unpaid__gt=0)
    )


def unpaid_by_charge_item(items: QuerySet[PaymentScheduleItem], *, as_of: date, charge_item=None) -> dict:
    """{charge item id: unpaid as of `as_of`}, summed in SQL over `unpaid_items`."""
    unpaid = unpaid_items(items, as_of=as_of).order_by().values_list("charge_item_id", "unpaid")
    inner, params = unpaid.query.sql_with_params()
    where = ""
    if charge_item is not None:
        where, params = "WHERE charge_item_id = %s", (*params, charge_item.pk)
    # The window must see whole schedules, so the item filter and the sum wrap the windowed query.
    sql = f"SELECT charge_item_id, SUM(unpaid) FROM ({inner}) AS unpaid_items {where} GROUP BY charge_item_id"  # noqa: S608 - inner is the ORM's own SQL, values are parameters
    with connections[unpaid.db].cursor() as cursor:
        cursor.execute(sql, params)
        return {item_id: _amount(total) for item_id, total in cursor.fetchall()}


def _amount(value) -> Decimal:
    # PostgreSQL sums numeric exactly; SQLite (make run) hands back a float for a non-integral sum.
    return value if isinstance(value, Decimal) else Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)
