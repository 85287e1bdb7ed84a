"""What a report page shows: the header, the first lines, and the totals over all lines."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

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


def dashboard_data(user, *, year: int) -> dict:
    """The dashboard's three series, each one grouped query in the user's scope (plain numbers for ECharts)."""
    from reports.exporters.property import Inventory, SalesByPeriod
    from reports.exporters.yearly import MonthlyChargeItems

    sales = SalesByPeriod(
        user=user, filters={"grain": "month", "date_from": date(year, 1, 1), "date_to": date(year, 12, 31)}
    )
    rows = sales.rows()
    next(rows)
    by_month = {row[0]: row for row in rows}
    months = [f"{year}-{month:02d}" for month in range(1, 13)]
    collections = MonthlyChargeItems(user=user, filters={"year": year})
    collected = [Decimal("0.00")] * 12
    lines = collections.rows()
    next(lines)
    for line in lines:
        for index in range(12):
            collected[index] += line[index + 1]
    inventory: dict[str, int] = {}
    lines = Inventory(user=user, filters={}).rows()
    next(lines)
    for line in lines:
        inventory[line[2]] = inventory.get(line[2], 0) + line[3]
    return {
        "months": months,
        # Amounts travel to the chart as decimal strings (ECharts reads them as numbers): never floats.
        "sales_amount": [str(by_month[m][3]) if m in by_month else "0.00" for m in months],
        "sales_units": [by_month[m][1] if m in by_month else 0 for m in months],
        "collections": [str(value) for value in collected],
        "inventory": [{"name": name, "value": count} for name, count in inventory.items()],
    }
