"""Which gateway serves an online payment method, from settings.

* `alipay`: the real Alipay when PAYMENTS_ALIPAY_APP_ID and both key files are configured;
  otherwise, where the sandbox is enabled (PAYMENTS_SANDBOX_ENABLED, default: DEBUG), the local
  sandbox speaking the same protocol. In production without keys the method is unavailable.
* `sandbox`: the local sandbox, for notifications and returns addressed to it.

A trade records the gateway code it was opened with, so its notification is verified with the
keys it was signed for.
"""

from functools import lru_cache
from pathlib import Path

from django.conf import settings

from payments.gateways.alipay import PRODUCTION_GATEWAY_URL, AlipayGateway, load_private_key, load_public_key
from payments.gateways.base import Gateway

ALIPAY, SANDBOX = "alipay", "sandbox"


def sandbox_enabled() -> bool:
    return bool(getattr(settings, "PAYMENTS_SANDBOX_ENABLED", settings.DEBUG))


def alipay_configured() -> bool:
    return bool(
        getattr(settings, "PAYMENTS_ALIPAY_APP_ID", "")
        and getattr(settings, "PAYMENTS_ALIPAY_PRIVATE_KEY_FILE", "")
        and getattr(settings, "PAYMENTS_ALIPAY_PUBLIC_KEY_FILE", "")
    )


@lru_cache(maxsize=4)
def _read(path: str) -> str:
    return Path(path).read_text(encoding="utf-8")


def alipay_gateway() -> AlipayGateway:
    return AlipayGateway(
        app_id=settings.PAYMENTS_ALIPAY_APP_ID,
        private_key=load_private_key(_read(settings.PAYMENTS_ALIPAY_PRIVATE_KEY_FILE)),
        platform_public_key=load_public_key(_read(settings.PAYMENTS_ALIPAY_PUBLIC_KEY_FILE)),
        gateway_url=getattr(settings, "PAYMENTS_ALIPAY_GATEWAY_URL", "") or PRODUCTION_GATEWAY_URL,
        seller_id=getattr(settings, "PAYMENTS_ALIPAY_SELLER_ID", ""),
    )


def gateway_for_code(code: str) -> Gateway | None:
    """The gateway a trade was opened with, or None if it is not (or no longer) configured."""
    if code == ALIPAY and alipay_configured():
        return alipay_gateway()
    if code == SANDBOX and sandbox_enabled():
        from payments.gateways.sandbox import sandbox_gateway

        return sandbox_gateway()
    return None


def gateway_for_method(method) -> Gateway | None:
    """The gateway to open a new trade with for an online payment method, or None."""
    if not method.is_online or not method.is_enabled:
        return None
    if method.gateway == ALIPAY:
        return gateway_for_code(ALIPAY) or gateway_for_code(SANDBOX)
    return gateway_for_code(method.gateway)
