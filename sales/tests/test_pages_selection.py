"""Buyer pages of selection (选房) and orders (我的订单): the price breakdown, the one-time token,
refusals that change nothing, the order page with its countdown, cancellation and lazy expiry."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from listings.models import Unit, UnitStatus
from listings.services import price_list_apply
from listings.tests.factories import building_with_units, unit_move
from sales import services
from sales.models import Order, OrderStatus, SchemeKind
from sales.tests import factories
from sales.tests.factories import registered, sales_state, select
from sales.views import snapshots

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_snapshots_from_earlier_tests():
    # Ids repeat between tests; the per-process snapshots of openings must not outlive one.
    snapshots.forget_all()
    yield
    snapshots.forget_all()


TOKEN_RE = re.compile(r'name="request_token" value="([0-9a-f]{32})"')
SIGNATURE_RE = re.compile(r'name="price_signature" value="([^"]+)"')


def _form(page: str, payment_method: str = "mortgage") -> dict:
    return {
        "request_token": TOKEN_RE.search(page).group(1),
        "price_signature": SIGNATURE_RE.search(page).group(1),
        "payment_method": payment_method,
    }


def _url(opening, unit) -> str:
    return f"/openings/{opening.pk}/units/{unit.pk}/"


@pytest.fixture
def signed_up(client, buyer, opening):
    registered(opening, buyer)
    client.force_login(buyer)
    return buyer


# ---- the selection page ------------------------------------------------------------------------------


def test_the_page_shows_each_payment_methods_price_from_list_price_through_every_scheme(
    client, signed_up, opening, project, units, sales_manager
):
    now = timezone.now()
    services.scheme_create(
        project=project, actor=sales_manager, name="开盘折扣", kind=SchemeKind.DISCOUNT,
        discount_rate=Decimal("0.98"), priority=10, valid_from=now - timedelta(days=1),
    )  # fmt: skip
    services.scheme_create(
        project=project, actor=sales_manager, name="全款直减", kind=SchemeKind.REDUCTION,
        reduction_amount=Decimal("20000"), payment_method="full", priority=5, valid_from=now - timedelta(days=1),
    )  # fmt: skip

    page = client.get(_url(opening, units[0])).content.decode()

    full = re.search(r'data-method="full".*?</section>', page, re.S).group(0)
    mortgage = re.search(r'data-method="mortgage".*?</section>', page, re.S).group(0)
    # 1,800,000 × 0.98 = 1,764,000; full payment another 20,000 off.
    assert "¥1,800,000.00" in full and "−¥36,000.00" in full and "−¥20,000.00" in full
    assert "data-final-price>¥1,744,000.00<" in full
    assert "data-final-price>¥1,764,000.00<" in mortgage
    assert "未享受：全款直减（仅限一次性付款，当前为按揭贷款）" in mortgage
    assert "锁定 <b>30分钟</b>" in page and "¥50,000.00" in page


def test_every_rendering_of_the_form_carries_a_new_one_time_token(client, signed_up, opening, units):
    first = TOKEN_RE.search(client.get(_url(opening, units[0])).content.decode()).group(1)
    second = TOKEN_RE.search(client.get(_url(opening, units[0])).content.decode()).group(1)

    assert first != second


def test_selecting_makes_an_order_and_lands_on_its_page(client, signed_up, opening, units):
    page = client.get(_url(opening, units[0])).content.decode()

    response = client.post(_url(opening, units[0]), _form(page, "full"))

    order = Order.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/orders/{order.pk}/"
    assert (order.buyer, order.unit_id, order.status, order.payment_method) == (
        signed_up, units[0].pk, OrderStatus.PENDING_PAYMENT, "full",
    )  # fmt: skip
    assert Unit.objects.get(pk=units[0].pk).status == UnitStatus.LOCKED


def test_a_double_submitted_form_lands_on_the_same_single_order(client, signed_up, opening, units):
    data = _form(client.get(_url(opening, units[0])).content.decode())

    first = client.post(_url(opening, units[0]), data)
    second = client.post(_url(opening, units[0]), data)

    assert Order.objects.count() == 1
    assert first["Location"] == second["Location"] == f"/orders/{Order.objects.get().pk}/"


def test_a_unit_taken_meanwhile_is_refused_with_its_message_and_nothing_changes(
    client, signed_up, other_buyer, opening, units
):
    data = _form(client.get(_url(opening, units[0])).content.decode())
    registered(opening, other_buyer)
    select(other_buyer, units[0], opening)
    before = sales_state()

    response = client.post(_url(opening, units[0]), data)

    page = response.content.decode()
    assert response.status_code == 200
    assert "该房源已被选，请选择其他房源" in page
    assert f'action="{_url(opening, units[0])}"' not in page  # no form to resubmit for a taken unit
    assert f'href="/openings/{opening.pk}/?building={units[0].building_id}"' in page
    assert sales_state() == before


def test_a_buyer_who_lost_a_unit_is_offered_units_still_available_and_takes_one(
    client, signed_up, other_buyer, opening, units
):
    data = _form(client.get(_url(opening, units[0])).content.decode(), "full")
    registered(opening, other_buyer)
    select(other_buyer, units[0], opening)
    select(other_buyer, units[1], opening)

    refused = client.post(_url(opening, units[0]), data, headers={"hx-request": "true"}).content.decode()
    offered = re.findall(r'data-alternative="(\d+)"', refused)
    block = re.search(r'<form class="alternative".*?</form>', refused, re.S).group(0)
    chosen = client.post(
        _url(opening, Unit.objects.get(pk=int(offered[0]))),
        {
            "request_token": TOKEN_RE.search(block).group(1),
            "price_signature": SIGNATURE_RE.search(block).group(1),
            "payment_method": re.search(r'name="payment_method" value="(\w+)"', block).group(1),
        },
        headers={"hx-request": "true"},
    )

    assert len(offered) == 3
    assert {int(pk) for pk in offered} <= {unit.pk for unit in units[2:]}
    assert "表价 ¥" in block and "一次性付款" in block
    order = Order.objects.get(buyer=signed_up)
    assert chosen["HX-Redirect"] == f"/orders/{order.pk}/"
    assert order.unit_id == int(offered[0]) and order.payment_method == "full"


def test_a_unit_repriced_after_the_page_was_shown_is_refused_and_shown_at_the_new_price(
    client, signed_up, opening, project, units, sales_manager
):
    data = _form(client.get(_url(opening, units[0])).content.decode())
    price_list_apply(project=project, prices={units[0].pk: (Decimal("16000"), Decimal("1920000"))}, actor=sales_manager)
    before = sales_state()

    response = client.post(_url(opening, units[0]), data)

    page = response.content.decode()
    assert "该房源价格已调整，请刷新页面确认新价格后再选" in page
    assert "data-final-price>¥1,920,000.00<" in page
    assert TOKEN_RE.search(page).group(1) != data["request_token"]
    assert sales_state() == before


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"request_token": "not-a-token"}, "提交标识无效，请刷新页面后重试"),
        ({"payment_method": "cash"}, "请选择付款方式"),
        ({"price_signature": ""}, "提交标识无效，请刷新页面后重试"),
        ({"price_signature": "x:y"}, "该房源价格已调整"),
    ],
)
def test_a_tampered_or_stale_form_is_refused_and_nothing_changes(client, signed_up, opening, units, change, message):
    data = _form(client.get(_url(opening, units[0])).content.decode()) | change
    before = sales_state()

    response = client.post(_url(opening, units[0]), data)

    assert message in response.content.decode()
    assert sales_state() == before


def test_a_buyer_who_did_not_sign_up_sees_why_and_a_forged_post_changes_nothing(client, buyer, opening, units):
    client.force_login(buyer)
    page = client.get(_url(opening, units[0])).content.decode()
    before = sales_state()

    response = client.post(
        _url(opening, units[0]),
        {"request_token": "a" * 32, "price_signature": f"0:{units[0].list_price_amount}", "payment_method": "full"},
    )

    assert "您未报名本次开盘，不能选房" in page
    assert 'name="request_token"' not in page
    assert "您未报名本次开盘，不能选房" in response.content.decode()
    assert sales_state() == before


def test_before_the_start_the_form_waits_for_the_server_time_instant_and_an_early_click_is_refused(
    client, buyer, project, units, sales_manager
):
    now = timezone.now()
    later = factories.opening(
        project=project,
        units=units,
        actor=sales_manager,
        signup_ends_at=now + timedelta(hours=1),
        starts_at=now + timedelta(hours=2),
        ends_at=now + timedelta(hours=3),
    )
    registered(later, buyer)
    client.force_login(buyer)

    with time_machine.travel(later.starts_at - timedelta(minutes=3), tick=False):
        page = client.get(_url(later, units[0])).content.decode()
        before = sales_state()
        early = client.post(_url(later, units[0]), _form(page)).content.decode()

    assert "开盘尚未开始，开盘时间为" in page
    assert 'data-enable-in="181"' in page  # the button counts down to the start by the server's clock
    assert "3分1秒" in page
    assert "开盘尚未开始" in early and 'name="request_token"' in early
    assert sales_state() == before


def test_a_form_loaded_before_the_start_selects_at_the_start_without_reloading(
    client, buyer, project, units, sales_manager
):
    now = timezone.now()
    later = factories.opening(
        project=project,
        units=units,
        actor=sales_manager,
        signup_ends_at=now + timedelta(hours=1),
        starts_at=now + timedelta(hours=2),
        ends_at=now + timedelta(hours=3),
    )
    registered(later, buyer)
    client.force_login(buyer)
    with time_machine.travel(later.starts_at - timedelta(seconds=30), tick=False):
        data = _form(client.get(_url(later, units[0])).content.decode())

    with time_machine.travel(later.starts_at + timedelta(milliseconds=5), tick=False):
        response = client.post(_url(later, units[0]), data)

    assert response["Location"] == f"/orders/{Order.objects.get(buyer=buyer).pk}/"


def test_with_the_quota_used_the_page_says_so(client, signed_up, opening, units):
    select(signed_up, units[0], opening)
    select(signed_up, units[1], opening)

    page = client.get(_url(opening, units[2])).content.decode()

    assert "您在本次开盘的选房数量已达上限" in page
    assert 'name="request_token"' not in page


def test_htmx_gets_the_panel_with_the_refusal_and_a_client_redirect_on_success(
    client, signed_up, other_buyer, opening, units
):
    taken = _form(client.get(_url(opening, units[0])).content.decode())
    free = _form(client.get(_url(opening, units[1])).content.decode())
    registered(opening, other_buyer)
    select(other_buyer, units[0], opening)

    refused = client.post(_url(opening, units[0]), taken, headers={"hx-request": "true"})
    chosen = client.post(_url(opening, units[1]), free, headers={"hx-request": "true"})

    assert refused.content.decode().lstrip().startswith('<div id="select-panel"')
    assert "该房源已被选" in refused.content.decode()
    assert chosen["HX-Redirect"] == f"/orders/{Order.objects.get(buyer=signed_up).pk}/"


def test_units_outside_the_batch_or_not_public_are_404(client, signed_up, opening, project, units, sales_manager):
    other = building_with_units(project=project, number="7", floors=1, units_per_floor=1, publish=False)
    draft = other.units.get()
    opening.units.add(draft)

    assert client.get(_url(opening, draft)).status_code == 404
    assert client.get(f"/openings/{opening.pk}/units/999999/").status_code == 404


def test_anonymous_visitors_are_asked_to_log_in(client, opening, units):
    response = client.get(_url(opening, units[0]))

    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=")


def test_the_selection_post_takes_a_bounded_number_of_queries(
    client, signed_up, opening, units, django_assert_max_num_queries
):
    data = _form(client.get(_url(opening, units[0])).content.decode())

    # session, user, opening, unit, then the service's 6 (+ savepoint/commit) — see docs/sales.md.
    with django_assert_max_num_queries(14):
        response = client.post(_url(opening, units[0]), data)

    assert response.status_code == 302


# ---- day-to-day selection outside an opening -----------------------------------------------------------


def test_outside_an_opening_a_verified_buyer_selects_a_unit_on_sale(client, buyer, units):
    client.force_login(buyer)
    page = client.get(f"/units/{units[0].pk}/select/").content.decode()

    response = client.post(f"/units/{units[0].pk}/select/", _form(page))

    order = Order.objects.get()
    assert response["Location"] == f"/orders/{order.pk}/"
    assert order.opening is None and order.deposit_amount == services.DEFAULT_DEPOSIT_AMOUNT


def test_a_unit_kept_for_an_opening_points_to_it(client, buyer, opening, units):
    client.force_login(buyer)

    page = client.get(f"/units/{units[0].pk}/select/").content.decode()

    assert "该房源属于开盘活动「首次开盘」，请在开盘活动中选房" in page
    assert f'href="/openings/{opening.pk}/"' in page
    assert 'name="request_token"' not in page


def test_the_unit_page_of_the_storefront_links_to_selection(client, units):
    project = units[0].project

    page = client.get(f"/projects/{project.slug}/units/{units[0].code}/").content.decode()

    assert f'href="/units/{units[0].pk}/select/"' in page


# ---- the order page ------------------------------------------------------------------------------------


def test_the_order_page_shows_status_price_breakdown_and_a_server_time_countdown(client, signed_up, opening, units):
    order = select(signed_up, units[0], opening)

    with time_machine.travel(order.hold_expires_at - timedelta(minutes=12, seconds=5), tick=False):
        page = client.get(f"/orders/{order.pk}/").content.decode()

    assert 'data-status="pending_payment"' in page and "待付定金" in page
    assert 'data-seconds="725"' in page and "12分5秒" in page
    assert "data-final-price>¥1,800,000.00<" in page
    assert "¥50,000.00" in page
    assert "取消订单并释放房源" in page


def test_an_order_is_only_its_buyers(client, signed_up, other_buyer, opening, units, consultant):
    order = select(signed_up, units[0], opening)

    client.force_login(other_buyer)
    stranger = client.get(f"/orders/{order.pk}/")
    cancel = client.post(f"/orders/{order.pk}/cancel/", {"reason": "试试看"})
    client.force_login(consultant)
    staff = client.get(f"/orders/{order.pk}/")

    assert stranger.status_code == cancel.status_code == staff.status_code == 404
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT


def test_an_overdue_order_expires_when_read_and_frees_the_unit(client, signed_up, opening, units):
    order = select(signed_up, units[0], opening)

    with time_machine.travel(order.hold_expires_at + timedelta(seconds=1)):
        page = client.get(f"/orders/{order.pk}/").content.decode()

    order.refresh_from_db()
    assert order.status == OrderStatus.EXPIRED
    assert Unit.objects.get(pk=units[0].pk).status == UnitStatus.AVAILABLE
    assert "该订单已超过支付时限，已失效" in page
    assert "取消订单" not in page


def test_the_buyer_cancels_with_a_reason_and_the_unit_is_released(client, signed_up, opening, units):
    order = select(signed_up, units[0], opening)

    response = client.post(f"/orders/{order.pk}/cancel/", {"reason": "选错房源"}, follow=True)

    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED and order.close_reason == "选错房源"
    assert Unit.objects.get(pk=units[0].pk).status == UnitStatus.AVAILABLE
    assert "订单已取消" in response.content.decode()


def test_cancelling_without_a_reason_is_refused_and_changes_nothing(client, signed_up, opening, units):
    order = select(signed_up, units[0], opening)
    before = sales_state()

    response = client.post(f"/orders/{order.pk}/cancel/", {"reason": "  "}, follow=True)

    assert "请填写取消原因" in response.content.decode()
    assert sales_state() == before


def test_my_orders_lists_only_mine_and_is_linked_from_my_page(
    client, signed_up, other_buyer, opening, units, django_assert_max_num_queries
):
    mine = select(signed_up, units[0], opening)
    registered(opening, other_buyer)
    theirs = select(other_buyer, units[1], opening)

    # session, user, count, the page of orders (with unit and project), the footer's company, and the
    # session's last-seen write with its savepoint: the same however many orders there are.
    with django_assert_max_num_queries(8):
        page = client.get("/orders/").content.decode()
    me = client.get("/accounts/me/").content.decode()

    assert mine.number in page and theirs.number not in page
    assert 'href="/orders/"' in me


def test_a_reserved_order_has_no_countdown_and_no_cancel_button(client, signed_up, opening, units):
    order = select(signed_up, units[0], opening)
    services.order_reserve(order=order, actor=None, paid_at=timezone.now())

    page = client.get(f"/orders/{order.pk}/").content.decode()

    assert "已认购" in page
    assert "data-countdown" not in page
    assert "取消订单并释放房源" not in page


def test_order_list_redirects_staff_to_the_back_office(client, consultant):
    client.force_login(consultant)

    assert client.get("/orders/")["Location"] == "/office/sales/orders/"


def test_withheld_unit_cannot_be_selected_from_its_page(client, signed_up, opening, units):
    unit_move(units[0], UnitStatus.WITHHELD)

    page = client.get(_url(opening, units[0])).content.decode()

    assert "已售" in page and 'name="request_token"' not in page
