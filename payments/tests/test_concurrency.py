"""Payments under concurrency, with real threads against PostgreSQL: receipt numbers stay unique and
gapless, a notification delivered many times at once is applied once, expiry racing a payment ends
in one outcome, and money is never refunded or handed over twice.

Each thread has its own database connection (closed when it ends); all start together at a barrier;
every test checks the invariant afterwards in the database itself. PostgreSQL here allows 100
connections, so 200 payments run on 40 threads of 5 payments each.
"""

import contextlib
import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from listings.models import UnitStatus
from listings.tests.factories import building_with_units
from payments import services
from payments.exceptions import DomainError
from payments.models import (
    Deposit,
    HeldPayment,
    Payment,
    PaymentKind,
    Receipt,
    ReceiptSequence,
    ShiftClose,
    TradeStatus,
)
from payments.tests.factories import notification, pay, pay_deposit_cash, sandbox_paid, select, start_online
from sales import services as sales_services
from sales.models import Order, OrderStatus

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _needs_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: concurrent transactions and row locks")


def in_parallel(count: int, work) -> list:
    """Run work(i) in `count` threads released at once; returns each result or raised exception."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = work(index)
        except Exception as exc:  # the test inspects every outcome
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in threads), "a payment hung"
    return results


def test_two_hundred_parallel_payments_get_two_hundred_gapless_receipt_numbers(
    buyer, other_buyer, units, finance, consultant
):
    orders = [select(buyer, units[0]), select(buyer, units[1]), select(other_buyer, units[2])]
    for order in orders:
        pay_deposit_cash(order, finance)
    cashiers = [finance, consultant]
    threads, per_thread = 40, 5

    def work(index: int) -> list:
        made = []
        for step in range(per_thread):
            order = orders[(index + step) % len(orders)]
            amount = Decimal("100.00") + index + Decimal(step) / 100
            made.append(pay(order, cashiers[index % 2], amount).pk)
            if step == 2:
                # A refused payment in the middle of the rush gives its number back.
                with contextlib.suppress(DomainError):
                    pay(order, cashiers[index % 2], order.price_amount * 2)
        return made

    results = in_parallel(threads, work)

    errors = [result for result in results if isinstance(result, Exception)]
    assert not errors, errors
    made = [pk for result in results for pk in result]
    assert len(made) == 200 and len(set(made)) == 200
    numbers = list(
        Receipt.objects.filter(project=orders[0].project).order_by("number").values_list("number", flat=True)
    )
    assert numbers == list(range(1, 204))  # 3 deposits + 200 payments, each number once, none skipped
    assert ReceiptSequence.objects.get(project=orders[0].project).last_number == 203
    assert Receipt.objects.filter(payment_id__in=made).count() == 200


def test_the_same_notification_delivered_twenty_times_at_once_is_applied_once(pending_order):
    params = notification(start_online(pending_order))

    answers = in_parallel(20, lambda index: services.notification_handle(gateway_code="sandbox", params=params))

    assert answers == ["success"] * 20
    assert Payment.objects.filter(order=pending_order).count() == 1
    assert Receipt.objects.count() == 1
    assert Deposit.objects.filter(order=pending_order).count() == 1
    pending_order.refresh_from_db()
    assert pending_order.status == OrderStatus.RESERVED


def test_expiry_racing_a_payment_ends_in_one_outcome(project, buyer):
    """Twenty rounds of the expiry job against a notification of money paid in time: the order ends
    reserved with the payment counted, or expired with the money held — never both, never neither."""
    many = list(building_with_units(project=project, number="9", floors=10, units_per_floor=2).units.order_by("pk"))
    outcomes = []
    for unit in many:
        order = select(buyer, unit)
        trade = start_online(order)
        sandbox_paid(trade)
        now = timezone.now()
        paid = timezone.localtime(now - timedelta(seconds=2)).strftime("%Y-%m-%d %H:%M:%S")
        params = notification(trade, gmt_payment=paid)
        # The hold has just ended: the job may expire the order, the notification may still reserve it.
        Order.objects.filter(pk=order.pk).update(hold_expires_at=now - timedelta(seconds=1))

        in_parallel(
            2,
            lambda index, params=params: (
                sales_services.orders_expire_overdue()
                if index == 0
                else services.notification_handle(gateway_code="sandbox", params=params)
            ),
        )

        order.refresh_from_db()
        trade.refresh_from_db()
        counted = Payment.objects.filter(order=order, kind=PaymentKind.PAYMENT).count()
        held = HeldPayment.objects.filter(trade=trade).count()
        unit.refresh_from_db()
        if order.status == OrderStatus.RESERVED:
            assert (trade.status, counted, held, unit.status) == (TradeStatus.PAID, 1, 0, UnitStatus.RESERVED)
        else:
            assert order.status == OrderStatus.EXPIRED
            assert (trade.status, counted, held, unit.status) == (TradeStatus.HELD, 0, 1, UnitStatus.AVAILABLE)
        outcomes.append(order.status)
    assert len(outcomes) == 20


def test_parallel_refunds_never_exceed_the_payment(reserved_order, finance):
    payment = pay(reserved_order, finance, "1000")

    results = in_parallel(
        10,
        lambda index: services.refund_create(payment=payment, amount=Decimal("300"), actor=finance, reason="多收"),
    )

    refunds = [result for result in results if isinstance(result, Payment)]
    assert len(refunds) == 3
    assert sum(-refund.amount for refund in refunds) == Decimal("900.00")
    assert services.refundable(payment) == Decimal("100.00")


def test_parallel_shift_closes_hand_each_payment_over_once(reserved_order, consultant):
    for amount in ("100", "200", "300"):
        pay(reserved_order, consultant, amount)

    results = in_parallel(5, lambda index: services.shift_close(actor=consultant))

    shifts = [result for result in results if isinstance(result, ShiftClose)]
    assert sum(shift.payment_count for shift in shifts) == 3
    assert Payment.objects.filter(recorded_by=consultant, shift__isnull=True).count() == 0
    assert sum((shift.total_amount for shift in ShiftClose.objects.filter(operator=consultant)), Decimal(0)) == Decimal(
        "600.00"
    )
