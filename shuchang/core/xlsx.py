"""Writing a table to .xlsx the way every export here looks: title row, the filters used and the time
generated, a frozen header with autofilter, amounts as numbers (#,##0.00), dates as dates, and an
optional totals row.

The writer is xlsxwriter in constant-memory mode: each row goes to disk as soon as the next one
starts, so a million rows stay within a few dozen MB, and it writes such a sheet faster than
openpyxl's write-only mode (docs/reports.md, the benchmark). Text is always written as text: a value
starting with "=" never becomes a formula, nor one starting with "http://" a link.

A caller that knows its columns passes `kinds`, one per column ("text", "amount", "int", "datetime",
"date"). The number formats then sit on the columns and each row goes to the writer in one call,
with no per-value work of ours; a "datetime"/"date" column also takes an Excel serial number (days
since 1899-12-30, as large reports compute it in SQL), which the column shows as a date — in Excel
a date *is* such a number. Without `kinds` ("auto"), each value's type picks its format.
"""

import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from django.utils import timezone
from xlsxwriter import Workbook

AMOUNT_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
KINDS = ("text", "amount", "int", "datetime", "date")
# The same options for every export and for the benchmark's floor (reports/management/commands/bench_reports.py).
WORKBOOK_OPTIONS = {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def _local_naive(value: datetime) -> datetime:
    # Excel has no time zones: write the local (Asia/Shanghai) wall time, in whole seconds as the
    # cells show it (a spreadsheet would round 10:00:00.7 up to 10:00:01).
    local = timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    return local.replace(microsecond=0)


def write_table(
    target: Path | str,
    *,
    title: str,
    filters: str,
    header: Sequence[str],
    rows: Iterable[Sequence],
    widths: Sequence[int] | None = None,
    totals: Sequence | None = None,
    kinds: Sequence[str] | None = None,
) -> int:
    """Write one sheet; returns the number of data rows. `totals`, if given, is read after the last
    row (so it may be summed while the rows stream) and written as the last row, in bold."""
    width = len(header)
    if kinds is not None and (len(kinds) != width or not set(kinds) <= set(KINDS)):
        raise ValueError(f"kinds must name one of {KINDS} for each column")
    workbook = Workbook(str(target), WORKBOOK_OPTIONS)
    try:
        formats = {
            "amount": workbook.add_format({"num_format": AMOUNT_FORMAT}),
            "datetime": workbook.add_format({"num_format": DATETIME_FORMAT}),
            "date": workbook.add_format({"num_format": DATE_FORMAT}),
        }
        sheet = workbook.add_worksheet(_SHEET_NAME_FORBIDDEN.sub("_", title)[:31] or "Sheet1")
        widths = widths or [16] * width
        for col in range(width):
            sheet.set_column(col, col, widths[col], formats.get(kinds[col]) if kinds else None)
        _install_handlers(sheet, formats, by_value=kinds is None)
        # Rows 1-2 describe the export; the header is row 3, frozen with everything above it.
        sheet.freeze_panes(3, 0)
        sheet.write_string(0, 0, title, workbook.add_format({"bold": True, "font_size": 14}))
        generated = timezone.localtime().strftime("%Y-%m-%d %H:%M:%S")
        sheet.write_string(1, 0, f"筛选条件：{filters or '无'}　生成时间：{generated}")
        header_format = workbook.add_format({"bold": True, "bg_color": "#DDE6F0", "align": "center"})
        sheet.write_row(2, 0, list(header), header_format)

        write_row = sheet.write_row
        typed = _typed_writers(sheet, kinds) if kinds else None
        row_number = 2
        for row in rows:
            row_number += 1
            if typed is None or None in row or "" in row:
                write_row(row_number, 0, row)
                continue
            try:
                for col, write in typed:
                    write(row_number, col, row[col])
            except TypeError:  # a value of another type than its column's: the writer picks by the value
                write_row(row_number, 0, row)
        count = row_number - 2
        sheet.autofilter(2, 0, 2 + max(count, 1), width - 1)
        if totals is not None:
            _write_totals(workbook, sheet, row_number + 1, list(totals))
    finally:
        workbook.close()
    return count


def _typed_writers(sheet, kinds: Sequence[str]) -> list:
    """Each column's own write method, so a row of declared kinds skips the writer's per-value type
    dispatch. A value the method cannot take (None, or a datetime object where a serial number was
    declared) raises TypeError before anything is stored.

    These are the methods behind xlsxwriter's write_string/write_number, whose public wrappers first
    try to read "A1"-style cell references: the dispatch and the wrappers were about 15% of the time
    of the year's receipt detail (docs/reports.md). xlsxwriter is pinned in requirements.txt; should
    a release rename them, the public methods are taken instead (slower, same file)."""
    write_string = getattr(sheet, "_write_string", sheet.write_string)
    write_number = getattr(sheet, "_write_number", sheet.write_number)
    return [(col, write_string if kind == "text" else write_number) for col, kind in enumerate(kinds)]


def _install_handlers(sheet, formats: dict, *, by_value: bool) -> None:
    """Aware datetimes become local wall time; without declared kinds, amounts and dates get their
    format from their type (a declared column carries its format itself)."""

    def write_datetime(worksheet, row, col, value, cell_format=None):
        return worksheet.write_datetime(
            row, col, _local_naive(value), cell_format or (formats["datetime"] if by_value else None)
        )

    sheet.add_write_handler(datetime, write_datetime)
    if by_value:

        def write_amount(worksheet, row, col, value, cell_format=None):
            return worksheet.write_number(row, col, value, cell_format or formats["amount"])

        def write_date(worksheet, row, col, value, cell_format=None):
            return worksheet.write_datetime(row, col, value, cell_format or formats["date"])

        sheet.add_write_handler(Decimal, write_amount)
        sheet.add_write_handler(date, write_date)


def _write_totals(workbook, sheet, row_number: int, totals: list) -> None:
    bold = workbook.add_format({"bold": True})
    bold_amount = workbook.add_format({"bold": True, "num_format": AMOUNT_FORMAT})
    for col, value in enumerate(totals):
        if value is None:
            sheet.write_blank(row_number, col, None, bold)
        elif isinstance(value, str):
            sheet.write_string(row_number, col, value, bold)
        elif isinstance(value, Decimal):
            sheet.write_number(row_number, col, value, bold_amount)
        else:
            sheet.write(row_number, col, value, bold)
