"""Payments in Chromium: a buyer selects a unit, pays the 定金 through the sandbox cashier, sees the
order reserved and downloads the receipt, whose text holds the number, the amount and the amount in
capitals; finance records a cash payment, voids a receipt and reprints another.

The sales order page leaves a slot for "pay the deposit" (payments/_order_pay_slot.html, to be
included by the sales pages); until it is, the buyer goes from the order page to the pay page by
its address, as the slot's link does.
"""

import shutil
import subprocess
from pathlib import Path

import pytest

from listings.models import Unit, UnitStatus
from payments.models import Payment, PaymentStatus, Receipt, ReceiptStatus
from sales.models import Order, OrderStatus
from tests.e2e.conftest import E2E_PASSWORD

pytestmark = pytest.mark.e2e
PDFTOTEXT = Path("/usr/bin/pdftotext")


@pytest.fixture(autouse=True)
def _payments_site(settings, tmp_path_factory, transactional_db):
    """The payments pages (until shuchang/urls.py includes them), the sandbox gateway with its own demo
    keys, and the payment configuration the data migration made (a transactional test's flush removed it)."""
    from payments.tests.factories import seed_configuration

    settings.ROOT_URLCONF = "payments.tests.urls"
    settings.PAYMENTS_SANDBOX_ENABLED = True
    settings.PAYMENTS_SANDBOX_KEY_DIR = tmp_path_factory.mktemp("sandbox-keys")
    seed_configuration()


@pytest.fixture
def finance_user(sales_manager_user):
    from django.contrib.auth.models import Group, Permission

    from accounts.roles import FINANCE, ROLES
    from accounts.services import staff_create
    from payments.permissions import PAYMENTS_ROLE_PERMISSIONS

    group = Group.objects.get(name=ROLES[FINANCE].name)
    for name in PAYMENTS_ROLE_PERMISSIONS[FINANCE]:
        app_label, codename = name.split(".")
        group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return staff_create(actor=None, username="caiwu", password=E2E_PASSWORD, full_name="钱会计", role_codes=[FINANCE])


@pytest.fixture
def verified_buyer(transactional_db):
    from accounts.services import buyer_register, buyer_verify_identity

    user = buyer_register(mobile="13800138000", password=E2E_PASSWORD)
    buyer_verify_identity(user=user, real_name="张三", id_number="11010519491231002X")
    user.refresh_from_db()
    return user


def log_in(browser, live_server, username: str):
    context = browser.new_context(
        base_url=live_server.url, locale="zh-CN", viewport={"width": 1280, "height": 900}, accept_downloads=True
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", E2E_PASSWORD)
    page.locator('button[type="submit"]').click()
    page.wait_for_url("**/")
    return page


def pdf_text(path: str) -> str:
    if not PDFTOTEXT.exists() or not shutil.which(str(PDFTOTEXT)):
        pytest.skip("needs pdftotext (apt-get install poppler-utils)")
    command = [str(PDFTOTEXT), "-layout", path, "-"]
    return subprocess.run(command, capture_output=True, check=True).stdout.decode("utf-8")


def pdf_text_of(content: bytes, path: Path) -> str:
    path.write_bytes(content)
    return pdf_text(str(path))


def test_a_buyer_pays_the_deposit_in_the_sandbox_and_downloads_the_receipt(
    browser, live_server, project_with_units, verified_buyer
):
    unit = Unit.objects.get(project=project_with_units, code="1-201")
    page = log_in(browser, live_server, "13800138000")

    # 选房: the unit's selection page, mortgage, 确认选房 → the order, pending with a countdown.
    page.goto(f"/units/{unit.pk}/select/")
    page.locator('input[name="payment_method"][value="mortgage"]').check()
    page.locator(".select-form button[type=submit]").click()
    page.wait_for_url("**/orders/*/")
    order = Order.objects.get(buyer=verified_buyer)
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert "待付定金" in page.locator("body").inner_text()

    # 支付定金 → the sandbox cashier → back to the order, now reserved.
    page.goto(f"/payments/orders/{order.pk}/pay/")
    assert "¥20,000.00" in page.locator(".pay-amount").inner_text()
    assert "人民币贰万元整" in page.locator(".pay-amount").inner_text()
    page.get_by_label("支付宝").check()
    page.get_by_role("button", name="确认支付 ¥20,000.00").click()
    page.wait_for_url("**/payments/sandbox/gateway.do?**")
    assert "模拟支付平台" in page.locator("body").inner_text()
    assert "¥20,000.00" in page.locator("[data-amount]").inner_text()
    page.locator("[data-sandbox-pay]").click()
    page.wait_for_url(f"**/orders/{order.pk}/")
    body = page.locator("body").inner_text()
    assert "支付成功" in body
    assert "已认购" in body
    order.refresh_from_db()
    assert order.status == OrderStatus.RESERVED
    assert Unit.objects.get(pk=unit.pk).status == UnitStatus.RESERVED

    # 我的缴费 → download the receipt; its text carries the number, the amount and the capitals.
    receipt = Receipt.objects.get(payment__order=order)
    page.goto("/payments/mine/")
    link = page.locator(f'[data-receipt="{receipt.code}"]')
    with page.expect_download() as download:
        link.click()
    text = pdf_text(download.value.path())
    assert receipt.code in text
    assert "¥20,000.00" in text
    assert "贰万元整" in text
    assert "张三" in text and "1-201" in text


def test_finance_records_cash_voids_a_receipt_and_reprints_another(
    browser, live_server, project_with_units, verified_buyer, finance_user, tmp_path
):
    from payments.tests.factories import pay_deposit_cash, select

    order = select(verified_buyer, Unit.objects.get(project=project_with_units, code="1-102"))
    deposit_receipt = pay_deposit_cash(order, finance_user).receipt
    page = log_in(browser, live_server, "caiwu")

    # 收款登记: 首付款, 现金, ¥50,000.00 → a receipt is issued.
    page.goto(f"/office/payments/orders/{order.pk}/")
    form = page.locator("[data-collect-form]")
    form.get_by_label("收费项目").select_option(label="首付款")
    form.get_by_label("支付方式").select_option(label="现金")
    form.get_by_label("金额（元）").fill("50000.00")
    form.get_by_role("button", name="确认收款并开具收据").click()
    page.wait_for_url(f"**/office/payments/orders/{order.pk}/")
    cash = Payment.objects.get(order=order, amount=50000)
    assert f"已收款 50,000.00 元，收据编号 {cash.receipt.code}" in page.locator("body").inner_text()
    assert "¥70,000.00" in page.locator("[data-paid]").inner_text()

    # 作废: the cash receipt was keyed against the wrong item; void it with the reason.
    page.locator(f'a[data-receipt-code]:text-is("{cash.receipt.code}")').click()
    page.wait_for_url(f"**/office/payments/receipts/{cash.receipt.pk}/")
    page.get_by_label("原因").fill("收费项目录错，应为房款")
    page.locator("[data-void]").click()
    page.wait_for_url(f"**/office/payments/receipts/{cash.receipt.pk}/")
    assert page.locator("[data-receipt-status]").get_attribute("data-receipt-status") == ReceiptStatus.VOIDED
    assert "已作废" in page.locator("body").inner_text()
    cash.refresh_from_db()
    assert cash.status == PaymentStatus.VOIDED

    # 打印 then 补打 the 定金 receipt: each print opens the PDF in a new tab (Chromium's viewer), so the
    # test keeps a copy of what the server sent on its way through.
    printed = []

    def keep_pdf(route):
        response = route.fetch()
        printed.append((response.headers.get("content-type"), response.body()))
        route.fulfill(response=response)

    page.context.route("**/print/", keep_pdf)
    page.goto(f"/office/payments/receipts/{deposit_receipt.pk}/")
    for expected in (1, 2):
        with page.context.expect_page() as opened:
            page.locator("[data-print]").click()
        opened.value.wait_for_load_state()
        opened.value.close()
        deposit_receipt.refresh_from_db()
        assert deposit_receipt.print_count == expected
        page.reload()
    assert "补打 1 次" in page.locator("[data-print-count]").inner_text()
    assert [content_type for content_type, _body in printed] == ["application/pdf", "application/pdf"]
    first, second = (pdf_text_of(body, tmp_path / f"print-{index}.pdf") for index, (_type, body) in enumerate(printed))
    assert deposit_receipt.code in first and "补打" not in first
    assert deposit_receipt.code in second and "补打（第1次补打）" in second
