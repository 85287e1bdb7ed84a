"""What the hot requests of an opening read about the opening itself, kept per process for a second.

At the opening instant thousands of selection POSTs and grid polls name the same opening, its
batch of units and its buildings; reading those rows on every request would be most of the
database work that is not the selection itself. Each process keeps a snapshot for
`SNAPSHOT_SECONDS` (1 s): an edit of the opening (a postponed start, units added to the batch)
applies to these requests at most a second late. Nothing that decides a sale comes from here:
the selection's conditional UPDATE checks the unit's status, price and membership of the batch,
and the buyer's sign-up and quota, in the database, every time.

Only the hot paths use it: the selection POST, the grid poll and the selection page (every buyer
loads it in the minute before the start); the other pages read the opening fresh.
"""

import time
from dataclasses import dataclass

from listings.models import Building, Unit
from sales import selectors
from sales.models import Opening

SNAPSHOT_SECONDS = 1.0
_LIMIT = 200  # openings kept per process; far more than ever run at once


@dataclass(frozen=True)
class OpeningSnapshot:
    opening: Opening  # with its project; shared by the requests of this process, never modified
    units: dict[int, tuple[int, str]]  # unit id → (building id, code), the batch
    buildings: dict[int, Building]  # the buildings with units in the batch
    loaded_at: float


_SNAPSHOTS: dict[int, OpeningSnapshot] = {}


def opening_snapshot(pk: int) -> OpeningSnapshot:
    """The published opening `pk` as read at most a second ago (404 if it is not published)."""
    now = time.monotonic()
    snapshot = _SNAPSHOTS.get(pk)
    if snapshot is not None and now - snapshot.loaded_at < SNAPSHOT_SECONDS:
        return snapshot
    opening = selectors.opening_get_public(pk)
    units = {
        unit_id: (building_id, code)
        for unit_id, building_id, code in Unit.objects.filter(openings=opening.pk).values_list(
            "pk", "building_id", "code"
        )
    }
    building_ids = {building_id for building_id, _code in units.values()}
    buildings = {building.pk: building for building in Building.objects.filter(pk__in=building_ids)}
    for building in buildings.values():
        building.project = opening.project
    snapshot = OpeningSnapshot(opening, units, buildings, now)
    if len(_SNAPSHOTS) >= _LIMIT:
        _SNAPSHOTS.clear()
    _SNAPSHOTS[pk] = snapshot
    return snapshot


def forget_all() -> None:
    """Drop every snapshot (tests, whose ids repeat from one test to the next)."""
    _SNAPSHOTS.clear()
