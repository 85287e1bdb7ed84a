"""What the large detail formats in SQL says exactly what the Python helpers say."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import CharField, DateTimeField, Value
from openpyxl import load_workbook

from reports.exporters.base import ExcelSerialDateTime, masked_name
from shuchang.core.masking import mask_name
from shuchang.core.xlsx import write_table

pytestmark = pytest.mark.django_db


def _one(expression, **values):
    row = ContentType.objects.annotate(**values).annotate(result=expression).values_list("result", flat=True)[:1]
    return row.get()


@pytest.mark.parametrize("name", ["", "张", "张三", "欧阳锋", "司马相如", "A", "Zhang San", "阿卜杜拉·买买提"])
def test_the_sql_mask_is_the_python_mask(name):
    assert _one(masked_name("name"), name=Value(name, output_field=CharField())) == mask_name(name)


def test_the_excel_serial_time_is_the_local_wall_time_in_whole_seconds_and_reads_back_as_that_time(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("ExcelSerialDateTime is PostgreSQL's (the detail uses datetimes on SQLite)")
    moment = datetime(2025, 6, 1, 1, 59, 58, 700_000, tzinfo=ZoneInfo("UTC"))  # 09:59:58.7 in Shanghai

    serial = _one(ExcelSerialDateTime("moment"), moment=Value(moment, output_field=DateTimeField()))

    assert serial == pytest.approx(45809 + (9 * 3600 + 59 * 60 + 58) / 86400, abs=1e-9)
    path = tmp_path / "t.xlsx"
    write_table(path, title="t", filters="", header=["时间"], rows=[(serial,)], kinds=("datetime",))
    assert load_workbook(path).active["A4"].value == datetime(2025, 6, 1, 9, 59, 58)
