"""price_quote and the scheme services: the breakdown exact to the fen, stacking, targets,
validity, coupons, and orders that never change when schemes or prices do."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from listings.services import price_list_apply
from listings.tests.factories import building_with_units
from sales import services
from sales.exceptions import SchemeInvalid
from sales.models import CouponStatus, PaymentMethod, Scheme, SchemeKind
from sales.pricing import price_quote
from sales.tests.factories import sales_state, select

pytestmark = pytest.mark.django_db


@pytest.fixture
def unit(project, units, sales_manager):
    """A unit listed at ¥1,234,567.89 (price-list version 1)."""
    price_list_apply(
        project=project, prices={units[0].pk: (Decimal("10288.07"), Decimal("1234567.89"))}, actor=sales_manager
    )
    units[0].refresh_from_db()
    return units[0]


def _scheme(project, actor, **fields):
    fields.setdefault("valid_from", timezone.now() - timedelta(days=1))
    return services.scheme_create(project=project, actor=actor, **fields)


def test_the_breakdown_goes_from_list_price_through_each_scheme_exact_to_the_fen(project, unit, sales_manager):
    _scheme(
        project, sales_manager, name="开盘折扣", kind=SchemeKind.DISCOUNT, discount_rate=Decimal("0.98"), priority=10
    )
    _scheme(project, sales_manager, name="线上直减", kind=SchemeKind.REDUCTION, reduction_amount=50000, priority=5)
    _scheme(
        project,
        sales_manager,
        name="一次性付款优惠",
        kind=SchemeKind.DISCOUNT,
        discount_rate=Decimal("0.99"),
        payment_method=PaymentMethod.FULL,
        priority=1,
    )

    quote = price_quote(unit=unit, payment_method=PaymentMethod.FULL)

    assert quote.list_price_amount == Decimal("1234567.89")
    assert [(line.name, line.label, line.amount) for line in quote.lines] == [
        ("开盘折扣", "98折", Decimal("24691.36")),
        ("线上直减", "直减5万", Decimal("50000.00")),
        ("一次性付款优惠", "99折", Decimal("11598.77")),
    ]
    assert quote.final_price_amount == Decimal("1148277.76")
    assert quote.discount_amount == sum(line.amount for line in quote.lines) == Decimal("86290.13")
    assert quote.snapshot()["final_price"] == "1148277.76"


def test_rounding_is_half_up_to_the_fen(project, units, sales_manager):
    price_list_apply(
        project=project, prices={units[1].pk: (Decimal("8333.35"), Decimal("1000001.50"))}, actor=sales_manager
    )
    units[1].refresh_from_db()
    _scheme(project, sales_manager, name="99折", kind=SchemeKind.DISCOUNT, discount_rate=Decimal("0.99"))

    quote = price_quote(unit=units[1], payment_method=PaymentMethod.MORTGAGE)

    # 1,000,001.50 × 0.99 = 990,001.485: half-up gives .49 (banker's rounding would give .48).
    assert quote.final_price_amount == Decimal("990001.49")


def test_a_payment_method_scheme_is_skipped_for_the_other_method(project, unit, sales_manager):
    _scheme(
        project,
        sales_manager,
        name="一次性付款优惠",
        kind=SchemeKind.DISCOUNT,
        discount_rate=Decimal("0.99"),
        payment_method=PaymentMethod.FULL,
    )

    quote = price_quote(unit=unit, payment_method=PaymentMethod.MORTGAGE)

    assert quote.lines == () and quote.final_price_amount == Decimal("1234567.89")
    assert quote.skipped[0].reason == "仅限一次性付款，当前为按揭贷款"


def test_an_exclusive_scheme_with_the_highest_priority_applies_alone(project, unit, sales_manager):
    _scheme(project, sales_manager, name="特价房", kind=SchemeKind.REDUCTION, reduction_amount=100000, priority=9,
            is_exclusive=True)  # fmt: skip
    _scheme(project, sales_manager, name="98折", kind=SchemeKind.DISCOUNT, discount_rate=Decimal("0.98"), priority=1)

    quote = price_quote(unit=unit, payment_method=PaymentMethod.FULL)

    assert [line.name for line in quote.lines] == ["特价房"]
    assert quote.final_price_amount == Decimal("1134567.89")
    assert quote.skipped[0].name == "98折" and "不可同时享受" in quote.skipped[0].reason


def test_a_lower_priority_exclusive_scheme_is_skipped_in_favour_of_the_stack(project, unit, sales_manager):
    _scheme(project, sales_manager, name="98折", kind=SchemeKind.DISCOUNT, discount_rate=Decimal("0.98"), priority=9)
    _scheme(project, sales_manager, name="特价房", kind=SchemeKind.REDUCTION, reduction_amount=100000, priority=1,
            is_exclusive=True)  # fmt: skip

    quote = price_quote(unit=unit, payment_method=PaymentMethod.FULL)

    assert [line.name for line in quote.lines] == ["98折"]
    assert [s.name for s in quote.skipped] == ["特价房"]


def test_schemes_apply_only_to_their_buildings_and_units(project, units, sales_manager):
    other = building_with_units(project=project, number="2").units.first()
    _scheme(project, sales_manager, name="1号楼直减", kind=SchemeKind.REDUCTION, reduction_amount=10000,
            building_ids=[units[0].building_id])  # fmt: skip
    _scheme(project, sales_manager, name="特定房源直减", kind=SchemeKind.REDUCTION, reduction_amount=2000,
            unit_ids=[other.pk])  # fmt: skip

    in_building = price_quote(unit=units[0], payment_method=PaymentMethod.FULL)
    the_unit = price_quote(unit=other, payment_method=PaymentMethod.FULL)

    assert [line.name for line in in_building.lines] == ["1号楼直减"]
    assert [line.name for line in the_unit.lines] == ["特定房源直减"]


def test_schemes_outside_their_validity_window_or_deactivated_do_not_apply(project, unit, sales_manager):
    now = timezone.now()
    _scheme(project, sales_manager, name="已过期", kind=SchemeKind.REDUCTION, reduction_amount=1000,
            valid_from=now - timedelta(days=10), valid_until=now - timedelta(days=1))  # fmt: skip
    _scheme(project, sales_manager, name="未开始", kind=SchemeKind.REDUCTION, reduction_amount=1000,
            valid_from=now + timedelta(days=1))  # fmt: skip
    stopped = _scheme(project, sales_manager, name="已停用", kind=SchemeKind.REDUCTION, reduction_amount=1000)
    services.scheme_deactivate(scheme=stopped, actor=sales_manager)

    quote = price_quote(unit=unit, payment_method=PaymentMethod.FULL, at=now)

    assert quote.lines == ()
    assert price_quote(unit=unit, payment_method="full", at=now + timedelta(days=2)).lines[0].name == "未开始"


def test_a_buyers_paid_coupon_is_listed_and_deducted_only_at_signing(project, unit, sales_manager, buyer):
    coupon_scheme = _scheme(project, sales_manager, name="电商券", kind=SchemeKind.COUPON,
                            coupon_price_amount=10000, deduction_amount=30000)  # fmt: skip
    coupon = services.coupon_issue(scheme=coupon_scheme, buyer=buyer, actor=buyer)
    services.coupon_mark_paid(coupon=coupon, actor=None, paid_at=timezone.now())

    quote = price_quote(unit=unit, payment_method=PaymentMethod.FULL, buyer=buyer)

    assert quote.final_price_amount == Decimal("1234567.89")
    assert [(line.label, line.amount) for line in quote.coupon_lines] == [("交1万抵3万", Decimal("30000.00"))]
    assert quote.price_after_coupons_amount == Decimal("1204567.89")
    assert coupon.status == CouponStatus.PAID


def test_changing_a_scheme_or_repricing_never_changes_an_existing_order(project, unit, sales_manager, buyer):
    scheme = _scheme(project, sales_manager, name="98折", kind=SchemeKind.DISCOUNT, discount_rate=Decimal("0.98"))
    order = select(buyer, unit, payment_method="full")
    snapshot, version = order.price_breakdown, order.price_version_id

    scheme.discount_rate = Decimal("0.90")
    services.scheme_save(scheme=scheme, actor=sales_manager)
    price_list_apply(project=project, prices={unit.pk: (Decimal("12000"), Decimal("1440000"))}, actor=sales_manager)

    order.refresh_from_db()
    assert order.price_amount == Decimal("1209876.53")
    assert order.price_breakdown == snapshot and order.price_version_id == version
    unit.refresh_from_db()
    assert price_quote(unit=unit, payment_method="full").final_price_amount == Decimal("1296000.00")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kind": SchemeKind.DISCOUNT, "discount_rate": Decimal("1.2")}, "折扣率须大于0且小于1，如98折填0.98"),
        ({"kind": SchemeKind.REDUCTION, "reduction_amount": 0}, "直减金额须大于0"),
        (
            {"kind": SchemeKind.COUPON, "coupon_price_amount": 30000, "deduction_amount": 10000},
            "抵扣金额不能小于购券金额",
        ),
    ],
)
def test_an_unsound_scheme_is_refused_and_nothing_is_saved(project, sales_manager, fields, message):
    before = sales_state()

    with pytest.raises(SchemeInvalid) as refusal:
        _scheme(project, sales_manager, name="有误的方案", **fields)

    assert refusal.value.message == message
    assert not Scheme.objects.exists() and sales_state() == before


def test_staff_outside_the_project_cannot_create_schemes(project, other_project, sales_roles):
    from sales.tests.factories import staff

    outsider = staff("other-manager", ["sales_manager"], project_ids=[other_project.pk])

    with pytest.raises(SchemeInvalid):
        _scheme(project, outsider, name="越权方案", kind=SchemeKind.REDUCTION, reduction_amount=1000)

    assert not Scheme.objects.exists()


def test_scheme_labels_read_the_way_sales_staff_say_them():
    from sales.models import scheme_label

    assert scheme_label("discount", Decimal("0.98"), None, None, None) == "98折"
    assert scheme_label("discount", Decimal("0.9"), None, None, None) == "9折"
    assert scheme_label("discount", Decimal("0.985"), None, None, None) == "98.5折"
    assert scheme_label("reduction", None, Decimal("50000"), None, None) == "直减5万"
    assert scheme_label("coupon", None, None, Decimal("10000"), Decimal("30000")) == "交1万抵3万"
