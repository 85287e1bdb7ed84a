"""Staff pages of sales (/office/sales/): permission matrices (a denied case changes nothing),
data scope (strangers get 404), query counts of the lists, and what each page does."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from listings.models import Unit, UnitStatus
from listings.tests.factories import ProjectFactory, building_with_units
from sales import services
from sales.models import Customer, FollowUp, Order, OrderStatus, SalesChange, SalesChangeStatus
from sales.tests import factories
from sales.tests.factories import registered, sales_state, select
from shuchang.core.masking import mask_id_number

pytestmark = pytest.mark.django_db

PERSONAS = ["consultant", "sales_manager", "finance", "buyer", "anonymous"]


@pytest.fixture(autouse=True)
def _grid_always_fresh(settings):
    settings.SALES_GRID_MAX_STALE_SECONDS = 0


@pytest.fixture
def as_persona(client, request):
    """Log the client in as the named persona (or not at all) and return that user."""

    def login(name: str):
        if name == "anonymous":
            client.logout()
            return None
        user = request.getfixturevalue(name)
        client.force_login(user)
        return user

    return login


@pytest.fixture
def customer(project, consultant):
    return services.customer_create(
        project=project, actor=consultant, name="王小明", mobile="13612345678", id_number=factories.id_number(9001)
    )


@pytest.fixture
def pending(buyer, opening, units):
    registered(opening, buyer)
    return select(buyer, units[0], opening)


@pytest.fixture
def reserved(other_buyer, opening, units):
    registered(opening, other_buyer)
    order = select(other_buyer, units[1], opening)
    return services.order_reserve(order=order, actor=None, paid_at=timezone.now())


def _status(response) -> int:
    if response.status_code == 302 and response["Location"].startswith("/accounts/login/"):
        return 401  # sent to log in
    return response.status_code


# ---- permission matrices of the pages -----------------------------------------------------------------

READ_MATRIX = {
    # page: {persona: status}
    "home": {"consultant": 200, "sales_manager": 200, "finance": 200, "buyer": 404, "anonymous": 401},
    "chart": {"consultant": 200, "sales_manager": 200, "finance": 200, "buyer": 404, "anonymous": 401},
    "chart_grid": {"consultant": 200, "sales_manager": 200, "finance": 200, "buyer": 404, "anonymous": 401},
    "unit": {"consultant": 200, "sales_manager": 200, "finance": 200, "buyer": 404, "anonymous": 401},
    "customers": {"consultant": 200, "sales_manager": 200, "finance": 200, "buyer": 404, "anonymous": 401},
    "customer": {"consultant": 200, "sales_manager": 200, "finance": 200, "buyer": 404, "anonymous": 401},
    "assist": {"consultant": 200, "sales_manager": 200, "finance": 403, "buyer": 404, "anonymous": 401},
    "orders": {"consultant": 200, "sales_manager": 200, "finance": 200, "buyer": 404, "anonymous": 401},
    "order": {"consultant": 200, "sales_manager": 200, "finance": 200, "buyer": 404, "anonymous": 401},
    "changes": {"consultant": 200, "sales_manager": 200, "finance": 200, "buyer": 404, "anonymous": 401},
}


def _read_url(page, *, project, building, units, customer, pending):
    return {
        "home": "/office/sales/",
        "chart": f"/office/sales/chart/{project.pk}/",
        "chart_grid": f"/office/sales/chart/{project.pk}/grid/{building.pk}/",
        "unit": f"/office/sales/units/{units[0].pk}/",
        "customers": "/office/sales/customers/",
        "customer": f"/office/sales/customers/{customer.pk}/",
        "assist": f"/office/sales/customers/{customer.pk}/assist/",
        "orders": "/office/sales/orders/",
        "order": f"/office/sales/orders/{pending.pk}/",
        "changes": "/office/sales/changes/",
    }[page]


@pytest.mark.parametrize("page", list(READ_MATRIX))
@pytest.mark.parametrize("persona", PERSONAS)
def test_read_permission_matrix(client, as_persona, persona, page, project, building, units, customer, pending):
    url = _read_url(page, project=project, building=building, units=units, customer=customer, pending=pending)
    as_persona(persona)

    assert _status(client.get(url)) == READ_MATRIX[page][persona]


@pytest.mark.parametrize("page", ["chart", "chart_grid", "unit", "customer", "assist", "order"])
def test_staff_outside_the_project_get_404_everywhere(client, page, project, building, units, customer, pending):
    elsewhere = factories.staff("manager-elsewhere", ["sales_manager"], project_ids=[ProjectFactory().pk])
    client.force_login(elsewhere)
    url = _read_url(page, project=project, building=building, units=units, customer=customer, pending=pending)

    assert client.get(url).status_code == 404


def test_a_consultant_sees_only_their_own_customers(client, consultant, customer, project, sales_manager):
    theirs = services.customer_create(project=project, actor=sales_manager, name="赵六", mobile="13698765432")
    client.force_login(consultant)

    listing = client.get("/office/sales/customers/").content.decode()
    other = client.get(f"/office/sales/customers/{theirs.pk}/")

    assert f'data-customer="{customer.pk}"' in listing
    assert f'data-customer="{theirs.pk}"' not in listing
    assert other.status_code == 404


WITHHOLD_MATRIX = {"consultant": 403, "sales_manager": 302, "finance": 403, "buyer": 404, "anonymous": 401}


@pytest.mark.parametrize("persona", PERSONAS)
def test_withhold_permission_matrix(client, as_persona, persona, units):
    as_persona(persona)
    before = sales_state()

    response = client.post(f"/office/sales/units/{units[2].pk}/withhold/", {"reason": "留作样板间"})

    assert _status(response) == WITHHOLD_MATRIX[persona]
    status = Unit.objects.get(pk=units[2].pk).status
    if persona == "sales_manager":
        assert status == UnitStatus.WITHHELD
    else:
        assert status == UnitStatus.AVAILABLE
        assert sales_state() == before


FOLLOW_UP_MATRIX = {"consultant": 302, "sales_manager": 302, "finance": 403, "buyer": 404, "anonymous": 401}


@pytest.mark.parametrize("persona", PERSONAS)
def test_follow_up_permission_matrix(client, as_persona, persona, customer):
    as_persona(persona)

    response = client.post(
        f"/office/sales/customers/{customer.pk}/follow-ups/", {"method": "phone", "content": "电话沟通，周末看房"}
    )

    assert _status(response) == FOLLOW_UP_MATRIX[persona]
    assert FollowUp.objects.filter(customer=customer).count() == (1 if FOLLOW_UP_MATRIX[persona] == 302 else 0)


CANCEL_MATRIX = {"consultant": 302, "sales_manager": 302, "finance": 403, "buyer": 404, "anonymous": 401}


@pytest.mark.parametrize("persona", PERSONAS)
def test_staff_cancel_permission_matrix(client, as_persona, persona, pending):
    as_persona(persona)

    response = client.post(f"/office/sales/orders/{pending.pk}/cancel/", {"reason": "客户当面取消"})

    assert _status(response) == CANCEL_MATRIX[persona]
    pending.refresh_from_db()
    expected = OrderStatus.CANCELLED if CANCEL_MATRIX[persona] == 302 else OrderStatus.PENDING_PAYMENT
    assert pending.status == expected


APPLY_MATRIX = {"consultant": 302, "sales_manager": 302, "finance": 403, "buyer": 404, "anonymous": 401}


@pytest.mark.parametrize("persona", PERSONAS)
def test_change_apply_permission_matrix(client, as_persona, persona, reserved):
    as_persona(persona)

    response = client.post(
        f"/office/sales/orders/{reserved.pk}/changes/",
        {"kind": "cancel", "reason": "客户资金不足", "deposit_disposition": "forfeit"},
    )

    assert _status(response) == APPLY_MATRIX[persona]
    assert SalesChange.objects.count() == (1 if APPLY_MATRIX[persona] == 302 else 0)


@pytest.fixture
def applied(reserved, consultant):
    return services.sales_change_apply(
        order=reserved, kind="cancel", payload={"deposit_disposition": "refund"}, reason="客户退房", actor=consultant
    )


APPROVE_MATRIX = {"consultant": 403, "sales_manager": 302, "finance": 403, "buyer": 404, "anonymous": 401}


@pytest.mark.parametrize("persona", PERSONAS)
def test_approve_permission_matrix(client, as_persona, persona, applied, reserved, units):
    as_persona(persona)

    response = client.post(f"/office/sales/changes/{applied.pk}/approve/", {"note": "同意"})

    assert _status(response) == APPROVE_MATRIX[persona]
    applied.refresh_from_db()
    reserved.refresh_from_db()
    if persona == "sales_manager":
        assert applied.status == SalesChangeStatus.EXECUTED
        assert reserved.status == OrderStatus.CANCELLED
        assert Unit.objects.get(pk=units[1].pk).status == UnitStatus.AVAILABLE
    else:
        assert applied.status == SalesChangeStatus.APPLIED
        assert reserved.status == OrderStatus.RESERVED


# ---- the sales-control chart (销控表) -----------------------------------------------------------------


CHART_CELL_RE = re.compile(
    r'<a class="unit-cell status-(\w+)( is-dimmed)?" data-unit-id="\d+" data-unit-code="([\w-]+)"'
)


def _chart_cells(html: str) -> dict[str, tuple[str, bool]]:
    return {code: (status, not dimmed) for status, dimmed, code in CHART_CELL_RE.findall(html)}


def test_the_chart_shows_every_status_the_masked_holder_and_the_order(client, sales_manager, pending, units, project):
    from listings.tests.factories import unit_move

    unit_move(units[5], UnitStatus.WITHHELD)
    client.force_login(sales_manager)

    page = client.get(f"/office/sales/chart/{project.pk}/").content.decode()

    cells = _chart_cells(page)
    assert cells[units[0].code] == ("locked", True)
    assert cells[units[5].code] == ("withheld", True)
    assert f'data-order="{pending.number}">张*' in page
    assert "张三" not in page
    assert "13800138000" not in page
    legend = dict(re.findall(r'data-status="(\w+)">.*?<b class="status-legend__count">(\d+)</b>', page, re.S))
    assert legend["available"] == "4" and legend["locked"] == "1" and legend["withheld"] == "1"


def test_chart_filters_dim_what_they_leave_out_and_the_poll_keeps_them(client, sales_manager, pending, units, project):
    client.force_login(sales_manager)

    page = client.get(f"/office/sales/chart/{project.pk}/?status=locked").content.decode()

    cells = _chart_cells(page)
    assert cells[units[0].code] == ("locked", True)
    assert cells[units[1].code] == ("available", False)
    assert 'data-matching="1"' in page
    assert f'hx-get="/office/sales/chart/{project.pk}/grid/{units[0].building_id}/?status=locked"' in page


def test_a_bad_chart_filter_shows_everything_with_a_message(client, sales_manager, project, building):
    client.force_login(sales_manager)

    page = client.get(f"/office/sales/chart/{project.pk}/?status=gone").content.decode()

    assert "请选择列表中的状态" in page
    assert "is-dimmed" not in page


def test_the_chart_poll_answers_304_until_something_changes(
    client, sales_manager, buyer, opening, units, project, django_capture_on_commit_callbacks
):
    client.force_login(sales_manager)
    url = f"/office/sales/chart/{project.pk}/grid/{units[0].building_id}/"
    etag = client.get(url)["ETag"]

    unchanged = client.get(url, headers={"if-none-match": etag})
    registered(opening, buyer)
    with django_capture_on_commit_callbacks(execute=True):
        select(buyer, units[0], opening)
    changed = client.get(url, headers={"if-none-match": etag})

    assert unchanged.status_code == 304
    assert changed.status_code == 200
    assert _chart_cells(changed.content.decode())[units[0].code] == ("locked", True)


def test_a_sales_manager_withholds_and_releases_with_a_reason(client, sales_manager, units):
    client.force_login(sales_manager)

    client.post(f"/office/sales/units/{units[2].pk}/withhold/", {"reason": "留作样板间"})
    withheld = Unit.objects.get(pk=units[2].pk).status
    page = client.get(f"/office/sales/units/{units[2].pk}/").content.decode()
    client.post(f"/office/sales/units/{units[2].pk}/release/", {"reason": "样板间改到别处"})

    assert withheld == UnitStatus.WITHHELD
    assert "解除销控" in page and "留作样板间" in page
    assert Unit.objects.get(pk=units[2].pk).status == UnitStatus.AVAILABLE


def test_withholding_a_unit_someone_holds_is_refused_and_changes_nothing(client, sales_manager, pending, units):
    client.force_login(sales_manager)
    before = sales_state()

    response = client.post(f"/office/sales/units/{units[0].pk}/withhold/", {"reason": "留作样板间"}, follow=True)

    assert "当前状态（已锁定）不能变更为（销控）" in response.content.decode()
    assert sales_state() == before


def test_withholding_without_a_reason_is_refused(client, sales_manager, units):
    client.force_login(sales_manager)

    response = client.post(f"/office/sales/units/{units[2].pk}/withhold/", {"reason": ""}, follow=True)

    assert "请填写原因" in response.content.decode()
    assert Unit.objects.get(pk=units[2].pk).status == UnitStatus.AVAILABLE


# ---- customers ---------------------------------------------------------------------------------------


def test_customers_are_searched_by_name_or_mobile_and_filtered(client, sales_manager, consultant, project, customer):
    other = services.customer_create(project=project, actor=sales_manager, name="赵六", mobile="13698765432")
    client.force_login(sales_manager)

    by_name = client.get("/office/sales/customers/?q=小明").content.decode()
    by_mobile = client.get("/office/sales/customers/?q=98765").content.decode()
    by_consultant = client.get(f"/office/sales/customers/?consultant={consultant.pk}").content.decode()

    assert f'data-customer="{customer.pk}"' in by_name and f'data-customer="{other.pk}"' not in by_name
    assert f'data-customer="{other.pk}"' in by_mobile and f'data-customer="{customer.pk}"' not in by_mobile
    assert f'data-customer="{customer.pk}"' in by_consultant and f'data-customer="{other.pk}"' not in by_consultant
    assert "王*" in by_name and "136****5678" in by_name and "王小明" not in by_name


def test_the_customer_list_pages_twenty_at_a_time(client, sales_manager, project):
    for serial in range(23):
        Customer.objects.create(project=project, name=f"客户{serial}", mobile=f"1350000{serial:04d}")
    client.force_login(sales_manager)

    first = client.get("/office/sales/customers/").content.decode()
    second = client.get("/office/sales/customers/?page=2").content.decode()

    assert first.count("data-customer=") == 20
    assert second.count("data-customer=") == 3
    assert "第 1 / 2 页" in first


def test_the_customer_list_query_count_does_not_grow(client, sales_manager, project, django_assert_max_num_queries):
    for serial in range(30):
        Customer.objects.create(project=project, name=f"客户{serial}", mobile=f"1350000{serial:04d}")
    client.force_login(sales_manager)
    client.get("/office/sales/customers/")  # the first request of a session also records its last activity

    with django_assert_max_num_queries(11):
        response = client.get("/office/sales/customers/")

    assert response.status_code == 200


def test_the_customer_page_shows_orders_notes_and_the_consultant_and_adds_a_note(
    client, consultant, customer, buyer, opening, units
):
    customer.user = buyer
    customer.save()
    registered(opening, buyer)
    order = select(buyer, units[0], opening)
    client.force_login(consultant)

    client.post(
        f"/office/sales/customers/{customer.pk}/follow-ups/",
        {"method": "visit", "content": "到访看了样板间", "next_follow_up_on": "2030-01-05"},
    )
    page = client.get(f"/office/sales/customers/{customer.pk}/").content.decode()

    assert order.number in page
    assert "到访看了样板间" in page and "2030-01-05" in page
    assert "data-consultant>consultant<" in page
    assert mask_id_number(customer.id_number) in page and customer.id_number not in page


def test_an_empty_follow_up_is_refused_with_a_message(client, consultant, customer):
    client.force_login(consultant)

    response = client.post(f"/office/sales/customers/{customer.pk}/follow-ups/", {"method": "phone", "content": ""})

    assert "请填写跟进内容" in response.content.decode()
    assert not FollowUp.objects.exists()


def test_a_manager_reassigns_a_customer_and_a_consultant_may_not(client, sales_manager, consultant, customer):
    second = factories.staff("consultant2", ["consultant"])
    client.force_login(consultant)
    denied = client.post(f"/office/sales/customers/{customer.pk}/assign/", {"consultant": second.pk})
    client.force_login(sales_manager)
    client.post(f"/office/sales/customers/{customer.pk}/assign/", {"consultant": second.pk})

    assert denied.status_code == 403
    customer.refresh_from_db()
    assert customer.consultant == second


def test_a_consultant_selects_a_unit_for_a_present_customer(client, consultant, customer, buyer, opening, units):
    customer.user = buyer
    customer.save()
    registered(opening, buyer)
    client.force_login(consultant)

    page = client.get(f"/office/sales/customers/{customer.pk}/assist/?unit={units[3].pk}").content.decode()
    token = re.search(r'name="request_token" value="(\w+)"', page).group(1)
    signature = re.search(r'name="price_signature" value="([^"]+)"', page).group(1)
    response = client.post(
        f"/office/sales/customers/{customer.pk}/assist/",
        {"unit": units[3].pk, "request_token": token, "price_signature": signature, "payment_method": "full"},
    )

    order = Order.objects.get()
    assert response["Location"] == f"/office/sales/orders/{order.pk}/"
    assert (order.buyer, order.consultant, order.customer, order.opening) == (buyer, consultant, customer, opening)
    assert "¥1,812,000.00" in page  # 2nd floor: 15,100 × 120


def test_assisted_selection_for_a_customer_without_an_account_is_explained(client, consultant, customer, units):
    client.force_login(consultant)

    page = client.get(f"/office/sales/customers/{customer.pk}/assist/").content.decode()

    assert "该客户尚未注册购房者账号并完成实名认证" in page


# ---- orders and sales changes --------------------------------------------------------------------------


def test_the_order_list_filters_by_status_and_counts_its_queries(
    client, finance, pending, reserved, django_assert_max_num_queries
):
    client.force_login(finance)
    client.get("/office/sales/orders/")  # the first request of a session also records its last activity

    with django_assert_max_num_queries(11):
        everything = client.get("/office/sales/orders/").content.decode()
    only_reserved = client.get("/office/sales/orders/?status=reserved").content.decode()

    assert pending.number in everything and reserved.number in everything
    assert reserved.number in only_reserved and pending.number not in only_reserved
    assert "张*（138****8000）" in everything


def test_the_order_list_query_count_does_not_grow_with_orders(
    client, finance, project, units, opening, django_assert_max_num_queries
):
    for unit in units:
        select(registered(opening, factories.buyer()).buyer, unit, opening)
    client.force_login(finance)
    client.get("/office/sales/orders/")

    with django_assert_max_num_queries(11):
        page = client.get("/office/sales/orders/").content.decode()

    assert page.count("data-order=") == 6


def test_the_staff_order_page_offers_the_changes_its_status_allows(client, consultant, reserved):
    client.force_login(consultant)

    page = client.get(f"/office/sales/orders/{reserved.pk}/").content.decode()

    assert "可办理：退房、换房、更名、签约" in page
    assert "取消订单并释放房源" not in page  # reserved orders leave only through 退房


def test_a_swap_is_applied_approved_by_another_manager_and_executed(client, consultant, sales_manager, reserved, units):
    client.force_login(consultant)
    client.post(
        f"/office/sales/orders/{reserved.pk}/changes/",
        {"kind": "swap", "reason": "客户想换高楼层", "new_unit": units[5].pk},
    )
    change = SalesChange.objects.get()
    client.force_login(sales_manager)

    page = client.get(f"/office/sales/changes/{change.pk}/").content.decode()
    client.post(f"/office/sales/changes/{change.pk}/approve/", {"note": ""})

    assert "换入房源：1-302" in page and "批准并办理" in page
    reserved.refresh_from_db()
    assert reserved.unit_id == units[5].pk
    assert Unit.objects.get(pk=units[1].pk).status == UnitStatus.AVAILABLE
    assert Unit.objects.get(pk=units[5].pk).status == UnitStatus.RESERVED


def test_a_bad_change_application_shows_the_services_message_and_changes_nothing(client, consultant, reserved):
    client.force_login(consultant)
    before = sales_state()

    response = client.post(f"/office/sales/orders/{reserved.pk}/changes/", {"kind": "cancel", "reason": "退房"})

    assert "请选择定金处理方式" in response.content.decode()
    assert sales_state() == before


def test_nobody_approves_their_own_application(client, sales_manager, reserved):
    change = services.sales_change_apply(
        order=reserved, kind="cancel", payload={"deposit_disposition": "forfeit"}, reason="退房", actor=sales_manager
    )
    client.force_login(sales_manager)

    page = client.get(f"/office/sales/changes/{change.pk}/").content.decode()
    response = client.post(f"/office/sales/changes/{change.pk}/approve/", follow=True)

    assert "批准并办理" not in page and "须由其他销售经理审批" in page
    assert "不能审批自己提交的申请" in response.content.decode()
    change.refresh_from_db()
    assert change.status == SalesChangeStatus.APPLIED


def test_a_rejection_needs_a_note(client, sales_manager, applied):
    client.force_login(sales_manager)

    without = client.post(f"/office/sales/changes/{applied.pk}/reject/", {"note": ""}, follow=True)
    applied.refresh_from_db()
    still_open = applied.status
    client.post(f"/office/sales/changes/{applied.pk}/reject/", {"note": "资料不全"})

    assert "请填写驳回理由" in without.content.decode()
    assert still_open == SalesChangeStatus.APPLIED
    applied.refresh_from_db()
    assert applied.status == SalesChangeStatus.REJECTED and applied.review_note == "资料不全"


def test_the_applicant_withdraws_and_the_change_list_filters(
    client, consultant, applied, django_assert_max_num_queries
):
    client.force_login(consultant)

    client.post(f"/office/sales/changes/{applied.pk}/withdraw/")
    with django_assert_max_num_queries(10):
        withdrawn = client.get("/office/sales/changes/?status=withdrawn").content.decode()
    open_ones = client.get("/office/sales/changes/?status=applied").content.decode()

    assert f'data-change="{applied.pk}"' in withdrawn
    assert f'data-change="{applied.pk}"' not in open_ones


def test_the_home_page_lists_the_projects_in_scope_with_counts(client, sales_manager, project, units, pending):
    other = building_with_units(project=ProjectFactory(name="别的楼盘"), floors=1, units_per_floor=1)
    scoped = factories.staff("scoped-manager", ["sales_manager"], project_ids=[project.pk])
    client.force_login(scoped)

    page = client.get("/office/sales/").content.decode()

    assert project.name in page and other.project.name not in page
    assert f'href="/office/sales/chart/{project.pk}/"' in page


def test_opening_page_for_a_running_opening_is_noted_on_the_chart(client, sales_manager, opening, project):
    client.force_login(sales_manager)

    page = client.get(f"/office/sales/chart/{project.pk}/").content.decode()

    assert "正在开盘：首次开盘" in page


def test_the_back_office_sidebar_links_the_sales_pages(client, consultant):
    client.force_login(consultant)

    page = client.get("/office/sales/").content.decode()

    for url in ("/office/sales/", "/office/sales/customers/", "/office/sales/orders/", "/office/sales/changes/"):
        assert f'href="{url}"' in page


def test_an_expired_hold_is_released_when_staff_open_the_unit(client, sales_manager, pending, units):
    import time_machine

    with time_machine.travel(pending.hold_expires_at + timedelta(seconds=1)):
        # Signed in at that moment: a sign-in from before would have been idle longer than 30 minutes.
        client.force_login(sales_manager)
        page = client.get(f"/office/sales/units/{units[0].pk}/").content.decode()

    pending.refresh_from_db()
    assert pending.status == OrderStatus.EXPIRED
    assert 'data-status="available"' in page


def test_other_back_office_pages_link_to_sales_for_those_who_may_use_it(client, roles):
    from accounts.models import User

    boss = User.objects.create_superuser(username="boss", password="Test-pass-2026")
    client.force_login(boss)

    page = client.get("/office/system/log/").content.decode()

    assert 'href="/office/sales/">销售管理</a>' in page


def test_the_chart_and_home_query_counts_do_not_grow_with_units(
    client, sales_manager, project, building, django_assert_max_num_queries
):
    building_with_units(project=project, number="2", floors=10, units_per_floor=4)
    client.force_login(sales_manager)
    client.get("/office/sales/")  # the first request of a session also records its last activity

    with django_assert_max_num_queries(10):
        assert client.get("/office/sales/").status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(f"/office/sales/chart/{project.pk}/?building={building.pk}").status_code == 200
