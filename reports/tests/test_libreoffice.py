"""Every report's .xlsx opens in LibreOffice Calc: one headless run converts all of them to CSV, cells
as shown, and what Calc shows is what we wrote — title, filters, header, each line with its number
and date formats applied, and the totals row.

LibreOffice is a test dependency like Chromium: .ci/run installs libreoffice-calc-nogui. Missing, this
test fails rather than skips, so a CI image without it cannot pass unnoticed.
"""

import csv
import os
import shutil
import subprocess
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from reports.exporters import REPORTS
from reports.selectors import report_table
from reports.services import report_write_xlsx

# Field separator ",", text delimiter '"', UTF-8 (76), first line 1, (import-only fields), and
# token 9 "save cell contents as shown": true — so the CSV carries what a person sees in Calc.
CSV_FILTER = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false"


def shown(value) -> str:
    """A value as Calc shows it in our formats: amounts #,##0.00, times yyyy-mm-dd hh:mm:ss."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    return str(value)


def trimmed(row) -> list[str]:
    cells = list(row)
    while cells and cells[-1] == "":
        cells.pop()
    return cells


@pytest.mark.django_db
def test_every_reports_excel_file_opens_in_libreoffice_with_the_values_and_totals_we_wrote(
    known_set, finance, tmp_path
):
    soffice = shutil.which("soffice")
    assert soffice, "LibreOffice Calc is needed: apt-get install libreoffice-calc-nogui (.ci/run installs it)"
    as_of = timezone.localdate() + timezone.timedelta(days=200)  # everything due, so arrears has a line
    written = {}
    for code, report_class in REPORTS.items():
        report = report_class(user=finance, filters={"grain": "day", "as_of": as_of})
        report_write_xlsx(report=report, target=tmp_path / f"{code}.xlsx")
        written[code] = (report, report_table(report))

    # One LibreOffice for all the files, with its own profile and HOME (nothing of the machine's).
    home = tmp_path / "home"
    home.mkdir()
    run = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            CSV_FILTER,
            "--outdir",
            str(tmp_path / "csv"),
            *(str(tmp_path / f"{code}.xlsx") for code in written),
        ],
        env={**os.environ, "HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert run.returncode == 0, run.stderr
    for code, (report, table) in written.items():
        path = tmp_path / "csv" / f"{code}.csv"
        assert path.exists(), f"{code}: LibreOffice did not convert it\n{run.stdout}\n{run.stderr}"
        with path.open(encoding="utf-8", newline="") as handle:
            rows = [trimmed(row) for row in csv.reader(handle)]
        assert rows[0] == [report.title], code
        assert rows[1][0].startswith("筛选条件："), code
        assert rows[2] == list(table.header), code
        assert rows[3:-1] == [trimmed(shown(value) for value in line) for line in table.rows], code
        assert rows[-1] == trimmed(shown(value) for value in table.totals), code
        assert len(rows) == 3 + table.count + 1, code
    assert written["receipt_detail"][1].totals[6] == Decimal("68000.00")
    detail = (tmp_path / "csv" / "receipt_detail.csv").read_text(encoding="utf-8")
    assert '"68,000.00"' in detail and '"-5,000.00"' in detail
