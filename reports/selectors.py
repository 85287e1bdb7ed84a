"""What a report page shows: the header, the first lines, and the totals over all lines."""

from dataclasses import dataclass

from django.http import Http404

from reports.exporters import REPORTS, Report
from reports.exporters.base import Totals

SCREEN_ROWS = 500


@dataclass
class Table:
    header: tuple
    rows: list
    totals: tuple
    count: int
    truncated: bool


def reports_for_user(user) -> list[type[Report]]:
    return [report for report in REPORTS.values() if user.has_perm(report.permission)]


def report_menu(user) -> list[dict]:
    """Plain dicts for templates (which would call a class instead of reading its attributes)."""
    return [{"code": report.code, "title": report.title} for report in reports_for_user(user)]


def report_class(code: str) -> type[Report]:
    try:
        return REPORTS[code]
    except KeyError:
        raise Http404("没有这个报表") from None


def report_table(report: Report, *, limit: int = SCREEN_ROWS) -> Table:
    rows = report.rows()
    header = next(rows)
    totals = Totals(report, len(header))
    shown, count = [], 0
    for row in rows:
        totals.add(row)
        count += 1
        if count <= limit:
            shown.append(row)
    return Table(header=header, rows=shown, totals=totals.row(), count=count, truncated=count > limit)


def generated_for_user(user):
    """The download centre's rows: the user's own requests, plus the scheduled reports for those who
    may see every project (the nightly files cover all projects)."""
    from django.db.models import Q

    from accounts.scope import has_all_projects
    from reports.models import GeneratedReport

    visible = Q(requested_by=user)
    if user.has_perm("reports.view_generatedreport") and has_all_projects(user):
        visible |= Q(scheduled=True)
    return GeneratedReport.objects.filter(visible).select_related("requested_by")


def generated_get_for_user(user, pk: int):
    from django.shortcuts import get_object_or_404

    return get_object_or_404(generated_for_user(user), pk=pk)
