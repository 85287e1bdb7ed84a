"""Roles declared in code, applied idempotently; the admin pages each role may open; user admin."""

import pytest
from django.contrib.auth.models import Group, Permission

from accounts.models import StaffProfile, User
from accounts.roles import ADMINISTRATOR, AUDITOR, CONSULTANT, FINANCE, ROLES, SALES_MANAGER, role_permissions
from accounts.services import roles_sync, staff_create
from audit.models import AuditEntry
from listings.tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


def _declared(role_code):
    return set(role_permissions()[role_code])


def _granted(role_code):
    group = Group.objects.get(name=ROLES[role_code].name)
    return {
        f"{app}.{codename}" for app, codename in group.permissions.values_list("content_type__app_label", "codename")
    }


def test_sync_gives_each_role_exactly_its_declared_permissions():
    roles_sync()

    for code in ROLES:
        assert _granted(code) == _declared(code), code


def test_sync_is_idempotent():
    first = roles_sync()
    groups = sorted(Group.objects.values_list("pk", "name"))
    grants = {code: _granted(code) for code in ROLES}

    second = roles_sync()

    assert second == first
    assert sorted(Group.objects.values_list("pk", "name")) == groups
    assert {code: _granted(code) for code in ROLES} == grants


def test_sync_removes_permissions_granted_by_hand():
    roles_sync()
    group = Group.objects.get(name=ROLES[CONSULTANT].name)
    group.permissions.add(Permission.objects.get(codename="publish_unit"))
    assert "listings.publish_unit" in _granted(CONSULTANT)

    roles_sync()

    assert "listings.publish_unit" not in _granted(CONSULTANT)
    assert _granted(CONSULTANT) == _declared(CONSULTANT)


# ---- which admin pages each role opens ------------------------------------------------------------

PAGES = {  # url → {role: status}
    "/admin/listings/unit/": {CONSULTANT: 200, SALES_MANAGER: 200, FINANCE: 200, ADMINISTRATOR: 403, AUDITOR: 403},
    "/admin/listings/unit/add/": {CONSULTANT: 403, SALES_MANAGER: 200, FINANCE: 403, ADMINISTRATOR: 403, AUDITOR: 403},
    "/admin/listings/unit/price-import/": {
        CONSULTANT: 403,
        SALES_MANAGER: 200,
        FINANCE: 403,
        ADMINISTRATOR: 403,
        AUDITOR: 403,
    },
    "/admin/accounts/user/": {CONSULTANT: 403, SALES_MANAGER: 403, FINANCE: 403, ADMINISTRATOR: 200, AUDITOR: 403},
    "/admin/audit/auditentry/": {CONSULTANT: 403, SALES_MANAGER: 403, FINANCE: 403, ADMINISTRATOR: 200, AUDITOR: 200},
    "/admin/audit/loginentry/": {CONSULTANT: 403, SALES_MANAGER: 403, FINANCE: 403, ADMINISTRATOR: 200, AUDITOR: 200},
    "/admin/developers/news/add/": {
        CONSULTANT: 403,
        SALES_MANAGER: 200,
        FINANCE: 403,
        ADMINISTRATOR: 403,
        AUDITOR: 403,
    },
}


@pytest.mark.parametrize("role", [CONSULTANT, SALES_MANAGER, FINANCE, ADMINISTRATOR, AUDITOR])
def test_each_role_opens_exactly_its_admin_pages(client, roles, role):
    user = staff_create(actor=None, username=f"u_{role}", password="Test-pass-2026", full_name=role, role_codes=[role])
    client.force_login(user)

    statuses = {url: client.get(url).status_code for url in PAGES}

    assert statuses == {url: expected[role] for url, expected in PAGES.items()}


def test_a_buyer_cannot_enter_the_admin(client, buyer):
    client.force_login(buyer)

    response = client.get("/admin/listings/unit/")

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


# ---- the user admin ------------------------------------------------------------------------------


@pytest.fixture
def administrator(roles):
    return staff_create(
        actor=None, username="sysadmin", password="Test-pass-2026", full_name="系统管理员", role_codes=[ADMINISTRATOR]
    )


def test_an_administrator_creates_a_staff_account_with_a_role_and_scope(client, administrator):
    project = ProjectFactory(name="舒畅·云栖", slug="yunqi")
    role = Group.objects.get(name=ROLES[CONSULTANT].name)
    client.force_login(administrator)

    response = client.post(
        "/admin/accounts/user/add/",
        {
            "username": "gu_wen",
            "usable_password": "true",
            "password1": "Ting-feng-2026!",
            "password2": "Ting-feng-2026!",
            "first_name": "顾文",
            "mobile": "13712345678",
            "is_staff": "on",
            "groups": [role.pk],
            "staff_profile-TOTAL_FORMS": "1",
            "staff_profile-INITIAL_FORMS": "0",
            "staff_profile-MIN_NUM_FORMS": "0",
            "staff_profile-MAX_NUM_FORMS": "1",
            "staff_profile-0-projects": [project.pk],
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    user = User.objects.get(username="gu_wen")
    assert user.is_staff
    assert user.check_password("Ting-feng-2026!")
    assert list(user.groups.values_list("name", flat=True)) == ["置业顾问"]
    assert list(StaffProfile.objects.get(user=user).projects.all()) == [project]
    entry = AuditEntry.objects.get(action="accounts.user.created")
    assert entry.actor == administrator
    assert entry.after["mobile"] == "137****5678"
    assert entry.data["inlines"][0]["after"]["projects"] == [project.pk]
    assert "password" not in entry.after
    assert user.password not in str(entry.before) + str(entry.after) + str(entry.data)


def test_buyers_are_listed_with_masked_numbers(client, administrator, buyer):
    client.force_login(administrator)

    page = client.get("/admin/accounts/user/").content.decode()

    assert "138****8000" in page
    assert "13800138000" not in page
    assert "张*" in page


def test_a_buyers_identity_is_masked_unless_the_viewer_may_see_it(client, roles, administrator, buyer):
    limited = staff_create(actor=None, username="helpdesk", password="Test-pass-2026", full_name="客服", role_codes=[])
    limited.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_user", "view_buyerprofile"], content_type__app_label="accounts")
    )
    client.force_login(limited)
    masked = client.get(f"/admin/accounts/user/{buyer.pk}/change/").content.decode()
    client.force_login(administrator)
    full = client.get(f"/admin/accounts/user/{buyer.pk}/change/").content.decode()

    assert "110105********002X" in masked
    assert "11010519491231002X" not in masked
    assert "13800138000" not in masked
    assert "11010519491231002X" in full


def test_a_non_superuser_cannot_take_over_a_superuser(client, administrator):
    root = User.objects.create_superuser(username="root", password="Test-pass-2026")
    client.force_login(administrator)

    page = client.get(f"/admin/accounts/user/{root.pk}/change/")
    password = client.post(
        f"/admin/accounts/user/{root.pk}/password/", {"password1": "Hijack-2026!x", "password2": "Hijack-2026!x"}
    )

    assert 'name="_save"' not in page.content.decode()
    assert password.status_code == 403
    root.refresh_from_db()
    assert root.check_password("Test-pass-2026")


def test_a_password_change_is_logged_without_the_password(client, administrator, roles):
    staff = staff_create(
        actor=None, username="c1", password="Test-pass-2026", full_name="顾问", role_codes=[CONSULTANT]
    )
    client.force_login(administrator)

    response = client.post(
        f"/admin/accounts/user/{staff.pk}/password/",
        {"usable_password": "true", "password1": "New-secret-2026!", "password2": "New-secret-2026!"},
    )

    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="accounts.user.password_changed")
    assert entry.object_id == str(staff.pk)
    assert "New-secret-2026!" not in str(entry.data)
    staff.refresh_from_db()
    assert staff.check_password("New-secret-2026!")


def test_roles_are_read_only_in_the_admin(client, roles):
    root = User.objects.create_superuser(username="root", password="Test-pass-2026")
    group = Group.objects.get(name=ROLES[AUDITOR].name)
    client.force_login(root)

    listing = client.get("/admin/auth/group/")
    page = client.get(f"/admin/auth/group/{group.pk}/change/")
    client.post(f"/admin/auth/group/{group.pk}/change/", {"name": "hacked"})

    assert listing.status_code == 200
    assert [(g.name, g.permission_total) for g in listing.context["cl"].result_list if g.name == "审计员"] == [
        ("审计员", 3)
    ]
    assert "audit｜查看操作日志" in page.content.decode()
    assert client.get("/admin/auth/group/add/").status_code == 403
    assert Group.objects.filter(name=ROLES[AUDITOR].name).exists()
