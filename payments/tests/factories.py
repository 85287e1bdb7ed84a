"""Payments test helpers: orders and payments made through the services, and signed notifications
made the way the (sandbox) platform makes them."""

import itertools
import uuid
from decimal import Decimal
from importlib import import_module

from accounts.services import staff_create
from payments import services
from payments.gateways import sandbox
from payments.gateways.base import TRADE_SUCCESS
from payments.models import ChargeItem, ChargeKind, OnlineTrade, Payment, PaymentMethod, SandboxTrade
from sales import services as sales_services

_serial = itertools.count(1)


def seed_configuration() -> None:
    """The payment methods, charge items and plan templates the data migration made. A transactional
    test's flush removes them, so transactional tests (concurrency, browser) put them back first."""
    from django.apps import apps

    import_module("payments.migrations.0002_seed_configuration").seed(apps, None)


def staff(username: str, role_codes: list[str], *, project_ids=(), full_name: str = ""):
    return staff_create(
        actor=None,
        username=username,
        password="Test-pass-2026",
        full_name=full_name or username,
        role_codes=role_codes,
        project_ids=project_ids,
    )


def select(buyer, unit, *, payment_method: str = "mortgage"):
    unit.refresh_from_db()
    return sales_services.order_select(
        buyer=buyer,
        unit=unit,
        opening=None,
        actor=buyer,
        payment_method=payment_method,
        request_token=uuid.uuid4().hex,
    )


def method(code: str) -> PaymentMethod:
    return PaymentMethod.objects.get(code=code)


def charge(kind: str) -> ChargeItem:
    return ChargeItem.objects.get(kind=kind)


def pay_deposit_cash(order, actor) -> Payment:
    return services.payment_record(
        actor=actor,
        order=order,
        method=method("cash"),
        charge_item=charge(ChargeKind.DEPOSIT),
        amount=order.deposit_amount,
    )


def pay(order, actor, amount, *, kind: str = ChargeKind.DOWN_PAYMENT, method_code: str = "cash", **extra) -> Payment:
    return services.payment_record(
        actor=actor, order=order, method=method(method_code), charge_item=charge(kind), amount=Decimal(amount), **extra
    )


def start_online(order, *, buyer=None) -> OnlineTrade:
    """The buyer opens the sandbox cashier for the order's 定金 (what the pay page does)."""
    started = services.trade_start(
        buyer=buyer or order.buyer,
        method=method("alipay"),
        order=order,
        notify_url="http://testserver/payments/gateways/sandbox/notify/",
        return_url="http://testserver/payments/gateways/sandbox/return/",
    )
    return started.trade


def sandbox_paid(trade: OnlineTrade) -> SandboxTrade:
    """The platform's side of paying: open the trade at the cashier and pay it (no notification yet)."""
    from urllib.parse import parse_qsl, urlsplit

    from payments.gateways.base import PayRequest

    gateway = sandbox.sandbox_gateway()
    url = gateway.pay_url(
        PayRequest(
            out_trade_no=trade.out_trade_no,
            amount=trade.amount,
            subject=trade.subject,
            expires_at=trade.expires_at,
            notify_url="http://testserver/payments/gateways/sandbox/notify/",
            return_url="http://testserver/payments/gateways/sandbox/return/",
        )
    )
    sandbox.cashier_open(dict(parse_qsl(urlsplit(url).query)))
    return sandbox.cashier_pay(trade.out_trade_no)


def notification(trade: OnlineTrade, *, status: str = TRADE_SUCCESS, **changes) -> dict:
    """The platform's signed notification for a paid trade; `changes` are applied before signing."""
    sandbox_trade = SandboxTrade.objects.filter(out_trade_no=trade.out_trade_no).first() or sandbox_paid(trade)
    params = sandbox.notification_params(sandbox_trade, trade_status=status)
    if changes:
        params.pop("sign")
        params.update(changes)
        params = sandbox._platform_signed(params)
    return params


def forged(params: dict, **changes) -> dict:
    """The same notification with fields changed after signing (tampered)."""
    return {**params, **changes}


def cancel_by_change(order, *, applicant, approver, disposition: str = "refund", reason: str = "购房人资金困难"):
    """退房: a consultant applies, a sales manager approves; the order is cancelled with the deposit rule."""
    order.refresh_from_db()
    change = sales_services.sales_change_apply(
        order=order, kind="cancel", payload={"deposit_disposition": disposition}, reason=reason, actor=applicant
    )
    sales_services.sales_change_approve(change=change, actor=approver)
    order.refresh_from_db()
    return order
