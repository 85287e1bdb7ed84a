"""Data scope (数据范围): which projects a user may see, in querysets, form choices and the admin."""

import pytest
from django.contrib.admin.sites import AdminSite
from django.http import Http404
from django.test import RequestFactory

from accounts.admin_scope import ScopedAdminMixin, scoped_choices
from accounts.models import StaffProfile, User
from accounts.roles import ADMINISTRATOR, CONSULTANT
from accounts.scope import filter_by_scope, has_all_projects, scoped_project_ids
from accounts.services import staff_create
from developers.models import Company
from listings.admin import UnitAdmin
from listings.models import Building, Project, Unit
from listings.tests.factories import ProjectFactory, building_with_units

pytestmark = pytest.mark.django_db


@pytest.fixture
def project_a():
    return ProjectFactory(name="舒畅·云栖", slug="yunqi")


@pytest.fixture
def project_b():
    return ProjectFactory(name="舒畅·江岸", slug="jiangan")


def _staff(username, *projects, role=CONSULTANT):
    return staff_create(
        actor=None,
        username=username,
        password="Test-pass-2026",
        full_name=username,
        role_codes=[role],
        project_ids=[project.pk for project in projects],
    )


def _project_names(queryset):
    return sorted(queryset.values_list("name", flat=True))


def test_a_staff_member_sees_only_assigned_projects(roles, project_a, project_b):
    user = _staff("c_a", project_a)

    assert not has_all_projects(user)
    assert _project_names(filter_by_scope(Project.objects.all(), user, "pk")) == ["舒畅·云栖"]


def test_all_projects_and_superusers_see_everything(roles, project_a, project_b):
    everywhere = _staff("c_all")  # no projects given: the whole company
    root = User.objects.create_superuser(username="root", password="Test-pass-2026")

    assert scoped_project_ids(everywhere) is None
    assert scoped_project_ids(root) is None
    assert _project_names(filter_by_scope(Project.objects.all(), root, "pk")) == ["舒畅·云栖", "舒畅·江岸"]


def test_staff_without_a_profile_and_buyers_see_no_project(roles, buyer, project_a):
    bare = User.objects.create_user(username="bare", password="Test-pass-2026", is_staff=True)

    assert not filter_by_scope(Project.objects.all(), bare, "pk").exists()
    assert not filter_by_scope(Project.objects.all(), buyer, "pk").exists()


def test_scope_follows_the_path_to_the_project(roles, project_a, project_b):
    building_with_units(project=project_a, number="1", floors=1, units_per_floor=2)
    building_with_units(project=project_b, number="2", floors=1, units_per_floor=2)
    user = _staff("c_a", project_a)

    units = filter_by_scope(Unit.objects.all(), user)
    via_building = filter_by_scope(Unit.objects.all(), user, "building__project")

    assert set(units.values_list("code", flat=True)) == {"1-101", "1-102"}
    assert set(via_building.values_list("code", flat=True)) == {"1-101", "1-102"}


def test_a_changed_assignment_takes_effect_at_once(roles, project_a, project_b):
    user = _staff("c_a", project_a)
    StaffProfile.objects.get(user=user).projects.add(project_b)

    assert _project_names(filter_by_scope(Project.objects.all(), user, "pk")) == ["舒畅·云栖", "舒畅·江岸"]


def test_form_choices_of_project_data_are_scoped_and_other_models_are_left_alone(roles, project_a, project_b):
    building_with_units(project=project_b, number="2", floors=1, units_per_floor=1)
    user = _staff("c_a", project_a)

    assert _project_names(scoped_choices(Project, user)) == ["舒畅·云栖"]
    assert not scoped_choices(Building, user).exists()
    assert scoped_choices(Company, user) is None


def test_the_admin_mixin_answers_404_for_an_object_outside_the_scope(roles, project_b):
    building = building_with_units(project=project_b, number="2", floors=1, units_per_floor=1)
    unit = building.units.get()
    request = RequestFactory().get("/")
    request.user = _staff("c_none", ProjectFactory())
    model_admin = UnitAdmin(Unit, AdminSite())

    assert isinstance(model_admin, ScopedAdminMixin)
    with pytest.raises(Http404):
        model_admin.get_object(request, str(unit.pk))


def test_the_staff_scope_inline_offers_only_the_editors_own_projects(client, roles, project_a, project_b):
    """An administrator limited to project A cannot hand project B to anyone."""
    admin_a = _staff("admin_a", project_a, role=ADMINISTRATOR)
    target = _staff("c_target", project_a)
    client.force_login(admin_a)

    response = client.get(f"/admin/accounts/user/{target.pk}/change/")

    inline_form = response.context["inline_admin_formsets"][0].formset.forms[0]
    assert _project_names(inline_form.fields["projects"].queryset) == ["舒畅·云栖"]
