"""The guarantees of the opening rush, proven with real threads against PostgreSQL.

Each thread has its own database connection (closed when it ends), all threads start together
at a barrier, and every test checks the invariant afterwards in the database itself.
"""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from listings.models import Unit, UnitStatus, UnitStatusChange
from listings.tests.factories import building_with_units
from sales import services
from sales.exceptions import DomainError, QuotaExceeded, SelectionBusy, UnitTaken
from sales.models import ACTIVE_ORDER_STATUSES, Order, OrderStatus, OrderStatusChange
from sales.tests import factories

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _needs_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: concurrent transactions, row locks and partial unique indexes")


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
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a selection hung"
    return results


def _opening(project, units, actor, *, quota: int):
    now = timezone.now()
    return factories.opening(
        project=project,
        units=units,
        actor=actor,
        signup_ends_at=now - timedelta(hours=1),
        starts_at=now - timedelta(minutes=1),
        ends_at=now + timedelta(hours=1),
        quota=quota,
        deposit_amount=Decimal("50000"),
    )


def test_fifty_buyers_selecting_one_unit_make_exactly_one_order(project, units, sales_manager):
    opening = _opening(project, units, sales_manager, quota=1)
    buyers = [factories.buyer(f"买家{index}") for index in range(50)]
    for buyer in buyers:
        factories.registered(opening, buyer, direct=True)
    target = Unit.objects.get(pk=units[0].pk)

    def select(index):
        unit = Unit.objects.get(pk=target.pk)
        return services.order_select(
            buyer=buyers[index],
            unit=unit,
            opening=opening,
            actor=buyers[index],
            payment_method="mortgage",
            request_token=f"rush-{index}",
        )

    results = in_parallel(50, select)

    orders = [result for result in results if isinstance(result, Order)]
    assert len(orders) == 1, results
    assert all(isinstance(result, UnitTaken) for result in results if not isinstance(result, Order)), results
    assert Order.objects.filter(unit=target).count() == 1  # the losers wrote nothing
    assert Order.objects.filter(unit=target, status__in=ACTIVE_ORDER_STATUSES).get().buyer_id == orders[0].buyer_id
    assert Unit.objects.get(pk=target.pk).status == UnitStatus.LOCKED
    assert UnitStatusChange.objects.filter(unit=target, to_status=UnitStatus.LOCKED).count() == 1


def test_one_buyer_firing_ten_parallel_selections_never_exceeds_the_quota(project, units, sales_manager):
    many = list(building_with_units(project=project, number="9", floors=5, units_per_floor=2).units.order_by("pk"))
    opening = _opening(project, many, sales_manager, quota=2)
    buyer = factories.buyer("赵六")
    factories.registered(opening, buyer, direct=True)

    def select(index):
        unit = Unit.objects.get(pk=many[index].pk)
        return services.order_select(
            buyer=buyer, unit=unit, opening=opening, actor=buyer, payment_method="full", request_token=f"q-{index}"
        )

    results = in_parallel(10, select)

    active = Order.objects.filter(opening=opening, buyer=buyer, status__in=ACTIVE_ORDER_STATUSES)
    assert active.count() == 2, results
    assert sorted(active.values_list("quota_slot", flat=True)) == [1, 2]
    refusals = [result for result in results if not isinstance(result, Order)]
    assert len(refusals) == 8 and all(isinstance(r, QuotaExceeded | SelectionBusy) for r in refusals), results
    # The refused requests' unit locks were rolled back with them.
    assert Unit.objects.filter(pk__in=[u.pk for u in many], status=UnitStatus.LOCKED).count() == 2
    assert Unit.objects.filter(pk__in=[u.pk for u in many], status=UnitStatus.AVAILABLE).count() == 8


def test_the_same_form_submitted_ten_times_at_once_makes_one_order(project, units, sales_manager):
    opening = _opening(project, units, sales_manager, quota=2)
    buyer = factories.buyer("钱七")
    factories.registered(opening, buyer, direct=True)

    def submit(index):
        unit = Unit.objects.get(pk=units[0].pk)
        return services.order_select(
            buyer=buyer, unit=unit, opening=opening, actor=buyer, payment_method="full", request_token="one-form"
        )

    results = in_parallel(10, submit)

    assert all(isinstance(result, Order) for result in results), results
    assert len({result.pk for result in results}) == 1
    assert Order.objects.filter(buyer=buyer).count() == 1


def test_expiry_racing_payment_ends_in_exactly_one_outcome(project, sales_manager):
    stock = list(building_with_units(project=project, number="8", floors=10, units_per_floor=2).units.order_by("pk"))
    buyer = factories.buyer("孙八")
    outcomes = {OrderStatus.EXPIRED: 0, OrderStatus.RESERVED: 0}

    for unit in stock:  # 20 rounds
        order = factories.select(buyer, unit, payment_method="full")
        # The hold is over, but the deposit was paid a minute before it ended: both may win.
        hold_end = timezone.now() - timedelta(seconds=1)
        Order.objects.filter(pk=order.pk).update(hold_expires_at=hold_end)
        paid_at = hold_end - timedelta(minutes=1)

        def race(index, order_id=order.pk, paid_at=paid_at):
            fresh = Order.objects.get(pk=order_id)
            if index == 0:
                return services.order_expire(order=fresh, actor=None)
            return services.order_reserve(order=fresh, actor=None, paid_at=paid_at)

        results = in_parallel(2, race)

        won = [result for result in results if isinstance(result, Order)]
        lost = [result for result in results if isinstance(result, DomainError)]
        assert len(won) == 1 and len(lost) == 1, results
        order.refresh_from_db()
        unit.refresh_from_db()
        assert order.status == won[0].status
        expected_unit = UnitStatus.AVAILABLE if order.status == OrderStatus.EXPIRED else UnitStatus.RESERVED
        assert unit.status == expected_unit
        assert list(OrderStatusChange.objects.filter(order=order).values_list("to_status", flat=True)) == [
            OrderStatus.PENDING_PAYMENT,
            order.status,
        ]
        outcomes[order.status] += 1

    assert sum(outcomes.values()) == 20
