"""Money is CNY in Decimal yuan with two places, rounded half-up; floats are refused."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import models

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def to_amount(value: Decimal | int | str) -> Decimal:
    """Return `value` as yuan with two places; floats are refused, they cannot hold money exactly."""
    if isinstance(value, float):
        raise TypeError("money must be Decimal, int or str")
    try:
        return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {value!r}") from exc


class AmountField(models.DecimalField):
    """An amount in yuan: numeric(14,2)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "shuchang.core.money.AmountField", args, kwargs


def format_yuan(amount: Decimal | None) -> str:
    """¥1,234,567.00 — the one way amounts are shown."""
    if amount is None:
        return "—"
    return f"¥{to_amount(amount):,.2f}"


_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_SMALL_UNITS = ["", "拾", "佰", "仟"]
_BIG_UNITS = ["", "万", "亿", "万亿"]


def _yuan_in_capitals(yuan: int) -> str:
    """Whole yuan in capitals. Zeros between non-zero digits are always written as one 零
    (壹拾万零伍仟): the explicit form the banks' rules allow everywhere."""
    digits = str(yuan)
    out = ""
    zero_pending = False
    for index, char in enumerate(digits):
        position = len(digits) - 1 - index
        if char == "0":
            zero_pending = bool(out)
        else:
            if zero_pending:
                out += "零"
                zero_pending = False
            out += _DIGITS[int(char)] + _SMALL_UNITS[position % 4]
        group_start = max(0, index - 3)
        if position % 4 == 0 and position and digits[group_start : index + 1].strip("0"):
            out += _BIG_UNITS[position // 4]
    return out


def amount_in_chinese_capitals(amount: Decimal) -> str:
    """The amount as written on a Chinese receipt (大写金额), e.g. 壹万零肆元伍角整."""
    amount = to_amount(amount)
    if amount < 0:
        return "负" + amount_in_chinese_capitals(-amount)
    fen_total = int(amount * 100)
    yuan, jiao, fen = fen_total // 100, fen_total // 10 % 10, fen_total % 10
    if fen_total == 0:
        return "零元整"
    parts = [_yuan_in_capitals(yuan) + "元"] if yuan else []
    if jiao:
        parts.append(_DIGITS[jiao] + "角")
    elif fen and parts:
        parts.append("零")
    if fen:
        parts.append(_DIGITS[fen] + "分")
    else:
        parts.append("整")
    return "".join(parts)
