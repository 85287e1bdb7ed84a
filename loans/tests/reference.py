"""An independent repayment table for cross-checking the calculator: whole fen as integers and
exact fractions for the rate, so no decimal precision or rounding context is involved."""

from decimal import Decimal
from fractions import Fraction


def _half_up(value: Fraction) -> int:
    """Round a non-negative fraction of a fen to the nearest fen, halves up."""
    return (value.numerator * 2 + value.denominator) // (value.denominator * 2)


def _fen(amount: str | Decimal) -> int:
    return int(Decimal(amount) * 100)


def _yuan(fen: int) -> Decimal:
    return Decimal(fen).scaleb(-2)


def table(amount, annual_rate, months: int, method: str) -> list[tuple[Decimal, Decimal, Decimal, Decimal]]:
    """[(payment, principal, interest, remaining)] per period, in yuan."""
    balance = _fen(amount)
    rate = Fraction(Decimal(annual_rate)) / 12
    if method == "equal_instalment":
        if rate:
            growth = (1 + rate) ** months
            part = _half_up(balance * rate * growth / (growth - 1))
        else:
            part = _half_up(Fraction(balance, months))
    else:
        part = -(-balance // months)  # the principal part, rounded up to the fen
    rows = []
    for number in range(1, months + 1):
        interest = _half_up(balance * rate)
        if number == months:
            principal = balance
        elif method == "equal_instalment":
            principal = part - interest
        else:
            principal = part
        balance -= principal
        rows.append((_yuan(principal + interest), _yuan(principal), _yuan(interest), _yuan(balance)))
    return rows
