"""order_cancel: an unpaid order is cancelled by its buyer or by staff of the project, with a reason."""

import pytest

from audit.models import AuditEntry
from listings.models import UnitStatus
from sales import services
from sales.exceptions import OrderNotCancellable
from sales.models import OrderStatus
from sales.tests import factories
from sales.tests.factories import sales_state, select

pytestmark = pytest.mark.django_db


def test_the_buyer_cancels_an_unpaid_order_and_the_unit_is_on_sale_again(buyer, units):
    order = select(buyer, units[0])

    services.order_cancel(order=order, actor=buyer, reason="想再考虑一下")

    order.refresh_from_db()
    units[0].refresh_from_db()
    assert (order.status, order.close_reason) == (OrderStatus.CANCELLED, "想再考虑一下")
    assert units[0].status == UnitStatus.AVAILABLE
    assert AuditEntry.objects.get(action="sales.order.cancelled").data["reason"] == "想再考虑一下"


def test_staff_of_the_project_may_cancel_with_a_reason(buyer, units, consultant):
    order = select(buyer, units[0])

    services.order_cancel(order=order, actor=consultant, reason="客户电话要求取消")

    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED


def _refused(order, actor, reason="原因"):
    before = sales_state()
    with pytest.raises(OrderNotCancellable) as refusal:
        services.order_cancel(order=order, actor=actor, reason=reason)
    assert sales_state() == before
    return refusal.value.message


def test_another_buyer_cannot_cancel_it(buyer, other_buyer, units):
    order = select(buyer, units[0])

    assert _refused(order, other_buyer) == "您无权取消该订单"


def test_staff_outside_the_project_cannot_cancel_it(buyer, units, other_project, sales_roles):
    outsider = factories.staff("outsider", ["consultant"], project_ids=[other_project.pk])
    order = select(buyer, units[0])

    assert _refused(order, outsider) == "您无权取消该订单"


def test_a_reason_is_required(buyer, units):
    order = select(buyer, units[0])

    assert _refused(order, buyer, reason="  ") == "请填写取消原因"


def test_a_reserved_order_needs_an_approved_refund_change(buyer, units, consultant):
    order = select(buyer, units[0])
    services.order_reserve(order=order, actor=None, paid_at=order.created_at)
    order.refresh_from_db()

    assert _refused(order, consultant) == "已认购的订单须提交退房申请，经销售经理审批后办理"
