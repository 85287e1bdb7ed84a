"""Money as receipts need it: Decimal only, half-up to the fen, amounts in Chinese capitals, and
schedules that add up to the price exactly."""

import random
from decimal import Decimal

import pytest

from payments.exceptions import ScheduleInvalid
from payments.services import plan_amounts
from shuchang.core.money import amount_in_chinese_capitals, to_amount


@pytest.mark.parametrize(
    ("amount", "capitals"),
    [
        ("10004.50", "壹万零肆元伍角整"),  # the example: a zero in the middle, 角 without 分
        ("0.00", "零元整"),
        ("0.01", "壹分"),
        ("0.50", "伍角整"),
        ("0.55", "伍角伍分"),
        ("1.00", "壹元整"),
        ("10.00", "壹拾元整"),
        ("100.05", "壹佰元零伍分"),  # 分 without 角
        ("1004.50", "壹仟零肆元伍角整"),
        ("20000.00", "贰万元整"),  # exact yuan
        ("60000.07", "陆万元零柒分"),
        ("105000.00", "壹拾万零伍仟元整"),
        ("300010.01", "叁拾万零壹拾元零壹分"),
        ("1234567.89", "壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分"),
        ("1800000.00", "壹佰捌拾万元整"),
        ("100000000.00", "壹亿元整"),  # 亿
        ("100000001.00", "壹亿零壹元整"),
        ("1000010000.00", "壹拾亿零壹万元整"),
        ("200000000.30", "贰亿元叁角整"),
        ("-20000.00", "负贰万元整"),  # a refund
    ],
)
def test_amounts_in_chinese_capitals(amount, capitals):
    assert amount_in_chinese_capitals(Decimal(amount)) == capitals


def test_amounts_round_half_up_to_the_fen_and_floats_are_refused():
    assert to_amount("0.005") == Decimal("0.01")
    assert to_amount("0.004") == Decimal("0.00")
    assert to_amount("2.675") == Decimal("2.68")  # float arithmetic would give 2.67
    assert to_amount(Decimal("-0.005")) == Decimal("-0.01")
    with pytest.raises(TypeError):
        to_amount(0.1)


def test_a_schedule_sums_to_the_price_exactly_with_the_last_item_absorbing_rounding():
    half = plan_amounts(price=Decimal("100000.05"), deposit=Decimal("0"), ratios=[Decimal("0.5"), Decimal("0.5")])
    thirds = plan_amounts(
        price=Decimal("1833333.33"), deposit=Decimal("20000.00"), ratios=[Decimal("0.3333"), Decimal("0.6667")]
    )

    # 50000.025 rounds half-up (not to even) to 50000.03; the last item takes what is left.
    assert half == [Decimal("50000.03"), Decimal("50000.02")]
    # 611049.998889 rounds to 611050.00, less the deposit; the last item is the exact remainder.
    assert thirds == [Decimal("591050.00"), Decimal("1222283.33")]
    assert Decimal("20000.00") + sum(thirds) == Decimal("1833333.33")


def test_a_deposit_larger_than_the_first_item_spills_into_the_next():
    amounts = plan_amounts(
        price=Decimal("100.00"), deposit=Decimal("40.00"), ratios=[Decimal("0.3"), Decimal("0.3"), Decimal("0.4")]
    )

    assert amounts == [Decimal("0.00"), Decimal("20.00"), Decimal("40.00")]


def test_schedules_always_sum_exactly_for_many_prices_and_plans():
    rng = random.Random(20261218)
    for _ in range(2000):
        price = Decimal(rng.randint(100_000_00, 99_999_999_99)) / 100
        deposit = Decimal(rng.choice([0, 500000, 2000000, 5000000])) / 100
        parts = [rng.randint(1, 9999) for _ in range(rng.randint(1, 5))]
        ratios = [Decimal(part) / 10000 for part in parts]
        ratios[-1] = Decimal(1) - sum(ratios[:-1])
        if ratios[-1] <= 0:
            continue

        amounts = plan_amounts(price=price, deposit=deposit, ratios=ratios)

        assert deposit + sum(amounts) == price
        assert all(amount >= 0 and amount == amount.quantize(Decimal("0.01")) for amount in amounts)


def test_ratios_must_add_up_to_exactly_one_hundred_percent():
    with pytest.raises(ScheduleInvalid, match=r"各项比例之和须为 100%，现为 99\.99%"):
        plan_amounts(price=Decimal("100.00"), deposit=Decimal("0"), ratios=[Decimal("0.3"), Decimal("0.6999")])
