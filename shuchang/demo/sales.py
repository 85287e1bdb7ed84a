"""Demo sales on the first project (西溪云庐): the consultant's customers and follow-ups, two price
schemes, an opening running now and a lottery opening next week, and a few orders in every state.

Everything goes through sales.services, with the demo staff and buyers as actors, so the demo rows
obey the same rules (and leave the same operation log) as real ones. Later steps find what these
build by the buyers' request tokens (`DEMO_TOKENS`), which are unique per buyer.
"""

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.models import User
from listings.models import Unit, UnitStatus
from sales import services as sales_services
from sales.models import (
    CustomerSource,
    FollowUpMethod,
    Opening,
    OpeningMode,
    Order,
    PaymentMethod,
    SalesChangeKind,
    SchemeKind,
)
from shuchang.demo.people import BUYERS

RUNNING_OPENING = "西溪云庐 2号楼网上开盘"
LOTTERY_OPENING = "西溪云庐 3号楼摇号开盘"
OPENING_DEPOSIT = Decimal("50000.00")

# The two verified demo buyers (张伟, 王丽).
BUYER_A, BUYER_B = BUYERS[0].mobile, BUYERS[1].mobile

# (buyer mobile, request token): one per demo order, so later steps can find each order again.
DEMO_TOKENS = {
    "held": (BUYER_B, "demo-opening-held"),  # in the opening, waiting for its 定金
    "reserved": (BUYER_A, "demo-opening-reserved"),  # in the opening, 定金 paid at the counter
    "signed": (BUYER_B, "demo-counter-signed"),  # day-to-day sale, signed, paying its 首付款
    "cancelled": (BUYER_A, "demo-counter-cancelled"),  # day-to-day sale the buyer cancelled
}

CUSTOMERS = (
    # name, mobile, source, note, follow-ups: (method, content, next follow-up in days). Notes are
    # stamped with the time they are written (the service offers no back-dating), i.e. the load.
    (
        "张伟",
        BUYER_A,
        CustomerSource.ONLINE,
        "线上注册客户，关注 2 号楼 143㎡ 四房",
        (
            (FollowUpMethod.PHONE, "客户来电咨询 2 号楼开盘时间和定金金额，已告知开盘安排。", 2),
            (FollowUpMethod.VISIT, "客户携家人到售楼处看样板间，对 B 户型满意，计划按揭，首付约四成。", 5),
        ),
    ),
    (
        "王丽",
        BUYER_B,
        CustomerSource.REFERRAL,
        "老业主推荐，改善型需求",
        ((FollowUpMethod.WECHAT, "已发送 1 号楼价目表和付款方式说明，客户倾向一次性付款。", 3),),
    ),
    (
        "赵磊",
        "13600136001",
        CustomerSource.VISIT,
        "自然到访，预算 800 万以内",
        ((FollowUpMethod.VISIT, "首次到访，看了 168㎡ 样板间，需与家人商量，约下周再来。", 7),),
    ),
    ("孙悦", "13500135002", CustomerSource.PHONE, "来电咨询学区情况", ()),
)


def _at(day, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def demo_order(buyer_mobile: str, token: str) -> Order:
    return Order.objects.get(buyer__mobile=buyer_mobile, request_token=token)


def demo_buyer(mobile: str) -> User:
    """The buyer fresh from the database (the registration step's object predates the real-name check)."""
    return User.objects.select_related("buyer_profile").get(mobile=mobile)


def build_customers(ctx) -> None:
    """The consultant's customers of the first project, two of them the demo buyers, with follow-ups."""
    consultant, project = ctx.staff["consultant"], ctx.projects[0]
    for name, mobile, source, note, follow_ups in CUSTOMERS:
        customer = sales_services.customer_create(
            project=project, actor=consultant, name=name, mobile=mobile, source=source, consultant=consultant, note=note
        )
        ctx.count("customers")
        for method, content, next_in in follow_ups:
            sales_services.customer_add_follow_up(
                customer=customer,
                actor=consultant,
                content=content,
                method=method,
                next_follow_up_on=ctx.today + timedelta(days=next_in),
            )
            ctx.count("follow_ups")


def build_schemes(ctx) -> None:
    """Two stackable discounts on the first project: 网上开盘 98折 and 一次性付款 99折."""
    manager, project = ctx.staff["manager"], ctx.projects[0]
    valid_from = _at(ctx.today - timedelta(days=30), 0)
    sales_services.scheme_create(
        project=project,
        actor=manager,
        name="网上选房98折",
        kind=SchemeKind.DISCOUNT,
        valid_from=valid_from,
        valid_until=_at(ctx.today + timedelta(days=60), 23, 59),
        discount_rate=Decimal("0.98"),
        priority=10,
    )
    sales_services.scheme_create(
        project=project,
        actor=manager,
        name="一次性付款优惠",
        kind=SchemeKind.DISCOUNT,
        valid_from=valid_from,
        discount_rate=Decimal("0.99"),
        payment_method=PaymentMethod.FULL,
    )
    ctx.count("schemes", 2)


def _available(project, building_number: str, count: int) -> list[int]:
    """The `count` highest available units of a building (the better floors go to openings)."""
    units = Unit.objects.filter(project=project, building__number=building_number, status=UnitStatus.AVAILABLE)
    return list(units.order_by("-floor", "code").values_list("pk", flat=True)[:count])


def build_openings(ctx) -> None:
    """A free-selection opening running now with both verified buyers signed up, and a lottery
    opening next week whose seed hash is already published."""
    manager, project = ctx.staff["manager"], ctx.projects[0]
    yesterday, next_week = ctx.today - timedelta(days=1), ctx.today + timedelta(days=7)
    running = sales_services.opening_create(
        project=project,
        actor=manager,
        unit_ids=_available(project, "2", 40),
        name=RUNNING_OPENING,
        signup_ends_at=_at(yesterday, 9, 30),
        starts_at=_at(yesterday, 10),
        ends_at=_at(ctx.today + timedelta(days=7), 20),
        mode=OpeningMode.FREE,
        quota=2,
        hold_minutes=30,
        deposit_amount=OPENING_DEPOSIT,
    )
    sales_services.opening_publish(opening=running, actor=manager)
    for mobile in (BUYER_A, BUYER_B):
        # They signed up before sign-up closed yesterday morning.
        buyer = demo_buyer(mobile)
        sales_services.registration_create(opening=running, buyer=buyer, actor=buyer, at=_at(yesterday, 9))
        ctx.count("registrations")

    lottery = sales_services.opening_create(
        project=project,
        actor=manager,
        unit_ids=_available(project, "3", 40),
        name=LOTTERY_OPENING,
        signup_ends_at=_at(next_week - timedelta(days=1), 18),
        starts_at=_at(next_week, 10),
        ends_at=_at(next_week, 18),
        mode=OpeningMode.LOTTERY,
        quota=1,
        hold_minutes=30,
        deposit_amount=OPENING_DEPOSIT,
        turn_minutes=10,
        turn_batch_size=5,
    )
    sales_services.opening_publish(opening=lottery, actor=manager)
    sales_services.opening_lottery_commit(opening=lottery, actor=manager)
    ctx.count("openings", 2)


def build_orders(ctx) -> None:
    """Four selections: two in the running opening, two day-to-day sales of building 1; one of
    those is cancelled by its buyer. Payments (next steps) reserve and sign the others."""
    project = ctx.projects[0]
    opening = Opening.objects.get(project=project, name=RUNNING_OPENING)
    in_opening = list(opening.units.filter(status=UnitStatus.AVAILABLE).order_by("-floor", "code")[:2])
    # Building 1 is in no opening: its units are sold day to day.
    outside = list(
        Unit.objects.filter(project=project, building__number="1", status=UnitStatus.AVAILABLE).order_by("floor")[:2]
    )
    plan = (
        ("reserved", in_opening[0], opening, PaymentMethod.MORTGAGE),
        ("held", in_opening[1], opening, PaymentMethod.FULL),
        ("signed", outside[0], None, PaymentMethod.MORTGAGE),
        ("cancelled", outside[1], None, PaymentMethod.MORTGAGE),
    )
    for key, unit, unit_opening, payment_method in plan:
        mobile, token = DEMO_TOKENS[key]
        buyer = demo_buyer(mobile)
        sales_services.order_select(
            buyer=buyer,
            unit=unit,
            opening=unit_opening,
            actor=buyer,
            payment_method=payment_method,
            request_token=token,
        )
        ctx.count("orders")
    order = demo_order(*DEMO_TOKENS["cancelled"])
    sales_services.order_cancel(order=order, actor=order.buyer, reason="家人意见不一致，暂不购买")


def build_contracts(ctx) -> None:
    """签约 of the order whose 定金 was paid: the consultant applies, the sales manager approves."""
    order = demo_order(*DEMO_TOKENS["signed"])
    change = sales_services.sales_change_apply(
        order=order,
        kind=SalesChangeKind.SIGN,
        payload={
            "contract_number": f"XXYL-{ctx.today:%Y}-0001",
            "contract_signed_on": ctx.today.isoformat(),
        },
        reason="客户到售楼处签订商品房买卖合同",
        actor=ctx.staff["consultant"],
    )
    sales_services.sales_change_approve(change=change, actor=ctx.staff["manager"], note="合同资料齐全")
    ctx.count("contracts")
