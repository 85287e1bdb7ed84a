"""The inventory admin: data scope in every queryset and choice, status only through services,
withholding with a reason, bounded queries on the unit list."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.roles import CONSULTANT, SALES_MANAGER
from accounts.services import staff_create
from audit.models import AuditEntry
from listings import services
from listings.models import Building, Project, Unit, UnitStatus
from listings.tests.factories import BuildingFactory, ProjectFactory, building_with_units, staff_actor, unit_move

pytestmark = pytest.mark.django_db

UNITS = "/admin/listings/unit/"


@pytest.fixture
def project_a():
    return ProjectFactory(name="舒畅·云栖", slug="yunqi")


@pytest.fixture
def project_b():
    return ProjectFactory(name="舒畅·江岸", slug="jiangan")


@pytest.fixture
def units_a(project_a):
    return list(building_with_units(project=project_a, number="1", floors=2, units_per_floor=2).units.order_by("pk"))


@pytest.fixture
def units_b(project_b):
    return list(building_with_units(project=project_b, number="8", floors=2, units_per_floor=2).units.order_by("pk"))


def _staff(username, role, *projects):
    return staff_create(
        actor=None,
        username=username,
        password="Test-pass-2026",
        full_name=username,
        role_codes=[role],
        project_ids=[project.pk for project in projects],
    )


@pytest.fixture
def consultant_a(roles, project_a):
    return _staff("consultant_a", CONSULTANT, project_a)


@pytest.fixture
def manager_a(roles, project_a):
    return _staff("manager_a", SALES_MANAGER, project_a)


# ---- data scope ------------------------------------------------------------------------------


def test_a_consultant_sees_only_the_units_of_their_projects(client, consultant_a, units_a, units_b):
    client.force_login(consultant_a)

    response = client.get(UNITS)

    shown = {unit.code for unit in response.context["cl"].result_list}
    assert shown == {unit.code for unit in units_a}
    page = response.content.decode()
    assert "舒畅·江岸" not in page  # not even among the filter choices
    assert "8号楼" not in page


def test_a_unit_outside_the_scope_answers_404_like_a_missing_one(client, consultant_a, units_a, units_b):
    client.force_login(consultant_a)

    assert client.get(f"{UNITS}{units_a[0].pk}/change/").status_code == 200
    assert client.get(f"{UNITS}{units_b[0].pk}/change/").status_code == 404
    assert client.get(f"{UNITS}{units_b[0].pk}/history/").status_code == 404
    assert client.get(f"{UNITS}999999/change/").status_code == 404


def test_projects_and_buildings_outside_the_scope_are_hidden_too(client, consultant_a, units_a, units_b, project_b):
    client.force_login(consultant_a)

    projects = client.get("/admin/listings/project/")
    buildings = client.get("/admin/listings/building/")

    assert [p.name for p in projects.context["cl"].result_list] == ["舒畅·云栖"]
    assert [b.number for b in buildings.context["cl"].result_list] == ["1"]
    assert client.get(f"/admin/listings/project/{project_b.pk}/change/").status_code == 404


def test_an_out_of_scope_project_can_be_neither_seen_nor_picked_in_a_form(client, manager_a, project_a, project_b):
    client.force_login(manager_a)

    form_page = client.get("/admin/listings/building/add/")
    response = client.post(
        "/admin/listings/building/add/",
        {"project": project_b.pk, "number": "5", "name": "5号楼", "floors": 18, "units_per_floor": 4, "elevators": 2},
    )

    choices = [str(choice) for choice in form_page.context["adminform"].form.fields["project"].queryset]
    assert choices == ["舒畅·云栖"]
    assert response.status_code == 200
    assert "project" in response.context["adminform"].form.errors
    assert not Building.objects.filter(project=project_b, number="5").exists()


def test_only_staff_over_all_projects_may_add_a_project(client, roles, manager_a):
    everywhere = _staff("manager_all", SALES_MANAGER)
    client.force_login(manager_a)
    scoped = client.get("/admin/listings/project/add/")
    client.force_login(everywhere)
    unscoped = client.get("/admin/listings/project/add/")

    assert scoped.status_code == 403
    assert unscoped.status_code == 200


def test_a_building_and_a_floor_plan_of_another_project_are_refused_on_a_unit(
    client, roles, project_a, project_b, units_b
):
    manager = _staff("manager_ab", SALES_MANAGER, project_a, project_b)
    client.force_login(manager)
    building_b = units_b[0].building

    response = client.post(
        f"{UNITS}add/",
        {
            "project": project_a.pk,
            "building": building_b.pk,
            "floor_plan": units_b[0].floor_plan_id,
            "code": "8-901",
            "floor": 9,
            "position": 1,
            "orientation": "S",
            "gross_area": "100.00",
            "inner_area": "80.00",
            "unit_price_amount": "15000",
            "list_price_amount": "1500000",
        },
    )

    errors = response.context["adminform"].form.errors
    assert errors["building"] == ["所选楼栋不属于楼盘“舒畅·云栖”"]
    assert errors["floor_plan"] == ["所选户型不属于楼盘“舒畅·云栖”"]
    assert not Unit.objects.filter(code="8-901").exists()


# ---- status and prices are not form fields ---------------------------------------------------------


def test_status_and_prices_cannot_be_changed_in_the_unit_form(client, manager_a, units_a):
    unit = units_a[0]  # public (可售): of its facts only the orientation stays editable
    client.force_login(manager_a)

    response = client.post(
        f"{UNITS}{unit.pk}/change/",
        {"orientation": "SN", "status": UnitStatus.SOLD, "unit_price_amount": "1", "list_price_amount": "1"},
    )

    unit.refresh_from_db()
    assert response.status_code == 302
    assert unit.orientation == "SN"
    assert unit.status == UnitStatus.AVAILABLE
    assert unit.unit_price_amount == Decimal("15000.00")
    entry = AuditEntry.objects.get(action="listings.unit.updated")
    assert entry.data["changed"] == ["orientation"]
    assert (entry.before["orientation"], entry.after["orientation"]) == ("S", "SN")


def test_adding_a_unit_checks_the_total_against_unit_price_and_area(client, manager_a, project_a):
    building = BuildingFactory(project=project_a, number="3", floors=5, units_per_floor=2)
    client.force_login(manager_a)
    data = {
        "project": project_a.pk,
        "building": building.pk,
        "code": "3-101",
        "floor": 1,
        "position": 1,
        "orientation": "S",
        "gross_area": "100.00",
        "inner_area": "80.00",
        "unit_price_amount": "15000",
        "list_price_amount": "1400000",
    }

    refused = client.post(f"{UNITS}add/", data)
    refused_count = Unit.objects.filter(building=building).count()
    accepted = client.post(f"{UNITS}add/", data | {"list_price_amount": "1500000.80"})

    assert refused.context["adminform"].form.errors["list_price_amount"] == [
        "总价应等于单价×建筑面积（1500000.00），允许误差±1.00元"
    ]
    assert refused_count == 0
    assert accepted.status_code == 302
    unit = Unit.objects.get(building=building, code="3-101")
    assert (unit.status, unit.list_price_amount) == (UnitStatus.DRAFT, Decimal("1500000.80"))
    assert AuditEntry.objects.get(action="listings.unit.created").after["code"] == "3-101"


# ---- withholding ---------------------------------------------------------------------------------


def test_withholding_asks_for_a_reason_then_withholds(client, manager_a, units_a):
    client.force_login(manager_a)
    selected = [unit.pk for unit in units_a[:2]]

    confirm = client.post(UNITS, {"action": "withhold_units", "_selected_action": selected})
    done = client.post(
        UNITS,
        {"action": "withhold_units", "_selected_action": selected, "apply": "yes", "reason": "员工内购预留"},
        follow=True,
    )

    assert confirm.status_code == 200
    assert "销控原因" in confirm.content.decode()
    assert set(Unit.objects.filter(pk__in=selected).values_list("status", flat=True)) == {UnitStatus.WITHHELD}
    assert [str(m) for m in done.context["messages"]] == [f"已销控 2 套房源：{units_a[0].code}、{units_a[1].code}"]
    entries = AuditEntry.objects.filter(action="listings.unit.withheld")
    assert {entry.data["reason"] for entry in entries} == {"员工内购预留"}
    assert entries.count() == 2


def test_withholding_without_a_reason_changes_nothing(client, manager_a, units_a):
    client.force_login(manager_a)

    response = client.post(
        UNITS, {"action": "withhold_units", "_selected_action": [units_a[0].pk], "apply": "yes", "reason": ""}
    )

    assert "请填写销控原因" in response.content.decode()
    assert Unit.objects.get(pk=units_a[0].pk).status == UnitStatus.AVAILABLE


def test_a_reserved_unit_is_not_withheld_and_the_message_says_why(client, manager_a, units_a):
    unit_move(units_a[0], UnitStatus.RESERVED)
    client.force_login(manager_a)

    response = client.post(
        UNITS,
        {"action": "withhold_units", "_selected_action": [units_a[0].pk], "apply": "yes", "reason": "整改"},
        follow=True,
    )

    assert [str(m) for m in response.context["messages"]] == [
        f"以下 1 套房源当前状态不能销控：{units_a[0].code}（已认购）"
    ]
    assert Unit.objects.get(pk=units_a[0].pk).status == UnitStatus.RESERVED


def test_release_puts_withheld_units_back_on_sale(client, manager_a, units_a):
    services.unit_withhold(unit=units_a[0], actor=staff_actor(), reason="预留")
    client.force_login(manager_a)

    client.post(UNITS, {"action": "release_units", "_selected_action": [units_a[0].pk, units_a[1].pk]})

    assert Unit.objects.get(pk=units_a[0].pk).status == UnitStatus.AVAILABLE
    assert AuditEntry.objects.filter(action="listings.unit.released", object_id=str(units_a[0].pk)).exists()


def test_a_consultant_has_no_withhold_action(client, consultant_a, units_a):
    client.force_login(consultant_a)

    client.post(UNITS, {"action": "withhold_units", "_selected_action": [units_a[0].pk], "apply": "1", "reason": "x"})

    assert Unit.objects.get(pk=units_a[0].pk).status == UnitStatus.AVAILABLE


# ---- cost of the list ------------------------------------------------------------------------------


def test_the_unit_list_costs_the_same_queries_for_4_units_or_64(client, manager_a, project_a, units_a):
    client.force_login(manager_a)
    client.get(UNITS)  # first request warms per-process caches (content types, permissions)
    with CaptureQueriesContext(connection) as few:
        client.get(UNITS)
    building_with_units(project=project_a, number="2", floors=10, units_per_floor=6)

    with CaptureQueriesContext(connection) as many:
        response = client.get(UNITS)

    assert len(response.context["cl"].result_list) == 64
    assert len(many.captured_queries) == len(few.captured_queries) <= 15


def test_price_list_and_publication_pages_are_read_only(client, roles, units_a, project_a):
    superuser = _staff("root", SALES_MANAGER)
    superuser.is_superuser = True
    superuser.save()
    client.force_login(superuser)
    batch = project_a.publications.get()

    page = client.get(f"/admin/listings/publicationbatch/{batch.pk}/change/")
    deleted = client.post(f"/admin/listings/publicationbatch/{batch.pk}/delete/", {"post": "yes"})

    assert page.status_code == 200
    assert units_a[0].code in page.content.decode()
    assert 'name="_save"' not in page.content.decode()
    assert deleted.status_code == 403
    assert Project.objects.get(pk=project_a.pk).publications.count() == 1
