"""Sales fixtures: the personas with the sales permissions proposed for accounts/roles.py, a
project with a published building, and openings around the current time."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.utils import timezone

from accounts.roles import ROLES
from listings.tests.factories import ProjectFactory, building_with_units
from sales.models import OpeningMode
from sales.permissions import SALES_ROLE_PERMISSIONS
from sales.tests import factories


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # the grid versions live in the cache, which outlives each test's rollback
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Dozens of buyers per test: the production hasher's deliberate slowness only costs time here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def sales_roles(roles):
    """Grant the proposed sales permissions to the role groups (mirrors the diff in docs/sales.md;
    harmless once the lead has added them to accounts/roles.py)."""
    for code, dotted in SALES_ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=ROLES[code].name)
        for name in dotted:
            app_label, codename = name.split(".")
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


@pytest.fixture
def buyer(buyer):
    buyer.refresh_from_db()  # the persona's cached profile predates its verification
    return buyer


@pytest.fixture
def other_buyer(other_buyer):
    other_buyer.refresh_from_db()
    return other_buyer


@pytest.fixture
def consultant(consultant, sales_roles):
    return consultant


@pytest.fixture
def sales_manager(sales_manager, sales_roles):
    return sales_manager


@pytest.fixture
def second_manager(sales_roles):
    return factories.staff("manager2", ["sales_manager"])


@pytest.fixture
def finance(finance, sales_roles):
    return finance


@pytest.fixture
def project(db):
    return ProjectFactory(name="舒畅·云栖府", slug="yunqi")


@pytest.fixture
def other_project(db):
    return ProjectFactory(name="舒畅·锦江苑", slug="jinjiang")


@pytest.fixture
def building(project):
    """3 floors × 2 units, published (可售), 120㎡ at 15,000–15,200 元/㎡."""
    return building_with_units(project=project, number="1", floors=3, units_per_floor=2)


@pytest.fixture
def units(building):
    return list(building.units.order_by("pk"))


@pytest.fixture
def opening(project, units, sales_manager):
    """A published free-selection opening running now, quota 2, with every unit of the building."""
    now = timezone.now()
    return factories.opening(
        project=project,
        units=units,
        actor=sales_manager,
        signup_ends_at=now - timedelta(hours=1),
        starts_at=now - timedelta(minutes=30),
        ends_at=now + timedelta(hours=2),
        quota=2,
        hold_minutes=30,
        deposit_amount=Decimal("50000.00"),
        mode=OpeningMode.FREE,
    )
