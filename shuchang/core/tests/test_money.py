from decimal import Decimal

import pytest

from shuchang.core.money import amount_in_chinese_capitals, format_yuan, to_amount


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("0", "零元整"),
        ("0.05", "伍分"),
        ("0.50", "伍角整"),
        ("1", "壹元整"),
        ("10", "壹拾元整"),
        ("10004.50", "壹万零肆元伍角整"),
        ("10000", "壹万元整"),
        ("100010", "壹拾万零壹拾元整"),
        ("1010.01", "壹仟零壹拾元零壹分"),
        ("105000", "壹拾万零伍仟元整"),
        ("1000000.07", "壹佰万元零柒分"),
        ("3560000", "叁佰伍拾陆万元整"),
        ("100000000", "壹亿元整"),
        ("100000001", "壹亿零壹元整"),
        ("120003400.56", "壹亿贰仟万零叁仟肆佰元伍角陆分"),
        ("40001.10", "肆万零壹元壹角整"),
        ("2345678.90", "贰佰叁拾肆万伍仟陆佰柒拾捌元玖角整"),
        ("1001000", "壹佰万零壹仟元整"),
    ],
)
def test_amount_in_chinese_capitals(amount, expected):
    assert amount_in_chinese_capitals(Decimal(amount)) == expected


def test_to_amount_rounds_half_up_and_refuses_floats():
    assert to_amount("2.345") == Decimal("2.35")
    assert to_amount(Decimal("-2.345")) == Decimal("-2.35")
    with pytest.raises(TypeError):
        to_amount(1.5)


def test_format_yuan():
    assert format_yuan(Decimal("1234567")) == "¥1,234,567.00"
