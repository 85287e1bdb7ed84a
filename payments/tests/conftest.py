"""Payments fixtures: the site with the payments pages, the sandbox gateway with keys in a temporary
folder, the personas holding the permissions proposed for accounts/roles.py, and a project on sale."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache

from accounts.roles import ROLES
from listings.tests.factories import ProjectFactory, building_with_units
from payments.permissions import PAYMENTS_ROLE_PERMISSIONS
from payments.tests import factories
from sales.permissions import SALES_ROLE_PERMISSIONS


@pytest.fixture(scope="session")
def sandbox_key_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("payments-sandbox")


@pytest.fixture(autouse=True)
def _payments_site(settings, sandbox_key_dir):
    """The payments URLs as the lead will include them, and the sandbox gateway on (as in `make run`)."""
    settings.ROOT_URLCONF = "payments.tests.urls"
    settings.PAYMENTS_SANDBOX_ENABLED = True
    settings.PAYMENTS_SANDBOX_KEY_DIR = sandbox_key_dir
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _configuration_after_flush(request):
    """Transactional tests start after another one's flush: seed the payments configuration again."""
    marker = request.node.get_closest_marker("django_db")
    if marker is not None and marker.kwargs.get("transaction"):
        request.getfixturevalue("transactional_db")
        factories.seed_configuration()


def grant(role_permissions: dict[str, tuple[str, ...]]) -> None:
    for code, dotted in role_permissions.items():
        group = Group.objects.get(name=ROLES[code].name)
        for name in dotted:
            app_label, codename = name.split(".")
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


@pytest.fixture
def payment_roles(roles):
    """The proposed sales and payments permissions on the role groups (harmless once in accounts/roles.py)."""
    grant(SALES_ROLE_PERMISSIONS)
    grant(PAYMENTS_ROLE_PERMISSIONS)


@pytest.fixture
def buyer(buyer):
    buyer.refresh_from_db()  # the persona's cached profile predates its verification
    return buyer


@pytest.fixture
def other_buyer(other_buyer):
    other_buyer.refresh_from_db()
    return other_buyer


@pytest.fixture
def consultant(consultant, payment_roles):
    return consultant


@pytest.fixture
def sales_manager(sales_manager, payment_roles):
    return sales_manager


@pytest.fixture
def finance(finance, payment_roles):
    return finance


@pytest.fixture
def second_finance(payment_roles):
    return factories.staff("finance2", ["finance"], full_name="钱会计")


@pytest.fixture
def project(db):
    return ProjectFactory(name="舒畅·云栖府", slug="yunqi")


@pytest.fixture
def other_project(db):
    return ProjectFactory(name="舒畅·锦江苑", slug="jinjiang")


@pytest.fixture
def building(project):
    """3 floors × 2 units, on sale, 120㎡ at 15,000–15,200 元/㎡."""
    return building_with_units(project=project, number="1", floors=3, units_per_floor=2)


@pytest.fixture
def units(building):
    return list(building.units.order_by("pk"))


@pytest.fixture
def pending_order(buyer, units):
    """The buyer selected unit 0 outside an opening: pending, 定金 ¥20,000 due within 30 minutes."""
    return factories.select(buyer, units[0])


@pytest.fixture
def reserved_order(pending_order, finance):
    """The same order with its 定金 paid in cash at the counter (so it is reserved and has a schedule)."""
    factories.pay_deposit_cash(pending_order, finance)
    pending_order.refresh_from_db()
    return pending_order


@pytest.fixture
def deposit_amount():
    return Decimal("20000.00")
