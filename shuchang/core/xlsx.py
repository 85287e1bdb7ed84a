"""Writing a table to .xlsx the way every export here looks: title row, the filters used and the time
generated, a frozen header with autofilter, amounts as numbers (#,##0.00), dates as dates.

openpyxl's write-only mode streams rows to disk, so a million rows stay within a few dozen MB.
"""

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

AMOUNT_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")
_TITLE_FONT = Font(bold=True, size=14)


def _cell(sheet, value):
    if isinstance(value, datetime):
        # Excel has no time zones: write the local (Asia/Shanghai) wall time.
        value = timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATETIME_FORMAT
        return cell
    if isinstance(value, date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATE_FORMAT
        return cell
    if isinstance(value, Decimal):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = AMOUNT_FORMAT
        return cell
    return value  # plain text and integers need no cell object: a third cheaper to write


def _as_cell(sheet, value):
    return value if isinstance(value, Cell) else WriteOnlyCell(sheet, value=value)


def write_table(
    target: Path | str,
    *,
    title: str,
    filters: str,
    header: Sequence[str],
    rows: Iterable[Sequence],
    widths: Sequence[int] | None = None,
    totals: Sequence | None = None,
) -> int:
    """Write one sheet; returns the number of data rows. `totals`, if given, is written as the last row."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    for index, width in enumerate(widths or [16] * len(header), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    # Rows 1-2 describe the export; the header is row 3, frozen with everything above it.
    sheet.freeze_panes = "A4"
    last_column = get_column_letter(len(header))
    title_cell = WriteOnlyCell(sheet, value=title)
    title_cell.font = _TITLE_FONT
    sheet.append([title_cell])
    generated = timezone.localtime().strftime("%Y-%m-%d %H:%M:%S")
    sheet.append([f"筛选条件：{filters or '无'}　生成时间：{generated}"])
    header_cells = []
    for name in header:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font, cell.fill, cell.alignment = _HEADER_FONT, _HEADER_FILL, Alignment(horizontal="center")
        header_cells.append(cell)
    sheet.append(header_cells)
    count = 0
    for row in rows:
        sheet.append([_cell(sheet, value) for value in row])
        count += 1
    sheet.auto_filter.ref = f"A3:{last_column}{3 + max(count, 1)}"
    if totals is not None:
        total_cells = [_as_cell(sheet, _cell(sheet, value)) for value in totals]
        for cell in total_cells:
            cell.font = _HEADER_FONT
        sheet.append(total_cells)
    workbook.save(str(target))
    return count
