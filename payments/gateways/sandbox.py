"""The local sandbox (模拟支付平台): Alipay's signed protocol end to end, with no outside network.

Two demo key pairs are generated at first use and kept under var/ (PAYMENTS_SANDBOX_KEY_DIR):
the merchant app's (our side signs requests with it) and the platform's (the sandbox signs
notifications and API answers with it). The shop side is the real `AlipayGateway` pointed at the
sandbox; only the transport of API calls is in-process. The platform side below plays Alipay: it
verifies the app's signature, keeps its own books of trades and refunds (SandboxTrade), shows a
cashier page (views), and signs what it sends back.

In the sandbox a refund is booked in the caller's database transaction, so a refund our side
rolls back is rolled back in the sandbox too; a real platform would already have paid it out,
which is why refund request numbers are deterministic (see services.refunds).
"""

import contextlib
import json
import os
import secrets
import tempfile
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from payments.gateways.alipay import (
    BEIJING,
    SUCCESS_CODE,
    AlipayGateway,
    Transport,
    rsa2_sign,
    rsa2_verify,
    sign_content,
)
from payments.gateways.base import TRADE_CLOSED, TRADE_SUCCESS, WAIT_BUYER_PAY
from payments.models import SandboxTrade

SANDBOX_APP_ID = "9021000000000001"
SANDBOX_SELLER_ID = "2088000000000001"
APP_KEY_FILE = "app_private_key.pem"
PLATFORM_KEY_FILE = "platform_private_key.pem"


class SandboxRequestInvalid(Exception):
    """What the sandbox platform refuses (wrong signature, unknown trade …); shown on its page."""


# ---- the demo keys -----------------------------------------------------------------------------


def key_dir() -> Path:
    return Path(getattr(settings, "PAYMENTS_SANDBOX_KEY_DIR", Path(settings.VAR_DIR) / "payments-sandbox"))


@lru_cache(maxsize=8)
def _load_or_create(path: str) -> rsa.RSAPrivateKey:
    """The key in `path`, generated and written there first if missing.

    Written to a temporary file and linked into place, so two processes starting at once end up
    with the same key (the loser of the link reads the winner's file).
    """
    target = Path(path)
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".key-")
        try:
            os.write(handle, pem)
            os.close(handle)
            os.chmod(temporary, 0o600)
            with contextlib.suppress(FileExistsError):  # another process linked its key first: use that one
                os.link(temporary, target)
        finally:
            os.unlink(temporary)
    return serialization.load_pem_private_key(target.read_bytes(), password=None)


def app_private_key() -> rsa.RSAPrivateKey:
    return _load_or_create(str(key_dir() / APP_KEY_FILE))


def platform_private_key() -> rsa.RSAPrivateKey:
    return _load_or_create(str(key_dir() / PLATFORM_KEY_FILE))


def sandbox_gateway(transport: Transport | None = None) -> AlipayGateway:
    """Our side, talking to the sandbox platform with the demo keys."""
    return AlipayGateway(
        code="sandbox",
        app_id=SANDBOX_APP_ID,
        private_key=app_private_key(),
        platform_public_key=platform_private_key().public_key(),
        gateway_url=reverse("payments:sandbox_gateway"),
        seller_id=SANDBOX_SELLER_ID,
        transport=transport or openapi,
    )


# ---- the platform side ---------------------------------------------------------------------------


def _now_text() -> str:
    return datetime.now(BEIJING).strftime("%Y-%m-%d %H:%M:%S")


def _platform_signed(params: dict, *, exclude=("sign", "sign_type")) -> dict:
    params = {key: value for key, value in params.items() if value not in (None, "")}
    params["sign"] = rsa2_sign(platform_private_key(), sign_content(params, exclude=exclude))
    return params


def platform_verify(params: dict) -> dict:
    """Check a request as the platform does: the app's RSA2 signature and app id. Returns biz_content."""
    signature = params.get("sign", "")
    if params.get("sign_type") != "RSA2" or not signature:
        raise SandboxRequestInvalid("请求未使用 RSA2 签名")
    if not rsa2_verify(app_private_key().public_key(), sign_content(params), signature):
        raise SandboxRequestInvalid("请求签名验证失败（invalid-signature）")
    if params.get("app_id") != SANDBOX_APP_ID:
        raise SandboxRequestInvalid("应用不存在（invalid-app-id）")
    try:
        return json.loads(params.get("biz_content") or "{}")
    except ValueError as exc:
        raise SandboxRequestInvalid("biz_content 不是合法的 JSON") from exc


def cashier_open(params: dict) -> SandboxTrade:
    """The cashier is asked to collect: the trade in the sandbox's books (opened once per out_trade_no)."""
    biz = platform_verify(params)
    if params.get("method") not in ("alipay.trade.page.pay", "alipay.trade.wap.pay"):
        raise SandboxRequestInvalid("不支持的接口")
    out_trade_no, amount_text = biz.get("out_trade_no", ""), biz.get("total_amount", "")
    try:
        amount = Decimal(amount_text).quantize(Decimal("0.01"))
    except ArithmeticError as exc:
        raise SandboxRequestInvalid("金额格式不正确") from exc
    if not out_trade_no or amount <= 0:
        raise SandboxRequestInvalid("缺少商户订单号或金额")
    expires_at = None
    if biz.get("time_expire"):
        expires_at = datetime.strptime(biz["time_expire"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=BEIJING)
    trade, _created = SandboxTrade.objects.get_or_create(
        out_trade_no=out_trade_no,
        defaults={
            "app_id": params["app_id"],
            "trade_no": f"{timezone.localdate():%Y%m%d}22{secrets.randbelow(10**20):020d}",
            "total_amount": amount,
            "subject": biz.get("subject", "")[:256],
            "notify_url": params.get("notify_url", ""),
            "return_url": params.get("return_url", ""),
            "expires_at": expires_at,
        },
    )
    if trade.total_amount != amount:
        raise SandboxRequestInvalid("同一商户订单号的金额不一致（交易信息被篡改）")
    return trade


@transaction.atomic
def cashier_pay(out_trade_no: str) -> SandboxTrade:
    """The buyer confirms at the cashier: the trade is paid (once)."""
    trade = SandboxTrade.objects.select_for_update().get(out_trade_no=out_trade_no)
    if trade.status == WAIT_BUYER_PAY:
        if trade.expires_at and timezone.now() >= trade.expires_at:
            trade.status = TRADE_CLOSED
            trade.save(update_fields=["status"])
            raise SandboxRequestInvalid("交易已超过支付时限，已关闭")
        trade.status, trade.paid_at = TRADE_SUCCESS, timezone.now()
        trade.save(update_fields=["status", "paid_at"])
    elif trade.status != TRADE_SUCCESS:
        raise SandboxRequestInvalid("交易已关闭")
    return trade


def notification_params(trade: SandboxTrade, *, trade_status: str = TRADE_SUCCESS) -> dict:
    """The asynchronous notification the platform posts to notify_url, signed by the platform."""
    paid = timezone.localtime(trade.paid_at, BEIJING) if trade.paid_at else None
    return _platform_signed(
        {
            "notify_time": _now_text(),
            "notify_type": "trade_status_sync",
            "notify_id": secrets.token_hex(16),
            "app_id": trade.app_id,
            "charset": "utf-8",
            "version": "1.0",
            "sign_type": "RSA2",
            "trade_no": trade.trade_no,
            "out_trade_no": trade.out_trade_no,
            "buyer_id": "2088102100000000",
            "buyer_logon_id": "sandbox***@example.com",
            "seller_id": SANDBOX_SELLER_ID,
            "trade_status": trade_status,
            "total_amount": f"{trade.total_amount:.2f}",
            "receipt_amount": f"{trade.total_amount:.2f}",
            "buyer_pay_amount": f"{trade.total_amount:.2f}",
            "subject": trade.subject,
            "gmt_create": timezone.localtime(trade.created_at, BEIJING).strftime("%Y-%m-%d %H:%M:%S"),
            "gmt_payment": paid.strftime("%Y-%m-%d %H:%M:%S") if paid else "",
        }
    )


def return_params(trade: SandboxTrade) -> dict:
    """What the browser brings back to return_url after paying, signed by the platform."""
    return _platform_signed(
        {
            "charset": "utf-8",
            "method": "alipay.trade.page.pay.return",
            "out_trade_no": trade.out_trade_no,
            "trade_no": trade.trade_no,
            "total_amount": f"{trade.total_amount:.2f}",
            "app_id": trade.app_id,
            "auth_app_id": trade.app_id,
            "seller_id": SANDBOX_SELLER_ID,
            "timestamp": _now_text(),
            "version": "1.0",
            "sign_type": "RSA2",
        }
    )


def _api_answer(node_name: str, node: dict) -> str:
    node_text = json.dumps(node, ensure_ascii=False, separators=(",", ":"))
    signature = rsa2_sign(platform_private_key(), node_text)
    return f'{{"{node_name}":{node_text},"sign":"{signature}"}}'


def openapi(url: str, params: dict) -> str:
    """The platform's API endpoint (only alipay.trade.refund), answering as Alipay does."""
    node_name = "alipay_trade_refund_response"
    try:
        biz = platform_verify(params)
    except SandboxRequestInvalid as refusal:
        return _api_answer("error_response", {"code": "40002", "msg": "Invalid Arguments", "sub_msg": str(refusal)})
    if params.get("method") != "alipay.trade.refund":
        return _api_answer("error_response", {"code": "40004", "msg": "Business Failed", "sub_msg": "不支持的接口"})
    with transaction.atomic():
        trade = SandboxTrade.objects.select_for_update().filter(out_trade_no=biz.get("out_trade_no", "")).first()
        if trade is None or trade.status not in (TRADE_SUCCESS, TRADE_CLOSED) or trade.paid_at is None:
            return _api_answer(node_name, _failure("ACQ.TRADE_NOT_EXIST", "交易不存在或未支付"))
        request_no = biz.get("out_request_no") or trade.out_trade_no
        amount = Decimal(biz.get("refund_amount", "0")).quantize(Decimal("0.01"))
        refunded = sum((Decimal(value) for value in trade.refunds.values()), Decimal("0.00"))
        fund_change = "N"
        if request_no not in trade.refunds:
            if amount <= 0 or refunded + amount > trade.total_amount:
                return _api_answer(node_name, _failure("ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "退款金额超过可退金额"))
            trade.refunds[request_no] = f"{amount:.2f}"
            refunded += amount
            if refunded == trade.total_amount:
                trade.status = TRADE_CLOSED
            trade.save(update_fields=["refunds", "status"])
            fund_change = "Y"
    return _api_answer(
        node_name,
        {
            "code": SUCCESS_CODE,
            "msg": "Success",
            "trade_no": trade.trade_no,
            "out_trade_no": trade.out_trade_no,
            "buyer_logon_id": "sandbox***@example.com",
            "fund_change": fund_change,
            "refund_fee": f"{refunded:.2f}",
            "gmt_refund_pay": _now_text(),
        },
    )


def _failure(sub_code: str, sub_msg: str) -> dict:
    return {"code": "40004", "msg": "Business Failed", "sub_code": sub_code, "sub_msg": sub_msg}
