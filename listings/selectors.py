"""Inventory reads for the public storefront: what a visitor may see, in few queries.

Visibility rules in one place: draft units (未公布) never leave the back office; withheld units
(销控) are shown as sold or not at all, as the project says (`Project.withheld_display`).
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)

from listings.models import (
    Building,
    FloorPlan,
    Project,
    ProjectImage,
    ProjectSalesStatus,
    SampleHouse,
    Unit,
    UnitStatus,
    WithheldDisplay,
)

# The statuses a visitor can see, in legend order, with the words the storefront uses.
PUBLIC_STATUS_LABELS: dict[str, str] = {
    UnitStatus.AVAILABLE: "可售",
    UnitStatus.LOCKED: "已锁定",
    UnitStatus.RESERVED: "已认购",
    UnitStatus.SIGNED: "已签约",
    UnitStatus.SOLD: "已售",
}
_OPENLY_SHOWN = list(PUBLIC_STATUS_LABELS)


def unit_public_status(*, status: str, withheld_display: str) -> str | None:
    """The status a visitor sees for a unit, or None when the unit must not be shown at all."""
    if status == UnitStatus.DRAFT:
        return None
    if status == UnitStatus.WITHHELD:
        return UnitStatus.SOLD if withheld_display == WithheldDisplay.SOLD else None
    return status


def _shown_units_q(prefix: str = "units__") -> Q:
    """Units a visitor may see, as a condition on a Project query (through `prefix`)."""
    return Q(**{f"{prefix}status__in": _OPENLY_SHOWN}) | Q(
        **{f"{prefix}status": UnitStatus.WITHHELD}, withheld_display=WithheldDisplay.SOLD
    )


# ---- projects ---------------------------------------------------------------------------------


def project_districts() -> list[str]:
    """The districts that have a project, for the list filter."""
    return list(Project.objects.order_by("district").values_list("district", flat=True).distinct())


def project_list_public(
    *,
    district: str | None = None,
    price_min_amount: Decimal | None = None,
    price_max_amount: Decimal | None = None,
    area_min: Decimal | None = None,
    area_max: Decimal | None = None,
    rooms: int | None = None,
) -> QuerySet[Project]:
    """Projects for the storefront, on sale first, each annotated for its card in the same query.

    Annotations: `price_min`/`price_max` (total, yuan) and `area_min`/`area_max` over the units a
    visitor can see, `available_count`. The unit filters (total price in yuan, gross area, rooms,
    where rooms=4 means 4 or more) keep a project when at least one of its units on sale (可售)
    matches all of them together: a buyer filters for something they can still buy.
    """
    shown = _shown_units_q()
    projects = (
        Project.objects.annotate(
            price_min=Min("units__list_price_amount", filter=shown),
            price_max=Max("units__list_price_amount", filter=shown),
            area_min=Min("units__gross_area", filter=shown),
            area_max=Max("units__gross_area", filter=shown),
            available_count=Count("units", filter=Q(units__status=UnitStatus.AVAILABLE)),
            sales_rank=Case(
                When(sales_status=ProjectSalesStatus.ON_SALE, then=Value(0)),
                When(sales_status=ProjectSalesStatus.UPCOMING, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            ),
        )
        .only("name", "slug", "district", "address", "sales_status", "cover", "opening_on", "withheld_display")
        .order_by("sales_rank", F("opening_on").desc(nulls_last=True), "pk")
    )
    if district:
        projects = projects.filter(district=district)

    matching = Unit.objects.filter(project=OuterRef("pk"), status=UnitStatus.AVAILABLE)
    unit_filters = {
        "list_price_amount__gte": price_min_amount,
        "list_price_amount__lte": price_max_amount,
        "gross_area__gte": area_min,
        "gross_area__lte": area_max,
    }
    unit_filters = {lookup: value for lookup, value in unit_filters.items() if value is not None}
    if rooms is not None:
        unit_filters["floor_plan__rooms__gte" if rooms >= 4 else "floor_plan__rooms"] = rooms
    if unit_filters:
        projects = projects.filter(Exists(matching.filter(**unit_filters)))
    return projects


def project_list_featured(*, limit: int = 6) -> list[Project]:
    """Projects for the home page: those on sale, else whatever is listed (so the page is never empty)."""
    projects = project_list_public()
    featured = list(projects.filter(sales_status=ProjectSalesStatus.ON_SALE)[:limit])
    return featured or list(projects[:limit])


def project_get_public(*, slug: str) -> Project | None:
    return Project.objects.select_related("developer", "property_manager").filter(slug=slug).first()


@dataclass
class ProjectPage:
    """Everything the project detail page shows besides the project's own fields."""

    images: list[ProjectImage]
    floor_plans: list[FloorPlan]
    sample_houses: list[SampleHouse]
    buildings: list[Building]  # each with `.status_counts`: [StatusCount] and `.shown_count`
    greening_percent: str | None  # 0.350 → "35", 0.355 → "35.5"


@dataclass(frozen=True)
class StatusCount:
    status: str
    label: str
    count: int


def _status_counts(counter: Counter) -> list[StatusCount]:
    return [StatusCount(status, label, counter.get(status, 0)) for status, label in PUBLIC_STATUS_LABELS.items()]


def project_page(*, project: Project) -> ProjectPage:
    """Gallery, floor plans, sample houses with photos and buildings with public counts (5 queries)."""
    images = list(project.images.all())
    floor_plans = list(project.floor_plans.order_by("rooms", "gross_area", "name"))
    sample_houses = list(
        project.sample_houses.select_related("floor_plan").prefetch_related(Prefetch("photos", to_attr="photo_list"))
    )
    buildings = list(project.buildings.order_by("pk"))
    counters: dict[int, Counter] = defaultdict(Counter)
    rows = (
        Unit.objects.filter(project=project)
        .exclude(status=UnitStatus.DRAFT)
        .values_list("building_id", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for building_id, status, count in rows:
        public = unit_public_status(status=status, withheld_display=project.withheld_display)
        if public is not None:
            counters[building_id][public] += count
    for building in buildings:
        building.status_counts = _status_counts(counters[building.pk])
        building.shown_count = sum(counters[building.pk].values())
    greening = project.greening_rate
    return ProjectPage(
        images=images,
        floor_plans=floor_plans,
        sample_houses=sample_houses,
        buildings=buildings,
        greening_percent=None if greening is None else f"{greening * 100:.1f}".removesuffix(".0"),
    )


# ---- buildings and units ----------------------------------------------------------------------


def building_get_public(*, project: Project, number: str) -> Building | None:
    building = Building.objects.filter(project=project, number=number).first()
    if building is not None:
        building.project = project  # the grid needs withheld_display; no second query for it
    return building


@dataclass(frozen=True)
class GridCell:
    code: str
    floor: int
    position: int
    gross_area: Decimal
    list_price_amount: Decimal
    status: str  # the public status

    @property
    def status_label(self) -> str:
        return PUBLIC_STATUS_LABELS[self.status]


@dataclass
class GridRow:
    floor: int
    cells: list[GridCell | None]  # one per position; None is an empty cell (draft, hidden or no unit)


@dataclass
class BuildingGrid:
    positions: list[int]
    rows: list[GridRow]  # top floor first
    status_counts: list[StatusCount] = field(default_factory=list)
    shown_count: int = 0


def building_grid(*, building: Building) -> BuildingGrid:
    """The public sales-control grid (销控表) of a building: floors × positions, in one query."""
    withheld_display = building.project.withheld_display
    units = (
        Unit.objects.filter(building=building)
        .exclude(status=UnitStatus.DRAFT)
        .values_list("code", "floor", "position", "gross_area", "list_price_amount", "status")
    )
    placed: dict[tuple[int, int], GridCell] = {}
    counter: Counter = Counter()
    for code, floor, position, gross_area, price, status in units:
        public = unit_public_status(status=status, withheld_display=withheld_display)
        if public is None:
            continue
        placed[floor, position] = GridCell(code, floor, position, gross_area, price, public)
        counter[public] += 1
    floors = {floor for floor, _ in placed}
    top = max([building.floors, *floors])
    bottom = min([1, *floors])
    positions = list(range(1, max([building.units_per_floor, *(pos for _, pos in placed)]) + 1))
    rows = [
        GridRow(floor, [placed.get((floor, position)) for position in positions])
        for floor in range(top, bottom - 1, -1)
        if floor != 0  # Chinese buildings have no floor 0: 1 is the ground floor, -1 the first basement
    ]
    return BuildingGrid(
        positions=positions, rows=rows, status_counts=_status_counts(counter), shown_count=sum(counter.values())
    )


def unit_get_public(*, project: Project, code: str) -> Unit | None:
    """A unit a visitor may see, with `public_status` and `public_status_label` set; None otherwise."""
    unit = (
        Unit.objects.select_related("building", "floor_plan")
        .filter(project=project, code=code)
        .exclude(status=UnitStatus.DRAFT)
        .order_by("pk")
        .first()
    )
    if unit is None:
        return None
    public = unit_public_status(status=unit.status, withheld_display=project.withheld_display)
    if public is None:
        return None
    unit.project = project
    unit.public_status, unit.public_status_label = public, PUBLIC_STATUS_LABELS[public]
    return unit
