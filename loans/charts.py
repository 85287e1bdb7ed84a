"""The principal-versus-interest chart, as geometry for an inline SVG drawn by the template.

Pure and exact: coordinates are Decimals rounded to a tenth of a pixel, so no float ever meets
an amount. One stacked bar per loan year: principal at the bottom, interest on top, and any
prepayment above them.
"""

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from loans.calculator import Schedule, by_year

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 64, 12, 12, 28
_TENTH = Decimal("0.1")


@dataclass(frozen=True)
class Segment:
    css_class: str  # chart__principal / chart__interest / chart__prepayment
    y: Decimal
    height: Decimal
    title: str


@dataclass(frozen=True)
class Bar:
    x: Decimal
    width: Decimal
    segments: tuple[Segment, ...]
    label: str  # shown under every fifth year (and the first)
    center: Decimal


@dataclass(frozen=True)
class Tick:
    y: Decimal
    label: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    plot_left: int
    plot_right: int
    plot_bottom: int
    tick_label_x: int
    label_y: int
    bars: tuple[Bar, ...]
    ticks: tuple[Tick, ...]
    description: str


def _px(value: Decimal) -> Decimal:
    return value.quantize(_TENTH, rounding=ROUND_HALF_UP)


def _nice_ceiling(value: Decimal) -> Decimal:
    """The smallest of 1, 2, 2.5, 5 × 10ⁿ at or above `value`, so the axis reads in round numbers."""
    if value <= 0:
        return Decimal(1)
    magnitude = Decimal(10) ** (value.adjusted())
    for step in (1, 2, Decimal("2.5"), 5, 10):
        if value <= magnitude * step:
            return magnitude * step
    return magnitude * 10


def _wan(amount: Decimal) -> str:
    if amount >= 10000:
        return f"{(amount / 10000).quantize(_TENTH, rounding=ROUND_HALF_UP).normalize():f}万"
    return f"{amount.quantize(Decimal(1), rounding=ROUND_CEILING)}"


def principal_interest_chart(schedule: Schedule) -> Chart:
    years = by_year(schedule)
    top = _nice_ceiling(max(year.principal + year.interest + year.prepayment for year in years))
    plot_width = Decimal(WIDTH - LEFT - RIGHT)
    plot_height = Decimal(HEIGHT - TOP - BOTTOM)
    slot = plot_width / len(years)
    bars = []
    for index, year in enumerate(years):
        base = Decimal(HEIGHT - BOTTOM)
        segments = []
        for css_class, amount, name in (
            ("chart__principal", year.principal, "本金"),
            ("chart__interest", year.interest, "利息"),
            ("chart__prepayment", year.prepayment, "提前还款"),
        ):
            if amount <= 0:
                continue
            height = plot_height * amount / top
            base -= height
            segments.append(Segment(css_class, _px(base), _px(height), f"第{year.year}年{name} ¥{amount:,.2f}"))
        label = f"{year.year}" if year.year == 1 or year.year % 5 == 0 else ""
        left = LEFT + slot * index
        bars.append(
            Bar(
                x=_px(left + slot * Decimal("0.15")),
                width=_px(slot * Decimal("0.7")),
                segments=tuple(segments),
                label=label,
                center=_px(left + slot / 2),
            )
        )
    ticks = tuple(
        Tick(_px(Decimal(HEIGHT - BOTTOM) - plot_height * share / 4), _wan(top * share / 4)) for share in range(5)
    )
    first, last = years[0], years[-1]
    description = (
        f"共{len(years)}年。第1年还本金¥{first.principal:,.2f}、利息¥{first.interest:,.2f}；"
        f"第{last.year}年还本金¥{last.principal:,.2f}、利息¥{last.interest:,.2f}。"
    )
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        plot_left=LEFT,
        plot_right=WIDTH - RIGHT,
        plot_bottom=HEIGHT - BOTTOM,
        tick_label_x=LEFT - 6,
        label_y=HEIGHT - BOTTOM + 18,
        bars=tuple(bars),
        ticks=ticks,
        description=description,
    )
