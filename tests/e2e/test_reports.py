"""Reports in Chromium: finance filters 收费收据明细表, downloads the Excel (totals equal to the page's),
and finds the nightly report in 报表中心 and downloads it."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from tests.e2e.conftest import E2E_PASSWORD

pytestmark = pytest.mark.e2e


@pytest.fixture
def books(transactional_db, settings, tmp_path):
    """A project, one order of 张三 with a 定金 and a partial 首付款 made yesterday (and the nightly
    report generated from them), one voided receipt today; finance with every declared permission."""
    from django.contrib.auth.models import Group, Permission

    from accounts.roles import ROLES, role_permissions
    from accounts.services import buyer_register, buyer_verify_identity, roles_sync, staff_create
    from listings.tests.factories import ProjectFactory, building_with_units
    from payments import permissions as payments_permissions
    from payments import services as payment_services
    from payments.models import Payment, Receipt
    from payments.tests import factories
    from reports import services

    settings.ROOT_URLCONF = "reports.tests.urls"
    settings.REPORTS_ROOT = tmp_path / "reports"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    factories.seed_configuration()
    roles_sync()
    declared = {code: list(perms) for code, perms in role_permissions().items()}
    for code, perms in getattr(payments_permissions, "PAYMENTS_ROLE_PERMISSIONS", {}).items():
        declared.setdefault(code, []).extend(perms)
    group = Group.objects.get(name=ROLES["finance"].name)
    for name in declared["finance"]:
        app_label, codename = name.split(".")
        permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
        if permission is not None:
            group.permissions.add(permission)
    finance = staff_create(
        actor=None, username="caiwu", password=E2E_PASSWORD, full_name="钱会计", role_codes=["finance"]
    )
    buyer = buyer_register(mobile="13800138000", password=E2E_PASSWORD)
    buyer_verify_identity(user=buyer, real_name="张三", id_number="11010519491231002X")
    buyer.refresh_from_db()
    project = ProjectFactory(name="舒畅·云栖府", slug="yunqi")
    unit = building_with_units(project=project, number="1", floors=1, units_per_floor=2).units.order_by("pk").first()
    order = factories.select(buyer, unit)
    factories.pay_deposit_cash(order, finance)
    order.refresh_from_db()
    factories.pay(order, finance, "50000.00")
    yesterday_noon = timezone.localtime().replace(hour=12, minute=0) - timedelta(days=1)
    Payment.objects.update(paid_at=yesterday_noon)
    Receipt.objects.update(issued_at=yesterday_noon)
    nightly = services.reports_generate_scheduled(period="daily")[0]
    wrong = factories.pay(order, finance, "1000.00")
    payment_services.receipt_void(receipt=wrong.receipt, actor=finance, reason="金额录错")
    return {"finance": finance, "nightly": nightly, "voided_code": wrong.receipt.code}


def test_finance_filters_downloads_and_finds_the_nightly_report(browser, live_server, books, tmp_path):
    context = browser.new_context(
        base_url=live_server.url, locale="zh-CN", viewport={"width": 1280, "height": 900}, accept_downloads=True
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto("/accounts/login/")
    page.fill("#id_username", "caiwu")
    page.fill("#id_password", E2E_PASSWORD)
    page.locator('button[type="submit"]').click()
    page.wait_for_url("**/")

    page.goto("/office/reports/receipt_detail/")
    assert page.locator("#results tbody tr").count() == 3
    assert books["voided_code"] in page.locator("#results").inner_text()
    # Only receipts still valid: the voided one leaves, the totals stay.
    page.select_option("#id_receipt_status", "issued")
    page.get_by_role("button", name="查询").click()
    page.wait_for_function("document.querySelectorAll('#results tbody tr').length === 2")
    results = page.locator("#results").inner_text()
    assert books["voided_code"] not in results
    assert "70,000.00" in results
    assert "receipt_status=issued" in page.url

    with page.expect_download() as download_info:
        page.get_by_role("link", name="导出Excel").click()
    path = tmp_path / "detail.xlsx"
    download_info.value.save_as(path)
    rows = list(load_workbook(path).active.iter_rows(values_only=True))
    assert rows[0][0] == "收费收据明细表"
    assert "收据状态：已开具" in rows[1][0]
    assert rows[-1][0] == "合计" and Decimal(str(rows[-1][6])) == Decimal("70000.00")
    assert {row[2] for row in rows[3:-1]} == {"张*"}

    page.goto("/office/reports/centre/")
    row = page.locator(f"#generated-{books['nightly'].pk}")
    assert "日报" in row.inner_text() and "系统定时" in row.inner_text()
    with page.expect_download() as nightly_info:
        row.get_by_role("link", name="下载").click()
    nightly_path = tmp_path / "nightly.xlsx"
    nightly_info.value.save_as(nightly_path)
    nightly_rows = list(load_workbook(nightly_path).active.iter_rows(values_only=True))
    assert Decimal(str(nightly_rows[-1][6])) == Decimal("70000.00")
    context.close()
