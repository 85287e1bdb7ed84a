"""Building a report's .xlsx: stream its rows into the shared writer with a totals row, and log the export."""

from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit.services import audit_record
from reports.exporters import REPORTS
from reports.exporters.base import Report, Totals
from reports.models import GeneratedReport, ReportStatus
from shuchang.core.xlsx import write_table


def report_write_xlsx(*, report: Report, target: Path, progress=None) -> int:
    """Write `report` to `target`; returns the number of data rows. The totals row is the sum of the lines."""
    rows = report.excel_rows()
    header = next(rows)
    totals = Totals(report, len(header))

    def lines():
        for count, row in enumerate(rows, start=1):
            totals.add(row)
            if progress is not None and count % 10000 == 0:
                progress(count)
            yield row

    # write_table reads `totals` after the last row, when the sums are complete.
    count = write_table(
        target,
        title=report.title,
        filters=report.filters_text(),
        header=header,
        rows=lines(),
        widths=report.widths,
        totals=_TotalsProxy(totals),
        kinds=report.kinds,
    )
    return count


class _TotalsProxy:
    """A sequence whose items are read only when the writer reaches the totals row."""

    def __init__(self, totals: Totals):
        self._totals = totals

    def __iter__(self):
        return iter(self._totals.row())

    def __len__(self):
        return self._totals.width


def report_export(*, report: Report, actor, target: Path) -> int:
    """Write the file and record who exported what with which filters, in one transaction with the log."""
    count = report_write_xlsx(report=report, target=target)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="reports.exported",
            data={"report": report.code, "title": report.title, "filters": report.filters_text(), "rows": count},
        )
    return count


# ---- the download centre (报表中心) -------------------------------------------------------------


def reports_root() -> Path:
    root = Path(getattr(settings, "REPORTS_ROOT", settings.VAR_DIR / "reports"))
    root.mkdir(parents=True, exist_ok=True)
    return root


def _retention() -> timedelta:
    return timedelta(days=int(getattr(settings, "REPORTS_RETENTION_DAYS", 90)))


def _jsonable_filters(filters: dict) -> dict:
    """Filters as stored on the row: model choices by primary key, dates as ISO text."""
    stored = {}
    for name, value in filters.items():
        if value in (None, ""):
            continue
        if hasattr(value, "pk"):
            value = value.pk
        elif hasattr(value, "isoformat"):
            value = value.isoformat()
        stored[name] = value
    return stored


def _filters_from_json(stored: dict) -> dict:
    from django.contrib.auth import get_user_model

    from listings.models import Building, Project
    from payments.models import ChargeItem, PaymentMethod

    models_by_name = {
        "project": Project,
        "building": Building,
        "operator": get_user_model(),
        "method": PaymentMethod,
        "charge_item": ChargeItem,
    }
    filters = {}
    for name, value in stored.items():
        if name in models_by_name:
            value = models_by_name[name].objects.filter(pk=value).first()
        elif name in ("date_from", "date_to", "as_of"):
            value = date.fromisoformat(value)
        filters[name] = value
    return filters


def report_request_background(*, code: str, filters: dict, actor) -> GeneratedReport:
    """Queue a report too large for the request; the worker builds it and the user downloads it from 报表中心."""
    report = REPORTS[code](user=actor, filters=filters)
    with transaction.atomic():
        generated = GeneratedReport.objects.create(
            code=code,
            title=report.title,
            filters=_jsonable_filters(filters),
            filters_text=report.filters_text()[:300],
            requested_by=actor,
        )
        audit_record(
            actor=actor,
            action="reports.requested",
            target=generated,
            data={"report": code, "filters": generated.filters_text},
        )
        from reports.tasks import report_generate_task

        transaction.on_commit(lambda: report_generate_task.delay(generated.pk))
    return generated


def report_generate(*, generated_id: int) -> GeneratedReport:
    """Build one queued report's file, updating its progress as rows stream; a failure is recorded, not lost."""
    claimed = GeneratedReport.objects.filter(pk=generated_id, status=ReportStatus.QUEUED).update(
        status=ReportStatus.RUNNING, progress=0
    )
    generated = GeneratedReport.objects.select_related("requested_by").get(pk=generated_id)
    if claimed != 1:
        return generated  # already built (a retried task)
    report = REPORTS[generated.code](user=generated.requested_by, filters=_filters_from_json(generated.filters))
    estimate = report.estimate() or 0
    day = timezone.localdate()
    relative = Path(f"{day:%Y}/{day:%m}/{generated.pk}-{generated.code}-{timezone.localtime():%Y%m%d%H%M%S}.xlsx")
    target = reports_root() / relative
    target.parent.mkdir(parents=True, exist_ok=True)

    def progress(rows: int) -> None:
        if estimate:
            GeneratedReport.objects.filter(pk=generated.pk).update(progress=min(99, rows * 100 // estimate))

    try:
        count = report_write_xlsx(report=report, target=target, progress=progress)
    except Exception as error:
        GeneratedReport.objects.filter(pk=generated.pk).update(status=ReportStatus.FAILED, error=str(error)[:300])
        raise
    now = timezone.now()
    GeneratedReport.objects.filter(pk=generated.pk).update(
        status=ReportStatus.DONE,
        progress=100,
        row_count=count,
        file_name=str(relative),
        size=target.stat().st_size,
        finished_at=now,
        expires_at=now + _retention(),
    )
    generated.refresh_from_db()
    return generated


def reports_generate_scheduled(*, period: str, today: date | None = None) -> list[GeneratedReport]:
    """The nightly (previous day) or monthly (previous month) reports for the download centre."""
    today = today or timezone.localdate()
    if period == "daily":
        start = end = today - timedelta(days=1)
        codes = ("receipt_detail", "receipt_summary", "operator_summary")
        label = f"{start:%Y-%m-%d} 日报"
    elif period == "monthly":
        end = today.replace(day=1) - timedelta(days=1)
        start = end.replace(day=1)
        codes = ("receipt_detail", "receipt_summary", "operator_summary", "charge_item_summary")
        label = f"{start:%Y-%m} 月报"
    else:
        raise ValueError(period)
    made = []
    for code in codes:
        filters = {"date_from": start, "date_to": end, "grain": "day" if period == "daily" else "month"}
        report = REPORTS[code](user=None, filters=filters)
        if GeneratedReport.objects.filter(code=code, scheduled=True, filters=_jsonable_filters(filters)).exists():
            continue  # beat fired twice: one file per report and period
        generated = GeneratedReport.objects.create(
            code=code,
            title=f"{report.title}（{label}）",
            filters=_jsonable_filters(filters),
            filters_text=report.filters_text()[:300],
            scheduled=True,
        )
        made.append(report_generate(generated_id=generated.pk))
    return made


def reports_prune(*, now=None) -> int:
    """Delete the files past their retention; the rows stay (who generated what, when) marked expired."""
    now = now or timezone.now()
    expired = GeneratedReport.objects.filter(status=ReportStatus.DONE, expires_at__lt=now)
    count = 0
    for generated in expired:
        (reports_root() / generated.file_name).unlink(missing_ok=True)
        GeneratedReport.objects.filter(pk=generated.pk, status=ReportStatus.DONE).update(status=ReportStatus.EXPIRED)
        count += 1
    return count


def report_download_record(*, generated: GeneratedReport, actor) -> Path:
    """The file to send, with the download written to the operation log (the file names people)."""
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="reports.downloaded",
            target=generated,
            data={"report": generated.code, "filters": generated.filters_text, "rows": generated.row_count},
        )
    return reports_root() / generated.file_name
