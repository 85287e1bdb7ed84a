"""The opening rush in Chromium: two buyers race for one unit, and a buyer's whole path from sign-up
to the order page.

Each buyer has their own browser context (their own cookies), signs in through the login page and
uses the pages as a person would: the opening's grid, the unit's selection page, the select button.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from listings.models import Unit, UnitStatus
from sales.models import Order, OrderStatus, Registration
from tests.e2e.conftest import E2E_PASSWORD

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def _fresh_grids(settings):
    from sales.views import snapshots

    # The polled grid may lag a second behind in production (docs/opening-benchmark.md); here the
    # test waits for the change itself, so serve it as soon as it happens.
    settings.SALES_GRID_MAX_STALE_SECONDS = 0
    snapshots.forget_all()
    yield
    snapshots.forget_all()


@pytest.fixture
def sales_roles(sales_manager_user):
    """The sales permissions proposed for accounts/roles.py (docs/sales.md), as the sales tests grant them."""
    from django.contrib.auth.models import Group, Permission

    from accounts.roles import ROLES
    from sales.permissions import SALES_ROLE_PERMISSIONS

    for code, dotted in SALES_ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=ROLES[code].name)
        for name in dotted:
            app_label, codename = name.split(".")
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


def _buyer(mobile: str, real_name: str, id_number: str):
    from accounts.services import buyer_register, buyer_verify_identity

    user = buyer_register(mobile=mobile, password=E2E_PASSWORD)
    buyer_verify_identity(user=user, real_name=real_name, id_number=id_number)
    user.refresh_from_db()
    return user


def _opening(project, actor, *, starts_in: timedelta, signup_closes_in: timedelta, quota: int = 1):
    from sales import services

    now = timezone.now()
    units = Unit.objects.filter(project=project, building__number="1").order_by("pk")
    opening = services.opening_create(
        project=project,
        actor=actor,
        unit_ids=[unit.pk for unit in units],
        name="一期开盘",
        signup_ends_at=now + signup_closes_in,
        starts_at=now + starts_in,
        ends_at=now + timedelta(hours=2),
        quota=quota,
        hold_minutes=15,
        deposit_amount=Decimal("50000"),
    )
    return services.opening_publish(opening=opening, actor=actor)


def _signed_up(opening, buyer):
    from sales import services

    return services.registration_create(
        opening=opening, buyer=buyer, actor=buyer, at=opening.signup_ends_at - timedelta(minutes=1)
    )


@pytest.fixture
def new_buyer_page(browser, live_server, settings):
    """Open a fresh browser context (a buyer's own phone) logged in through the login page."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    contexts = []

    def open_as(mobile: str):
        context = browser.new_context(base_url=live_server.url, locale="zh-CN", viewport={"width": 414, "height": 900})
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.goto("/accounts/login/")
        page.fill("#id_username", mobile)
        page.fill("#id_password", E2E_PASSWORD)
        page.locator('button[type="submit"]').click()
        page.wait_for_url("**/")
        return page

    yield open_as
    for context in contexts:
        context.close()


def test_two_buyers_race_for_one_unit_and_the_loser_sees_it_taken_without_reloading(
    new_buyer_page, project_with_units, sales_manager_user, sales_roles
):
    from django.core.cache import cache

    cache.clear()
    opening = _opening(
        project_with_units, sales_manager_user, starts_in=-timedelta(minutes=1), signup_closes_in=-timedelta(minutes=2)
    )
    first, second = (
        _buyer("13800000001", "张三", "11010519491231002X"),
        _buyer("13900000002", "李四", "440524198001010013"),
    )
    _signed_up(opening, first)
    _signed_up(opening, second)
    unit = Unit.objects.get(project=project_with_units, code="1-201")
    pages = [new_buyer_page("13800000001"), new_buyer_page("13900000002")]
    # The second buyer also keeps the opening's grid open in another tab, to watch it change.
    watching = pages[1].context.new_page()
    watching.goto(f"/openings/{opening.pk}/")
    cell = watching.locator('.unit-cell[data-unit-code="1-201"]')
    assert cell.get_attribute("data-status") == "available"
    watching.evaluate("window.stillTheSamePage = true")

    for page in pages:
        page.goto(f"/openings/{opening.pk}/")
        page.locator('.unit-cell[data-unit-code="1-201"]').click()
        page.wait_for_url(f"**/openings/{opening.pk}/units/{unit.pk}/")
        assert "¥" in page.locator(".quote").first.inner_text()
        page.evaluate("window.stillTheSamePage = true")
    # Both click "确认选房" within the same instant; the server decides.
    for page in pages:
        page.locator(".select-form button[type=submit]").click(no_wait_after=True)

    winner_index = None
    for _ in range(100):
        for index, page in enumerate(pages):
            if "/orders/" in page.url:
                winner_index = index
        if winner_index is not None:
            break
        pages[0].wait_for_timeout(100)
    assert winner_index is not None, "neither buyer reached an order page"
    winner, loser = pages[winner_index], pages[1 - winner_index]
    winner_user = (first, second)[winner_index]

    loser.locator("[data-refusal]").wait_for()
    assert "该房源已被选" in loser.locator("[data-refusal]").inner_text()
    assert loser.evaluate("window.stillTheSamePage === true"), "the losing page reloaded"
    assert f"/units/{unit.pk}/" in loser.url
    assert "待付定金" in winner.locator("body").inner_text()
    order = Order.objects.get()
    assert (order.buyer, order.unit_id, order.status) == (winner_user, unit.pk, OrderStatus.PENDING_PAYMENT)
    assert Unit.objects.get(pk=unit.pk).status == UnitStatus.LOCKED
    # The open grid turns the unit locked on its own (it polls every 3 seconds).
    watching.wait_for_function(
        "document.querySelector('.unit-cell[data-unit-code=\"1-201\"]').dataset.status === 'locked'", timeout=12_000
    )
    assert watching.evaluate("window.stillTheSamePage === true"), "the grid page reloaded"


def test_a_buyer_signs_up_waits_for_the_start_selects_and_sees_the_order_countdown(
    new_buyer_page, project_with_units, sales_manager_user, sales_roles
):
    from django.core.cache import cache

    cache.clear()
    opening = _opening(
        project_with_units, sales_manager_user, starts_in=timedelta(seconds=12), signup_closes_in=timedelta(seconds=12)
    )
    buyer = _buyer("13700000003", "王五", "110105199001011237")
    page = new_buyer_page("13700000003")

    page.goto(f"/openings/{opening.pk}/")
    assert page.locator(".opening-clock [data-countdown]").count() == 1
    page.get_by_role("button", name="立即报名").click()
    page.wait_for_url(f"**/openings/{opening.pk}/")
    assert "报名成功" in page.locator("body").inner_text()
    assert Registration.objects.filter(opening=opening, buyer=buyer).exists()

    page.locator('.unit-cell[data-unit-code="1-302"]').click()
    button = page.locator(".select-form button[type=submit]")
    assert button.is_disabled()  # before the start the button waits, counting down by the server's clock
    assert "开盘尚未开始" in page.locator("[data-state=prepare]").inner_text()
    button.wait_for(state="visible")
    page.wait_for_function("!document.querySelector('.select-form button[type=submit]').disabled", timeout=20_000)
    page.locator('input[name="payment_method"][value="full"]').check()
    button.click()

    page.wait_for_url("**/orders/*/")
    countdown = page.locator("#hold-panel [data-countdown]")
    first_reading = countdown.inner_text()
    page.wait_for_timeout(1_500)
    assert countdown.inner_text() != first_reading  # it counts down
    assert first_reading.startswith(("14分", "15分"))
    order = Order.objects.get(buyer=buyer)
    assert order.payment_method == "full" and order.unit.code == "1-302"
    assert "¥50,000.00" in page.locator("#hold-panel").inner_text()
