import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from audit import backups
from audit.models import AuditEntry, Backup, BackupKind
from audit.selectors import PAGE_SIZE
from audit.services import audit_record
from developers.models import Company

PASSWORD = "Test-pass-2026"


def _login(client, user):
    client.force_login(user)


def _entries(count, action="test.bulk"):
    AuditEntry.objects.bulk_create(
        AuditEntry(action=action, actor_label="robot", data={"n": index}) for index in range(count)
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "status"),
    [("admin_user", 200), ("auditor", 200), ("consultant", 403), ("finance", 403), ("buyer", 403)],
)
def test_who_may_read_the_operation_log(client, request, persona, status):
    _login(client, request.getfixturevalue(persona))

    response = client.get("/office/system/log/")

    assert response.status_code == status


@pytest.mark.django_db
def test_the_log_pages_by_keyset_through_every_entry_once(client, auditor):
    _entries(PAGE_SIZE * 2 + 7)
    _login(client, auditor)
    seen, url = [], "/office/system/log/?action=test.bulk"

    while url:
        response = client.get(url)
        page = response.context["page"]
        seen += [entry.id for entry in page.rows]
        url = f"/office/system/log/?action=test.bulk&before={page.older_than}" if page.older_than else None

    expected = list(AuditEntry.objects.filter(action="test.bulk").order_by("-id").values_list("id", flat=True))
    assert seen == expected


@pytest.mark.django_db
def test_paging_back_to_newer_entries(client, auditor):
    _entries(PAGE_SIZE + 10)
    _login(client, auditor)
    first = client.get("/office/system/log/?action=test.bulk").context["page"]
    second = client.get(f"/office/system/log/?action=test.bulk&before={first.older_than}").context["page"]

    back = client.get(f"/office/system/log/?action=test.bulk&after={second.newer_than}").context["page"]

    assert [entry.id for entry in back.rows] == [entry.id for entry in first.rows]


@pytest.mark.django_db
def test_a_log_page_costs_the_same_few_queries_deep_in_the_log(client, auditor):
    _entries(PAGE_SIZE * 3)
    _login(client, auditor)
    deep = AuditEntry.objects.order_by("id").values_list("id", flat=True)[10]
    client.get("/office/system/log/")  # warm the session

    with CaptureQueriesContext(connection) as first_page:
        client.get("/office/system/log/")
    with CaptureQueriesContext(connection) as deep_page:
        client.get(f"/office/system/log/?before={deep}")

    assert len(deep_page) == len(first_page) <= 10
    assert not any("OFFSET" in query["sql"] for query in deep_page.captured_queries)


@pytest.mark.django_db
def test_filters_by_actor_action_and_date(client, auditor, admin_user):
    with time_machine.travel(datetime.datetime(2026, 11, 1, 10, tzinfo=datetime.UTC)):
        audit_record(actor=admin_user, action="listings.units.published")
    with time_machine.travel(datetime.datetime(2026, 12, 1, 10, tzinfo=datetime.UTC)):
        audit_record(actor=admin_user, action="listings.units.published")
        audit_record(actor=None, action="listings.units.published")
    _login(client, auditor)

    response = client.get(
        "/office/system/log/",
        {"actor": "sysadmin", "action": "listings.units", "date_from": "2026-12-01", "date_to": "2026-12-01"},
    )

    rows = response.context["page"].rows
    assert len(rows) == 1
    assert rows[0].actor_label == "sysadmin"


@pytest.mark.django_db
def test_a_reversed_date_range_is_explained(client, auditor):
    _login(client, auditor)

    response = client.get("/office/system/log/", {"date_from": "2026-12-02", "date_to": "2026-12-01"})

    assert "开始日期不能晚于结束日期" in response.content.decode()


@pytest.mark.django_db
def test_exporting_the_log_gives_a_real_workbook_and_is_itself_logged(client, auditor, tmp_path):
    audit_record(actor=None, action="accounts.buyer.verified", after={"id_number": "11010519491231002X"})
    _login(client, auditor)

    response = client.get("/office/system/log/", {"action": "accounts.buyer", "export": "xlsx"})

    path = tmp_path / "log.xlsx"
    path.write_bytes(b"".join(response.streaming_content))
    sheet = load_workbook(path).active
    assert sheet["A1"].value == "操作日志"
    assert [cell.value for cell in sheet[3]][:5] == ["时间", "操作人", "角色", "IP地址", "操作"]
    assert sheet["E4"].value == "accounts.buyer.verified"
    assert "110105********002X" in sheet["L4"].value
    assert "11010519491231002X" not in sheet["L4"].value
    assert sheet.freeze_panes == "A4"
    assert AuditEntry.objects.filter(action="audit.log.exported", actor_label="auditor").exists()


@pytest.mark.django_db
def test_the_login_log_page(client, auditor, sales_manager):
    client.post("/accounts/login/", {"username": "manager", "password": "wrong-1-password"})
    _login(client, auditor)

    response = client.get("/office/system/logins/", {"username": "manager"})

    assert response.status_code == 200
    assert "登录失败" in response.content.decode()


@pytest.mark.django_db
def test_the_permission_matrix_shows_each_role(client, admin_user):
    _login(client, admin_user)

    response = client.get("/office/system/permissions/")

    html = response.content.decode()
    for role in ("购房者", "置业顾问", "销售经理", "财务", "系统管理员", "审计员"):
        assert role in html
    assert "公布房源" in html


@pytest.fixture
def backup_dirs(settings, tmp_path):
    settings.BACKUP_ROOT = tmp_path / "backups"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return tmp_path


@pytest.mark.django_db
def test_only_administrators_see_the_backups(client, auditor, admin_user):
    _login(client, auditor)
    assert client.get("/office/system/backups/").status_code == 403

    _login(client, admin_user)
    assert client.get("/office/system/backups/").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_restore_from_the_page_needs_the_name_and_then_restores(client, admin_user, backup_dirs):
    Company.objects.create(name="备份时的公司")
    backup = backups.backup_create(actor=admin_user, kind=BackupKind.MANUAL)
    Company.objects.create(name="备份后的公司")
    _login(client, admin_user)

    refused = client.post(f"/office/system/backups/{backup.pk}/restore/", {"confirm_name": "not-the-name"})
    assert "请输入备份名称" in refused.content.decode()
    assert Company.objects.count() == 2

    client.post(f"/office/system/backups/{backup.pk}/restore/", {"confirm_name": backup.name})

    assert list(Company.objects.values_list("name", flat=True)) == ["备份时的公司"]
    assert Backup.objects.filter(kind=BackupKind.SAFETY).count() == 1


@pytest.mark.django_db
def test_a_request_refused_for_lack_of_permission_is_logged_as_refused(client, consultant):
    _login(client, consultant)

    client.get("/office/system/log/")

    refusal = AuditEntry.objects.get(action="http.permission_denied")
    assert (refusal.result, refusal.actor_label) == ("refused", "consultant")
    assert refusal.data["path"] == "/office/system/log/"
