"""The opening-rush benchmark at a small size, as part of `make test`: the real stack starts, the rush
runs, and the guarantees hold in the database. (The full-size run is `make bench-opening`.)"""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings

pytestmark = pytest.mark.bench

BENCH = Path(__file__).with_name("bench_opening.py")
KEYS = [
    "buyers", "units", "attempts", "orders", "units_sold", "oversold", "over_quota", "duplicate_orders", "http_5xx",
    "sellout_s", "select_rps", "select_p50_ms", "select_p99_ms", "grid_rps", "grid_p99_ms", "framework_rps",
    "raw_sql_tps", "select_to_framework_ratio",
]  # fmt: skip


def _pg_server_url() -> str:
    database = settings.DATABASES["default"]
    user = quote(database.get("USER") or "postgres")
    password = f":{quote(database['PASSWORD'])}" if database.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{database.get('HOST') or '127.0.0.1'}:{database.get('PORT') or 5432}"


def _redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1) as probe:
            probe.sendall(b"PING\r\n")
            return probe.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def test_a_small_opening_rush_keeps_every_guarantee(tmp_path):
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("needs PostgreSQL: the benchmark runs gunicorn on a PostgreSQL database of its own")
    if not _redis_answers():
        pytest.skip("needs Redis at 127.0.0.1:6379: the benchmark's server caches there")
    command = [
        sys.executable, str(BENCH), "--buyers", "60", "--units", "20", "--watchers", "10", "--workers", "2",
        "--ceiling-seconds", "1", "--redis-db", "14", "--database", f"shuchang_bench_smoke_{os.getpid()}",
        "--pg-url", _pg_server_url(), "--drop-after", "--var-dir", str(tmp_path),  # tests never write to var/
    ]  # fmt: skip

    run = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)

    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert list(result) == KEYS
    assert (result["buyers"], result["units"]) == (60, 20)
    assert result["oversold"] == result["over_quota"] == result["duplicate_orders"] == result["http_5xx"] == 0
    assert result["units_sold"] == result["units"] == 20
    assert result["orders"] >= 20 and result["attempts"] >= 60
    assert result["select_rps"] > 0 and result["framework_rps"] > 0 and result["raw_sql_tps"] > 0
