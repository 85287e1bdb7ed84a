"""Admin writes leave operation-log entries; the log admins are read-only, even for a superuser."""

import pytest
from django.contrib.admin.sites import AdminSite
from django.db import connection
from django.test import RequestFactory

from accounts.models import User
from audit.admin import EXACT_COUNT_LIMIT, AuditEntryAdmin, EstimatedCountPaginator
from audit.models import AuditEntry, AuditResult, LoginEntry
from audit.services import audit_record
from developers.models import Company, Department, Employee, News, PropertyManager

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(db):
    return User.objects.create_superuser(username="root", password="Test-pass-2026")


@pytest.fixture
def company(db):
    return Company.objects.create(name="舒畅置业集团有限公司", short_name="舒畅置业")


def _entries(action):
    return list(AuditEntry.objects.filter(action=action).order_by("id"))


# ---- audited admin writes ---------------------------------------------------------------------


def test_create_update_and_delete_each_leave_an_entry_with_before_and_after(client, root):
    client.force_login(root)
    url = "/admin/developers/propertymanager/"

    client.post(f"{url}add/", {"name": "锦华物业", "qualification": "一级", "phone": "028-85550000"})
    manager = PropertyManager.objects.get()
    client.post(f"{url}{manager.pk}/change/", {"name": "锦华物业服务有限公司", "qualification": "一级", "phone": ""})
    client.post(f"{url}{manager.pk}/delete/", {"post": "yes"})

    (created,) = _entries("developers.propertymanager.created")
    assert created.before is None
    assert created.after["name"] == "锦华物业"
    assert created.actor == root
    assert created.object_id == str(manager.pk)
    (updated,) = _entries("developers.propertymanager.updated")
    assert (updated.before["name"], updated.after["name"]) == ("锦华物业", "锦华物业服务有限公司")
    assert updated.data["changed"] == ["name", "phone"]
    assert updated.after["phone"] == ""  # "phone" values are masked in the log; an empty one stays empty
    (deleted,) = _entries("developers.propertymanager.deleted")
    assert deleted.object_id == str(manager.pk)
    assert deleted.before["name"] == "锦华物业服务有限公司"
    assert deleted.after is None
    assert not PropertyManager.objects.exists()


def test_bulk_delete_logs_every_object(client, root):
    managers = [PropertyManager.objects.create(name=f"物业{n}") for n in range(3)]
    client.force_login(root)

    client.post(
        "/admin/developers/propertymanager/",
        {"action": "delete_selected", "_selected_action": [m.pk for m in managers], "post": "yes"},
    )

    entries = _entries("developers.propertymanager.deleted")
    assert sorted(entry.object_id for entry in entries) == sorted(str(m.pk) for m in managers)
    assert all(entry.data["bulk"] for entry in entries)
    assert not PropertyManager.objects.exists()


def test_a_refused_delete_leaves_no_entry(client, root, company):
    """A protected object is not deleted, and the log does not claim it was."""
    department = Department.objects.create(company=company, name="营销中心")
    Employee.objects.create(department=department, name="王芳")
    client.force_login(root)

    client.post(f"/admin/developers/department/{department.pk}/delete/", {"post": "yes"})

    assert Department.objects.filter(pk=department.pk).exists()
    assert not _entries("developers.department.deleted")


def test_inline_rows_are_logged_in_their_parents_entry(client, root, company):
    department = Department.objects.create(company=company, name="营销中心")
    kept = Employee.objects.create(department=department, name="王芳", title="置业顾问")
    gone = Employee.objects.create(department=department, name="李雷")
    client.force_login(root)
    prefix = "employees"

    client.post(
        f"/admin/developers/department/{department.pk}/change/",
        {
            "company": company.pk,
            "name": "营销中心",
            f"{prefix}-TOTAL_FORMS": "3",
            f"{prefix}-INITIAL_FORMS": "2",
            f"{prefix}-0-id": kept.pk,
            f"{prefix}-0-department": department.pk,
            f"{prefix}-0-name": "王芳",
            f"{prefix}-0-title": "销售主管",
            f"{prefix}-0-is_active": "on",
            f"{prefix}-1-id": gone.pk,
            f"{prefix}-1-department": department.pk,
            f"{prefix}-1-name": "李雷",
            f"{prefix}-1-is_active": "on",
            f"{prefix}-1-DELETE": "on",
            f"{prefix}-2-department": department.pk,
            f"{prefix}-2-name": "韩梅梅",
            f"{prefix}-2-is_active": "on",
        },
    )

    (entry,) = _entries("developers.department.updated")
    by_op = {change["op"]: change for change in entry.data["inlines"]}
    assert by_op["updated"]["id"] == kept.pk
    assert (by_op["updated"]["before"], by_op["updated"]["after"]) == ({"title": "置业顾问"}, {"title": "销售主管"})
    assert by_op["deleted"]["id"] == gone.pk
    assert by_op["deleted"]["before"]["name"] == "李雷"
    assert by_op["created"]["after"]["name"] == "韩梅梅"
    assert list(department.employees.order_by("name").values_list("name", flat=True)) == ["王芳", "韩梅梅"]


def test_news_publish_action_sets_published_at_and_logs_it(client, root, company):
    news = News.objects.create(company=company, title="云栖项目12月18日盛大开盘", body="……")
    client.force_login(root)

    response = client.post(
        "/admin/developers/news/", {"action": "publish_news", "_selected_action": [news.pk]}, follow=True
    )

    news.refresh_from_db()
    assert news.is_published
    assert news.published_at is not None
    assert [str(m) for m in response.context["messages"]] == ["已发布 1 条公司动态。"]
    (entry,) = _entries("developers.news.published")
    assert entry.before == {"is_published": False, "published_at": None}
    assert entry.after["is_published"] is True


# ---- the logs are read-only ---------------------------------------------------------------------


@pytest.fixture
def entry(db):
    return audit_record(actor=None, action="test.entry", data={"n": 1})


def test_a_superuser_may_read_the_operation_log_but_not_change_or_delete_it(client, root, entry):
    client.force_login(root)
    base = "/admin/audit/auditentry/"

    listing = client.get(base)
    detail = client.get(f"{base}{entry.pk}/change/")
    changed = client.post(f"{base}{entry.pk}/change/", {"action": "tampered"})
    deleted = client.post(f"{base}{entry.pk}/delete/", {"post": "yes"})
    added = client.get(f"{base}add/")

    assert listing.status_code == 200
    assert "test.entry" in listing.content.decode()
    assert detail.status_code == 200
    assert 'name="_save"' not in detail.content.decode()
    assert changed.status_code == 403
    assert deleted.status_code == 403
    assert added.status_code == 403
    assert "delete_selected" not in listing.content.decode()
    assert AuditEntry.objects.get(pk=entry.pk).action == "test.entry"


def test_the_login_log_is_read_only_too(client, root):
    LoginEntry.objects.create(username="someone", event="failed")
    login = LoginEntry.objects.get(username="someone")
    client.force_login(root)

    assert client.get("/admin/audit/loginentry/").status_code == 200
    assert client.post(f"/admin/audit/loginentry/{login.pk}/delete/", {"post": "yes"}).status_code == 403
    assert LoginEntry.objects.filter(pk=login.pk).exists()


def test_the_log_list_filters_and_searches(client, root):
    audit_record(actor=None, action="listings.unit.withheld", data={"reason": "预留"})
    refused = audit_record(actor=None, action="listings.price_list.import_refused", result=AuditResult.REFUSED)
    client.force_login(root)
    base = "/admin/audit/auditentry/"

    by_action = client.get(base, {"action": "listings.unit.withheld"}).context["cl"].result_list
    by_result = client.get(base, {"result__exact": "refused"}).context["cl"].result_list
    by_id = client.get(base, {"q": str(refused.pk)})

    assert [e.action for e in by_action] == ["listings.unit.withheld"]
    assert [e.pk for e in by_result] == [refused.pk]
    assert by_id.status_code == 200
    assert by_id.context["cl"].show_full_result_count is False


def test_an_auditor_reads_the_log_and_nothing_else(client, auditor, entry):
    client.force_login(auditor)

    assert client.get("/admin/audit/auditentry/").status_code == 200
    assert client.get(f"/admin/audit/auditentry/{entry.pk}/change/").status_code == 200
    assert client.get("/admin/listings/unit/").status_code == 403
    assert client.get("/admin/accounts/user/").status_code == 403


def test_the_paginator_uses_the_planners_estimate_for_a_big_table(monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the estimate comes from EXPLAIN")
    for n in range(5):
        audit_record(actor=None, action="test.entry", data={"n": n})
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE audit_auditentry")
    queryset = AuditEntry.objects.all()

    exact = EstimatedCountPaginator(queryset, 50).count
    monkeypatch.setattr("audit.admin.EXACT_COUNT_LIMIT", 0)
    estimated = EstimatedCountPaginator(queryset, 50).count

    assert EXACT_COUNT_LIMIT == 100_000
    assert exact == 5
    assert estimated >= 1


def test_the_log_admin_uses_the_cheap_paginator():
    model_admin = AuditEntryAdmin(AuditEntry, AdminSite())
    request = RequestFactory().get("/")

    assert model_admin.show_full_result_count is False
    assert model_admin.get_paginator(request, AuditEntry.objects.all(), 50).__class__ is EstimatedCountPaginator


def test_a_buyers_login_name_is_masked_in_both_logs(client, root, buyer):
    LoginEntry.objects.create(user=buyer, username=buyer.username, event="login")
    client.force_login(root)

    operations = client.get("/admin/audit/auditentry/").content.decode()
    logins = client.get("/admin/audit/loginentry/").content.decode()

    assert "138****8000" in operations
    assert "138****8000" in logins
    assert "13800138000" not in operations + logins
