"""The Alipay gateway's RSA2 signatures, with key pairs generated here: the request we sign verifies
with our public key; a notification is accepted only when signed by the platform's key for our app,
untampered; a refund answer is accepted only when its response object is signed."""

import base64
import json
from datetime import datetime
from decimal import Decimal
from urllib.parse import parse_qsl, urlsplit

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from payments.exceptions import GatewayError, NotificationRejected
from payments.gateways.alipay import (
    BEIJING,
    AlipayGateway,
    load_private_key,
    load_public_key,
    rsa2_sign,
    rsa2_verify,
    sign_content,
)
from payments.gateways.base import PayRequest

APP_ID = "2021004100000001"


@pytest.fixture(scope="module")
def merchant_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def platform_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def stranger_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def gateway(merchant_key, platform_key):
    return AlipayGateway(app_id=APP_ID, private_key=merchant_key, platform_public_key=platform_key.public_key())


def signed_by(key, params: dict) -> dict:
    """A notification as Alipay sends it: signed over everything but sign and sign_type."""
    params = dict(params)
    params["sign"] = rsa2_sign(key, sign_content(params, exclude=("sign", "sign_type")))
    return params


def a_notification(**changes) -> dict:
    return {
        "notify_time": "2026-12-18 10:02:11",
        "notify_type": "trade_status_sync",
        "notify_id": "ac05099524730693a8b330c5ecf72da9786",
        "app_id": APP_ID,
        "charset": "utf-8",
        "version": "1.0",
        "sign_type": "RSA2",
        "trade_no": "2026121822001400000000000001",
        "out_trade_no": "SC20261218100000ABCDEF01",
        "trade_status": "TRADE_SUCCESS",
        "total_amount": "20000.00",
        "receipt_amount": "20000.00",
        "gmt_payment": "2026-12-18 10:02:10",
        "subject": "舒畅·云栖府 1-101 定金",
        **changes,
    }


def test_the_string_to_sign_is_sorted_non_empty_raw_pairs():
    params = {"b": "2", "a": "1", "sign": "x", "empty": "", "biz_content": '{"k":"中文 &="}'}

    assert sign_content(params) == 'a=1&b=2&biz_content={"k":"中文 &="}'
    assert sign_content({**params, "sign_type": "RSA2"}, exclude=("sign", "sign_type")) == sign_content(params)


def test_the_pay_request_is_signed_rsa2_over_its_parameters(gateway, merchant_key):
    request = PayRequest(
        out_trade_no="SC20261218100000ABCDEF01",
        amount=Decimal("20000.00"),
        subject="舒畅·云栖府 1-101 定金",
        expires_at=datetime(2026, 12, 18, 10, 30, tzinfo=BEIJING),
        notify_url="https://shuchang.example.com/payments/gateways/alipay/notify/",
        return_url="https://shuchang.example.com/payments/gateways/alipay/return/",
    )

    url = gateway.pay_url(request)

    assert url.startswith("https://openapi.alipay.com/gateway.do?")
    params = dict(parse_qsl(urlsplit(url).query))
    assert (params["method"], params["sign_type"], params["charset"], params["app_id"]) == (
        "alipay.trade.page.pay",
        "RSA2",
        "utf-8",
        APP_ID,
    )
    assert json.loads(params["biz_content"]) == {
        "out_trade_no": "SC20261218100000ABCDEF01",
        "total_amount": "20000.00",
        "subject": "舒畅·云栖府 1-101 定金",
        "product_code": "FAST_INSTANT_TRADE_PAY",
        "time_expire": "2026-12-18 10:30:00",
    }
    assert rsa2_verify(merchant_key.public_key(), sign_content(params), params["sign"])
    assert not rsa2_verify(
        merchant_key.public_key(), sign_content({**params, "notify_url": "https://evil"}), params["sign"]
    )


def test_a_phone_browser_gets_wap_pay(gateway):
    request = PayRequest(
        out_trade_no="SC1",
        amount=Decimal("1.00"),
        subject="定金",
        expires_at=datetime(2026, 12, 18, 10, 30, tzinfo=BEIJING),
        notify_url="https://x/n",
        return_url="https://x/r",
        mobile=True,
        quit_url="https://x/q",
    )

    params = dict(parse_qsl(urlsplit(gateway.pay_url(request)).query))

    assert params["method"] == "alipay.trade.wap.pay"
    assert json.loads(params["biz_content"])["product_code"] == "QUICK_WAP_WAY"


def test_a_valid_notification_is_accepted(gateway, platform_key):
    notification = gateway.verify_notification(signed_by(platform_key, a_notification()))

    assert notification.out_trade_no == "SC20261218100000ABCDEF01"
    assert notification.gateway_trade_no == "2026121822001400000000000001"
    assert notification.total_amount == Decimal("20000.00")
    assert notification.is_paid
    assert notification.paid_at == datetime(2026, 12, 18, 10, 2, 10, tzinfo=BEIJING)


def test_trade_finished_counts_as_paid_and_waiting_does_not(gateway, platform_key):
    finished = gateway.verify_notification(signed_by(platform_key, a_notification(trade_status="TRADE_FINISHED")))
    waiting = gateway.verify_notification(signed_by(platform_key, a_notification(trade_status="WAIT_BUYER_PAY")))

    assert finished.is_paid
    assert not waiting.is_paid


def test_a_tampered_amount_is_rejected(gateway, platform_key):
    params = signed_by(platform_key, a_notification())
    params["total_amount"] = "0.01"

    with pytest.raises(NotificationRejected, match="签名验证失败"):
        gateway.verify_notification(params)


def test_a_notification_for_another_app_is_rejected(gateway, platform_key):
    with pytest.raises(NotificationRejected, match="app_id 不符"):
        gateway.verify_notification(signed_by(platform_key, a_notification(app_id="2021009999999999")))


def test_a_notification_signed_with_another_key_is_rejected(gateway, stranger_key, merchant_key):
    with pytest.raises(NotificationRejected, match="签名验证失败"):
        gateway.verify_notification(signed_by(stranger_key, a_notification()))
    # Our own key is not the platform's either: a notification we could have signed proves nothing.
    with pytest.raises(NotificationRejected, match="签名验证失败"):
        gateway.verify_notification(signed_by(merchant_key, a_notification()))


def test_an_unsigned_or_differently_signed_notification_is_rejected(gateway, platform_key):
    params = signed_by(platform_key, a_notification())

    with pytest.raises(NotificationRejected, match="缺少签名"):
        gateway.verify_notification({key: value for key, value in params.items() if key != "sign"})
    with pytest.raises(NotificationRejected, match="不支持的签名类型"):
        gateway.verify_notification({**params, "sign_type": "RSA"})
    with pytest.raises(NotificationRejected, match="签名验证失败"):
        gateway.verify_notification({**params, "sign": base64.b64encode(b"garbage").decode()})


def test_an_amount_without_fen_is_read_as_yuan(gateway, platform_key):
    notification = gateway.verify_notification(signed_by(platform_key, a_notification(total_amount="20000")))

    assert notification.total_amount == Decimal("20000.00")


@pytest.mark.parametrize("amount", ["-1.00", "0.00", "1e3", "12.345", "abc", " 1.00", "NaN"])
def test_an_amount_not_written_as_yuan_and_fen_is_rejected(gateway, platform_key, amount):
    with pytest.raises(NotificationRejected, match="金额格式不正确"):
        gateway.verify_notification(signed_by(platform_key, a_notification(total_amount=amount)))


def test_a_notification_for_another_seller_is_rejected(merchant_key, platform_key):
    gateway = AlipayGateway(
        app_id=APP_ID, private_key=merchant_key, platform_public_key=platform_key.public_key(), seller_id="2088001"
    )

    with pytest.raises(NotificationRejected, match="收款账号不符"):
        gateway.verify_notification(signed_by(platform_key, a_notification(seller_id="2088999")))


def _refund_answer(key, node: dict) -> str:
    text = json.dumps(node, ensure_ascii=False, separators=(",", ":"))
    return f'{{"alipay_trade_refund_response":{text},"sign":"{rsa2_sign(key, text)}"}}'


def test_a_refund_is_requested_signed_and_its_signed_answer_accepted(merchant_key, platform_key):
    sent = {}

    def transport(url, params):
        sent.update(params)
        node = {"code": "10000", "msg": "Success", "trade_no": "2026X", "fund_change": "Y", "refund_fee": "20000.00"}
        return _refund_answer(platform_key, node)

    gateway = AlipayGateway(
        app_id=APP_ID, private_key=merchant_key, platform_public_key=platform_key.public_key(), transport=transport
    )

    result = gateway.refund(out_trade_no="SC1", amount=Decimal("20000.00"), out_request_no="SC1-R1", reason="退房")

    assert (result.out_request_no, result.refund_amount, result.gateway_trade_no) == (
        "SC1-R1",
        Decimal("20000.00"),
        "2026X",
    )
    assert sent["method"] == "alipay.trade.refund"
    assert json.loads(sent["biz_content"]) == {
        "out_trade_no": "SC1",
        "refund_amount": "20000.00",
        "out_request_no": "SC1-R1",
        "refund_reason": "退房",
    }
    assert rsa2_verify(merchant_key.public_key(), sign_content(sent), sent["sign"])


def test_a_refund_answer_with_a_bad_signature_or_a_refusal_is_an_error(merchant_key, platform_key, stranger_key):
    answers = iter(
        [
            _refund_answer(stranger_key, {"code": "10000", "msg": "Success"}),
            _refund_answer(platform_key, {"code": "40004", "msg": "Business Failed", "sub_msg": "交易不存在"}),
        ]
    )
    gateway = AlipayGateway(
        app_id=APP_ID,
        private_key=merchant_key,
        platform_public_key=platform_key.public_key(),
        transport=lambda url, params: next(answers),
    )

    with pytest.raises(GatewayError, match="签名验证失败"):
        gateway.refund(out_trade_no="SC1", amount=Decimal("1.00"), out_request_no="SC1-R1", reason="x")
    with pytest.raises(GatewayError, match="支付平台拒绝退款：交易不存在"):
        gateway.refund(out_trade_no="SC1", amount=Decimal("1.00"), out_request_no="SC1-R1", reason="x")


def test_the_real_transport_refuses_anything_but_https(merchant_key, platform_key):
    gateway = AlipayGateway(
        app_id=APP_ID,
        private_key=merchant_key,
        platform_public_key=platform_key.public_key(),
        gateway_url="http://openapi.alipay.com/gateway.do",
    )

    with pytest.raises(GatewayError, match="必须是 https"):
        gateway.refund(out_trade_no="SC1", amount=Decimal("1.00"), out_request_no="SC1-R1", reason="x")


def test_keys_load_from_pem_or_the_bare_base64_alipay_gives(merchant_key):
    der_private = merchant_key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    pem_public = merchant_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    der_public = merchant_key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )

    private = load_private_key(base64.b64encode(der_private).decode())
    public_from_pem = load_public_key(pem_public.decode())
    public_from_base64 = load_public_key(base64.b64encode(der_public).decode())

    signature = rsa2_sign(private, "a=1")
    assert rsa2_verify(public_from_pem, "a=1", signature)
    assert rsa2_verify(public_from_base64, "a=1", signature)
