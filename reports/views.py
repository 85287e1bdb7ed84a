"""报表 pages: a list of the reports the user may see, each report's page with filters, its htmx
results partial and the .xlsx download."""

import tempfile
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from django.shortcuts import render
from django.utils import timezone

from reports import selectors, services
from reports.forms import ReportFilterForm


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
    if valid and request.GET.get("export") == "xlsx":
        if not request.user.has_perm("reports.export_reports"):
            raise PermissionDenied("您没有导出报表的权限")
        handle = tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False)  # noqa: SIM115 - FileResponse closes it
        handle.close()
        services.report_export(report=report, actor=request.user, target=Path(handle.name))
        filename = f"{report.title}-{timezone.localtime():%Y%m%d-%H%M%S}.xlsx"
        return FileResponse(open(handle.name, "rb"), as_attachment=True, filename=filename)
    context = {
        "report": report,
        "form": form,
        "table": selectors.report_table(report) if valid else None,
        "reports": selectors.report_menu(request.user),
        "amount_columns": report.amount_columns,
    }
    template = "reports/report.html#results" if request.htmx else "reports/report.html"
    return render(request, template, context)
