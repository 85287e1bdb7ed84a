"""The calculator in Debian's Chromium: results follow the buyer's typing (htmx), and the plain form
works with JavaScript switched off."""

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.urls("loans.tests.urls"), pytest.mark.django_db(transaction=True)]


def _page(chromium, live_server, *, javascript: bool = True):
    context = chromium.new_context(
        base_url=live_server.url, locale="zh-CN", viewport={"width": 414, "height": 900}, java_script_enabled=javascript
    )
    context.set_default_timeout(10_000)
    return context, context.new_page()


def test_results_follow_the_buyers_typing(chromium, live_server, seed_rates):
    context, page = _page(chromium, live_server)
    try:
        page.goto("/loans/calculator/")
        payment = page.get_by_test_id("first-payment")
        assert payment.inner_text() == "¥4,490.45"  # the example: 100万, 30年, the 3.50% LPR

        page.get_by_label("商业贷款年利率（%）").fill("4.9")
        page.wait_for_function("document.querySelector('[data-testid=first-payment]').innerText === '¥5,307.27'")
        page.get_by_label("等额本金").check()
        page.wait_for_function("document.querySelector('[data-testid=first-payment]').innerText === '¥6,861.11'")

        assert page.get_by_test_id("total-interest").inner_text() == "¥737,041.08"
        assert "method=equal_principal" in page.url  # the address follows, so the result can be shared
        page.get_by_label("贷款年限（年）").fill("31")
        page.get_by_text("贷款年限最长30年").wait_for()
        assert page.get_by_test_id("first-payment").count() == 0
    finally:
        context.close()


def test_the_form_works_without_javascript(chromium, live_server, seed_rates):
    context, page = _page(chromium, live_server, javascript=False)
    try:
        page.goto("/loans/calculator/")
        page.get_by_label("商业贷款年利率（%）").fill("4.9")
        page.get_by_role("button", name="计算").click()

        page.wait_for_url("**commercial_rate=4.9**")
        assert page.get_by_test_id("first-payment").inner_text() == "¥5,307.27"
        assert page.locator("svg.chart__svg rect").count() >= 60
    finally:
        context.close()
