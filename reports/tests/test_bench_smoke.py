"""`bench_reports` at a small size (the full run is `make bench-reports`): PostgreSQL only."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

pytestmark = pytest.mark.bench


@pytest.mark.django_db
def test_the_benchmark_prints_one_json_line_with_every_figure(roles, settings):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the benchmark loads with INSERT … SELECT generate_series")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    out = StringIO()
    call_command("bench_reports", rows=3000, year=2025, projects=2, operators=3, stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert len(lines) == 1
    result = json.loads(lines[0])
    assert result["detail_year_rows"] == 3000  # every payment of the year has its receipt line
    assert 0 < result["detail_month_rows"] < 3000
    assert set(result["summary_s"]) == {
        "receipt_summary",
        "operator_summary",
        "charge_item_summary",
        "monthly_charge_items",
    }
    for key in ("detail_month_s", "detail_year_s", "floor_openpyxl_s", "floor_xlsxwriter_s", "detail_year_peak_rss_mb"):
        assert result[key] > 0
    # The floor is the faster of the two writers, measured in the same run.
    assert result["floor_s"] == min(result["floor_openpyxl_s"], result["floor_xlsxwriter_s"])
    assert result["floor_writer"] in ("openpyxl write-only", "xlsxwriter constant_memory")
    assert result["detail_year_to_floor"] == round(result["detail_year_s"] / result["floor_s"], 2)
