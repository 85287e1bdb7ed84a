"""Account services: registration, real-name verification, role sync, staff creation."""

import pytest
from django.contrib.auth.models import Group

from accounts.exceptions import AlreadyVerified, IdNumberTaken, MobileTaken
from accounts.models import BuyerProfile, User
from accounts.roles import BUYER, CONSULTANT, ROLES, SALES_MANAGER
from accounts.scope import scoped_project_ids
from accounts.services import buyer_register, buyer_verify_identity, roles_sync, staff_create
from audit.models import AuditEntry
from listings.tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


def test_buyer_register_creates_a_buyer_with_the_buyer_role_and_logs_it(roles):
    user = buyer_register(mobile="13600136000", password="Shuchang-2026")

    assert user.username == user.mobile == "13600136000"
    assert not user.is_staff
    assert user.groups.filter(name=ROLES[BUYER].name).exists()
    assert BuyerProfile.objects.get(user=user).verified_at is None
    entry = AuditEntry.objects.get(action="accounts.buyer.registered")
    assert entry.actor_id == user.pk
    assert entry.after == {"mobile": "136****6000"}


def test_buyer_register_refuses_a_taken_mobile_and_changes_nothing(buyer):
    users_before, log_before = User.objects.count(), AuditEntry.objects.count()

    with pytest.raises(MobileTaken) as refused:
        buyer_register(mobile="13800138000", password="Another-2026")

    assert refused.value.message == "该手机号已注册，请直接登录"
    assert User.objects.count() == users_before
    assert AuditEntry.objects.count() == log_before


def test_verify_identity_records_name_and_upper_case_id_and_logs_it_masked(roles):
    user = buyer_register(mobile="13600136000", password="Shuchang-2026")

    profile = buyer_verify_identity(user=user, real_name=" 王小明 ", id_number="11010519491231002x")

    profile.refresh_from_db()
    assert profile.real_name == "王小明"
    assert profile.id_number == "11010519491231002X"
    assert profile.verified_at is not None
    entry = AuditEntry.objects.get(action="accounts.buyer.verified")
    assert entry.after["id_number"] == "110105********002X"


def test_verify_identity_twice_is_refused(buyer):
    with pytest.raises(AlreadyVerified):
        buyer_verify_identity(user=buyer, real_name="张三丰", id_number="440524198001010013")

    assert BuyerProfile.objects.get(user=buyer).real_name == "张三"


def test_an_id_number_can_verify_only_one_account(buyer):
    second = buyer_register(mobile="13600136000", password="Shuchang-2026")

    with pytest.raises(IdNumberTaken):
        buyer_verify_identity(user=second, real_name="张三", id_number="11010519491231002X")

    assert BuyerProfile.objects.get(user=second).verified_at is None


def test_roles_sync_is_idempotent_and_removes_hand_granted_permissions(db):
    first = roles_sync()
    group = Group.objects.get(name=ROLES[CONSULTANT].name)
    extra = Group.objects.get(name=ROLES[SALES_MANAGER].name).permissions.exclude(
        pk__in=group.permissions.values("pk")
    )[0]
    group.permissions.add(extra)

    second = roles_sync()

    assert first == second
    assert not group.permissions.filter(pk=extra.pk).exists()


def test_staff_create_gives_roles_and_project_scope(roles):
    project, other = ProjectFactory(), ProjectFactory()

    user = staff_create(
        actor=None,
        username="zhang.consultant",
        password="Shuchang-2026",
        full_name="张顾问",
        role_codes=[CONSULTANT],
        project_ids=[project.pk],
    )

    assert user.is_staff
    assert list(user.groups.values_list("name", flat=True)) == [ROLES[CONSULTANT].name]
    assert set(scoped_project_ids(user).values_list("pk", flat=True)) == {project.pk}
    assert other.pk not in set(scoped_project_ids(user).values_list("pk", flat=True))


def test_staff_without_projects_see_all_projects(roles):
    user = staff_create(
        actor=None, username="boss", password="Shuchang-2026", full_name="总经理", role_codes=[SALES_MANAGER]
    )

    assert scoped_project_ids(user) is None
