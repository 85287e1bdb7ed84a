"""Buyer pages: pay the 定金 through the sandbox cashier and come back to a reserved order; my
payments and receipts (owner only); the gateway's notification endpoint."""

from urllib.parse import parse_qsl, urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import AuditEntry
from payments import services
from payments.models import OnlineTrade, Payment, Receipt
from payments.tests.factories import forged, notification, pay, start_online
from sales.models import OrderStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def buyer_client(client, buyer):
    client.force_login(buyer)
    return client


def test_the_pay_page_shows_the_deposit_in_figures_and_capitals(buyer_client, pending_order):
    response = buyer_client.get(reverse("payments:order_pay", args=[pending_order.pk]))

    assert response.status_code == 200
    page = response.content.decode()
    assert "支付定金" in page and "¥20,000.00" in page and "人民币贰万元整" in page
    assert "支付宝" in page and "微信支付" not in page  # 微信支付 is configured but not enabled


def test_paying_through_the_sandbox_cashier_reserves_the_order(buyer_client, pending_order):
    response = buyer_client.post(reverse("payments:order_pay", args=[pending_order.pk]), {"method": _alipay()})

    assert response.status_code == 302
    cashier_url = response["Location"]
    assert cashier_url.startswith("/payments/sandbox/gateway.do?")
    params = dict(parse_qsl(urlsplit(cashier_url).query))
    assert (params["method"], params["sign_type"]) == ("alipay.trade.page.pay", "RSA2")
    assert params["notify_url"] == "http://testserver/payments/gateways/sandbox/notify/"

    cashier = buyer_client.get(cashier_url)
    assert cashier.status_code == 200
    assert "¥20,000.00" in cashier.content.decode()
    trade = OnlineTrade.objects.get()
    paid = buyer_client.post(reverse("payments:sandbox_gateway"), {"out_trade_no": trade.out_trade_no, "action": "pay"})
    assert paid.status_code == 302 and paid["Location"].startswith("/payments/gateways/sandbox/return/?")

    back = buyer_client.get(paid["Location"], follow=True)

    assert back.redirect_chain[-1][0] == reverse("sales:order_detail", args=[pending_order.pk])
    assert "支付成功" in back.content.decode()
    pending_order.refresh_from_db()
    assert pending_order.status == OrderStatus.RESERVED


def test_a_tampered_cashier_request_is_refused_by_the_sandbox(buyer_client, pending_order):
    response = buyer_client.post(reverse("payments:order_pay", args=[pending_order.pk]), {"method": _alipay()})
    params = dict(parse_qsl(urlsplit(response["Location"]).query))
    params["biz_content"] = params["biz_content"].replace("20000.00", "0.01")

    cashier = buyer_client.get(reverse("payments:sandbox_gateway"), params)

    assert cashier.status_code == 400
    assert "请求签名验证失败" in cashier.content.decode()


def test_a_forged_return_changes_nothing_and_says_so(buyer_client, pending_order):
    response = buyer_client.get(
        reverse("payments:gateway_return", args=["sandbox"]), {"out_trade_no": "x", "sign": "forged"}, follow=True
    )

    assert "支付结果无法确认" in response.content.decode()
    pending_order.refresh_from_db()
    assert pending_order.status == OrderStatus.PENDING_PAYMENT


def test_someone_elses_order_and_staff_get_404(client, other_buyer, finance, pending_order):
    url = reverse("payments:order_pay", args=[pending_order.pk])
    client.force_login(other_buyer)
    assert client.get(url).status_code == 404
    assert client.post(url, {"method": _alipay()}).status_code == 404
    client.force_login(finance)
    assert client.get(url).status_code == 404
    assert not OnlineTrade.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in(client, pending_order):
    response = client.get(reverse("payments:order_pay", args=[pending_order.pk]))

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_reserved_order_needs_no_payment(buyer_client, reserved_order):
    response = buyer_client.get(reverse("payments:order_pay", args=[reserved_order.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("sales:order_detail", args=[reserved_order.pk])


def test_no_method_chosen_is_a_clear_error(buyer_client, pending_order):
    response = buyer_client.post(reverse("payments:order_pay", args=[pending_order.pk]), {})

    assert response.status_code == 200
    assert "请选择支付方式" in response.content.decode()
    assert not OnlineTrade.objects.exists()


def test_the_notify_endpoint_answers_success_or_failure_in_plain_text(pending_order):
    params = notification(start_online(pending_order))
    gateway = Client(enforce_csrf_checks=True)  # the platform has no CSRF token: the signature is the check
    url = reverse("payments:gateway_notify", args=["sandbox"])

    refused = gateway.post(url, forged(params, total_amount="0.01"))
    accepted = gateway.post(url, params)
    again = gateway.post(url, params)

    assert (refused.content, accepted.content, again.content) == (b"failure", b"success", b"success")
    assert accepted["Content-Type"].startswith("text/plain")
    assert Payment.objects.count() == 1
    assert gateway.get(url).status_code == 405
    assert AuditEntry.objects.filter(action="payments.notification.rejected").count() == 1


def test_my_payments_lists_my_receipts_only(client, buyer, other_buyer, reserved_order, django_assert_max_num_queries):
    client.force_login(buyer)

    with django_assert_max_num_queries(12):
        response = client.get(reverse("payments:my_payments"))

    page = response.content.decode()
    receipt = Receipt.objects.get()
    assert receipt.code in page and "定金" in page and "¥20,000.00" in page
    client.force_login(other_buyer)
    assert receipt.code not in client.get(reverse("payments:my_payments")).content.decode()


def test_my_payments_costs_the_same_queries_for_many_payments(
    client, buyer, reserved_order, finance, django_assert_max_num_queries
):
    for _ in range(15):
        pay(reserved_order, finance, "100")
    client.force_login(buyer)

    with django_assert_max_num_queries(12):
        response = client.get(reverse("payments:my_payments"))

    assert response.content.decode().count("data-receipt=") == 16


def test_a_receipt_downloads_for_its_owner_only(client, buyer, other_buyer, finance, reserved_order):
    receipt = Receipt.objects.get()
    url = reverse("payments:my_receipt_pdf", args=[receipt.pk])
    client.force_login(buyer)

    response = client.get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    client.force_login(other_buyer)
    assert client.get(url).status_code == 404
    client.force_login(finance)
    assert client.get(url).status_code == 404


def test_the_pay_slot_for_the_sales_order_page_links_to_the_pay_page(pending_order):
    from django.template.loader import render_to_string

    pending = render_to_string("payments/_order_pay_slot.html", {"order": pending_order})
    pending_order.status = OrderStatus.RESERVED
    reserved = render_to_string("payments/_order_pay_slot.html", {"order": pending_order})

    assert reverse("payments:order_pay", args=[pending_order.pk]) in pending and "支付定金 ¥20,000.00" in pending
    assert "支付定金" not in reserved


def test_paying_online_when_no_gateway_is_configured_says_go_to_the_counter(buyer_client, pending_order, settings):
    settings.PAYMENTS_SANDBOX_ENABLED = False

    response = buyer_client.post(reverse("payments:order_pay", args=[pending_order.pk]), {"method": _alipay()})

    assert "线上支付暂未开通，请到售楼处柜台办理" in response.content.decode()
    assert not OnlineTrade.objects.exists()


def _alipay() -> int:
    from payments.models import PaymentMethod

    return PaymentMethod.objects.get(code="alipay").pk


def test_trade_start_is_reused_from_the_page(buyer_client, pending_order):
    url = reverse("payments:order_pay", args=[pending_order.pk])

    buyer_client.post(url, {"method": _alipay()})
    buyer_client.post(url, {"method": _alipay()})

    assert OnlineTrade.objects.count() == 1
    assert services.SUCCESS == "success"
