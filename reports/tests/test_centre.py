"""报表中心: nightly and monthly files, background generation with progress, retention, downloads logged."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from audit.models import AuditEntry
from payments.models import Payment, Receipt
from reports import services
from reports.models import GeneratedReport, ReportStatus


def _move_to(day):
    """Put the known set's money on `day` (noon, local): the services always stamp now."""
    when = timezone.make_aware(timezone.datetime.combine(day, timezone.datetime.min.time())) + timedelta(hours=12)
    Payment.objects.update(paid_at=when)
    Receipt.objects.update(issued_at=when)


@pytest.mark.django_db
def test_the_nightly_run_builds_yesterdays_reports_once(known_set, settings):
    today = timezone.localdate()
    _move_to(today - timedelta(days=1))
    made = services.reports_generate_scheduled(period="daily", today=today)
    assert [g.code for g in made] == ["receipt_detail", "receipt_summary", "operator_summary"]
    detail = made[0]
    assert detail.status == ReportStatus.DONE and detail.scheduled and detail.requested_by is None
    assert detail.row_count == 5
    assert detail.size > 0
    assert detail.expires_at.date() == (detail.finished_at + timedelta(days=90)).date()
    sheet = load_workbook(settings.REPORTS_ROOT / detail.file_name).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[-1][0] == "合计" and Decimal(str(rows[-1][6])) == Decimal("68000.00")
    assert "日报" in detail.title
    # Beat firing twice makes nothing new.
    assert services.reports_generate_scheduled(period="daily", today=today) == []
    # The day before has nothing from the known set: an empty (but valid) file.
    other = services.reports_generate_scheduled(period="daily", today=today - timedelta(days=1))
    assert other[0].row_count == 0


@pytest.mark.django_db
def test_the_monthly_run_covers_the_previous_month(known_set):
    today = timezone.localdate()
    last_month_day = today.replace(day=1) - timedelta(days=3)
    _move_to(last_month_day)
    made = services.reports_generate_scheduled(period="monthly", today=today)
    assert [g.code for g in made] == ["receipt_detail", "receipt_summary", "operator_summary", "charge_item_summary"]
    assert made[0].row_count == 5
    assert f"{last_month_day:%Y-%m} 月报" in made[0].title


@pytest.mark.django_db
def test_retention_deletes_old_files_but_keeps_the_record(known_set, settings):
    made = services.reports_generate_scheduled(period="daily")
    path = settings.REPORTS_ROOT / made[0].file_name
    assert path.exists()
    assert services.reports_prune(now=timezone.now() + timedelta(days=89)) == 0
    assert services.reports_prune(now=timezone.now() + timedelta(days=91)) == 3
    assert not path.exists()
    assert GeneratedReport.objects.filter(status=ReportStatus.EXPIRED).count() == 3


@pytest.mark.django_db
def test_finance_sees_the_nightly_report_and_downloads_it_logged(known_set, finance, client):
    _move_to(timezone.localdate() - timedelta(days=1))
    detail = services.reports_generate_scheduled(period="daily")[0]
    client.force_login(finance)
    page = client.get(reverse("reports:centre")).content.decode()
    assert detail.title in page and "系统定时" in page
    response = client.get(reverse("reports:centre_download", args=[detail.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:2] == b"PK"
    entry = AuditEntry.objects.filter(action="reports.downloaded").latest("id")
    assert entry.actor == finance and entry.data["report"] == "receipt_detail"


@pytest.mark.django_db
def test_scheduled_files_are_hidden_from_staff_limited_to_some_projects(known_set, other_project, client):
    from payments.tests.factories import staff

    detail = services.reports_generate_scheduled(period="daily")[0]
    limited = staff("finance_jj", ["finance"], project_ids=[other_project.pk])
    client.force_login(limited)
    assert detail.title not in client.get(reverse("reports:centre")).content.decode()
    assert client.get(reverse("reports:centre_download", args=[detail.pk])).status_code == 404


@pytest.mark.django_db
def test_a_background_report_shows_progress_then_downloads(
    known_set, finance, client, django_capture_on_commit_callbacks
):
    client.force_login(finance)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.get(reverse("reports:report", args=["receipt_detail"]), {"export": "background"})
    assert len(callbacks) == 1  # the worker is asked once the request's transaction commits
    assert response.status_code == 302 and response.url == reverse("reports:centre")
    generated = GeneratedReport.objects.get(requested_by=finance)
    assert generated.status == ReportStatus.QUEUED
    row = client.get(reverse("reports:centre_progress", args=[generated.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in row and "<progress" in row
    services.report_generate(generated_id=generated.pk)  # what the worker does
    row = client.get(reverse("reports:centre_progress", args=[generated.pk])).content.decode()
    assert "every 1s" not in row and "下载" in row
    generated.refresh_from_db()
    assert generated.row_count == 5 and generated.progress == 100
    assert AuditEntry.objects.filter(action="reports.requested", actor=finance).exists()


@pytest.mark.django_db
def test_a_report_over_the_inline_limit_goes_to_the_background(
    known_set, finance, client, settings, django_capture_on_commit_callbacks
):
    settings.REPORTS_INLINE_MAX_ROWS = 3
    client.force_login(finance)
    with django_capture_on_commit_callbacks(execute=False):
        response = client.get(reverse("reports:report", args=["receipt_detail"]), {"export": "xlsx"})
    assert response.status_code == 302
    assert GeneratedReport.objects.filter(requested_by=finance, code="receipt_detail").exists()


@pytest.mark.django_db
def test_another_users_background_report_is_not_theirs(
    known_set, finance, sales_manager, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        generated = services.report_request_background(code="receipt_detail", filters={}, actor=finance)
    client.force_login(sales_manager)
    assert client.get(reverse("reports:centre_progress", args=[generated.pk])).status_code == 404
