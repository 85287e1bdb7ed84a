"""Building a report's .xlsx: stream its rows into the shared writer with a totals row, and log the export."""

from pathlib import Path

from django.db import transaction

from audit.services import audit_record
from reports.exporters.base import Report, Totals
from shuchang.core.xlsx import write_table


def report_write_xlsx(*, report: Report, target: Path, progress=None) -> int:
    """Write `report` to `target`; returns the number of data rows. The totals row is the sum of the lines."""
    rows = report.rows()
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
