"""Inventory writes. Unit status moves go through `unit_transition` (compare-and-swap) only."""

from collections.abc import Iterable
from decimal import Decimal

from django.core.cache import cache
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from audit.services import audit_record, snapshot
from listings.exceptions import NothingToPublish, UnitUnavailable
from listings.models import (
    UNIT_TRANSITIONS,
    Building,
    FloorPlan,
    Orientation,
    PriceListVersion,
    Project,
    PublicationBatch,
    Unit,
    UnitPrice,
    UnitStatus,
    UnitStatusChange,
)
from shuchang.core.exceptions import TransitionNotAllowed
from shuchang.core.money import to_amount


def grid_cache_key(building_id: int) -> str:
    """The cache key of a building's rendered sales-control grid; bumped on every status change."""
    return f"listings:grid-version:{building_id}"


def grid_version(building_id: int) -> int:
    return cache.get_or_set(grid_cache_key(building_id), 1, timeout=None)


def grid_invalidate(building_ids: Iterable[int]) -> None:
    """Make every cached grid of these buildings stale (after commit, so readers never re-cache old rows)."""

    def bump():
        for building_id in set(building_ids):
            try:
                cache.incr(grid_cache_key(building_id))
            except ValueError:
                cache.set(grid_cache_key(building_id), 2, timeout=None)

    transaction.on_commit(bump)


def unit_transition(*, unit_ids: list[int], from_status: str, to_status: str, actor, reason: str = "") -> list[int]:
    """Move the units still in `from_status` to `to_status` with one conditional UPDATE.

    Returns the ids that moved; units another request changed first are left alone (the caller
    decides whether that is a refusal). Writes the status-change rows and invalidates the grids.
    """
    if to_status not in UNIT_TRANSITIONS[from_status]:
        raise TransitionNotAllowed("房源", UnitStatus(from_status).label, UnitStatus(to_status).label)
    now = timezone.now()
    candidates = Unit.objects.filter(pk__in=unit_ids, status=from_status)
    if len(unit_ids) == 1:
        moved_ids = unit_ids if candidates.update(status=to_status, status_changed_at=now) == 1 else []
    else:
        moved_ids = list(candidates.select_for_update().order_by("pk").values_list("pk", flat=True))
        Unit.objects.filter(pk__in=moved_ids).update(status=to_status, status_changed_at=now)
    if moved_ids:
        UnitStatusChange.objects.bulk_create(
            UnitStatusChange(unit_id=pk, from_status=from_status, to_status=to_status, actor=actor, reason=reason)
            for pk in moved_ids
        )
        grid_invalidate(Unit.objects.filter(pk__in=moved_ids).values_list("building_id", flat=True).distinct())
    return moved_ids


def unit_transition_one(*, unit: Unit, to_status: str, actor, reason: str = "") -> Unit:
    """Move one unit from its loaded status, or raise UnitUnavailable if it changed meanwhile."""
    if not unit_transition(
        unit_ids=[unit.pk], from_status=unit.status, to_status=to_status, actor=actor, reason=reason
    ):
        raise UnitUnavailable()
    unit.status = to_status
    return unit


@transaction.atomic
def units_publish(*, project: Project, unit_ids: Iterable[int], actor, note: str = "") -> PublicationBatch:
    """房源公布: make the draft units among `unit_ids` available, as one batch."""
    draft_ids = list(
        Unit.objects.filter(project=project, pk__in=list(unit_ids), status=UnitStatus.DRAFT).values_list(
            "pk", flat=True
        )
    )
    if not draft_ids:
        raise NothingToPublish()
    moved = unit_transition(
        unit_ids=draft_ids, from_status=UnitStatus.DRAFT, to_status=UnitStatus.AVAILABLE, actor=actor, reason="房源公布"
    )
    Unit.objects.filter(pk__in=moved).update(published_at=timezone.now())
    batch = PublicationBatch.objects.create(project=project, note=note, unit_count=len(moved), published_by=actor)
    batch.units.set(moved)
    audit_record(
        actor=actor,
        action="listings.units.published",
        target=batch,
        data={"project": project.pk, "unit_ids": moved, "note": note},
    )
    return batch


@transaction.atomic
def unit_withhold(*, unit: Unit, actor, reason: str) -> Unit:
    """销控: keep an available (or draft) unit off sale."""
    before = unit.status
    unit_transition_one(unit=unit, to_status=UnitStatus.WITHHELD, actor=actor, reason=reason)
    audit_record(
        actor=actor,
        action="listings.unit.withheld",
        target=unit,
        before={"status": before},
        after={"status": unit.status},
        data={"reason": reason},
    )
    return unit


@transaction.atomic
def unit_release(*, unit: Unit, actor, reason: str = "") -> Unit:
    """解除销控: a withheld unit returns to where it was before — on sale, or still unpublished."""
    withheld_from = (
        UnitStatusChange.objects.filter(unit=unit, to_status=UnitStatus.WITHHELD)
        .order_by("-id")
        .values_list("from_status", flat=True)
        .first()
    )
    back_to = UnitStatus.DRAFT if withheld_from == UnitStatus.DRAFT else UnitStatus.AVAILABLE
    unit_transition_one(unit=unit, to_status=back_to, actor=actor, reason=reason)
    audit_record(
        actor=actor,
        action="listings.unit.released",
        target=unit,
        before={"status": UnitStatus.WITHHELD},
        after={"status": unit.status},
        data={"reason": reason},
    )
    return unit


def _next_price_list_number(project: Project) -> int:
    return (PriceListVersion.objects.filter(project=project).aggregate(n=Max("number"))["n"] or 0) + 1


@transaction.atomic
def price_list_apply(
    *, project: Project, prices: dict[int, tuple[Decimal, Decimal]], actor, note: str = "", source_name: str = ""
) -> PriceListVersion:
    """A new price-list version (一房一价 / 调价) for `prices` {unit_id: (unit price, total)}.

    Units take the new prices; orders keep the version they were made under.
    """
    Project.objects.select_for_update().get(pk=project.pk)  # one new version number at a time
    version = PriceListVersion.objects.create(
        project=project,
        number=_next_price_list_number(project),
        note=note,
        source_name=source_name,
        unit_count=len(prices),
        created_by=actor,
    )
    units = list(Unit.objects.filter(project=project, pk__in=list(prices)).order_by("pk"))
    for unit in units:
        unit.unit_price_amount, unit.list_price_amount = (to_amount(value) for value in prices[unit.pk])
        unit.price_version = version
    Unit.objects.bulk_update(units, ["unit_price_amount", "list_price_amount", "price_version"], batch_size=500)
    UnitPrice.objects.bulk_create(
        UnitPrice(
            version=version,
            unit=unit,
            unit_price_amount=unit.unit_price_amount,
            list_price_amount=unit.list_price_amount,
        )
        for unit in units
    )
    grid_invalidate({unit.building_id for unit in units})
    audit_record(
        actor=actor,
        action="listings.price_list.applied",
        target=version,
        data={"units": len(units), "note": note, "source": source_name},
    )
    return version


@transaction.atomic
def building_create_with_units(
    *,
    project: Project,
    actor,
    number: str,
    floors: int,
    units_per_floor: int,
    elevators: int = 2,
    completion_on=None,
    plans_by_position: dict[int, FloorPlan],
    orientation_by_position: dict[int, str] | None = None,
    base_unit_price: Decimal,
    floor_premium: Decimal = Decimal("0"),
    first_floor: int = 1,
) -> Building:
    """A building and its draft units (房号 <楼栋>-<层><两位序号>), priced by floor as a first price list."""
    building = Building.objects.create(
        project=project,
        number=number,
        name=f"{number}号楼",
        floors=floors,
        units_per_floor=units_per_floor,
        elevators=elevators,
        completion_on=completion_on,
    )
    units = []
    for floor in range(first_floor, floors + 1):
        for position in range(1, units_per_floor + 1):
            plan = plans_by_position[position]
            unit_price = to_amount(base_unit_price + floor_premium * (floor - first_floor))
            units.append(
                Unit(
                    project=project,
                    building=building,
                    floor_plan=plan,
                    code=f"{number}-{floor}{position:02d}",
                    floor=floor,
                    position=position,
                    orientation=(orientation_by_position or {}).get(position, Orientation.SOUTH),
                    gross_area=plan.gross_area,
                    inner_area=plan.inner_area,
                    unit_price_amount=unit_price,
                    list_price_amount=to_amount(unit_price * plan.gross_area),
                )
            )
    Unit.objects.bulk_create(units, batch_size=500)
    audit_record(
        actor=actor,
        action="listings.building.created",
        target=building,
        after=snapshot(building) | {"units": len(units)},
    )
    return building
