"""End to end in Chromium: a sales manager generates plans for a customer in the admin and saves one;
the buyer then finds it under 我的贷款方案."""

from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client

from loans.models import LoanPlan

pytestmark = [pytest.mark.e2e, pytest.mark.urls("loans.tests.urls"), pytest.mark.django_db(transaction=True)]


def _signed_in(chromium, live_server, user):
    """A browser context carrying `user`'s session (the login pages belong to accounts)."""
    client = Client()
    client.force_login(user)
    context = chromium.new_context(base_url=live_server.url, locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    return context


def test_a_plan_saved_by_the_sales_manager_reaches_the_buyer(
    chromium, live_server, seed_rates, sales_manager, buyer, reserved_order
):
    manager = _signed_in(chromium, live_server, sales_manager)
    try:
        page = manager.new_page()
        page.goto("/admin/loans/loanproduct/plans/")
        page.get_by_label("客户").select_option(str(reserved_order.customer_id))
        page.get_by_label("房屋总价（元）").fill("3000000")
        page.get_by_label("可用首付款（元）").fill("900000")
        page.get_by_label("家庭月收入（元）").fill("60000")
        page.get_by_label("借款人年龄（周岁）").fill("35")
        page.get_by_label("可申请公积金贷款").check()
        page.get_by_label("公积金可贷额度（元）").fill("800000")
        page.get_by_label("利率日期").fill("2025-06-01")
        page.get_by_role("button", name="生成方案").click()

        first = page.locator("#plans tbody tr").first
        assert "工商银行 · 组合贷款" in first.inner_text() and "¥8,718.69" in first.inner_text()
        first.get_by_role("button", name="保存到客户").click()
        page.get_by_text("购房者可在“我的贷款方案”中查看").wait_for()
    finally:
        manager.close()

    plan = LoanPlan.objects.get()
    assert plan.first_payment_amount == Decimal("8718.69")

    own = _signed_in(chromium, live_server, buyer)
    try:
        page = own.new_page()
        page.goto("/loans/plans/")
        page.get_by_role("link", name="工商银行 · 组合贷款").click()
        assert page.get_by_test_id("first-payment").inner_text() == "¥8,718.69"
        assert page.get_by_text("第30年", exact=True).count() == 1  # the last loan year of the table
    finally:
        own.close()
