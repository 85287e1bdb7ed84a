"""The live grids of sales: the opening's batch grid (buyers) and the sales-control chart (staff).

Both are polled by open browser tabs every few seconds, thousands of them during an opening, so a
poll must be cheap:

* The rendered fragment is cached per building (and per opening phase, or per chart filter),
  together with the building's grid version it was rendered at (`listings.services.grid_version`,
  bumped after every unit status or price change) and an ETag that is a hash of the HTML itself.
* A poll reads the version and the cached fragment in one cache round trip. When the client's
  If-None-Match is the cached ETag and the fragment is current, it answers 304 without rendering
  and without a unit query.
* During a rush the version moves many times a second. Re-rendering on every move would spend the
  workers on templates, so a fragment rendered less than `SALES_GRID_MAX_STALE_SECONDS` ago (1 s by
  default) is served even if the version has moved since: a tab sees a change at most that much
  later than it happened. Selection itself never trusts the grid: the database decides.
* A cached fragment also expires after a short timeout, for what does not bump the version
  (units added to an opening's batch, a holder renamed by a 更名 change).

These helpers read through the models the way selectors do; they live here because they exist
only to feed these two fragments (docs/opening-benchmark.md explains the numbers behind them).
"""

import hashlib
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control

from listings import selectors as listing_selectors
from listings import services as listing_services
from listings.models import Building, Unit, UnitStatus, WithheldDisplay
from sales import selectors
from sales.models import Opening

# Part of every cache key: change it when the fragments' markup changes.
GRID_MARKUP_VERSION = "2"
OPENING_FRAGMENT_TIMEOUT = 60  # seconds; bounds how late a 加推 (units added to the batch) shows
CHART_FRAGMENT_TIMEOUT = 30  # seconds; bounds how late a holder renamed by 更名 shows
UNIT_STATUS_LABELS: dict[str, str] = dict(UnitStatus.choices)


def max_stale_seconds() -> float:
    return float(getattr(settings, "SALES_GRID_MAX_STALE_SECONDS", 1.0))


# ---- data ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatusCount:
    status: str
    label: str
    count: int


@dataclass(frozen=True)
class Cell:
    unit_id: int
    code: str
    gross_area: Decimal
    list_price_amount: Decimal
    status: str
    label: str
    plan_id: int | None = None
    # Staff chart only: the active order and its masked holder.
    holder: str = ""
    order_id: int | None = None
    order_number: str = ""
    matches: bool = True  # False when the chart's filters leave the cell out (it is dimmed)


@dataclass
class Grid:
    positions: list[int]
    rows: list[tuple[int, list[Cell | None]]]  # (floor, one cell or None per position), top floor first
    counts: list[StatusCount] = field(default_factory=list)
    shown: int = 0
    matching: int = 0


def _layout(building: Building, placed: dict[tuple[int, int], Cell]) -> tuple[list[int], list]:
    floors = {floor for floor, _ in placed}
    top = max([building.floors, *floors])
    bottom = min([1, *floors])
    positions = list(range(1, max([building.units_per_floor, *(pos for _, pos in placed)]) + 1))
    rows = [
        (floor, [placed.get((floor, position)) for position in positions])
        for floor in range(top, bottom - 1, -1)
        if floor != 0  # no floor 0 in Chinese buildings: 1 is the ground floor, -1 the first basement
    ]
    return positions, rows


def opening_buildings(opening: Opening) -> list[Building]:
    """The buildings with units in the opening's batch, in order (one query)."""
    return list(Building.objects.filter(units__openings=opening).distinct().order_by("pk"))


def opening_grid(*, opening: Opening, building: Building) -> Grid:
    """The batch's units in one building as the public sees them (draft and hidden units left out).

    One query. Counts use the public statuses (可售, 已锁定, 已认购, 已签约, 已售).
    """
    withheld_display = opening.project.withheld_display
    units = Unit.objects.filter(openings=opening, building=building).values_list(
        "pk", "code", "floor", "position", "gross_area", "list_price_amount", "status"
    )
    placed, counter = {}, Counter()
    for pk, code, floor, position, gross_area, price, status in units:
        public = listing_selectors.unit_public_status(status=status, withheld_display=withheld_display)
        if public is None:
            continue
        label = listing_selectors.PUBLIC_STATUS_LABELS[public]
        placed[floor, position] = Cell(pk, code, gross_area, price, public, label)
        counter[public] += 1
    positions, rows = _layout(building, placed)
    counts = [StatusCount(s, label, counter.get(s, 0)) for s, label in listing_selectors.PUBLIC_STATUS_LABELS.items()]
    shown = sum(counter.values())
    return Grid(positions=positions, rows=rows, counts=counts, shown=shown, matching=shown)


def chart_grid(*, building: Building, status: str = "", plan_id: int | None = None, with_holders: bool) -> Grid:
    """The staff chart of one building: every unit with its real status, and (with `with_holders`)
    its active order and masked holder. Two queries. Filters dim the cells they leave out."""
    units = list(
        Unit.objects.filter(building=building).values_list(
            "pk", "code", "floor", "position", "gross_area", "list_price_amount", "status", "floor_plan_id"
        )
    )
    holders = selectors.unit_holders([row[0] for row in units]) if with_holders and units else {}
    placed, counter, matching = {}, Counter(), 0
    for pk, code, floor, position, gross_area, price, unit_status, unit_plan_id in units:
        holder = holders.get(pk, {})
        matches = (not status or unit_status == status) and (not plan_id or unit_plan_id == plan_id)
        matching += matches
        placed[floor, position] = Cell(
            pk,
            code,
            gross_area,
            price,
            unit_status,
            UNIT_STATUS_LABELS[unit_status],
            unit_plan_id,
            holder=holder.get("holder", ""),
            order_id=holder.get("order_id"),
            order_number=holder.get("number", ""),
            matches=matches,
        )
        counter[unit_status] += 1
    positions, rows = _layout(building, placed)
    counts = [StatusCount(s, label, counter.get(s, 0)) for s, label in UnitStatus.choices]
    return Grid(positions=positions, rows=rows, counts=counts, shown=len(units), matching=matching)


def withheld_note(project) -> str:
    if project.withheld_display == WithheldDisplay.SOLD:
        return "销控房源对购房者显示为已售"
    return "销控房源对购房者隐藏"


# ---- cached fragments and conditional GET -----------------------------------------------------------


@dataclass(frozen=True)
class Fragment:
    etag: str
    html: str


def cached_fragment(*, key: str, building_id: int, render: Callable[[], str], timeout: int) -> Fragment:
    """The fragment cached under `key`, re-rendered only when the building's grid version moved
    (and the cached one is older than the allowed staleness) or the cache lost it.

    One cache round trip when the cached fragment is served; the version key is listings' own.
    """
    version_key = listing_services.grid_cache_key(building_id)
    found = cache.get_many([version_key, key])
    version = found.get(version_key)
    if version is None:
        version = listing_services.grid_version(building_id)
    cached = found.get(key)
    now = time.time()
    if cached is not None:
        cached_version, rendered_at, etag, html = cached
        if cached_version == version or now - rendered_at < max_stale_seconds():
            return Fragment(etag, html)
    html = render()
    # The ETag names the content itself, so a re-render with the same version but new content
    # (a unit added to the batch) is never answered with a wrong 304.
    etag = '"g-' + hashlib.blake2b(html.encode(), digest_size=12).hexdigest() + '"'
    cache.set(key, (version, now, etag, html), timeout)
    return Fragment(etag, html)


def _etag_matches(request: HttpRequest, etag: str) -> bool:
    header = request.headers.get("If-None-Match", "")
    return bool(header) and (header.strip() == "*" or etag in [part.strip() for part in header.split(",")])


def fragment_response(request: HttpRequest, fragment: Fragment) -> HttpResponse:
    """The fragment, or 304 Not Modified when the client already holds this very content."""
    response = HttpResponseNotModified() if _etag_matches(request, fragment.etag) else HttpResponse(fragment.html)
    response["ETag"] = fragment.etag
    # Browsers may keep it but must ask each time; the answer is a cheap 304 until something changes.
    patch_cache_control(response, no_cache=True)
    return response


def render_opening_grid(*, opening: Opening, building: Building, phase: str) -> Fragment:
    # Everything the fragment depends on that does not bump the grid version is in the key too.
    key = (
        f"sales:opening-grid:{opening.pk}:{building.pk}:{phase}:{opening.project.withheld_display}:"
        f"{building.floors}:{building.units_per_floor}:{GRID_MARKUP_VERSION}"
    )

    def render() -> str:
        grid = opening_grid(opening=opening, building=building)
        return render_to_string(
            "sales/_opening_grid.html",
            {"opening": opening, "building": building, "grid": grid, "phase": phase},
        )

    return cached_fragment(key=key, building_id=building.pk, render=render, timeout=OPENING_FRAGMENT_TIMEOUT)


def render_chart_grid(*, building: Building, status: str, plan_id: int | None, with_holders: bool) -> Fragment:
    key = (
        f"sales:chart-grid:{building.pk}:{status or '-'}:{plan_id or '-'}:{int(with_holders)}:"
        f"{building.floors}:{building.units_per_floor}:{GRID_MARKUP_VERSION}"
    )

    def render() -> str:
        grid = chart_grid(building=building, status=status, plan_id=plan_id, with_holders=with_holders)
        return render_to_string(
            "sales/office/_chart_grid.html",
            {
                "building": building,
                "grid": grid,
                "with_holders": with_holders,
                "is_filtered": bool(status or plan_id),
                # The poll asks for the same filtered view it shows.
                "poll_query": urlencode({k: v for k, v in (("status", status), ("plan", plan_id or "")) if v}),
            },
        )

    return cached_fragment(key=key, building_id=building.pk, render=render, timeout=CHART_FRAGMENT_TIMEOUT)
