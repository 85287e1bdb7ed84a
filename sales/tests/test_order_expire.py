"""Expiry: the periodic job, lazy expiry when an order is read, and the Celery task."""

from datetime import timedelta

import pytest
import time_machine

from listings.models import UnitStatus
from sales import selectors, services
from sales.exceptions import DomainError
from sales.models import OrderStatus
from sales.tasks import orders_expire_overdue_task
from sales.tests.factories import sales_state, select

pytestmark = pytest.mark.django_db


def test_the_job_expires_only_overdue_holds_and_frees_their_units(buyer, units):
    early = select(buyer, units[0])
    with time_machine.travel(early.created_at + timedelta(minutes=20)):
        late = select(buyer, units[1])

    with time_machine.travel(early.hold_expires_at + timedelta(seconds=1)):
        expired = services.orders_expire_overdue(batch_size=1)

    early.refresh_from_db()
    late.refresh_from_db()
    assert expired == 1
    assert early.status == OrderStatus.EXPIRED and late.status == OrderStatus.PENDING_PAYMENT
    assert [u.status for u in type(units[0]).objects.filter(pk__in=[units[0].pk, units[1].pk]).order_by("pk")] == [
        UnitStatus.AVAILABLE,
        UnitStatus.LOCKED,
    ]


def test_the_job_works_through_several_batches(buyer, units):
    orders = [select(buyer, unit) for unit in units[:5]]

    with time_machine.travel(orders[-1].hold_expires_at + timedelta(seconds=1)):
        assert services.orders_expire_overdue(batch_size=2) == 5

    assert {o.status for o in type(orders[0]).objects.filter(pk__in=[o.pk for o in orders])} == {OrderStatus.EXPIRED}


def test_the_task_runs_the_job(buyer, units):
    order = select(buyer, units[0])

    with time_machine.travel(order.hold_expires_at + timedelta(seconds=1)):
        assert orders_expire_overdue_task.run() == 1


def test_reading_an_overdue_order_expires_it(buyer, units):
    order = select(buyer, units[0])

    with time_machine.travel(order.hold_expires_at + timedelta(seconds=1)):
        seen = selectors.order_get_for_user(buyer, order.pk)

    units[0].refresh_from_db()
    assert seen.status == OrderStatus.EXPIRED
    assert units[0].status == UnitStatus.AVAILABLE


def test_an_order_within_its_hold_cannot_be_expired(buyer, units):
    order = select(buyer, units[0])
    before = sales_state()

    with pytest.raises(DomainError) as refusal:
        services.order_expire(order=order)

    assert refusal.value.message == "订单尚未超过支付时限"
    assert sales_state() == before
