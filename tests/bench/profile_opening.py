#!/usr/bin/env python
"""What one request of an opening costs in the Django process (CPU), request type by request type.

    python tests/bench/profile_opening.py [--requests 300] [--profile select_lose|select_win|select_page|…]

The same world and settings as the opening-rush benchmark (bench_opening.py: PostgreSQL, Redis,
production settings, the whole middleware stack), but the requests are handed to Django's WSGI
handler in this process, one at a time: no network, no server, no other process competing. For
each kind of request it prints the CPU milliseconds per request (`time.process_time`, so waiting
for PostgreSQL or Redis is not counted, and other load on the machine barely moves it) as one JSON
line; `--profile KIND` also prints a cProfile of that kind to stderr.

This is the tool for making the rush cheaper: the benchmark says how fast, this says where.
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import re
import sys
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_opening as bench  # the benchmark's world and settings


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300, help="requests of each kind")
    parser.add_argument("--profile", default="", help="print a cProfile of this kind to stderr")
    parser.add_argument("--queries", action="store_true", help="list each kind's SQL, not only count it")
    parser.add_argument("--database", default="shuchang_profile")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards (to look at it)")
    parser.add_argument("--redis-db", type=int, default=13)
    return parser.parse_args(argv)


class Caller:
    """Calls the WSGI application the way gunicorn does, with a buyer's cookies."""

    def __init__(self, application):
        self.application = application

    def __call__(self, method: str, path: str, *, cookies: dict, body: dict | None = None, headers=None):
        data = urllib.parse.urlencode(body or {}).encode()
        environ = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": "127.0.0.1",
            "HTTP_COOKIE": "; ".join(f"{key}={value}" for key, value in cookies.items()),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(data),
            "wsgi.errors": sys.stderr,
            "CONTENT_LENGTH": str(len(data)),
            "CONTENT_TYPE": "application/x-www-form-urlencoded",
        }
        for key, value in (headers or {}).items():
            environ["HTTP_" + key.upper().replace("-", "_")] = value
        status = []
        chunks = self.application(environ, lambda line, _headers, *_: status.append(line))
        content = b"".join(chunks)
        if hasattr(chunks, "close"):
            chunks.close()
        return int(status[0].split()[0]), content


def form_fields(content: bytes) -> dict:
    fields = {}
    for name in ("csrfmiddlewaretoken", "request_token", "price_signature"):
        match = re.search(rb'name="' + name.encode() + rb'" value="([^"]+)"', content)
        if match:
            fields[name] = match.group(1).decode()
    fields["payment_method"] = "mortgage"
    return fields


def main(argv=None) -> int:
    args = parse_args(argv)
    size = argparse.Namespace(
        buyers=max(2 * args.requests + 10, 50),
        units=max(args.requests, 20),
        quota=2,
        database=args.database,
        pg_url=bench.parse_args([]).pg_url,
        redis_url=bench.parse_args([]).redis_url,
        redis_db=args.redis_db,
        seed=2026,
        var_dir="",
        workers=1,
    )
    env = bench.bench_env(size, port=8000)
    bench.prepare_database(size, env)
    bench.flush_redis(size)
    bench.collect_static(env)
    bench.django_setup(env)
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    rng = random.Random(size.seed)
    world = bench.build_world(size, rng)
    bench.open_opening_now(world, lead_seconds=-1)
    call = Caller(WSGIHandler())
    opening = world.opening_id
    buyers = world.buyers[1:]

    def page(buyer, unit_id) -> tuple[dict, dict]:
        cookies = {"sessionid": buyer["session"]}
        status, content = call("GET", f"/openings/{opening}/units/{unit_id}/", cookies=cookies)
        assert status == 200, (status, content[:300])
        fields = form_fields(content)
        cookies["csrftoken"] = fields["csrfmiddlewaretoken"]  # the cookie's value is the unmasked secret's carrier
        return cookies, fields

    # Warm up the process: the first request of each kind loads templates, URL patterns, the snapshot.
    call("GET", "/bench/ping/", cookies={})
    kinds = {}

    def database_cpu() -> float:
        """CPU seconds PostgreSQL's backend for this process's connection has used (same machine)."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime

    def queries_of_one(request) -> list[str]:
        """The SQL one more request of this kind runs (a selection repeated this way loses)."""
        method, path, cookies, body, _expect = request
        with CaptureQueriesContext(connection) as captured:
            call(method, path, cookies=cookies, body=body, headers={"HX-Request": "true"})
        return [" ".join(query["sql"].split())[:100] for query in captured.captured_queries]

    def measure(kind: str, requests: list, rounds: int = 5):
        """CPU per request in `rounds` slices; the cheapest slice is reported (the least disturbed
        by the rest of the machine: CPU time still moves with cache and frequency contention)."""
        profiler = cProfile.Profile() if args.profile == kind else None
        per_round, size = [], max(1, len(requests) // rounds)
        database_started = database_cpu()
        if profiler:
            profiler.enable()
        for first in range(0, len(requests), size):
            chunk = requests[first : first + size]
            started = time.process_time()
            for method, path, cookies, body, expect in chunk:
                status, content = call(method, path, cookies=cookies, body=body, headers={"HX-Request": "true"})
                assert expect(status, content), (kind, status, content[:400])
            per_round.append((time.process_time() - started) * 1000 / len(chunk))
        if profiler:
            profiler.disable()
        database_ms = (database_cpu() - database_started) * 1000 / len(requests)
        kinds[kind] = {
            "db_cpu_ms": round(database_ms, 3),
            "cpu_ms": round(min(per_round), 3),
            "cpu_ms_median": round(sorted(per_round)[len(per_round) // 2], 3),
            "queries": queries_of_one(requests[-1]) if args.queries else len(queries_of_one(requests[-1])),
        }
        if profiler:
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats(os.environ.get("PROFILE_SORT", "cumulative")).print_stats(45)
            print(out.getvalue(), file=sys.stderr)

    n = args.requests
    measure("trivial_anonymous", [("GET", "/bench/ping/", {}, None, lambda s, c: s == 200)] * n)
    signed_in = {"sessionid": buyers[0]["session"]}
    measure("trivial_signed_in", [("GET", "/bench/ping/", signed_in, None, lambda s, c: s == 200)] * n)
    grid = f"/openings/{opening}/grid/{world.building_ids[0]}/"
    measure("grid_poll", [("GET", grid, signed_in, None, lambda s, c: s == 200)] * n)
    page_path = f"/openings/{opening}/units/{world.unit_ids[-1]}/"
    measure("select_page", [("GET", page_path, signed_in, None, lambda s, c: s == 200)] * n)

    # Winners: buyer i selects unit i (each unit once). Losers: buyer n+i selects unit i, now taken.
    units = world.unit_ids[:n]
    forms = [page(buyers[i], unit) for i, unit in enumerate(units)]
    losing_forms = [page(buyers[n + i], unit) for i, unit in enumerate(units)]
    path = f"/openings/{opening}/units/{{}}/"

    measure(
        "select_win",
        [
            ("POST", path.format(unit), cookies, body, lambda s, c: s == 200 and b"data-refusal>" not in c)
            for unit, (cookies, body) in zip(units, forms, strict=True)
        ],
    )
    measure(
        "select_lose",
        [
            ("POST", path.format(unit), cookies, body, lambda s, c: s == 200 and b"data-refusal>" in c)
            for unit, (cookies, body) in zip(units, losing_forms, strict=True)
        ],
    )
    from sales.models import Order

    orders = Order.objects.filter(opening_id=opening).count()
    print(json.dumps({"requests": n, "orders": orders, **kinds, "at": timezone.now().isoformat()}))
    if not args.keep:
        bench.drop_database(size)
    return 0


if __name__ == "__main__":
    sys.exit(main())
