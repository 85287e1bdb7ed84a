"""The one table writer every export uses: the file reopens with the layout, types and formats promised."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from shuchang.core.xlsx import write_table

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = ZoneInfo("UTC")


def reopen(path):
    return load_workbook(path).active


def test_a_table_has_title_filters_frozen_header_autofilter_and_bold_totals(tmp_path):
    path = tmp_path / "t.xlsx"

    count = write_table(
        path,
        title="收费收据明细表",
        filters="开始日期：2026-01-01",
        header=["编号", "金额"],
        rows=[("A-1", Decimal("1234.50")), ("A-2", Decimal("-34.50"))],
        widths=[20, 14],
        totals=("合计", Decimal("1200.00")),
    )

    sheet = reopen(path)
    assert count == 2
    assert sheet["A1"].value == "收费收据明细表" and sheet["A1"].font.b
    assert sheet["A2"].value.startswith("筛选条件：开始日期：2026-01-01　生成时间：")
    assert [sheet["A3"].value, sheet["B3"].value] == ["编号", "金额"]
    assert sheet["A3"].font.b and sheet["A3"].fill.fgColor.rgb.endswith("DDE6F0")
    assert sheet.freeze_panes == "A4"
    assert sheet.auto_filter.ref == "A3:B5"
    assert sheet.column_dimensions["A"].width == pytest.approx(20, abs=1)
    assert [sheet["B4"].value, sheet["B5"].value] == [1234.5, -34.5]
    assert sheet["B4"].number_format == "#,##0.00"
    assert (sheet["A6"].value, sheet["B6"].value) == ("合计", 1200)
    assert sheet["A6"].font.b and sheet["B6"].font.b and sheet["B6"].number_format == "#,##0.00"
    assert sheet.max_row == 6


def test_an_empty_table_still_has_its_header_and_filter_and_no_filter_text_says_none(tmp_path):
    path = tmp_path / "empty.xlsx"

    count = write_table(path, title="登录日志", filters="", header=["时间", "登录名"], rows=[])

    sheet = reopen(path)
    assert count == 0
    assert sheet["A2"].value.startswith("筛选条件：无")
    assert sheet.auto_filter.ref == "A3:B4"
    assert sheet.max_row == 3


def test_values_are_typed_by_value_without_declared_kinds(tmp_path):
    path = tmp_path / "auto.xlsx"
    paid_at = datetime(2026, 3, 1, 2, 30, 59, 900_000, tzinfo=UTC)  # 10:30:59.9 in Shanghai

    write_table(
        path,
        title="混合",
        filters="",
        header=["文字", "金额", "整数", "时间", "日期", "空", "布尔"],
        rows=[("=1+1", Decimal("5.10"), 7, paid_at, date(2026, 3, 2), None, True)],
    )

    sheet = reopen(path)
    text, amount, integer, moment, day, empty, flag = (sheet.cell(row=4, column=col) for col in range(1, 8))
    assert (text.value, text.data_type) == ("=1+1", "s")  # text stays text, never a formula
    assert (amount.value, amount.number_format) == (5.1, "#,##0.00")
    assert (integer.value, integer.number_format) == (7, "General")
    assert moment.is_date and moment.value == datetime(2026, 3, 1, 10, 30, 59)  # whole seconds, as shown
    assert moment.number_format == "yyyy-mm-dd hh:mm:ss"
    assert day.is_date and day.value == datetime(2026, 3, 2) and day.number_format == "yyyy-mm-dd"
    assert empty.value is None
    assert flag.value is True


def test_declared_kinds_put_the_formats_on_the_columns_and_take_excel_serial_dates(tmp_path):
    path = tmp_path / "typed.xlsx"
    # 2025-06-01 10:00:00 as Excel's serial date-time (what the detail computes in SQL).
    serial = 45809 + 10 / 24
    rows = [
        ("YUNQI-2025-000001", serial, "http://example.com", Decimal("20000.00"), 3),
        ("YUNQI-2025-000002", datetime(2025, 6, 1, 3, 0, tzinfo=UTC), None, Decimal("0.00"), None),
        # Values of another type than their column's are written by their own type.
        ("", serial, 12345, Decimal("-1.50"), 4),
    ]

    write_table(
        path,
        title="明细",
        filters="",
        header=["编号", "时间", "备注", "金额", "笔数"],
        rows=rows,
        kinds=("text", "datetime", "text", "amount", "int"),
    )

    sheet = reopen(path)
    assert sheet["B4"].is_date and sheet["B4"].value == datetime(2025, 6, 1, 10, 0)
    assert sheet["B5"].is_date and sheet["B5"].value == datetime(2025, 6, 1, 11, 0)
    assert sheet["B4"].number_format == "yyyy-mm-dd hh:mm:ss"
    assert (sheet["C4"].value, sheet["C4"].hyperlink) == ("http://example.com", None)
    assert sheet["C5"].value is None
    assert [sheet["D4"].value, sheet["D5"].value] == [20000, 0]
    assert sheet["D5"].number_format == "#,##0.00"
    assert sheet["E4"].value == 3 and sheet["E5"].value is None
    assert sheet["A6"].value is None and sheet["C6"].value == 12345 and sheet["D6"].value == -1.5
    assert sheet["B6"].is_date and sheet["B6"].value == datetime(2025, 6, 1, 10, 0)


def test_kinds_must_cover_every_column_with_a_known_kind(tmp_path):
    with pytest.raises(ValueError, match="kinds"):
        write_table(tmp_path / "x.xlsx", title="x", filters="", header=["a", "b"], rows=[], kinds=("text",))
    with pytest.raises(ValueError, match="kinds"):
        write_table(tmp_path / "x.xlsx", title="x", filters="", header=["a"], rows=[], kinds=("money",))


def test_a_title_with_characters_excel_forbids_in_sheet_names_still_writes(tmp_path):
    path = tmp_path / "name.xlsx"

    write_table(path, title="收据号码使用报告 A/B [2026]: 第1页?", filters="", header=["a"], rows=[("x",)])

    workbook = load_workbook(path)
    assert workbook.sheetnames == ["收据号码使用报告 A_B _2026__ 第1页_"]
    assert workbook.active["A1"].value == "收据号码使用报告 A/B [2026]: 第1页?"
