"""房源公布: draft units become available as one batch, through the service and the admin action."""

import pytest

from accounts.roles import CONSULTANT, SALES_MANAGER
from accounts.services import staff_create
from audit.models import AuditEntry
from listings import services
from listings.exceptions import NothingToPublish
from listings.models import PublicationBatch, Unit, UnitStatus, UnitStatusChange
from listings.tests.factories import ProjectFactory, building_with_units, staff_actor, unit_move

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/listings/unit/"


@pytest.fixture
def project():
    return ProjectFactory(name="舒畅·云栖", slug="yunqi")


@pytest.fixture
def drafts(project):
    """Building 1 of the project: 2 floors × 2 units, all still 未公布."""
    building = building_with_units(project=project, number="1", floors=2, units_per_floor=2, publish=False)
    return list(building.units.order_by("pk"))


def test_publishing_makes_draft_units_available_as_one_batch(project, drafts):
    actor = staff_actor()
    ids = [unit.pk for unit in drafts[:3]]

    batch = services.units_publish(project=project, unit_ids=ids, actor=actor, note="首批")

    assert batch.unit_count == 3
    assert batch.published_by == actor
    assert sorted(batch.units.values_list("pk", flat=True)) == ids
    assert set(Unit.objects.filter(pk__in=ids).values_list("status", flat=True)) == {UnitStatus.AVAILABLE}
    assert not Unit.objects.filter(pk__in=ids, published_at__isnull=True).exists()
    assert Unit.objects.get(pk=drafts[3].pk).status == UnitStatus.DRAFT
    changes = UnitStatusChange.objects.filter(unit_id__in=ids)
    assert sorted(changes.values_list("unit_id", "from_status", "to_status")) == [
        (pk, UnitStatus.DRAFT, UnitStatus.AVAILABLE) for pk in ids
    ]
    entry = AuditEntry.objects.get(action="listings.units.published")
    assert entry.object_id == str(batch.pk)
    assert entry.data["unit_ids"] == ids


def test_units_that_are_not_draft_are_left_alone(project, drafts):
    services.units_publish(project=project, unit_ids=[drafts[0].pk], actor=staff_actor())
    unit_move(drafts[0], UnitStatus.RESERVED)
    services.unit_withhold(unit=Unit.objects.get(pk=drafts[1].pk), actor=staff_actor(), reason="内部预留")

    batch = services.units_publish(project=project, unit_ids=[u.pk for u in drafts], actor=staff_actor())

    assert sorted(batch.units.values_list("pk", flat=True)) == [drafts[2].pk, drafts[3].pk]
    assert Unit.objects.get(pk=drafts[0].pk).status == UnitStatus.RESERVED
    assert Unit.objects.get(pk=drafts[1].pk).status == UnitStatus.WITHHELD


def test_nothing_to_publish_is_refused_in_chinese_and_writes_nothing(project, drafts):
    services.units_publish(project=project, unit_ids=[drafts[0].pk], actor=staff_actor())
    batches = PublicationBatch.objects.count()

    with pytest.raises(NothingToPublish) as refused:
        services.units_publish(project=project, unit_ids=[drafts[0].pk], actor=staff_actor())

    assert refused.value.message == "所选房源中没有未公布的房源"
    assert PublicationBatch.objects.count() == batches


def test_units_of_another_project_are_not_published_under_this_one(project, drafts):
    other = building_with_units(project=ProjectFactory(), number="1", floors=1, units_per_floor=2, publish=False)
    other_ids = list(other.units.values_list("pk", flat=True))

    batch = services.units_publish(project=project, unit_ids=[drafts[0].pk, *other_ids], actor=staff_actor())

    assert list(batch.units.values_list("pk", flat=True)) == [drafts[0].pk]
    assert set(Unit.objects.filter(pk__in=other_ids).values_list("status", flat=True)) == {UnitStatus.DRAFT}


# ---- the admin action ------------------------------------------------------------------------


def _manager(project, username="manager_a"):
    return staff_create(
        actor=None,
        username=username,
        password="Test-pass-2026",
        full_name="王经理",
        role_codes=[SALES_MANAGER],
        project_ids=[project.pk],
    )


def _act(client, action, units):
    return client.post(
        CHANGELIST, {"action": action, "_selected_action": [unit.pk for unit in units], "index": 0}, follow=True
    )


def test_sales_manager_publishes_selected_units_from_the_unit_list(client, roles, project, drafts):
    manager = _manager(project)
    client.force_login(manager)

    response = _act(client, "publish_units", drafts[:2])

    batch = PublicationBatch.objects.get()
    messages = [str(message) for message in response.context["messages"]]
    assert messages == [f"舒畅·云栖：已公布 2 套房源（第{batch.pk}批），买家现在可以看到"]
    assert batch.published_by == manager
    assert set(Unit.objects.filter(pk__in=[u.pk for u in drafts[:2]]).values_list("status", flat=True)) == {
        UnitStatus.AVAILABLE
    }


def test_publishing_only_non_draft_units_says_so(client, roles, project, drafts):
    services.units_publish(project=project, unit_ids=[drafts[0].pk], actor=staff_actor())
    client.force_login(_manager(project))

    response = _act(client, "publish_units", drafts[:1])

    assert [str(m) for m in response.context["messages"]] == ["舒畅·云栖：所选房源中没有未公布的房源"]
    assert PublicationBatch.objects.count() == 1


def test_a_consultant_cannot_publish(client, roles, project, drafts):
    consultant = staff_create(
        actor=None, username="c1", password="Test-pass-2026", full_name="顾问", role_codes=[CONSULTANT]
    )
    client.force_login(consultant)

    list_page = client.get(CHANGELIST)
    _act(client, "publish_units", drafts)

    assert "公布所选房源" not in list_page.content.decode()
    assert not PublicationBatch.objects.exists()
    assert not Unit.objects.exclude(status=UnitStatus.DRAFT).exists()


def test_units_outside_the_managers_scope_are_not_published(client, roles, project, drafts):
    other = building_with_units(project=ProjectFactory(), number="1", floors=1, units_per_floor=2, publish=False)
    client.force_login(_manager(project))

    _act(client, "publish_units", list(other.units.all()))

    assert not PublicationBatch.objects.exists()
    assert set(other.units.values_list("status", flat=True)) == {UnitStatus.DRAFT}
