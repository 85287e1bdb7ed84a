"""Inventory services: compare-and-swap status moves, withholding, price-list versions, building generation."""

from decimal import Decimal

import pytest
from django.core.cache import cache

from audit.models import AuditEntry
from listings import services
from listings.exceptions import UnitUnavailable
from listings.models import PriceListVersion, Unit, UnitPrice, UnitStatus, UnitStatusChange
from listings.tests.factories import FloorPlanFactory, ProjectFactory, building_with_units, staff_actor, unit_move
from shuchang.core.exceptions import TransitionNotAllowed

pytestmark = pytest.mark.django_db


@pytest.fixture
def building():
    return building_with_units(project=ProjectFactory(), number="3", floors=2, units_per_floor=2)


def _unit(building, code):
    return Unit.objects.get(building=building, code=code)


def test_a_transition_outside_the_table_is_refused_in_chinese(building):
    unit = _unit(building, "3-101")

    with pytest.raises(TransitionNotAllowed) as refused:
        services.unit_transition(
            unit_ids=[unit.pk], from_status=UnitStatus.AVAILABLE, to_status=UnitStatus.SOLD, actor=staff_actor()
        )

    assert refused.value.message == "房源：当前状态（可售）不能变更为（已售）"
    assert _unit(building, "3-101").status == UnitStatus.AVAILABLE


def test_a_unit_that_moved_meanwhile_is_left_alone(building):
    unit = _unit(building, "3-101")
    stale = _unit(building, "3-101")
    unit_move(unit, UnitStatus.LOCKED)

    with pytest.raises(UnitUnavailable):
        services.unit_transition_one(unit=stale, to_status=UnitStatus.WITHHELD, actor=staff_actor())

    assert _unit(building, "3-101").status == UnitStatus.LOCKED
    assert not UnitStatusChange.objects.filter(unit=unit, to_status=UnitStatus.WITHHELD).exists()


def test_withhold_and_release_record_status_changes_and_log_entries(building):
    unit = _unit(building, "3-102")
    actor = staff_actor()

    services.unit_withhold(unit=unit, actor=actor, reason="工程整改")
    services.unit_release(unit=unit, actor=actor, reason="整改完成")

    assert _unit(building, "3-102").status == UnitStatus.AVAILABLE
    moves = list(UnitStatusChange.objects.filter(unit=unit).order_by("id").values_list("to_status", "reason"))
    assert moves[-2:] == [(UnitStatus.WITHHELD, "工程整改"), (UnitStatus.AVAILABLE, "整改完成")]
    withheld = AuditEntry.objects.get(action="listings.unit.withheld", object_id=str(unit.pk))
    assert (withheld.before, withheld.after, withheld.data) == (
        {"status": "available"},
        {"status": "withheld"},
        {"reason": "工程整改"},
    )


def test_a_status_change_makes_the_cached_grid_stale(building, django_capture_on_commit_callbacks):
    cache.clear()
    before = services.grid_version(building.pk)

    with django_capture_on_commit_callbacks(execute=True):
        services.unit_withhold(unit=_unit(building, "3-201"), actor=staff_actor(), reason="预留")

    assert services.grid_version(building.pk) == before + 1


def test_each_price_list_is_a_new_version_and_keeps_the_old_lines(building):
    project, actor = building.project, staff_actor()
    unit = _unit(building, "3-101")

    first = services.price_list_apply(
        project=project, prices={unit.pk: (Decimal("16000"), Decimal("1920000"))}, actor=actor
    )
    second = services.price_list_apply(
        project=project, prices={unit.pk: ("16500.005", "1980000.6")}, actor=actor, note="调价"
    )

    assert (first.number, second.number) == (1, 2)
    unit.refresh_from_db()
    assert (unit.unit_price_amount, unit.list_price_amount, unit.price_version) == (
        Decimal("16500.01"),
        Decimal("1980000.60"),
        second,
    )
    lines = UnitPrice.objects.filter(unit=unit).order_by("version__number")
    assert [line.list_price_amount for line in lines] == [Decimal("1920000.00"), Decimal("1980000.60")]
    assert PriceListVersion.objects.filter(project=project).count() == 2
    assert AuditEntry.objects.filter(action="listings.price_list.applied").count() == 2


def test_a_float_price_is_refused(building):
    unit = _unit(building, "3-101")

    with pytest.raises(TypeError):
        services.price_list_apply(project=building.project, prices={unit.pk: (16000.5, 1920060.0)}, actor=None)


def test_building_generation_numbers_and_prices_units_by_floor():
    project = ProjectFactory()
    plan_a = FloorPlanFactory(project=project, gross_area=Decimal("89.12"), inner_area=Decimal("72.30"))
    plan_b = FloorPlanFactory(project=project, gross_area=Decimal("120.00"), inner_area=Decimal("98.50"))

    building = services.building_create_with_units(
        project=project,
        actor=staff_actor(),
        number="5",
        floors=18,
        units_per_floor=2,
        plans_by_position={1: plan_a, 2: plan_b},
        base_unit_price=Decimal("15000"),
        floor_premium=Decimal("80"),
    )

    assert building.units.count() == 36
    top = Unit.objects.get(building=building, code="5-1801")
    assert (top.floor, top.position, top.floor_plan, top.status) == (18, 1, plan_a, UnitStatus.DRAFT)
    assert top.unit_price_amount == Decimal("16360.00")
    assert top.list_price_amount == Decimal("1458003.20")
    assert AuditEntry.objects.get(action="listings.building.created").after["units"] == 36


@pytest.mark.django_db
def test_releasing_a_unit_withheld_before_publication_returns_it_to_draft(sales_manager):
    building = building_with_units(floors=1, units_per_floor=1, publish=False)
    unit = building.units.get()
    services.unit_withhold(unit=unit, actor=sales_manager, reason="留作样板间")

    services.unit_release(unit=Unit.objects.get(pk=unit.pk), actor=sales_manager)

    assert Unit.objects.get(pk=unit.pk).status == UnitStatus.DRAFT
