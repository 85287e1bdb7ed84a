"""报表 pages: a list of the reports the user may see, each report's page with filters, its htmx
results partial and the .xlsx download."""

import tempfile
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone

from reports import selectors, services
from reports.forms import ReportFilterForm
from reports.models import ReportStatus


def _require_any_report(user) -> None:
    if not selectors.reports_for_user(user):
        raise PermissionDenied("您没有查看报表的权限")


def report_index(request):
    _require_any_report(request.user)
    return render(request, "reports/index.html", {"reports": selectors.report_menu(request.user)})


def report_page(request, code: str):
    report_class = selectors.report_class(code)
    if not request.user.has_perm(report_class.permission):
        raise PermissionDenied("您没有查看该报表的权限")
    form = ReportFilterForm(request.GET or None, user=request.user, fields=report_class.filter_fields)
    valid = not form.is_bound or form.is_valid()
    report = report_class(user=request.user, filters=form.filters())
    export = request.GET.get("export")
    if valid and export in ("xlsx", "background"):
        if not request.user.has_perm("reports.export_reports"):
            raise PermissionDenied("您没有导出报表的权限")
        estimate = report.estimate() or 0
        if export == "background" or estimate > getattr(settings, "REPORTS_INLINE_MAX_ROWS", 50_000):
            # Too large to build while the browser waits: the worker builds it, 报表中心 shows progress.
            generated = services.report_request_background(code=code, filters=form.filters(), actor=request.user)
            messages.success(request, f"报表较大，已在后台生成：{generated.title}，完成后可在报表中心下载")
            return redirect("reports:centre")
        handle = tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False)  # noqa: SIM115 - FileResponse closes it
        handle.close()
        services.report_export(report=report, actor=request.user, target=Path(handle.name))
        filename = f"{report.title}-{timezone.localtime():%Y%m%d-%H%M%S}.xlsx"
        return FileResponse(open(handle.name, "rb"), as_attachment=True, filename=filename)
    query = request.GET.copy()
    query.pop("export", None)
    context = {
        "report": report,
        "form": form,
        "query": query.urlencode(),
        "table": selectors.report_table(report) if valid else None,
        "reports": selectors.report_menu(request.user),
        "amount_columns": report.amount_columns,
    }
    template = "reports/report.html#results" if request.htmx else "reports/report.html"
    return render(request, template, context)


def _require_centre(user) -> None:
    if not (user.has_perm("reports.view_generatedreport") or user.has_perm("reports.export_reports")):
        raise PermissionDenied("您没有使用报表中心的权限")


def centre(request):
    """报表中心: the scheduled 日报/月报 and the user's background reports, with size and retention."""
    _require_centre(request.user)
    context = {
        "generated": selectors.generated_for_user(request.user)[:200],
        "reports": selectors.report_menu(request.user),
        "retention_days": getattr(settings, "REPORTS_RETENTION_DAYS", 90),
    }
    return render(request, "reports/centre.html", context)


def centre_progress(request, pk: int):
    """The htmx-polled row of one report being generated (polling stops once it is done)."""
    _require_centre(request.user)
    generated = selectors.generated_get_for_user(request.user, pk)
    return render(request, "reports/centre.html#row", {"item": generated})


def centre_download(request, pk: int):
    _require_centre(request.user)
    generated = selectors.generated_get_for_user(request.user, pk)
    if generated.status != ReportStatus.DONE:
        raise Http404("该报表尚未生成或已过期清理")
    path = services.report_download_record(generated=generated, actor=request.user)
    if not path.exists():
        raise Http404("报表文件已不存在")
    filename = f"{generated.title}.xlsx"
    return FileResponse(open(path, "rb"), as_attachment=True, filename=filename)


def dashboard(request):
    """经营看板: the year's sales trend, collections by month and the inventory by status (ECharts)."""
    if not request.user.has_perm("reports.view_property_reports"):
        raise PermissionDenied("您没有查看经营看板的权限")
    year_text = request.GET.get("year", "")
    year = int(year_text) if year_text.isdigit() and 2000 <= int(year_text) <= 2100 else timezone.localdate().year
    context = {
        "year": year,
        "data": selectors.dashboard_data(request.user, year=year),
        "reports": selectors.report_menu(request.user),
    }
    return render(request, "reports/dashboard.html", context)
