"""End-to-end fixtures: Debian's Chromium driven by Playwright's sync API against pytest-django's live server.

No browser is downloaded: Playwright launches the system Chromium at /usr/bin/chromium, so the
tests run on a closed network too. Tests in this folder are marked `e2e`; `pytest -m "not e2e"`
leaves them out.
"""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
E2E_PASSWORD = "E2e-pass-2026"


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture
def browser(live_server, monkeypatch):
    """Chromium for one test. It depends on `live_server` so that it stops before the database is flushed.

    Per test, not per session: while Playwright runs, its event loop runs in this thread, and other
    tests must not run inside it (asgiref would hand them separate database connections).
    """
    if not CHROMIUM.exists():
        pytest.skip("needs Debian's Chromium at /usr/bin/chromium (apt-get install chromium)")
    from django.db import connections
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in the test thread; Django would then refuse ORM calls
    # there as "async unsafe". The test thread never runs async code of its own, so this is safe.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
            # ORM calls made while the loop ran got connections of their own (asgiref keys them by the
            # loop's context); close them now, or they outlive the test and block dropping the test DB.
            connections.close_all()


@pytest.fixture
def page(browser, live_server, settings):
    """A fresh browser context (no cookies) on a phone-sized screen, pointed at the live server."""
    from django.core.cache import cache

    # Cached grids are keyed by building id; ids restart after each test's flush on SQLite.
    cache.clear()
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", viewport={"width": 414, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def sales_manager_user(transactional_db, settings):
    from accounts.roles import SALES_MANAGER
    from accounts.services import roles_sync, staff_create

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    roles_sync()
    return staff_create(
        actor=None,
        username="manager",
        password=E2E_PASSWORD,
        full_name="陈经理",
        role_codes=[SALES_MANAGER],
    )


@pytest.fixture
def project_with_units(transactional_db, sales_manager_user):
    """A project on sale: building 1 (3 floors × 2 units) published, building 2 still draft."""
    from developers.models import Company
    from listings import services
    from listings.models import FloorPlan, Project, ProjectSalesStatus

    company = Company.objects.create(name="测试置业有限公司", short_name="测试置业")
    project = Project.objects.create(
        developer=company,
        name="舒畅·测试花园",
        slug="ceshi-huayuan",
        district="西湖区",
        address="杭州市西湖区测试路 1 号",
        sales_status=ProjectSalesStatus.ON_SALE,
        opening_on=date(2026, 11, 1),
    )
    plan = FloorPlan.objects.create(
        project=project,
        name="A户型",
        rooms=3,
        halls=2,
        baths=1,
        gross_area=Decimal("89.00"),
        inner_area=Decimal("71.60"),
    )
    buildings = [
        services.building_create_with_units(
            project=project,
            actor=sales_manager_user,
            number=number,
            floors=3,
            units_per_floor=2,
            plans_by_position={1: plan, 2: plan},
            base_unit_price=Decimal("30000"),
            floor_premium=Decimal("100"),
        )
        for number in ("1", "2")
    ]
    services.units_publish(
        project=project,
        unit_ids=list(buildings[0].units.values_list("pk", flat=True)),
        actor=sales_manager_user,
        note="首批公布",
    )
    return project
