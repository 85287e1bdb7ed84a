"""The demo data set, as a visitor and the demo accounts meet it."""

import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from PIL import Image

from accounts.models import User
from audit.models import AuditEntry
from developers.models import Company, Employee, News
from listings.models import Building, Project, SampleHousePhoto, Unit, UnitStatus
from loans.models import LoanPlan
from payments import services as payment_services
from payments.models import ChargeKind, Payment, PaymentSchedule, PaymentStatus, Receipt
from sales import selectors as sales_selectors
from sales import services as sales_services
from sales.exceptions import DomainError
from sales.models import Opening, OpeningMode, Order, OrderStatus, Registration
from sales.pricing import price_quote
from shuchang import demo
from shuchang.core.money import to_amount


@pytest.fixture(scope="module")
def demo_media(tmp_path_factory):
    return tmp_path_factory.mktemp("demo-media")


@pytest.fixture(scope="module")
def _demo_once(django_db_setup, django_db_blocker, demo_media):
    """Build the demo once for this module, inside a transaction rolled back at the end.

    Each test then runs in a savepoint of it (pytest-django's `db`), so they cannot disturb one another.
    Pictures go to a throw-away media folder; a fast hasher keeps eight accounts cheap.
    """
    fast_hasher = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=demo_media, PASSWORD_HASHERS=fast_hasher),
        transaction.atomic(),
    ):
        demo.build_demo()
        yield
        transaction.set_rollback(True)


@pytest.fixture
def loaded(_demo_once, db, demo_media, settings):
    settings.MEDIA_ROOT = demo_media
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_demo_has_at_least_three_projects_in_different_districts_with_public_units(loaded):
    on_sale = [project for project in Project.objects.all() if project.units.exclude(status=UnitStatus.DRAFT).exists()]

    assert len(on_sale) >= 3
    assert len({project.district for project in on_sale}) == len(on_sale)
    for project in on_sale:
        assert 3 <= project.floor_plans.count() <= 4
        assert 2 <= project.buildings.count() <= 4
        assert project.sample_houses.exists()
        assert project.price_lists.get().number == 1
    for building in Building.objects.all():
        assert 18 <= building.floors <= 33
        assert 4 <= building.units_per_floor <= 8
        assert building.units.count() == building.floors * building.units_per_floor


def test_demo_prices_are_plausible_and_exact(loaded):
    for unit in Unit.objects.all():
        assert 25_000 <= unit.unit_price_amount <= 65_000, unit.code
        # 一房一价: the total is the unit price times the area, to the fen.
        assert unit.list_price_amount == to_amount(unit.unit_price_amount * unit.gross_area), unit.code
        assert unit.price_version is not None


def test_demo_keeps_some_buildings_draft_and_withholds_a_few_units(loaded):
    statuses = set(Unit.objects.values_list("status", flat=True))
    draft_buildings = [b for b in Building.objects.all() if not b.units.exclude(status=UnitStatus.DRAFT).exists()]

    # Besides the inventory's three, the demo orders hold units locked, reserved and signed.
    assert statuses == {
        UnitStatus.DRAFT,
        UnitStatus.AVAILABLE,
        UnitStatus.WITHHELD,
        UnitStatus.LOCKED,
        UnitStatus.RESERVED,
        UnitStatus.SIGNED,
    }
    assert draft_buildings
    assert 0 < Unit.objects.filter(status=UnitStatus.WITHHELD).count() < 20
    # Published units carry their publication time; draft units never do.
    assert not Unit.objects.filter(status=UnitStatus.DRAFT, published_at__isnull=False).exists()


def test_demo_pictures_are_real_images_in_media_root(loaded, demo_media):
    project = Project.objects.get(slug="xixi-yunlu")
    pictures = [
        project.cover,
        project.images.first().image,
        project.floor_plans.first().image,
        SampleHousePhoto.objects.filter(sample_house__project=project).first().image,
        Company.objects.get().logo,
        News.objects.first().cover,
    ]

    for picture in pictures:
        assert str(demo_media) in picture.path
        with Image.open(picture.path) as image:
            assert image.width >= 400
            assert image.height >= 400


def test_demo_company_has_news_departments_and_staff_as_employees(loaded):
    company = Company.objects.get()

    assert company.name == "舒畅置业集团有限公司"
    assert News.objects.filter(is_published=True).count() == 3
    assert set(company.departments.values_list("name", flat=True)) >= {"销售部", "财务部", "信息部", "客服部"}
    for spec in demo.STAFF:
        assert Employee.objects.get(user__username=spec.username).department.name == spec.department


@pytest.mark.parametrize("spec", demo.STAFF, ids=lambda spec: spec.username)
def test_every_staff_demo_account_logs_into_the_admin(loaded, client, spec):
    response = client.post(
        "/admin/login/?next=/admin/", {"username": spec.username, "password": demo.DEMO_PASSWORD}, follow=True
    )

    assert response.status_code == 200
    assert response.wsgi_request.user.username == spec.username
    assert response.redirect_chain[-1][0] == "/admin/"


@pytest.mark.parametrize("spec", demo.BUYERS, ids=lambda spec: spec.mobile)
def test_every_buyer_demo_account_logs_in_by_mobile(loaded, client, spec):
    response = client.post("/accounts/login/", {"username": spec.mobile, "password": demo.DEMO_PASSWORD})

    user = User.objects.get(mobile=spec.mobile)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
    assert user.is_verified_buyer == bool(spec.real_name)
    assert not user.is_staff


def test_demo_roles_and_data_scope(loaded):
    admin = User.objects.get(username="admin")
    consultant = User.objects.get(username="consultant")
    first_project = Project.objects.order_by("pk").first()

    assert admin.is_superuser
    assert set(User.objects.get(username="manager").groups.values_list("name", flat=True)) == {"销售经理"}
    assert list(consultant.staff_profile.projects.all()) == [first_project]
    assert not consultant.staff_profile.all_projects
    assert User.objects.get(username="manager").staff_profile.all_projects


def test_demo_loads_only_into_an_empty_database(loaded, capsys):
    before = (
        Unit.objects.count(),
        User.objects.count(),
        AuditEntry.objects.count(),
        Order.objects.count(),
        Payment.objects.count(),
        LoanPlan.objects.count(),
    )

    assert demo.build_demo() is None
    call_command("load_demo_data")

    assert "跳过" in capsys.readouterr().out
    assert (
        Unit.objects.count(),
        User.objects.count(),
        AuditEntry.objects.count(),
        Order.objects.count(),
        Payment.objects.count(),
        LoanPlan.objects.count(),
    ) == before
    assert AuditEntry.objects.filter(action="demo.loaded").count() == 1


# ---- what a visitor sees on the storefront (URL scheme and grid markup are the storefront's contract) ----


def _grid_cells(html: str) -> dict[str, str]:
    """{unit code: status} of the cells of a building grid page."""
    cells = {}
    for tag in re.findall(r"<[^>]*\bdata-unit-code=[^>]*>", html):
        code = re.search(r'data-unit-code="([^"]+)"', tag).group(1)
        status = re.search(r'data-status="([^"]+)"', tag)
        cells[code] = status.group(1) if status else ""
    return cells


def test_visitor_sees_the_demo_projects_and_never_a_draft_unit(loaded, client):
    listing = client.get("/projects/").content.decode()
    on_sale = Project.objects.filter(units__status=UnitStatus.AVAILABLE).distinct()

    for project in on_sale:
        assert project.name in listing
    for building in Building.objects.select_related("project"):
        response = client.get(f"/projects/{building.project.slug}/buildings/{building.number}/")
        cells = _grid_cells(response.content.decode()) if response.status_code == 200 else {}
        draft_codes = set(building.units.filter(status=UnitStatus.DRAFT).values_list("code", flat=True))
        assert response.status_code in (200, 404)
        assert "draft" not in cells.values()
        assert not draft_codes & set(cells)
        if not draft_codes:
            assert response.status_code == 200
            assert len(cells) == building.units.count()
    draft_unit = Unit.objects.filter(status=UnitStatus.DRAFT).select_related("project").first()
    assert client.get(f"/projects/{draft_unit.project.slug}/units/{draft_unit.code}/").status_code == 404


# ---- sales, payments and loans on the first project -------------------------------------------

BUYER_A, BUYER_B = demo.BUYERS[0].mobile, demo.BUYERS[1].mobile


def test_demo_consultant_sees_their_customers_with_follow_ups(loaded):
    consultant = User.objects.get(username="consultant")
    customers = list(sales_selectors.customer_list_for_user(consultant))

    assert len(customers) == 4
    assert {customer.consultant_id for customer in customers} == {consultant.pk}
    assert {customer.project_id for customer in customers} == {Project.objects.order_by("pk").first().pk}
    assert sum(customer.follow_ups.count() for customer in customers) >= 3
    # The buyers' reservations linked their accounts to the consultant's records.
    assert {customer.user.mobile for customer in customers if customer.user} == {BUYER_A, BUYER_B}


def test_demo_prices_take_the_online_discount_and_the_full_payment_discount(loaded):
    unit = Unit.objects.filter(project__slug="xixi-yunlu", status=UnitStatus.AVAILABLE).first()

    mortgage = price_quote(unit=unit, payment_method="mortgage")
    full = price_quote(unit=unit, payment_method="full")

    assert [line.label for line in mortgage.lines] == ["98折"]
    assert mortgage.final_price_amount == to_amount(unit.list_price_amount * to_amount("0.98"))
    assert len(full.lines) == 2
    assert full.final_price_amount < mortgage.final_price_amount


def test_demo_opening_is_running_with_both_verified_buyers_signed_up(loaded):
    opening = Opening.objects.get(mode=OpeningMode.FREE)
    now = timezone.now()

    assert opening.is_published
    assert opening.starts_at <= now < opening.ends_at
    assert (opening.quota, opening.hold_minutes) == (2, 30)
    assert opening.units.count() == 40
    assert opening.units.filter(status=UnitStatus.AVAILABLE).count() == 38
    assert set(Registration.objects.filter(opening=opening).values_list("buyer__mobile", flat=True)) == {
        BUYER_A,
        BUYER_B,
    }


def test_demo_lottery_opening_next_week_has_its_seed_committed_not_revealed(loaded):
    opening = Opening.objects.get(mode=OpeningMode.LOTTERY)
    today = timezone.localdate()

    assert opening.is_published
    assert timezone.localdate(opening.starts_at) == today + timedelta(days=7)
    assert timezone.now() < opening.signup_ends_at
    assert len(opening.lottery_seed_hash) == 64
    assert opening.lottery_drawn_at is None
    assert opening.units.count() == 40
    assert not set(opening.units.values_list("pk", flat=True)) & set(
        Opening.objects.get(mode=OpeningMode.FREE).units.values_list("pk", flat=True)
    )


def test_demo_orders_in_every_state_with_their_money(loaded):
    orders = {order.status: order for order in Order.objects.select_related("buyer")}

    assert set(orders) == {OrderStatus.PENDING_PAYMENT, OrderStatus.RESERVED, OrderStatus.SIGNED, OrderStatus.CANCELLED}
    held = orders[OrderStatus.PENDING_PAYMENT]
    assert held.hold_expires_at > timezone.now()
    assert not held.payments.exists()
    # The reserved order's 定金 was paid at the counter: a receipt for exactly the deposit.
    reserved = orders[OrderStatus.RESERVED]
    receipt = Receipt.objects.get(payment__order=reserved)
    assert receipt.payment.amount == reserved.deposit_amount > 0
    assert reserved.buyer.mobile == BUYER_A
    # The signed order has a schedule and paid its 定金 plus part of the 首付款, not all of it.
    signed = orders[OrderStatus.SIGNED]
    schedule = PaymentSchedule.objects.get(order=signed, is_current=True)
    paid = Payment.objects.filter(order=signed, status=PaymentStatus.CONFIRMED)
    assert {payment.charge_item.kind for payment in paid} == {ChargeKind.DEPOSIT, ChargeKind.DOWN_PAYMENT}
    assert sum(item.amount for item in schedule.items.all()) == signed.contract_price_amount
    assert signed.deposit_amount < sum(payment.amount for payment in paid) < signed.contract_price_amount
    assert orders[OrderStatus.CANCELLED].unit.status == UnitStatus.AVAILABLE


def test_demo_buyer_sees_points_receipt_and_loan_plan_in_their_account(loaded, client):
    buyer = User.objects.get(mobile=BUYER_A)
    plan = LoanPlan.objects.get(customer__user=buyer)
    receipt = Receipt.objects.get(payment__order__buyer=buyer)
    client.force_login(buyer)

    assert payment_services.points_balance(buyer) == 5000
    assert plan.bank_name in client.get("/loans/plans/").content.decode()
    assert client.get(f"/loans/plans/{plan.pk}/").status_code == 200
    assert receipt.code in client.get("/payments/mine/").content.decode()
    other = User.objects.get(mobile=BUYER_B)
    client.force_login(other)
    assert client.get(f"/loans/plans/{plan.pk}/").status_code == 404


def test_demo_buyer_can_still_select_one_more_unit_in_the_running_opening(loaded):
    opening = Opening.objects.get(mode=OpeningMode.FREE)
    buyer = User.objects.get(mobile=BUYER_A)
    first, second = opening.units.filter(status=UnitStatus.AVAILABLE).order_by("pk")[:2]

    order = sales_services.order_select(
        buyer=buyer, unit=first, opening=opening, actor=buyer, payment_method="full", request_token="test-one-more"
    )

    assert order.status == OrderStatus.PENDING_PAYMENT
    with pytest.raises(DomainError) as refusal:
        sales_services.order_select(
            buyer=buyer, unit=second, opening=opening, actor=buyer, payment_method="full", request_token="test-too-many"
        )
    assert refusal.value.message == "您在本次开盘的选房数量已达上限"
