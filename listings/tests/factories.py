"""Shared test factories for the developer company and the inventory.

Model factories (`ProjectFactory`, `FloorPlanFactory`, `BuildingFactory`, `UnitFactory`, …) build
single valid rows. For realistic stock use `building_with_units`, which goes through
`listings.services` (building generation and publication) so the data obeys the same rules as
real data, and `unit_move` to put a unit into any status through the transition services.
"""

from datetime import date
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from accounts.models import User
from developers.models import Company, PropertyManager
from listings import services
from listings.models import (
    Building,
    FloorPlan,
    Orientation,
    Project,
    ProjectImage,
    ProjectSalesStatus,
    SampleHouse,
    SampleHousePhoto,
    Unit,
    UnitStatus,
)


class CompanyFactory(DjangoModelFactory):
    """The developer; one per installation, so every project shares it unless told otherwise."""

    class Meta:
        model = Company
        django_get_or_create = ("name",)

    name = "舒畅置业集团有限公司"
    short_name = "舒畅置业"
    brand = "舒畅"
    slogan = "用心筑造舒畅生活"
    introduction = "舒畅置业深耕城市住宅开发二十年，累计交付住宅超过三万套。"
    hotline = "400-880-6688"
    address = "成都市高新区天府大道北段88号"


class PropertyManagerFactory(DjangoModelFactory):
    class Meta:
        model = PropertyManager

    name = factory.Sequence(lambda n: f"锦华物业服务有限公司{n}")
    qualification = "一级"
    phone = "028-85550000"


class ProjectFactory(DjangoModelFactory):
    class Meta:
        model = Project

    developer = factory.SubFactory(CompanyFactory)
    property_manager = factory.SubFactory(PropertyManagerFactory)
    name = factory.Sequence(lambda n: f"舒畅·云栖{n}号院")
    slug = factory.Sequence(lambda n: f"yunqi-{n}")
    district = "高新区"
    address = factory.Sequence(lambda n: f"天府三街{n}号")
    sales_status = ProjectSalesStatus.ON_SALE
    description = "地铁口旁的精装住宅，南北通透，人车分流。"
    opening_on = date(2026, 12, 18)
    delivery_on = date(2028, 6, 30)
    plot_ratio = Decimal("2.50")
    greening_rate = Decimal("0.350")
    property_fee = Decimal("3.20")
    sales_hotline = "028-86668888"


class ProjectImageFactory(DjangoModelFactory):
    class Meta:
        model = ProjectImage

    project = factory.SubFactory(ProjectFactory)
    image = factory.django.ImageField(color="steelblue", width=64, height=40, filename="gallery.png")
    caption = "小区园林"


class FloorPlanFactory(DjangoModelFactory):
    class Meta:
        model = FloorPlan

    project = factory.SubFactory(ProjectFactory)
    name = factory.Sequence(lambda n: f"A{n}户型")
    rooms = 3
    halls = 2
    baths = 2
    gross_area = Decimal("120.00")
    inner_area = Decimal("98.50")
    description = "南北通透，三开间朝南"


class SampleHouseFactory(DjangoModelFactory):
    class Meta:
        model = SampleHouse

    project = factory.SubFactory(ProjectFactory)
    floor_plan = factory.SubFactory(FloorPlanFactory, project=factory.SelfAttribute("..project"))
    name = "A户型样板间"
    description = "现代简约风格精装交付标准"
    location = "售楼处二楼"


class SampleHousePhotoFactory(DjangoModelFactory):
    class Meta:
        model = SampleHousePhoto

    sample_house = factory.SubFactory(SampleHouseFactory)
    image = factory.django.ImageField(color="tan", width=64, height=40, filename="sample.png")
    caption = "客厅"


class BuildingFactory(DjangoModelFactory):
    """A building without units; see `building_with_units` for one with stock."""

    class Meta:
        model = Building

    project = factory.SubFactory(ProjectFactory)
    number = factory.Sequence(lambda n: str(n + 1))
    name = factory.LazyAttribute(lambda building: f"{building.number}号楼")
    floors = 18
    units_per_floor = 4
    elevators = 2


class UnitFactory(DjangoModelFactory):
    """One unit row (draft unless told); floor and position come from a sequence, so they never collide."""

    class Meta:
        model = Unit

    building = factory.SubFactory(BuildingFactory)
    project = factory.SelfAttribute("building.project")
    floor_plan = factory.SubFactory(FloorPlanFactory, project=factory.SelfAttribute("..project"))
    floor = factory.Sequence(lambda n: n // 4 + 1)
    position = factory.Sequence(lambda n: n % 4 + 1)
    code = factory.LazyAttribute(lambda unit: f"{unit.building.number}-{unit.floor}{unit.position:02d}")
    orientation = Orientation.SOUTH
    gross_area = factory.SelfAttribute("floor_plan.gross_area")
    inner_area = factory.SelfAttribute("floor_plan.inner_area")
    unit_price_amount = Decimal("15000.00")
    list_price_amount = factory.LazyAttribute(
        lambda unit: (unit.unit_price_amount * unit.gross_area).quantize(Decimal("0.01"))
    )
    status = UnitStatus.DRAFT


def staff_actor() -> User:
    """A staff user to act in factory-made writes (the operation log wants a person)."""
    user, _ = User.objects.get_or_create(username="factory-staff", defaults={"is_staff": True, "first_name": "测试员"})
    return user


def building_with_units(
    *,
    project: Project | None = None,
    number: str = "1",
    floors: int = 3,
    units_per_floor: int = 2,
    plans_by_position: dict[int, FloorPlan] | None = None,
    base_unit_price: Decimal = Decimal("15000.00"),
    floor_premium: Decimal = Decimal("100.00"),
    publish: bool = True,
    actor: User | None = None,
) -> Building:
    """A building with its units made by the building service, published (可售) unless `publish=False`."""
    project = project or ProjectFactory()
    actor = actor or staff_actor()
    if plans_by_position is None:
        plan = FloorPlanFactory(project=project)
        plans_by_position = dict.fromkeys(range(1, units_per_floor + 1), plan)
    building = services.building_create_with_units(
        project=project,
        actor=actor,
        number=number,
        floors=floors,
        units_per_floor=units_per_floor,
        plans_by_position=plans_by_position,
        base_unit_price=base_unit_price,
        floor_premium=floor_premium,
    )
    if publish:
        services.units_publish(project=project, unit_ids=list(building.units.values_list("pk", flat=True)), actor=actor)
    return building


# The order a unit moves through on its way to being sold.
_SALES_PATH = [
    UnitStatus.DRAFT,
    UnitStatus.AVAILABLE,
    UnitStatus.LOCKED,
    UnitStatus.RESERVED,
    UnitStatus.SIGNED,
    UnitStatus.SOLD,
]


def unit_move(unit: Unit, to_status: str, *, actor: User | None = None) -> Unit:
    """Put `unit` into `to_status` through the transition services, step by step along the sales path."""
    actor = actor or staff_actor()
    unit.refresh_from_db()
    if to_status == UnitStatus.WITHHELD:
        return services.unit_withhold(unit=unit, actor=actor, reason="测试销控")
    start, end = _SALES_PATH.index(unit.status), _SALES_PATH.index(to_status)
    if end < start:
        raise ValueError(f"unit_move goes forward only: {unit.status} → {to_status}")
    for status in _SALES_PATH[start + 1 : end + 1]:
        services.unit_transition_one(unit=unit, to_status=status, actor=actor, reason="测试")
    return unit
