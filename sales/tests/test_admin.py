"""The sales back office in the admin: scoped lists, forms that show the services' refusals, and
actions that go through the services."""

from datetime import timedelta

import pytest
from django.utils import timezone

from sales.models import Opening, Order, OrderStatus, SalesChange, SalesChangeStatus
from sales.tests import factories
from sales.tests.factories import select

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", ["opening", "scheme", "customer", "order", "saleschange", "registration", "coupon"])
def test_a_sales_manager_opens_every_sales_list_and_add_form(client, sales_manager, opening, model):
    client.force_login(sales_manager)

    response = client.get(f"/admin/sales/{model}/")

    assert response.status_code == 200
    if model in ("opening", "scheme", "customer", "saleschange"):
        assert client.get(f"/admin/sales/{model}/add/").status_code == 200


def _opening_form(project, units, **overrides):
    now = timezone.localtime() + timedelta(days=1)
    data = {
        "project": project.pk,
        "name": "二期开盘",
        "units": [u.pk for u in units],
        "signup_ends_at_0": now.strftime("%Y-%m-%d"),
        "signup_ends_at_1": "09:00:00",
        "starts_at_0": now.strftime("%Y-%m-%d"),
        "starts_at_1": "10:00:00",
        "ends_at_0": now.strftime("%Y-%m-%d"),
        "ends_at_1": "18:00:00",
        "mode": "free",
        "quota": 2,
        "hold_minutes": 30,
        "deposit_amount": "50000",
        "turn_batch_size": 1,
        "registration_fee_amount": "0",
    }
    return data | overrides


def test_an_opening_is_created_in_the_admin_through_the_service(client, sales_manager, project, units):
    client.force_login(sales_manager)

    response = client.post("/admin/sales/opening/add/", _opening_form(project, units))

    assert response.status_code == 302, response.content.decode()[:2000]
    opening = Opening.objects.get()
    assert opening.units.count() == len(units) and opening.created_by == sales_manager


def test_the_admin_form_shows_the_services_refusal(client, sales_manager, project, units):
    client.force_login(sales_manager)

    response = client.post("/admin/sales/opening/add/", _opening_form(project, units, ends_at_1="08:00:00"))

    assert response.status_code == 200
    assert "结束时间须晚于开盘时间" in response.content.decode()
    assert not Opening.objects.exists()


def test_consultants_list_only_their_customers_with_masked_mobiles(client, consultant, project, sales_roles):
    from sales import services

    other = factories.staff("consultant2", ["consultant"])
    services.customer_create(project=project, actor=consultant, name="陈小明", mobile="13600136001")
    services.customer_create(project=project, actor=other, name="刘大伟", mobile="13600136002")
    client.force_login(consultant)

    page = client.get("/admin/sales/customer/").content.decode()

    assert "136****6001" in page and "13600136001" not in page
    assert "136****6002" not in page


def test_the_cancel_action_needs_a_reason_and_cancels_through_the_service(client, sales_manager, buyer, units):
    order = select(buyer, units[0])
    client.force_login(sales_manager)
    form = {"action": "cancel", "_selected_action": [order.pk], "index": 0}

    client.post("/admin/sales/order/", form)
    assert Order.objects.get().status == OrderStatus.PENDING_PAYMENT
    client.post("/admin/sales/order/", form | {"note": "客户现场放弃"})

    order.refresh_from_db()
    assert (order.status, order.close_reason) == (OrderStatus.CANCELLED, "客户现场放弃")


def test_a_change_is_applied_and_approved_in_the_admin(client, consultant, sales_manager, buyer, units):
    from sales import services

    order = select(buyer, units[0])
    services.order_reserve(order=order, actor=None, paid_at=timezone.now())
    client.force_login(consultant)
    response = client.post(
        "/admin/sales/saleschange/add/",
        {"order": order.pk, "kind": "cancel", "reason": "客户资金变故", "deposit_disposition": "refund"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    change = SalesChange.objects.get()

    client.force_login(sales_manager)
    client.post("/admin/sales/saleschange/", {"action": "approve", "_selected_action": [change.pk], "index": 0})

    change.refresh_from_db()
    order.refresh_from_db()
    assert change.status == SalesChangeStatus.EXECUTED and change.applicant == consultant
    assert order.status == OrderStatus.CANCELLED


def test_existing_records_open_read_only_where_they_change_only_through_services(
    client, consultant, sales_manager, buyer, units, opening, project
):
    from sales import services

    factories.registered(opening, buyer)
    order = select(buyer, units[0], opening)
    services.order_reserve(order=order, actor=None, paid_at=timezone.now())
    order.refresh_from_db()
    change = services.sales_change_apply(
        order=order, kind="cancel", payload={"deposit_disposition": "refund"}, reason="客户申请", actor=consultant
    )
    customer = services.customer_create(project=project, actor=consultant, name="陈小明", mobile="13600136001")

    for user in (consultant, sales_manager):
        client.force_login(user)
        for url in (
            f"/admin/sales/order/{order.pk}/change/",
            f"/admin/sales/saleschange/{change.pk}/change/",
            f"/admin/sales/opening/{opening.pk}/change/",
            f"/admin/sales/customer/{customer.pk}/change/",
        ):
            assert client.get(url).status_code == 200, (user, url)
