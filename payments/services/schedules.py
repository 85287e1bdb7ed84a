"""Payment schedules (应收计划): what an order owes and when, from its final price and a plan template."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from audit.services import audit_record
from payments.exceptions import ScheduleInvalid
from payments.models import (
    ChargeKind,
    PaymentPlanTemplate,
    PaymentSchedule,
    PaymentScheduleItem,
    PlanKind,
)
from payments.services._common import actor_or_none, charge_item_of_kind, require
from sales.models import ACTIVE_ORDER_STATUSES, Order, OrderStatus
from shuchang.core.money import ZERO, to_amount

ONE = Decimal("1")
# Which template kind an order's payment method (sales.PaymentMethod) starts with.
DEFAULT_KIND_FOR_ORDER = {"full": PlanKind.FULL, "mortgage": PlanKind.MORTGAGE}


@dataclass(frozen=True)
class PlannedItem:
    charge_item_id: int
    name: str
    amount: Decimal
    due_on: date


def plan_amounts(*, price: Decimal, deposit: Decimal, ratios: list[Decimal]) -> list[Decimal]:
    """The template items' amounts after the deposit, so that deposit + items == price exactly.

    Each item is price × ratio rounded half-up to the fen; the last item takes what is left, so
    rounding never makes the total differ. The deposit is then deducted from the first items
    (定金转首付).
    """
    price, deposit = to_amount(price), to_amount(deposit)
    if not ratios:
        raise ScheduleInvalid("付款方案没有明细")
    if sum(ratios, Decimal(0)) != ONE:
        raise ScheduleInvalid(f"付款方案各项比例之和须为 100%，现为 {sum(ratios, Decimal(0)) * 100:.2f}%")
    if deposit > price:
        raise ScheduleInvalid("定金不能大于成交价")
    amounts = [to_amount(price * ratio) for ratio in ratios[:-1]]
    amounts.append(price - sum(amounts, ZERO))
    left = deposit
    after_deposit = []
    for amount in amounts:
        taken = min(amount, left)
        after_deposit.append(amount - taken)
        left -= taken
    return after_deposit


def plan_template_validate(template: PaymentPlanTemplate, ratios: list[Decimal] | None = None) -> None:
    """Refuse a template whose ratios do not add up to exactly 100% (the admin calls this too)."""
    ratios = ratios if ratios is not None else [item.ratio for item in template.items.all()]
    if not ratios:
        raise ScheduleInvalid("付款方案至少要有一项")
    total = sum(ratios, Decimal(0))
    if total != ONE:
        raise ScheduleInvalid(f"各项比例之和须为 100%，现为 {total * 100:.2f}%")


def order_price_basis(order: Order) -> Decimal:
    """What the buyer owes for the unit: the contract price once signed (after coupons), else the price."""
    return order.contract_price_amount if order.contract_price_amount is not None else order.price_amount


def schedule_plan(*, order: Order, template: PaymentPlanTemplate, start_on: date) -> list[PlannedItem]:
    """The schedule's lines without writing anything: 定金 first, then the template's items."""
    price, deposit = order_price_basis(order), order.deposit_amount
    items = list(template.items.select_related("charge_item").order_by("position", "id"))
    amounts = plan_amounts(price=price, deposit=min(deposit, price), ratios=[item.ratio for item in items])
    deposit_item = charge_item_of_kind(ChargeKind.DEPOSIT)
    lines = []
    if deposit > 0:
        lines.append(PlannedItem(deposit_item.pk, deposit_item.name, min(deposit, price), start_on))
    for item, amount in zip(items, amounts, strict=True):
        if amount > 0:
            name = item.charge_item.name + (f"（{item.note}）" if item.note else "")
            lines.append(
                PlannedItem(item.charge_item_id, name[:40], amount, start_on + timedelta(days=item.days_after))
            )
    return lines


def default_template_for(order: Order) -> PaymentPlanTemplate | None:
    kind = DEFAULT_KIND_FOR_ORDER.get(order.payment_method, PlanKind.FULL)
    candidates = PaymentPlanTemplate.objects.filter(kind=kind, is_default=True, is_enabled=True).filter(
        Q(project_id=order.project_id) | Q(project__isnull=True)
    )
    # The project's own default first, then the company-wide one.
    return candidates.order_by("project_id").first() if candidates.exists() else None


def _write_schedule(*, order: Order, template: PaymentPlanTemplate, start_on: date, actor) -> PaymentSchedule:
    lines = schedule_plan(order=order, template=template, start_on=start_on)
    now = timezone.now()
    superseded = PaymentSchedule.objects.filter(order=order, is_current=True).update(
        is_current=False, superseded_at=now
    )
    schedule = PaymentSchedule.objects.create(
        order=order,
        project_id=order.project_id,
        template=template,
        template_name=template.name,
        price_amount=order_price_basis(order),
        deposit_amount=min(order.deposit_amount, order_price_basis(order)),
        start_on=start_on,
        created_by=actor_or_none(actor),
    )
    PaymentScheduleItem.objects.bulk_create(
        PaymentScheduleItem(
            schedule=schedule,
            position=index,
            charge_item_id=line.charge_item_id,
            name=line.name,
            amount=line.amount,
            due_on=line.due_on,
        )
        for index, line in enumerate(lines, start=1)
    )
    if (
        sum((line.amount for line in lines), ZERO) != schedule.price_amount
    ):  # pragma: no cover - plan_amounts guarantees it
        raise ScheduleInvalid("应收计划合计与成交价不符")
    audit_record(
        actor=actor,
        action="payments.schedule.created",
        target=schedule,
        data={
            "order_id": order.pk,
            "template": template.name,
            "price": schedule.price_amount,
            "items": [{"name": line.name, "amount": line.amount, "due_on": line.due_on} for line in lines],
            "superseded": superseded,
        },
    )
    return schedule


@transaction.atomic
def schedule_create(
    *, order: Order, template: PaymentPlanTemplate, actor, start_on: date | None = None
) -> PaymentSchedule:
    """Build (or rebuild) the order's schedule from `template`; the previous one is superseded, never edited."""
    require(actor, "payments.add_paymentschedule", order.project_id, "您没有生成应收计划的权限")
    if order.status not in ACTIVE_ORDER_STATUSES or order.status == OrderStatus.PENDING_PAYMENT:
        raise ScheduleInvalid("只有已认购、已签约的订单可以生成应收计划")
    if not template.is_enabled or (template.project_id and template.project_id != order.project_id):
        raise ScheduleInvalid("该付款方案不可用于本楼盘")
    plan_template_validate(template)
    Order.objects.select_for_update().filter(pk=order.pk).first()  # one rebuild of an order at a time
    if start_on is None:
        start_on = timezone.localdate(order.reserved_at) if order.reserved_at else timezone.localdate()
    return _write_schedule(order=order, template=template, start_on=start_on, actor=actor)


def schedule_ensure_default(*, order: Order, actor) -> PaymentSchedule | None:
    """The order's current schedule, made from the default template when it has none (caller's transaction).

    Called when the deposit is paid; an order whose plan cannot be made (no default template) simply
    waits for staff to pick one — a payment is never refused for that.
    """
    current = PaymentSchedule.objects.filter(order=order, is_current=True).first()
    if current is not None:
        return current
    template = default_template_for(order)
    if template is None:
        return None
    start_on = timezone.localdate(order.reserved_at) if order.reserved_at else timezone.localdate()
    try:
        with transaction.atomic():
            return _write_schedule(order=order, template=template, start_on=start_on, actor=actor)
    except ScheduleInvalid:
        return None
