"""Demo money on the first project: 定金 paid at the counter (so receipts exist and the orders are
reserved), a partial 首付款 on the signed order, and points for the first demo buyer.

Everything goes through payments.services: the counter payment confirms the sales effect
(`order_reserve`), issues the receipt and builds the default payment schedule in one transaction.
"""

from decimal import Decimal

from payments import services as payment_services
from payments.models import ChargeItem, ChargeKind, PaymentMethod
from shuchang.demo.sales import BUYER_A, DEMO_TOKENS, demo_buyer, demo_order

DEMO_POINTS = 5000
DOWN_PAYMENT = Decimal("300000.00")  # part of the 首付款; the rest shows as still due on the schedule


def _method(code: str) -> PaymentMethod:
    return PaymentMethod.objects.get(code=code)


def _charge(kind: str) -> ChargeItem:
    return ChargeItem.objects.get(kind=kind)


def build_deposits(ctx) -> None:
    """The consultant takes the 定金 of two orders at the counter: cash for one, POS for the other."""
    consultant = ctx.staff["consultant"]
    for key, method, reference in (("reserved", "cash", ""), ("signed", "pos", "POS-DEMO-0001")):
        order = demo_order(*DEMO_TOKENS[key])
        payment_services.payment_record(
            actor=consultant,
            method=_method(method),
            charge_item=_charge(ChargeKind.DEPOSIT),
            amount=order.deposit_amount,
            order=order,
            external_ref=reference,
            note="演示数据：售楼处柜台收取定金",
        )
        ctx.count("payments")


def build_down_payment(ctx) -> None:
    """Finance takes part of the signed order's 首付款 by bank card; its schedule shows the rest as due."""
    order = demo_order(*DEMO_TOKENS["signed"])
    payment_services.payment_record(
        actor=ctx.staff["finance"],
        method=_method("pos"),
        charge_item=_charge(ChargeKind.DOWN_PAYMENT),
        amount=DOWN_PAYMENT,
        order=order,
        external_ref="POS-DEMO-0002",
        note="演示数据：首付款第一笔",
    )
    ctx.count("payments")


def build_points(ctx) -> None:
    """Finance credits the first demo buyer with points they can use at the counter."""
    payment_services.points_award(
        buyer=demo_buyer(BUYER_A), points=DEMO_POINTS, reason="网上开盘报名礼积分", actor=ctx.staff["finance"]
    )
    ctx.count("points", DEMO_POINTS)
