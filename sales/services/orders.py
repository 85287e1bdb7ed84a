"""Selection and orders (选房 / 认购): select, reserve, cancel, expire, complete.

The selection path is the hot path of an opening, so it counts its queries (docs/sales.md):
one for the buyer's registration and quota slots, one for the price schemes, then in one
transaction the conditional UPDATE of the unit (with its history row), the order INSERT, the
order's status-change INSERT and the operation-log INSERT. No SELECT … FOR UPDATE, no shared
counter row: the unit row itself is the lock, and the database's unique indexes are the referee
for everything that can race (the unit, the buyer's quota slots, the request token).
"""

import functools
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from audit.services import audit_record
from listings.models import UNIT_TRANSITIONS, Unit, UnitStatus, UnitStatusChange
from listings.services import grid_invalidate, unit_transition
from sales import permissions, pricing
from sales.exceptions import (
    AssistNotAllowed,
    BuyerNotVerified,
    ConcurrentChange,
    CustomerInvalid,
    DomainError,
    NotRegistered,
    OpeningEnded,
    OpeningNotOpen,
    OpeningNotStarted,
    OrderExpired,
    OrderNotCancellable,
    PaymentTooLate,
    PriceChanged,
    QuotaExceeded,
    RegistrationUnpaid,
    SelectionBusy,
    TransitionNotAllowed,
    TurnNotYet,
    TurnOver,
    UnitNotInOpening,
    UnitNotPublished,
    UnitReservedForOpening,
    UnitTaken,
    UnitWithheld,
)
from sales.models import (
    ACTIVE_ORDER_STATUSES,
    ELIGIBLE_FEE_STATUSES,
    DepositDisposition,
    Opening,
    OpeningMode,
    Order,
    OrderStatus,
    OrderStatusChange,
    PaymentMethod,
    Registration,
)
from sales.services._transitions import order_cas, status_label
from sales.services.customers import customer_ensure_for_buyer
from shuchang.core.formatting import chinese_datetime
from shuchang.core.prepared import execute_prepared

logger = logging.getLogger(__name__)

# Outside an opening (day-to-day sales of available units).
DEFAULT_HOLD_MINUTES = 30
DEFAULT_DEPOSIT_AMOUNT = Decimal("20000.00")
SELECT_ATTEMPTS = 3
EXPIRY_REASON = "超过支付时限未付定金"
_LOCK_REASON, _SELECT_REASON = "选房锁定", "选房"

_AVAILABLE, _LOCKED = UnitStatus.AVAILABLE.value, UnitStatus.LOCKED.value
# The hot path inlines listings' unit_transition for this one move; it must stay an allowed move.
assert _LOCKED in UNIT_TRANSITIONS[_AVAILABLE]


class _Retry(Exception):
    """The state changed under us in a way that may now allow the selection: try again."""


class _Refused(Exception):
    """A refusal decided by the statement that also found no order made with the request token."""

    def __init__(self, error: DomainError):
        self.error = error


@dataclass(frozen=True)
class _UnitFound:
    """What the conditional UPDATE found instead of an available unit, read by the same statement."""

    status: str
    list_price_amount: Decimal
    price_version_id: int | None
    in_batch: bool
    has_overdue_hold: bool
    token_order_id: int | None  # an order this buyer already made with the same form


# ---- selection ---------------------------------------------------------------------------------


def order_select(
    *,
    buyer,
    unit: Unit,
    opening: Opening | None = None,
    actor,
    payment_method: str,
    request_token: str,
    customer=None,
) -> Order:
    """Select `unit` for `buyer`: an order pending_payment holding the unit for the hold minutes.

    Guarantees (in the database, see Order.Meta): never two active orders on a unit; within an
    opening never more active orders than the quota, even from parallel requests; the same
    `request_token` (one rendered form) returns the first order instead of making a second.
    Refusals raise a DomainError subclass with the Chinese message and change nothing.
    `actor` is the buyer, or a consultant selecting for a present customer (then `customer`).
    The price is quoted from `unit` as loaded: if it was repriced meanwhile, PriceChanged.
    """
    request_token = (request_token or "").strip()
    if not request_token or len(request_token) > 64:
        raise DomainError("提交标识无效，请刷新页面后重试")
    if payment_method not in PaymentMethod.values:
        raise DomainError("请选择付款方式")
    if actor.pk != buyer.pk:
        _check_assisted(actor=actor, buyer=buyer, unit=unit, customer=customer)
    for _attempt in range(SELECT_ATTEMPTS):
        try:
            return _select_once(
                buyer=buyer,
                unit=unit,
                opening=opening,
                actor=actor,
                payment_method=payment_method,
                request_token=request_token,
                customer=customer,
                now=timezone.now(),
            )
        except _Retry:
            continue
        except _Refused as refused:
            raise refused.error from None  # the statement that refused also found no order with this token
        except IntegrityError:
            # A unique index refused the insert: the same token won in a parallel request (answer
            # with its order), or the buyer's parallel request took the slot (retry with fresh slots).
            if order := _order_for_token(buyer, request_token):
                return order
            continue
        except DomainError:
            if order := _order_for_token(buyer, request_token):
                return order  # a resubmitted form: the first submission already made the order
            raise
    if order := _order_for_token(buyer, request_token):
        return order
    raise SelectionBusy()


def order_select_assisted(
    *, customer, unit: Unit, opening: Opening | None = None, actor, payment_method: str, request_token: str
) -> Order:
    """A consultant selects for a customer present at the sales office (代客选房).

    The customer must be one the consultant works on and have a verified buyer account: the
    order is the customer's, with the same rules (sign-up, lottery turn, quota) as their own.
    """
    if not permissions.can_work_on_customer(actor, customer):
        raise AssistNotAllowed()
    if customer.user is None or not customer.user.is_verified_buyer:
        raise CustomerInvalid("该客户尚未注册购房者账号并完成实名认证，不能代为选房")
    return order_select(
        buyer=customer.user,
        unit=unit,
        opening=opening,
        actor=actor,
        payment_method=payment_method,
        request_token=request_token,
        customer=customer,
    )


def _check_assisted(*, actor, buyer, unit, customer) -> None:
    if not permissions.can_assist_selection(actor, unit.project_id):
        raise AssistNotAllowed()
    if customer is not None and (customer.project_id != unit.project_id or customer.user_id != buyer.pk):
        raise CustomerInvalid("所选客户与购房人或楼盘不符")


def _order_for_token(buyer, request_token: str) -> Order | None:
    return Order.objects.filter(buyer=buyer, request_token=request_token).first()


def _select_once(*, buyer, unit, opening, actor, payment_method, request_token, customer, now) -> Order:
    registration_id = quota_slot = None
    if opening is not None:
        _check_opening_window(opening, now)
        registration_id, quota_slot = _claim_quota_slot(opening=opening, buyer=buyer, now=now)
    else:
        if not buyer.is_verified_buyer:
            raise BuyerNotVerified()
        _check_not_kept_for_an_opening(unit, now)
    quote = pricing.price_quote(unit=unit, payment_method=payment_method, at=now)
    hold_minutes = opening.hold_minutes if opening else DEFAULT_HOLD_MINUTES
    assisted = actor.pk != buyer.pk
    order = Order(
        project_id=unit.project_id,
        unit_id=unit.pk,
        buyer=buyer,
        customer=customer,
        consultant=actor if assisted else None,
        opening=opening,
        registration_id=registration_id,
        quota_slot=quota_slot,
        opening_quota=opening.quota if opening else None,
        status=OrderStatus.PENDING_PAYMENT,
        request_token=request_token,
        payment_method=payment_method,
        price_version_id=unit.price_version_id,
        list_price_amount=quote.list_price_amount,
        price_amount=quote.final_price_amount,
        price_breakdown=quote.snapshot(),
        deposit_amount=opening.deposit_amount if opening else DEFAULT_DEPOSIT_AMOUNT,
        hold_expires_at=now + timedelta(minutes=hold_minutes),
        created_by=actor,
    )
    with transaction.atomic():
        found = _lock_unit_and_insert(order=order, unit=unit, opening=opening, actor=actor, now=now)
        if found is None:
            audit_record(
                actor=actor,
                action="sales.order.selected",
                target=order,
                data={
                    "unit_id": unit.pk,
                    "unit": unit.code,
                    "buyer_id": buyer.pk,
                    "opening_id": opening.pk if opening else None,
                    "quota_slot": quota_slot,
                    "price": quote.final_price_amount,
                    "assisted": assisted,
                },
            )
            grid_invalidate([unit.building_id])
            return order
    if found.token_order_id is not None:
        return Order.objects.get(pk=found.token_order_id)  # a resubmitted form: the first one won
    raise _unit_refusal(unit=unit, found=found, now=now)


def _check_opening_window(opening: Opening, now: datetime) -> None:
    if not opening.is_published:
        raise OpeningNotOpen()
    if now < opening.starts_at:
        raise OpeningNotStarted(f"开盘尚未开始，开盘时间为{chinese_datetime(opening.starts_at)}")
    if now >= opening.ends_at:
        raise OpeningEnded()


def _claim_quota_slot(*, opening: Opening, buyer, now: datetime) -> tuple[int, int]:
    """(registration id, the lowest free quota slot) for the buyer, in one query; refuses when the
    buyer has not signed up, not paid 认筹, is outside their lottery turn, or has used the quota.

    The slot is only a claim: the partial unique index decides if two parallel requests claim
    the same one. The buyer's own overdue holds are expired first, so they free their slots.
    """
    rows = _standing(opening_id=opening.pk, buyer_id=buyer.pk)
    if not rows:
        raise NotRegistered()
    registration_id, fee_status, turn_starts_at, turn_ends_at = rows[0][:4]
    if fee_status not in ELIGIBLE_FEE_STATUSES:
        raise RegistrationUnpaid()
    if opening.mode == OpeningMode.LOTTERY:
        if turn_starts_at is None:
            raise TurnNotYet("您没有本次摇号的选房顺序，不能选房")
        if now < turn_starts_at:
            raise TurnNotYet(
                f"还未到您的选房时间，您的选房时段为{chinese_datetime(turn_starts_at)}至{chinese_datetime(turn_ends_at)}"
            )
        if now >= turn_ends_at:
            raise TurnOver()
    taken, overdue = set(), []
    for *_registration, order_id, slot, status, hold_expires_at in rows:
        if order_id is None:
            continue
        if status == OrderStatus.PENDING_PAYMENT and hold_expires_at <= now:
            overdue.append(order_id)
        else:
            taken.add(slot)
    if overdue:
        for order in Order.objects.filter(pk__in=overdue):
            order_expire_if_overdue(order, now=now)
        raise _Retry
    free = next((slot for slot in range(1, opening.quota + 1) if slot not in taken), None)
    if free is None:
        raise QuotaExceeded()
    return registration_id, free


def _standing(*, opening_id: int, buyer_id: int) -> list[tuple]:
    """The buyer's registration joined with its active orders: (registration id, fee status, turn
    start, turn end, order id, quota slot, order status, hold end) per row. Plain SQL: on the hot
    path the ORM's query building costs more than the query."""
    placeholders = ", ".join(["%s"] * len(ACTIVE_ORDER_STATUSES))
    sql = f"""
        SELECT r.id, r.fee_status, r.turn_starts_at, r.turn_ends_at, o.id, o.quota_slot, o.status, o.hold_expires_at
        FROM {Registration._meta.db_table} r
        LEFT JOIN {Order._meta.db_table} o ON o.registration_id = r.id AND o.status IN ({placeholders})
        WHERE r.opening_id = %s AND r.buyer_id = %s
    """  # noqa: S608 - table names from model metadata, values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, [*(status.value for status in ACTIVE_ORDER_STATUSES), opening_id, buyer_id])
        rows = cursor.fetchall()
    return [(row[0], row[1], _aware(row[2]), _aware(row[3]), row[4], row[5], row[6], _aware(row[7])) for row in rows]


def _aware(value):
    """A datetime read with plain SQL, as the ORM would give it (SQLite stores naive UTC)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = parse_datetime(value)
    return value.replace(tzinfo=UTC) if timezone.is_naive(value) else value


def _check_not_kept_for_an_opening(unit: Unit, now: datetime) -> None:
    name = Opening.objects.filter(units=unit.pk, ends_at__gt=now).values_list("name", flat=True).first()
    if name is not None:
        raise UnitReservedForOpening(name)


def _lock_unit_and_insert(
    *, order: Order, unit: Unit, opening: Opening | None, actor, now: datetime
) -> _UnitFound | None:
    """available → locked, only if the unit is still available at the quoted price (and in the
    opening's batch); then the order, and both history rows. None if this request got the unit,
    otherwise what it found instead; an IntegrityError if a unique index refused the order (the
    caller's transaction is undone)."""
    if connection.vendor == "postgresql":
        return _lock_unit_and_insert_postgresql(order=order, unit=unit, opening=opening, actor=actor, now=now)
    candidates = Unit.objects.filter(
        pk=unit.pk, status=_AVAILABLE, list_price_amount=unit.list_price_amount, price_version_id=unit.price_version_id
    )
    if opening is not None:
        candidates = candidates.filter(openings=opening.pk)
    if candidates.update(status=_LOCKED, status_changed_at=now) != 1:
        return _unit_found(order=order, unit=unit, opening=opening, now=now)
    UnitStatusChange.objects.create(
        unit_id=unit.pk, from_status=_AVAILABLE, to_status=_LOCKED, actor=actor, reason=_LOCK_REASON
    )
    order.save(force_insert=True)
    OrderStatusChange.objects.create(
        order=order, from_status="", to_status=OrderStatus.PENDING_PAYMENT, actor=actor, reason=_SELECT_REASON
    )
    return None


def _unit_found(*, order: Order, unit: Unit, opening: Opening | None, now: datetime) -> _UnitFound:
    current = Unit.objects.filter(pk=unit.pk).values("status", "list_price_amount", "price_version_id").get()
    overdue = Order.objects.filter(unit_id=unit.pk, status=OrderStatus.PENDING_PAYMENT, hold_expires_at__lte=now)
    return _UnitFound(
        status=current["status"],
        list_price_amount=current["list_price_amount"],
        price_version_id=current["price_version_id"],
        in_batch=opening is None or opening.units.filter(pk=unit.pk).exists(),
        has_overdue_hold=overdue.exists(),
        token_order_id=_token_order_id(buyer_id=order.buyer_id, request_token=order.request_token),
    )


def _token_order_id(*, buyer_id: int, request_token: str) -> int | None:
    return Order.objects.filter(buyer_id=buyer_id, request_token=request_token).values_list("pk", flat=True).first()


def _lock_unit_and_insert_postgresql(
    *, order: Order, unit: Unit, opening: Opening | None, actor, now: datetime
) -> _UnitFound | None:
    """The same as the portable path in one round trip: the conditional UPDATE, the unit's history
    row, the order and its status-change row as one statement. A refused UPDATE matches no row,
    so nothing is inserted, nothing is written and no lock is taken; the same statement then
    reads why (the unit's status and price, an overdue hold, an order from this very form), so
    the losing path — four selections in five at an opening — costs one round trip too.
    Its reads see the statement's snapshot: a unit whose winner committed while the UPDATE
    waited may still read as available, and the caller tries again."""
    sql, fields = _select_statement(in_opening=opening is not None)
    values = [field.get_db_prep_save(field.pre_save(order, add=True), connection) for field in fields]
    params = [_LOCKED, now, unit.pk, _AVAILABLE, unit.list_price_amount, unit.price_version_id]
    if opening is not None:
        params += [opening.pk, unit.pk]
    params += [_AVAILABLE, _LOCKED, actor.pk, _LOCK_REASON, now]
    params += values
    params += [OrderStatus.PENDING_PAYMENT.value, actor.pk, _SELECT_REASON, now]
    if opening is not None:
        params += [opening.pk, unit.pk]
    params += [OrderStatus.PENDING_PAYMENT.value, now, order.buyer_id, order.request_token, unit.pk]
    with connection.cursor() as cursor:
        execute_prepared(cursor, f"sales_select_{'opening' if opening is not None else 'unit'}", sql, params)
        row = cursor.fetchone()
    if row is None:
        raise Unit.DoesNotExist  # the unit is gone: not a case a page can produce
    if row[0] is not None:
        order.pk = row[0]
        order._state.adding, order._state.db = False, connection.alias
        return None
    return _UnitFound(*row[1:])


@functools.cache
def _select_statement(*, in_opening: bool) -> tuple[str, list]:
    """The selection statement and the order fields it inserts, built once per process (building
    it cost as much CPU as a losing selection's whole round trip) and prepared once per connection
    (planning it cost PostgreSQL six times what running it does)."""
    quote = connection.ops.quote_name
    fields = [field for field in Order._meta.concrete_fields if not field.primary_key]

    def typed(*columns) -> str:  # parameters typed as their columns, as a prepared statement needs
        return ", ".join(f"CAST(%s AS {field.db_type(connection)})" for field in columns)

    def typed_fields(model, *names) -> str:
        return typed(*(model._meta.get_field(name) for name in names))

    unit_history_values = typed_fields(UnitStatusChange, "from_status", "to_status", "actor", "reason", "changed_at")
    order_history_values = typed_fields(OrderStatusChange, "to_status", "actor", "reason", "changed_at")

    batch_table = Opening.units.through._meta.db_table
    in_batch = f"EXISTS (SELECT 1 FROM {batch_table} b WHERE b.opening_id = %s AND b.unit_id = %s)"  # noqa: S608
    order_table = Order._meta.db_table
    sql = f"""
        WITH moved AS (
            UPDATE {Unit._meta.db_table} SET status = %s, status_changed_at = %s
            WHERE id = %s AND status = %s AND list_price_amount = %s
              AND price_version_id IS NOT DISTINCT FROM %s
              {"AND " + in_batch if in_opening else ""}
            RETURNING id
        ), unit_history AS (
            INSERT INTO {UnitStatusChange._meta.db_table}
                (unit_id, from_status, to_status, actor_id, reason, changed_at)
            SELECT id, {unit_history_values} FROM moved
        ), new_order AS (
            INSERT INTO {Order._meta.db_table} ({", ".join(quote(field.column) for field in fields)})
            SELECT {typed(*fields)} FROM moved
            RETURNING id
        ), order_history AS (
            INSERT INTO {OrderStatusChange._meta.db_table}
                (order_id, from_status, to_status, actor_id, reason, changed_at)
            SELECT id, '', {order_history_values} FROM new_order
        )
        SELECT id, NULL, NULL, NULL, NULL, NULL, NULL FROM new_order
        UNION ALL
        SELECT NULL, u.status, u.list_price_amount, u.price_version_id,
            {in_batch if in_opening else "TRUE"},
            EXISTS (SELECT 1 FROM {order_table} o
                    WHERE o.unit_id = u.id AND o.status = %s AND o.hold_expires_at <= %s),
            (SELECT o.id FROM {order_table} o WHERE o.buyer_id = %s AND o.request_token = %s)
        FROM {Unit._meta.db_table} u
        WHERE u.id = %s AND NOT EXISTS (SELECT 1 FROM moved)
    """  # noqa: S608 - table and column names come from model metadata, every value is a parameter
    return sql, fields


def _unit_refusal(*, unit: Unit, found: _UnitFound, now: datetime) -> Exception:
    """Why the conditional UPDATE matched nothing, from what the same statement read."""
    status = found.status
    if status == _LOCKED:
        # A hold nobody paid for must not block a sale, even if the expiry job is stuck.
        if found.has_overdue_hold and _expire_overdue_holds(unit_id=unit.pk, now=now):
            return _Retry()
        return _Refused(UnitTaken())
    if status in (UnitStatus.RESERVED, UnitStatus.SIGNED, UnitStatus.SOLD):
        return _Refused(UnitTaken())
    if status == UnitStatus.WITHHELD:
        return _Refused(UnitWithheld())
    if status == UnitStatus.DRAFT:
        return _Refused(UnitNotPublished())
    if not found.in_batch:
        return _Refused(UnitNotInOpening())
    if found.list_price_amount != unit.list_price_amount or found.price_version_id != unit.price_version_id:
        return _Refused(PriceChanged())
    return _Retry()  # released again in the meantime


def _expire_overdue_holds(*, unit_id: int, now: datetime) -> bool:
    expired = False
    for order in Order.objects.filter(unit_id=unit_id, status=OrderStatus.PENDING_PAYMENT, hold_expires_at__lte=now):
        expired = order_expire_if_overdue(order, now=now).status == OrderStatus.EXPIRED or expired
    return expired


# ---- payment, cancellation, expiry, completion ---------------------------------------------------


def _release_unit(*, order: Order, from_status: str, actor, reason: str) -> None:
    """Put the order's unit back on sale. A unit not where the order says is logged, not fatal:
    closing an order must not be blocked by someone else's inconsistency."""
    if not unit_transition(
        unit_ids=[order.unit_id], from_status=from_status, to_status=UnitStatus.AVAILABLE, actor=actor, reason=reason
    ):
        logger.warning("order %s closed but unit %s was not %s", order.pk, order.unit_id, from_status)


@transaction.atomic
def order_reserve(*, order: Order, actor, paid_at: datetime) -> Order:
    """pending_payment → reserved when the deposit was paid within the hold; the unit becomes
    reserved. Called by payments. A repeated notification for a reserved order changes nothing.

    Racing expiry ends in exactly one outcome: both are compare-and-swaps on the order's status.
    """
    moved = order_cas(
        order=order,
        from_status=OrderStatus.PENDING_PAYMENT,
        to_status=OrderStatus.RESERVED,
        actor=actor,
        reason="定金已支付",
        when=Q(hold_expires_at__gte=paid_at),
        reserved_at=paid_at,
    )
    if not moved:
        current = Order.objects.get(pk=order.pk)
        if current.status == OrderStatus.RESERVED:
            order.status, order.reserved_at = current.status, current.reserved_at
            return order
        if current.status == OrderStatus.EXPIRED:
            raise OrderExpired()
        if current.status == OrderStatus.PENDING_PAYMENT:
            raise PaymentTooLate()
        raise TransitionNotAllowed(order, status_label(current.status), status_label(OrderStatus.RESERVED))
    if not unit_transition(
        unit_ids=[order.unit_id], from_status=_LOCKED, to_status=UnitStatus.RESERVED, actor=actor, reason="定金已支付"
    ):
        raise ConcurrentChange(order)  # the unit is not held for this order: refuse, payments will alert
    buyer = order.buyer
    if order.customer_id is None and (customer := customer_ensure_for_buyer(
        project_id=order.project_id, buyer=buyer, actor=actor
    )):  # fmt: skip
        Order.objects.filter(pk=order.pk).update(customer=customer)
        order.customer = customer
    audit_record(
        actor=actor,
        action="sales.order.reserved",
        target=order,
        before={"status": OrderStatus.PENDING_PAYMENT},
        after={"status": OrderStatus.RESERVED},
        data={"paid_at": paid_at, "deposit": order.deposit_amount},
    )
    return order


@transaction.atomic
def order_cancel(*, order: Order, actor, reason: str) -> Order:
    """Cancel an unpaid order (the buyer, or staff in scope) and put the unit back on sale.
    A reserved or signed order is cancelled only by an approved 退房 change."""
    reason = (reason or "").strip()
    if not reason:
        raise OrderNotCancellable("请填写取消原因")
    if order.status in (OrderStatus.RESERVED, OrderStatus.SIGNED):
        raise OrderNotCancellable("已认购的订单须提交退房申请，经销售经理审批后办理")
    if order.status != OrderStatus.PENDING_PAYMENT:
        raise OrderNotCancellable(f"订单当前状态为「{status_label(order.status)}」，不能取消")
    if not permissions.can_cancel_order(actor, order):
        raise OrderNotCancellable("您无权取消该订单")
    now = timezone.now()
    if not order_cas(
        order=order,
        from_status=OrderStatus.PENDING_PAYMENT,
        to_status=OrderStatus.CANCELLED,
        actor=actor,
        reason=reason,
        closed_at=now,
        close_reason=reason[:200],
    ):
        current = Order.objects.get(pk=order.pk)
        raise OrderNotCancellable(f"订单已{status_label(current.status)}，不能取消")
    _release_unit(order=order, from_status=_LOCKED, actor=actor, reason=f"订单取消：{reason}"[:200])
    audit_record(
        actor=actor,
        action="sales.order.cancelled",
        target=order,
        before={"status": OrderStatus.PENDING_PAYMENT},
        after={"status": OrderStatus.CANCELLED},
        data={"reason": reason},
    )
    return order


@transaction.atomic
def order_expire(*, order: Order, actor=None, reason: str = EXPIRY_REASON, now: datetime | None = None) -> Order:
    """pending_payment → expired once the hold is over; the unit is available again.
    Expiring an already expired order changes nothing."""
    now = now or timezone.now()
    if not order_cas(
        order=order,
        from_status=OrderStatus.PENDING_PAYMENT,
        to_status=OrderStatus.EXPIRED,
        actor=actor,
        reason=reason,
        when=Q(hold_expires_at__lte=now),
        closed_at=now,
        close_reason=reason[:200],
    ):
        current = Order.objects.get(pk=order.pk)
        if current.status == OrderStatus.EXPIRED:
            order.status = current.status
            return order
        if current.status == OrderStatus.PENDING_PAYMENT:
            raise DomainError("订单尚未超过支付时限")
        raise TransitionNotAllowed(order, status_label(current.status), status_label(OrderStatus.EXPIRED))
    _release_unit(order=order, from_status=_LOCKED, actor=actor, reason=reason)
    audit_record(
        actor=actor,
        action="sales.order.expired",
        target=order,
        before={"status": OrderStatus.PENDING_PAYMENT},
        after={"status": OrderStatus.EXPIRED},
        data={"hold_expires_at": order.hold_expires_at},
    )
    return order


def order_expire_if_overdue(order: Order, *, now: datetime | None = None) -> Order:
    """Lazy expiry: expire `order` if its hold is over and nobody paid, else leave it; never raises.
    Readers call this so a stuck expiry job never keeps a unit off sale."""
    now = now or timezone.now()
    if order.status != OrderStatus.PENDING_PAYMENT or order.hold_expires_at > now:
        return order
    try:
        return order_expire(order=order, actor=None, now=now)
    except DomainError:
        order.refresh_from_db()  # paid (or cancelled) in the meantime: that outcome stands
        return order


def orders_expire_overdue(*, batch_size: int = 100, max_batches: int = 100) -> int:
    """Expire every overdue hold, in small batches that skip rows another worker is holding;
    returns how many expired. Safe to run in several workers at once."""
    total = 0
    for _batch in range(max_batches):
        now = timezone.now()
        with transaction.atomic():
            batch = list(
                Order.objects.select_for_update(skip_locked=True)
                .filter(status=OrderStatus.PENDING_PAYMENT, hold_expires_at__lte=now)
                .order_by("hold_expires_at", "pk")[:batch_size]
            )
            for order in batch:
                order_expire(order=order, actor=None, now=now)
        total += len(batch)
        if len(batch) < batch_size:
            break
    return total


@transaction.atomic
def order_complete(*, order: Order, actor) -> Order:
    """signed → completed when the price is fully paid (called by payments); the unit is sold."""
    now = timezone.now()
    if not order_cas(
        order=order, from_status=OrderStatus.SIGNED, to_status=OrderStatus.COMPLETED, actor=actor, completed_at=now
    ):
        current = Order.objects.get(pk=order.pk)
        if current.status == OrderStatus.COMPLETED:
            order.status = current.status
            return order
        raise TransitionNotAllowed(order, status_label(current.status), status_label(OrderStatus.COMPLETED))
    if not unit_transition(
        unit_ids=[order.unit_id],
        from_status=UnitStatus.SIGNED,
        to_status=UnitStatus.SOLD,
        actor=actor,
        reason="房款付清",
    ):
        raise ConcurrentChange(order)
    audit_record(
        actor=actor,
        action="sales.order.completed",
        target=order,
        before={"status": OrderStatus.SIGNED},
        after={"status": OrderStatus.COMPLETED},
    )
    return order


@transaction.atomic
def order_mark_refunded(*, order: Order, actor) -> Order:
    """cancelled → refunded once payments has paid the deposit back (only when 退房 chose refund)."""
    if order.deposit_disposition != DepositDisposition.REFUND:
        raise TransitionNotAllowed(order, status_label(order.status), status_label(OrderStatus.REFUNDED))
    if not order_cas(
        order=order,
        from_status=OrderStatus.CANCELLED,
        to_status=OrderStatus.REFUNDED,
        actor=actor,
        when=Q(deposit_disposition=DepositDisposition.REFUND),
    ):
        current = Order.objects.get(pk=order.pk)
        if current.status == OrderStatus.REFUNDED:
            order.status = current.status
            return order
        raise TransitionNotAllowed(order, status_label(current.status), status_label(OrderStatus.REFUNDED))
    audit_record(
        actor=actor,
        action="sales.order.refunded",
        target=order,
        before={"status": OrderStatus.CANCELLED},
        after={"status": OrderStatus.REFUNDED},
    )
    return order
