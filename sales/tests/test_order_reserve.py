"""order_reserve: the deposit paid in time makes the order reserved (called by payments)."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from audit.models import AuditEntry
from listings.models import UnitStatus
from sales import services
from sales.exceptions import OrderExpired, PaymentTooLate
from sales.models import Customer, CustomerSource, OrderStatus
from sales.tests.factories import sales_state, select

pytestmark = pytest.mark.django_db


def test_a_deposit_paid_in_time_reserves_the_order_and_the_unit(buyer, units):
    order = select(buyer, units[0])
    paid_at = timezone.now()

    services.order_reserve(order=order, actor=None, paid_at=paid_at)

    order.refresh_from_db()
    units[0].refresh_from_db()
    assert (order.status, order.reserved_at) == (OrderStatus.RESERVED, paid_at)
    assert units[0].status == UnitStatus.RESERVED
    assert AuditEntry.objects.filter(action="sales.order.reserved", object_id=str(order.pk)).count() == 1


def test_reserving_makes_the_buyer_a_customer_of_the_project(buyer, units, project):
    order = select(buyer, units[0])

    services.order_reserve(order=order, actor=None, paid_at=timezone.now())

    customer = Customer.objects.get(project=project, user=buyer)
    assert (customer.name, customer.mobile, customer.source) == ("张三", buyer.mobile, CustomerSource.ONLINE)
    order.refresh_from_db()
    assert order.customer == customer


def test_a_repeated_payment_notification_changes_nothing(buyer, units):
    order = select(buyer, units[0])
    services.order_reserve(order=order, actor=None, paid_at=timezone.now())
    before = sales_state()

    again = services.order_reserve(order=order, actor=None, paid_at=timezone.now())

    assert again.status == OrderStatus.RESERVED
    assert sales_state() == before


def test_a_deposit_paid_after_the_hold_is_refused(buyer, units):
    order = select(buyer, units[0])
    before = sales_state()

    with pytest.raises(PaymentTooLate):
        services.order_reserve(order=order, actor=None, paid_at=order.hold_expires_at + timedelta(seconds=1))

    assert sales_state() == before


def test_an_expired_order_cannot_be_reserved(buyer, units):
    order = select(buyer, units[0])
    with time_machine.travel(order.hold_expires_at + timedelta(seconds=1)):
        services.orders_expire_overdue()
    before = sales_state()

    with pytest.raises(OrderExpired) as refusal:
        services.order_reserve(order=order, actor=None, paid_at=order.hold_expires_at - timedelta(minutes=1))

    assert refusal.value.message == "该订单已超过支付时限并已失效"
    assert sales_state() == before
