"""Loan fixtures: the role permissions proposed in loans.permissions (and sales.permissions) granted
to the role groups, a reserved order of a verified buyer, and private storage in a temporary folder."""

import importlib
import os
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.utils import timezone

from accounts.roles import ROLES


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _private_files(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def loan_roles(roles):
    """Mirror the proposed additions to accounts/roles.py (harmless once the lead has added them)."""
    from loans.permissions import LOANS_ROLE_PERMISSIONS
    from sales.permissions import SALES_ROLE_PERMISSIONS

    for proposals in (SALES_ROLE_PERMISSIONS, LOANS_ROLE_PERMISSIONS):
        for code, dotted in proposals.items():
            group = Group.objects.get(name=ROLES[code].name)
            for name in dotted:
                app_label, codename = name.split(".")
                group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


@pytest.fixture
def buyer(buyer, loan_roles):
    buyer.refresh_from_db()  # the persona's cached profile predates its verification
    return buyer


@pytest.fixture
def other_buyer(other_buyer, loan_roles):
    other_buyer.refresh_from_db()
    return other_buyer


@pytest.fixture
def sales_manager(sales_manager, loan_roles):
    return sales_manager


@pytest.fixture
def consultant(consultant, loan_roles):
    return consultant


@pytest.fixture
def finance(finance, loan_roles):
    return finance


@pytest.fixture
def project(db):
    from listings.tests.factories import ProjectFactory

    cache.clear()  # grid versions live in the cache, which outlives each test's rollback
    return ProjectFactory(name="舒畅·云栖府", slug="yunqi-loans")


@pytest.fixture
def units(project):
    from listings.tests.factories import building_with_units

    building = building_with_units(project=project, number="1", floors=2, units_per_floor=2)
    return list(building.units.order_by("pk"))


@pytest.fixture
def reserved_order(buyer, units):
    """The buyer's order for the first unit, deposit paid (认购): a loan may be applied for."""
    from sales import services
    from sales.tests.factories import select

    order = select(buyer, units[0])
    services.order_reserve(order=order, actor=None, paid_at=timezone.now())
    order.refresh_from_db()
    return order


# ---- browser tests --------------------------------------------------------------------------

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def chromium():
    """Debian's Chromium driven by Playwright (no browser download: works on a closed network).

    Module-scoped, so it is closed before tests/e2e starts its own: two sync Playwright sessions
    cannot run in one thread at once.
    """
    if not CHROMIUM.exists():
        pytest.skip("needs Debian's Chromium at /usr/bin/chromium (apt-get install chromium)")
    # Playwright's sync API runs an event loop in the test thread; the thread runs no async code itself.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
        yield browser
        browser.close()


@pytest.fixture
def seed_rates(transactional_db):
    """The seeded rates and products, put back: an earlier transactional test's flush may have
    emptied them. (serialized_rollback cannot do it: Playwright's event loop gives the test body
    its own database connection object, one without the serialized copy.)"""
    importlib.import_module("loans.migrations.0002_seed_rates").seed(apps, None)
