"""Demo inventory: projects in four districts of Hangzhou, with floor plans, buildings, a first price
list, publication, a few withheld units and sample houses.

Buildings, prices, publication and withholding go through listings.services; projects, floor plans
and sample houses have no service yet (they are edited in the admin) and are created directly.
"""

from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from listings import services as listing_services
from listings.models import (
    FloorPlan,
    Orientation,
    Project,
    ProjectImage,
    ProjectSalesStatus,
    SampleHouse,
    SampleHousePhoto,
    Unit,
)
from shuchang.core.money import to_amount
from shuchang.demo import images


@dataclass(frozen=True)
class PlanSpec:
    name: str
    rooms: int
    halls: int
    baths: int
    gross_area: str
    inner_area: str
    description: str


@dataclass(frozen=True)
class BuildingSpec:
    number: str
    floors: int
    plans: str  # the floor plan of each position on a floor, e.g. "CBBC"; its length is units per floor
    is_published: bool = True
    elevators: int = 2


@dataclass(frozen=True)
class ProjectSpec:
    name: str
    slug: str
    district: str
    address: str
    description: str
    plans: tuple[PlanSpec, ...]
    buildings: tuple[BuildingSpec, ...]
    base_unit_price: int  # 元/㎡ on the first floor of the first building
    floor_premium: int  # 元/㎡ more per floor up
    opening_days: int  # opening date relative to today (negative: already open)
    plot_ratio: str
    greening_rate: str
    property_fee: str
    hotline: str
    sky: str = "day"
    withheld: tuple[str, ...] = ()  # unit codes the developer keeps off sale (销控)
    sample_plans: tuple[str, ...] = ()
    property_manager: int = 0
    decoration: str = "精装修"


PROJECTS = (
    ProjectSpec(
        name="舒畅·西溪云庐",
        slug="xixi-yunlu",
        district="西湖区",
        address="杭州市西湖区文二西路与紫金港路交叉口西北侧",
        description=(
            "西溪云庐位于西溪湿地东侧，步行可达地铁 3 号线，周边有浙江大学紫金港校区、西溪银泰。"
            "项目为低密度高层住宅，一梯两户，南北通透，主力户型 125—168㎡，配建幼儿园与社区商业。"
        ),
        plans=(
            PlanSpec("A户型", 3, 2, 2, "125.00", "101.20", "南向三开间，双卫，客厅连阳台"),
            PlanSpec("B户型", 4, 2, 2, "143.00", "116.80", "四房两厅，主卧套房，南北通透"),
            PlanSpec("C户型", 4, 2, 3, "168.00", "137.50", "边套大平层，270° 转角景观阳台"),
        ),
        buildings=(
            BuildingSpec("1", 18, "CAAC"),
            BuildingSpec("2", 24, "CBBC"),
            BuildingSpec("3", 26, "CBBC"),
        ),
        base_unit_price=58_000,
        floor_premium=150,
        opening_days=-45,
        plot_ratio="2.20",
        greening_rate="0.350",
        property_fee="4.80",
        hotline="0571-8826 1001",
        sky="dusk",
        withheld=("1-1801", "1-1804", "3-2601"),
        sample_plans=("B户型", "C户型"),
    ),
    ProjectSpec(
        name="舒畅·江南望府",
        slug="jiangnan-wangfu",
        district="滨江区",
        address="杭州市滨江区江南大道与时代大道交叉口东南侧",
        description=(
            "江南望府地处滨江高新区核心，紧邻钱塘江，距地铁 1 号线江陵路站约 600 米。"
            "项目由四栋高层组成，一梯三户，主力户型 89—143㎡，社区内有 2000㎡ 中央花园与会所。"
        ),
        plans=(
            PlanSpec("A户型", 2, 2, 1, "89.00", "71.60", "小三房改两房，总价低，适合首次置业"),
            PlanSpec("B户型", 3, 2, 1, "105.00", "84.90", "三房朝南，明厨明卫"),
            PlanSpec("C户型", 3, 2, 2, "125.00", "101.00", "双卫三房，客厅面宽 4.2 米"),
            PlanSpec("D户型", 4, 2, 2, "143.00", "115.70", "四房两厅，边套，江景视野"),
        ),
        buildings=(
            BuildingSpec("1", 28, "DCBBCD", elevators=3),
            BuildingSpec("2", 30, "DCAACD", elevators=3),
            BuildingSpec("3", 32, "DCBBCD", elevators=3),
            BuildingSpec("4", 33, "DCBBCD", is_published=False, elevators=3),
        ),
        base_unit_price=43_000,
        floor_premium=180,
        opening_days=-20,
        plot_ratio="2.80",
        greening_rate="0.300",
        property_fee="3.90",
        hotline="0571-8826 1002",
        withheld=("2-3001", "3-3206"),
        sample_plans=("B户型", "D户型"),
        property_manager=1,
    ),
    ProjectSpec(
        name="舒畅·未来悦城",
        slug="weilai-yuecheng",
        district="余杭区",
        address="杭州市余杭区文一西路与良睦路交叉口东北侧",
        description=(
            "未来悦城位于未来科技城板块，周边聚集众多互联网企业，地铁 5 号线良睦路站 500 米。"
            "项目为刚需与改善兼顾的高层社区，一梯四户，主力户型 79—115㎡，配建 24 班小学。"
        ),
        plans=(
            PlanSpec("A户型", 2, 1, 1, "79.00", "63.50", "紧凑两房，全明设计"),
            PlanSpec("B户型", 3, 2, 1, "89.00", "71.80", "经典三房，南向双卧"),
            PlanSpec("C户型", 3, 2, 2, "99.00", "79.90", "三房双卫，餐客一体"),
            PlanSpec("D户型", 4, 2, 2, "115.00", "92.60", "边套四房，南北通透"),
        ),
        buildings=(
            BuildingSpec("1", 25, "DCBAABCD", elevators=4),
            BuildingSpec("2", 27, "DCBAABCD", elevators=4),
            BuildingSpec("3", 30, "DCBAABCD", is_published=False, elevators=4),
        ),
        base_unit_price=29_000,
        floor_premium=120,
        opening_days=-10,
        plot_ratio="2.50",
        greening_rate="0.300",
        property_fee="3.20",
        hotline="0571-8826 1003",
        sky="morning",
        withheld=("1-2501", "2-2708"),
        sample_plans=("B户型", "C户型"),
    ),
    # Not open yet: every unit is still a draft, so the storefront shows the project and no units.
    ProjectSpec(
        name="舒畅·运河雅著",
        slug="yunhe-yazhu",
        district="拱墅区",
        address="杭州市拱墅区莫干山路与登云路交叉口西侧",
        description=(
            "运河雅著紧邻京杭大运河，距武林商圈约 4 公里，项目规划两栋高层住宅，一梯三户，"
            "主力户型 98—138㎡，预计近期开盘，欢迎关注。"
        ),
        plans=(
            PlanSpec("A户型", 3, 2, 1, "98.00", "78.90", "三房两厅，南向客厅"),
            PlanSpec("B户型", 3, 2, 2, "118.00", "95.30", "双卫三房，运河景观"),
            PlanSpec("C户型", 4, 2, 2, "138.00", "111.60", "四房两厅，边套"),
        ),
        buildings=(
            BuildingSpec("1", 18, "CBAABC", is_published=False),
            BuildingSpec("2", 22, "CBAABC", is_published=False),
        ),
        base_unit_price=46_000,
        floor_premium=160,
        opening_days=40,
        plot_ratio="2.60",
        greening_rate="0.320",
        property_fee="4.20",
        hotline="0571-8826 1004",
        property_manager=1,
    ),
)

SAMPLE_ROOMS = ("客厅", "主卧", "餐厨")
_PLAN_ROOMS_TEXT = {2: "两室", 3: "三室", 4: "四室"}


def _orientation(position: int, per_floor: int) -> str:
    """End units are 南北通透; the next ones in from the ends face south-east / south-west."""
    if position in (1, per_floor):
        return Orientation.SOUTH_NORTH
    if per_floor >= 6 and position == 2:
        return Orientation.EAST_SOUTH
    if per_floor >= 6 and position == per_floor - 1:
        return Orientation.WEST_SOUTH
    return Orientation.SOUTH


def _list_prices(units: list[Unit], floors: int) -> dict[int, tuple[Decimal, Decimal]]:
    """一房一价 from the generated floor prices: end units dearer, the lowest and top floors cheaper."""
    prices = {}
    for unit in units:
        adjustment = 0
        if unit.orientation == Orientation.SOUTH_NORTH:
            adjustment += 800
        if unit.floor <= 2:
            adjustment -= 1500
        elif unit.floor == floors:
            adjustment -= 600  # top floor: roof heat, yet a view; priced a little under the floor below
        unit_price = (unit.unit_price_amount + adjustment).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
        prices[unit.pk] = (to_amount(unit_price), to_amount(unit_price * unit.gross_area))
    return prices


def _project_create(ctx, spec: ProjectSpec, index: int) -> Project:
    opening_on = ctx.today + timedelta(days=spec.opening_days)
    project = Project.objects.create(
        developer=ctx.company,
        property_manager=ctx.property_managers[spec.property_manager],
        name=spec.name,
        slug=spec.slug,
        district=spec.district,
        address=spec.address,
        description=spec.description,
        sales_status=ProjectSalesStatus.UPCOMING,
        cover=images.tower_rendering(
            title=spec.name, subtitle=f"杭州 · {spec.district}", seed=index * 10, sky=spec.sky, name=f"{spec.slug}.jpg"
        ),
        opening_on=opening_on,
        delivery_on=opening_on + timedelta(days=730),
        decoration=spec.decoration,
        plot_ratio=Decimal(spec.plot_ratio),
        greening_rate=Decimal(spec.greening_rate),
        property_fee=Decimal(spec.property_fee),
        sales_hotline=spec.hotline,
    )
    for position, (sky, caption) in enumerate(
        (("day", "日景效果图"), ("dusk", "夜景效果图"), ("morning", "晨景效果图"))
    ):
        ProjectImage.objects.create(
            project=project,
            image=images.tower_rendering(
                title=spec.name,
                subtitle=caption,
                seed=index * 10 + position + 1,
                sky=sky,
                name=f"{spec.slug}-{sky}.jpg",
            ),
            caption=caption,
            position=position,
        )
    ctx.count("projects")
    return project


def _floor_plans_create(spec: ProjectSpec, project: Project) -> dict[str, FloorPlan]:
    plans = {}
    for plan in spec.plans:
        gross, inner = Decimal(plan.gross_area), Decimal(plan.inner_area)
        layout = f"{plan.rooms}室{plan.halls}厅{plan.baths}卫"
        plans[plan.name[0]] = FloorPlan.objects.create(
            project=project,
            name=plan.name,
            rooms=plan.rooms,
            halls=plan.halls,
            baths=plan.baths,
            gross_area=gross,
            inner_area=inner,
            description=plan.description,
            image=images.floor_plan_drawing(
                title=plan.name,
                layout=layout,
                rooms=plan.rooms,
                gross_area=gross,
                inner_area=inner,
                name=f"{spec.slug}-{plan.name[0].lower()}.png",
            ),
        )
    return plans


def _sample_houses_create(ctx, spec: ProjectSpec, index: int, project: Project, plans: dict[str, FloorPlan]) -> None:
    for number, plan_name in enumerate(spec.sample_plans, start=1):
        plan = plans[plan_name[0]]
        house = SampleHouse.objects.create(
            project=project,
            floor_plan=plan,
            name=f"{plan.gross_area:.0f}㎡ {_PLAN_ROOMS_TEXT.get(plan.rooms, '')}样板间",
            description=f"{plan.name}（{plan.layout}）精装样板间，{plan.description}。实景拍摄，家具软装不在交付标准内。",
            location=f"售楼处二层 {number} 号样板间",
        )
        for position, room in enumerate(SAMPLE_ROOMS):
            SampleHousePhoto.objects.create(
                sample_house=house,
                image=images.sample_house_photo(
                    project_name=spec.name,
                    room=room,
                    seed=index * 100 + number * 10 + position,
                    name=f"{spec.slug}-sample{number}-{position + 1}.jpg",
                ),
                caption=room,
                position=position,
            )
        ctx.count("sample_houses")


def build_projects(ctx) -> None:
    """Every demo project: buildings and draft units, the first price list, publication, 销控, sample houses."""
    manager = ctx.staff["manager"]
    for index, spec in enumerate(PROJECTS, start=1):
        project = _project_create(ctx, spec, index)
        plans = _floor_plans_create(spec, project)
        buildings = []
        for building_spec in spec.buildings:
            per_floor = len(building_spec.plans)
            building = listing_services.building_create_with_units(
                project=project,
                actor=manager,
                number=building_spec.number,
                floors=building_spec.floors,
                units_per_floor=per_floor,
                elevators=building_spec.elevators,
                completion_on=project.delivery_on - timedelta(days=90),
                plans_by_position={pos: plans[letter] for pos, letter in enumerate(building_spec.plans, start=1)},
                orientation_by_position={pos: _orientation(pos, per_floor) for pos in range(1, per_floor + 1)},
                # Later buildings stand further back from the park: a little cheaper.
                base_unit_price=Decimal(spec.base_unit_price - 300 * len(buildings)),
                floor_premium=Decimal(spec.floor_premium),
            )
            buildings.append((building_spec, building))
            ctx.count("buildings")

        prices = {}
        for building_spec, building in buildings:
            prices |= _list_prices(list(building.units.all()), building_spec.floors)
        listing_services.price_list_apply(project=project, prices=prices, actor=manager, note="首次定价（一房一价）")
        ctx.count("units", len(prices))

        published = [building.pk for building_spec, building in buildings if building_spec.is_published]
        if published:
            unit_ids = Unit.objects.filter(building_id__in=published).values_list("pk", flat=True)
            listing_services.units_publish(project=project, unit_ids=unit_ids, actor=manager, note="首批房源公布")
            Project.objects.filter(pk=project.pk).update(sales_status=ProjectSalesStatus.ON_SALE)
            project.sales_status = ProjectSalesStatus.ON_SALE
        for code in spec.withheld:
            unit = Unit.objects.get(project=project, code=code)
            listing_services.unit_withhold(unit=unit, actor=manager, reason="开发商保留房源，暂不对外销售")
            ctx.count("withheld")

        _sample_houses_create(ctx, spec, index, project, plans)
        ctx.projects.append(project)
