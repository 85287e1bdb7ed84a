"""Alipay (支付宝) open API: page/wap pay, the asynchronous notification, refunds — signed RSA2.

The conventions (Alipay open platform, "自行实现签名"):
* every request carries app_id, method, format=JSON, charset=utf-8, sign_type=RSA2, timestamp
  (yyyy-MM-dd HH:mm:ss, Beijing time), version=1.0 and the business parameters as biz_content (JSON);
* the string to sign is every parameter except `sign` whose value is not empty, sorted by name,
  as name=value joined with & (raw values, not URL-encoded); the signature is SHA256withRSA
  (PKCS#1 v1.5) with the merchant's private key, base64;
* a notification is verified the same way with Alipay's public key, leaving out `sign` and
  `sign_type`; then app_id, out_trade_no, total_amount and trade_status are checked, and the
  answer is the plain text `success` (anything else and Alipay sends it again, for about a day);
* a synchronous API answer ({"alipay_trade_refund_response": {...}, "sign": "..."}) is signed
  over the exact JSON text of the response object.

No SDK: the protocol is small and `cryptography` does the RSA (we never write RSA ourselves).
"""

import base64
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from payments.exceptions import GatewayError, NotificationRejected
from payments.gateways.base import Notification, PayRequest, RefundResult

BEIJING = ZoneInfo("Asia/Shanghai")
PRODUCTION_GATEWAY_URL = "https://openapi.alipay.com/gateway.do"
SUCCESS_CODE = "10000"

Transport = Callable[[str, dict], str]


# ---- keys and signatures -------------------------------------------------------------------


def load_private_key(text: str) -> rsa.RSAPrivateKey:
    """A PEM private key, or the bare base64 (PKCS#8 or PKCS#1) Alipay's key tool writes."""
    text = text.strip()
    if text.startswith("-----BEGIN"):
        key = serialization.load_pem_private_key(text.encode(), password=None)
    else:
        key = serialization.load_der_private_key(base64.b64decode(text), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("RSA2 needs an RSA private key")
    return key


def load_public_key(text: str) -> rsa.RSAPublicKey:
    """A PEM public key, or the bare base64 "支付宝公钥" copied from the open platform console."""
    text = text.strip()
    if text.startswith("-----BEGIN"):
        key = serialization.load_pem_public_key(text.encode())
    else:
        key = serialization.load_der_public_key(base64.b64decode(text))
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("RSA2 needs an RSA public key")
    return key


def sign_content(params: Mapping[str, str], *, exclude: tuple[str, ...] = ("sign",)) -> str:
    """name=value&… over the non-empty parameters, sorted by name."""
    pairs = sorted((key, str(value)) for key, value in params.items() if key not in exclude and value not in (None, ""))
    return "&".join(f"{key}={value}" for key, value in pairs)


def rsa2_sign(private_key: rsa.RSAPrivateKey, content: str) -> str:
    signature = private_key.sign(content.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode("ascii")


def rsa2_verify(public_key: rsa.RSAPublicKey, content: str, signature: str) -> bool:
    try:
        public_key.verify(base64.b64decode(signature), content.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


_AMOUNT_RE = re.compile(r"^\d{1,12}(\.\d{1,2})?$")


def _amount(value: str | None) -> Decimal:
    """An amount as Alipay writes it (yuan, at most two places); anything else is refused."""
    if not _AMOUNT_RE.match(value or ""):
        raise NotificationRejected(f"金额格式不正确：{value!r}")
    amount = Decimal(value).quantize(Decimal("0.01"))
    if amount <= 0:
        raise NotificationRejected(f"金额格式不正确：{value!r}")
    return amount


def _beijing_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=BEIJING)
    except ValueError:
        return None


def _http_post(url: str, params: dict, *, timeout: float = 10.0) -> str:
    """The real transport: a form POST over HTTPS."""
    if not url.startswith("https://"):
        raise GatewayError("支付宝网关地址必须是 https")
    body = urllib.parse.urlencode(params).encode("utf-8")
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
        url, data=body, headers={"Content-Type": "application/x-www-form-urlencoded;charset=utf-8"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.read().decode("utf-8")
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise GatewayError("无法连接支付宝，请稍后重试") from exc


def response_node(text: str, node: str) -> tuple[str, str]:
    """The exact JSON text of `node` in an Alipay API answer, and the answer's `sign`."""
    key = f'"{node}"'
    at = text.find(key)
    if at < 0:
        raise GatewayError("支付平台的应答格式不正确")
    start = text.index(":", at + len(key)) + 1
    while text[start] in " \t\r\n":
        start += 1
    try:
        _value, end = json.JSONDecoder().raw_decode(text, start)
        sign = json.loads(text).get("sign", "")
    except ValueError as exc:
        raise GatewayError("支付平台的应答格式不正确") from exc
    return text[start:end], sign


# ---- the gateway ----------------------------------------------------------------------------


class AlipayGateway:
    """Alipay for one merchant app: `private_key` is ours, `platform_public_key` is Alipay's."""

    name = "支付宝"

    def __init__(
        self,
        *,
        app_id: str,
        private_key: rsa.RSAPrivateKey,
        platform_public_key: rsa.RSAPublicKey,
        gateway_url: str = PRODUCTION_GATEWAY_URL,
        seller_id: str = "",
        transport: Transport | None = None,
        code: str = "alipay",
    ):
        self.code = code
        self.app_id = app_id
        self.private_key = private_key
        self.platform_public_key = platform_public_key
        self.gateway_url = gateway_url
        self.seller_id = seller_id
        self.transport = transport or _http_post

    # -- requests ------------------------------------------------------------------------------

    def signed_params(self, method: str, biz_content: dict, **extra: str) -> dict:
        params = {
            "app_id": self.app_id,
            "method": method,
            "format": "JSON",
            "charset": "utf-8",
            "sign_type": "RSA2",
            "timestamp": datetime.now(BEIJING).strftime("%Y-%m-%d %H:%M:%S"),
            "version": "1.0",
            "biz_content": json.dumps(biz_content, ensure_ascii=False, separators=(",", ":")),
            **{key: value for key, value in extra.items() if value},
        }
        params["sign"] = rsa2_sign(self.private_key, sign_content(params))
        return params

    def pay_url(self, request: PayRequest) -> str:
        biz = {
            "out_trade_no": request.out_trade_no,
            "total_amount": f"{request.amount:.2f}",
            "subject": request.subject[:256],
            "product_code": "QUICK_WAP_WAY" if request.mobile else "FAST_INSTANT_TRADE_PAY",
            # An absolute deadline: Alipay closes the trade itself when the order's hold ends.
            "time_expire": request.expires_at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S"),
        }
        if request.mobile and request.quit_url:
            biz["quit_url"] = request.quit_url
        method = "alipay.trade.wap.pay" if request.mobile else "alipay.trade.page.pay"
        params = self.signed_params(method, biz, notify_url=request.notify_url, return_url=request.return_url)
        return f"{self.gateway_url}?{urllib.parse.urlencode(params)}"

    # -- what the platform says back -------------------------------------------------------------

    def _verified(self, params: Mapping[str, str]) -> Notification:
        params = {key: str(value) for key, value in params.items()}
        signature = params.get("sign", "")
        if not signature:
            raise NotificationRejected("缺少签名")
        if params.get("sign_type", "RSA2") != "RSA2":
            raise NotificationRejected(f"不支持的签名类型：{params.get('sign_type')}")
        if not rsa2_verify(self.platform_public_key, sign_content(params, exclude=("sign", "sign_type")), signature):
            raise NotificationRejected("签名验证失败")
        if params.get("app_id") != self.app_id:
            raise NotificationRejected(f"app_id 不符：{params.get('app_id')!r}")
        if self.seller_id and params.get("seller_id") and params["seller_id"] != self.seller_id:
            raise NotificationRejected(f"收款账号不符：{params.get('seller_id')!r}")
        if not params.get("out_trade_no") or not params.get("trade_no"):
            raise NotificationRejected("缺少交易号")
        return Notification(
            out_trade_no=params["out_trade_no"],
            gateway_trade_no=params["trade_no"],
            total_amount=_amount(params.get("total_amount")),
            trade_status=params.get("trade_status", ""),
            paid_at=_beijing_time(params.get("gmt_payment")),
            app_id=params["app_id"],
            params=params,
        )

    def verify_notification(self, params: Mapping[str, str]) -> Notification:
        notification = self._verified(params)
        if notification.params.get("notify_type", "trade_status_sync") != "trade_status_sync":
            raise NotificationRejected(f"未知的通知类型：{notification.params.get('notify_type')}")
        return notification

    def verify_return(self, params: Mapping[str, str]) -> Notification:
        return self._verified(params)

    # -- refunds ------------------------------------------------------------------------------------

    def refund(self, *, out_trade_no: str, amount: Decimal, out_request_no: str, reason: str) -> RefundResult:
        params = self.signed_params(
            "alipay.trade.refund",
            {
                "out_trade_no": out_trade_no,
                "refund_amount": f"{amount:.2f}",
                "out_request_no": out_request_no,
                "refund_reason": reason[:256],
            },
        )
        text = self.transport(self.gateway_url, params)
        node_text, signature = response_node(text, "alipay_trade_refund_response")
        if not signature or not rsa2_verify(self.platform_public_key, node_text, signature):
            raise GatewayError("支付平台应答的签名验证失败，退款结果未知，请联系财务核实")
        node = json.loads(node_text)
        if node.get("code") != SUCCESS_CODE:
            raise GatewayError(f"支付平台拒绝退款：{node.get('sub_msg') or node.get('msg') or node.get('code')}")
        return RefundResult(
            out_request_no=out_request_no,
            # The answer's refund_fee is the trade's cumulative refund; this request refunded `amount`
            # (or, repeated with the same out_request_no, nothing more: fund_change "N").
            refund_amount=amount,
            gateway_trade_no=node.get("trade_no", ""),
            raw=node,
        )
