#!/usr/bin/env python
"""The opening-rush benchmark (开盘抢房压测): the real stack, N buyers, one instant.

    python tests/bench/bench_opening.py [--buyers 2000 --units 500 --watchers 200]

1. A dedicated PostgreSQL database (default shuchang_bench), cloned from a template migrated once
   per migration set; Redis db 15 as the cache, flushed first.
2. Production settings (DEBUG=0, SECRET_KEY, ALLOWED_HOSTS=127.0.0.1, SECURE_SSL_REDIRECT=0,
   persistent connections, the whole middleware stack) served by gunicorn's sync workers with the
   deployment's config file (deploy/gunicorn.conf.py).
3. Data through the services where it matters (buildings, publication, the opening, two price
   schemes); the N verified buyers, their sign-ups and their sessions are bulk-written. Sessions are
   written the way django.contrib.auth.login writes them (cached_db: a row and the Redis copy);
   buyer 1 logs in through the login page instead, to show that path works with these accounts.
4. Before the opening each buyer loads the selection page of the unit they want (the form carries
   the one-time token; its button waits for the start). At the opening instant every buyer posts
   that form as htmx does — many at the same popular units, some double-clicking — and a buyer who
   loses opens another unit still shown available and tries again, until their quota is used or
   nothing is left. W watchers poll the building grid with If-None-Match like open tabs.
5. On the same server, afterwards: a trivial Django view (the framework ceiling) and the raw
   conditional UPDATE + INSERT through psycopg (the database ceiling).
6. The guarantees are checked in the database. ONE JSON line goes to stdout; progress and the
   details behind the numbers go to stderr.

The load generator shares the two cores with the server, so it is plain asyncio over raw HTTP/1.1
(the sync workers close every connection, so each request is a fresh connection, as in production
behind a proxy). At most --concurrency requests are in flight: a buyer beyond that waits in the
generator, as they would in the proxy's queue; latencies are measured from connect to the last byte.
"""

import argparse
import asyncio
import contextlib
import hashlib
import json
import math
import multiprocessing
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
BENCH_PASSWORD = "Bench-pass-2026"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["伟", "芳", "娜", "敏", "静", "磊", "强", "洋", "艳", "杰", "军", "勇"]
ACTIVE = ("pending_payment", "reserved", "signed", "completed")

TOKEN_RE = re.compile(rb'name="request_token" value="([0-9a-f]{32})"')
SIGNATURE_RE = re.compile(rb'name="price_signature" value="([^"]+)"')
CSRF_RE = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
REFUSAL_RE = re.compile(rb"data-refusal>([^<]+)<")
STATE_RE = re.compile(rb'data-state="(\w+)">([^<]*)<')
ALTERNATIVE_RE = re.compile(rb'data-alternative="(\d+)"')
PAYMENT_RE = re.compile(rb'name="payment_method" value="(\w+)"')


def log(*parts) -> None:
    print("[bench]", *parts, file=sys.stderr, flush=True)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--buyers", type=int, default=2000)
    parser.add_argument("--units", type=int, default=500)
    parser.add_argument("--watchers", type=int, default=200)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers (2–4 on a 2-core box)")
    parser.add_argument("--quota", type=int, default=2, help="units each buyer may select")
    parser.add_argument("--concurrency", type=int, default=12, help="buyer requests in flight at once")
    parser.add_argument("--poll-seconds", type=float, default=3.0, help="a watcher's polling interval (the page's)")
    parser.add_argument("--popular-share", type=float, default=0.6, help="buyers whose first choice is a top-10%% unit")
    parser.add_argument("--double-share", type=float, default=0.1, help="buyers who double-click their first try")
    parser.add_argument("--ceiling-seconds", type=float, default=3.0)
    parser.add_argument("--database", default="shuchang_bench")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432"))
    parser.add_argument("--redis-db", type=int, default=15)
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379"))
    parser.add_argument("--port", type=int, default=0, help="0: any free port")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--drop-after", action="store_true", help="drop the database at the end (smoke runs)")
    parser.add_argument("--var-dir", default="", help="static files and the server log (var/bench-r<db>)")
    return parser.parse_args(argv)


# ---- the environment: database, static files, settings ----------------------------------------------------


def bench_env(args, port: int) -> dict:
    # One working folder (static files, the server's log) per Redis database: runs that share one are serialised.
    var_dir = Path(args.var_dir) if args.var_dir else ROOT / "var" / f"bench-r{args.redis_db}"
    var_dir.mkdir(parents=True, exist_ok=True)
    env = os.environ.copy()
    env.update(
        {
            "DATABASE_URL": f"{args.pg_url}/{args.database}",
            "REDIS_URL": f"{args.redis_url}/{args.redis_db}",
            "DEBUG": "0",
            "SECRET_KEY": "bench-" + hashlib.sha256(str(args.seed).encode()).hexdigest(),
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "0",
            "CONN_MAX_AGE": "600",
            "SHUCHANG_VAR_DIR": str(var_dir),
            "STATIC_ROOT": str(var_dir / "static"),
            "LOG_LEVEL": "WARNING",
            "SHUCHANG_BENCH_VIEWS": "1",
            "PYTHONUNBUFFERED": "1",
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "WEB_CONCURRENCY": str(args.workers),
        }
    )
    return env


def migrations_digest() -> str:
    digest = hashlib.sha256()
    for path in sorted(ROOT.glob("*/migrations/*.py")):
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


TEMPLATE_PREFIX = "shuchang_bench_tpl_"
TEMPLATE_LOCK = 7_260_000  # PostgreSQL advisory lock ids: the template, and one per Redis database
RUN_LOCK = 7_260_100


def admin_connection(args):
    import psycopg2

    admin = psycopg2.connect(f"{args.pg_url}/postgres")
    admin.autocommit = True
    return admin


def hold_run_lock(args):
    """Wait for any other run using the same Redis database (it flushes it), and keep the lock until exit."""
    admin = admin_connection(args)
    with admin.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [RUN_LOCK + args.redis_db])
    return admin


def prepare_database(args, env) -> None:
    """A fresh database cloned from a template migrated once per migration set (migrating takes ~8 s)."""
    template = TEMPLATE_PREFIX + migrations_digest()
    admin = admin_connection(args)
    with admin.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [TEMPLATE_LOCK])  # one template build, one clone at a time
        try:
            cursor.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", [TEMPLATE_PREFIX + "%"])
            templates = [row[0] for row in cursor.fetchall()]
            if template not in templates:
                for stale in templates:
                    cursor.execute(f'DROP DATABASE IF EXISTS "{stale}" WITH (FORCE)')
                log("migrating a template database", template)
                cursor.execute(f'CREATE DATABASE "{template}"')
                subprocess.run(
                    [PYTHON, "manage.py", "migrate", "--noinput", "-v0"],
                    cwd=ROOT,
                    env=env | {"DATABASE_URL": f"{args.pg_url}/{template}"},
                    check=True,
                )
            cursor.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
            cursor.execute(f'CREATE DATABASE "{args.database}" TEMPLATE "{template}"')
        finally:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [TEMPLATE_LOCK])
    admin.close()


def drop_database(args) -> None:
    admin = admin_connection(args)
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
    admin.close()


def collect_static(env) -> None:
    """DEBUG=0 serves hashed, compressed static files (whitenoise's manifest), as production does."""
    subprocess.run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)


def flush_redis(args) -> None:
    import redis

    redis.Redis.from_url(f"{args.redis_url}/{args.redis_db}").flushdb()


def django_setup(env) -> None:
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "shuchang.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


# ---- the world: a project, an opening, buyers with sessions ----------------------------------------------


@dataclass
class World:
    opening_id: int
    building_ids: list[int]
    unit_ids: list[int]  # the batch, in a fixed order
    buyers: list[dict]  # {"id", "mobile", "session"}
    popular: list[int]


def id_number(serial: int) -> str:
    from datetime import date

    from shuchang.core.validators import id_number_check_char

    born_on = date(1960, 1, 1) + timedelta(days=serial // 1000)
    first17 = f"110105{born_on:%Y%m%d}{serial % 1000:03d}"
    return first17 + id_number_check_char(first17)


def build_world(args, rng: random.Random) -> World:
    from decimal import Decimal

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from accounts.models import BuyerProfile, User
    from developers.models import Company
    from listings import services as listing_services
    from listings.models import FloorPlan, Project, ProjectSalesStatus, Unit
    from sales import services
    from sales.models import Registration, SchemeKind

    # The set-up is done by a superuser: the run must not depend on every app's role definitions.
    manager = User.objects.create_superuser(username="bench-manager", password=BENCH_PASSWORD, first_name="压测经理")
    company = Company.objects.create(name="舒畅置业集团有限公司", short_name="舒畅置业", hotline="400-880-6688")
    project = Project.objects.create(
        developer=company, name="舒畅·压测府", slug="bench", district="西湖区", address="杭州市西湖区压测路1号",
        sales_status=ProjectSalesStatus.ON_SALE,
    )  # fmt: skip
    plan = FloorPlan.objects.create(
        project=project, name="A户型", rooms=3, halls=2, baths=2, gross_area=Decimal("120.00"),
        inner_area=Decimal("98.50"),
    )  # fmt: skip
    per_building, per_floor = 100, 5
    building_ids = []
    for number in range(1, math.ceil(args.units / per_building) + 1):
        left = min(per_building, args.units - (number - 1) * per_building)
        building = listing_services.building_create_with_units(
            project=project,
            actor=manager,
            number=str(number),
            floors=math.ceil(left / per_floor),
            units_per_floor=per_floor,
            plans_by_position=dict.fromkeys(range(1, per_floor + 1), plan),
            base_unit_price=Decimal("15000"),
            floor_premium=Decimal("100"),
        )
        building_ids.append(building.pk)
    all_units = list(Unit.objects.filter(project=project).order_by("pk").values_list("pk", flat=True))
    listing_services.units_publish(project=project, unit_ids=all_units, actor=manager, note="压测公布")
    batch = all_units[: args.units]
    now = timezone.now()
    schemes = (
        ("开盘98折", {"kind": SchemeKind.DISCOUNT, "discount_rate": Decimal("0.98"), "priority": 10}),
        ("一次性付款直减", {"kind": SchemeKind.REDUCTION, "reduction_amount": 20000, "payment_method": "full"}),
    )
    for name, fields in schemes:
        services.scheme_create(project=project, actor=manager, name=name, valid_from=now - timedelta(days=1), **fields)
    opening = services.opening_create(
        project=project,
        actor=manager,
        unit_ids=batch,
        name="压测开盘",
        signup_ends_at=now + timedelta(hours=1),
        starts_at=now + timedelta(hours=1),
        ends_at=now + timedelta(hours=3),
        quota=args.quota,
        hold_minutes=30,
        deposit_amount=Decimal("50000"),
    )
    services.opening_publish(opening=opening, actor=manager)

    password = make_password(BENCH_PASSWORD)  # one PBKDF2 for all: hashing 2,000 would take minutes
    mobiles = [f"150{i:08d}" for i in range(1, args.buyers + 1)]
    users = User.objects.bulk_create(
        [User(username=mobile, mobile=mobile, password=password) for mobile in mobiles], batch_size=1000
    )
    BuyerProfile.objects.bulk_create(
        [
            BuyerProfile(
                user=user,
                real_name=rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                id_number=id_number(serial),
                verified_at=now,
            )
            for serial, user in enumerate(users, start=1)
        ],
        batch_size=1000,
    )
    Registration.objects.bulk_create([Registration(opening=opening, buyer=user) for user in users], batch_size=1000)

    from importlib import import_module

    from django.conf import settings

    store = import_module(settings.SESSION_ENGINE).SessionStore
    buyers = []
    for user in users[1:]:
        session = store()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "accounts.backends.MobileOrUsernameBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        # As if each had been active at some moment of the last minute (idle sign-out writes it once a minute).
        session["last_seen"] = int(time.time()) - rng.randrange(0, 50)
        session.create()
        buyers.append({"id": user.pk, "mobile": user.mobile, "session": session.session_key})
    buyers.insert(0, {"id": users[0].pk, "mobile": users[0].mobile, "session": None})  # logs in via the page
    shuffled = batch[:]
    rng.shuffle(shuffled)
    return World(
        opening_id=opening.pk,
        building_ids=building_ids,
        unit_ids=batch,
        buyers=buyers,
        popular=shuffled[: max(1, len(batch) // 10)],
    )


def open_opening_now(world: World, lead_seconds: float):
    """Move the opening's start (and sign-up close) to a moment `lead_seconds` from now, through the service."""
    from django.utils import timezone

    from accounts.models import User
    from sales import services
    from sales.models import Opening

    opening = Opening.objects.get(pk=world.opening_id)
    starts_at = timezone.now() + timedelta(seconds=lead_seconds)
    opening.signup_ends_at = opening.starts_at = starts_at
    services.opening_save(opening=opening, actor=User.objects.get(username="bench-manager"))
    return starts_at


# ---- a small HTTP/1.1 client ---------------------------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: dict
    body: bytes
    seconds: float
    set_cookies: list = field(default_factory=list)


class ConnectionFailed(Exception):
    pass


class Client:
    def __init__(self, port: int, concurrency: int):
        self.port = port
        self.slots = asyncio.Semaphore(concurrency)

    async def request(self, method, path, *, cookies=None, headers=None, form=None, limited=True) -> Response:
        lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}", "Connection: close"]
        if cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in cookies.items() if v))
        for name, value in (headers or {}).items():
            lines.append(f"{name}: {value}")
        body = b""
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            lines += ["Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(body)}"]
        raw = ("\r\n".join(lines) + "\r\n\r\n").encode() + body
        if limited:
            async with self.slots:
                return await self._send(raw)
        return await self._send(raw)

    async def _send(self, raw: bytes) -> Response:
        started = time.perf_counter()
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
            writer.write(raw)
            data = await reader.read()
            writer.close()
        except OSError as error:
            raise ConnectionFailed(str(error)) from error
        seconds = time.perf_counter() - started
        head, _, body = data.partition(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1."):
            raise ConnectionFailed("no HTTP response")
        headers, cookies = {}, []
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            name, value = name.strip().lower().decode(), value.strip().decode()
            if name == "set-cookie":
                cookies.append(value)
            headers[name] = value
        return Response(int(head[9:12]), headers, body, seconds, cookies)


def cookie_value(response: Response, name: str) -> str | None:
    for cookie in response.set_cookies:
        key, _, rest = cookie.partition("=")
        if key.strip() == name:
            return rest.split(";")[0]
    return None


# ---- the rush --------------------------------------------------------------------------------------------------


@dataclass
class Stats:
    select_seconds: list = field(default_factory=list)  # every select POST
    page_seconds: list = field(default_factory=list)  # every selection-page GET
    grid: list = field(default_factory=list)  # (started at, seconds, status)
    attempts: int = 0
    successes: list = field(default_factory=list)  # (buyer id, order path, time since the instant)
    refusals: dict = field(default_factory=dict)
    http_5xx: int = 0
    connection_errors: int = 0
    other_status: dict = field(default_factory=dict)
    double_pairs: int = 0
    double_mismatch: int = 0
    double_disagreements: int = 0
    first_answer: list = field(default_factory=list)  # per buyer: seconds from the instant to the first answer


class Rush:
    def __init__(self, args, world: World, client: Client, rng: random.Random):
        self.args, self.world, self.client, self.rng = args, world, client, rng
        self.stats = Stats()
        self.taken: set[int] = set()  # what the buyers have learnt is gone (as the polled grid shows it)
        self.instant = 0.0  # perf_counter() at the opening instant
        self.done = asyncio.Event()

    def unit_path(self, unit_id: int) -> str:
        return f"/openings/{self.world.opening_id}/units/{unit_id}/"

    def record(self, response: Response) -> None:
        if response.status >= 500:
            self.stats.http_5xx += 1
        elif response.status not in (200, 302, 304):
            self.stats.other_status[response.status] = self.stats.other_status.get(response.status, 0) + 1

    async def load_page(self, buyer, unit_id):
        """GET the selection page; (form fields or None, why not)."""
        try:
            response = await self.client.request("GET", self.unit_path(unit_id), cookies=buyer["cookies"])
        except ConnectionFailed:
            self.stats.connection_errors += 1
            return None, "connection"
        self.stats.page_seconds.append(response.seconds)
        self.record(response)
        if csrf := cookie_value(response, "csrftoken"):
            buyer["cookies"]["csrftoken"] = csrf
        return self.parse_form(response.body)

    def parse_form(self, body: bytes):
        # The page's own form, not the alternatives a refusal offers (a panel never has both).
        body = body.split(b'<form class="alternative"')[0]
        token, signature, csrf = TOKEN_RE.search(body), SIGNATURE_RE.search(body), CSRF_RE.search(body)
        if token and signature and csrf:
            return {
                "csrfmiddlewaretoken": csrf.group(1).decode(),
                "request_token": token.group(1).decode(),
                "price_signature": signature.group(1).decode(),
            }, ""
        if b'data-unit-status="available"' not in body:
            return None, "taken"
        state = STATE_RE.search(body)
        return None, state.group(2).decode() if state else "no form"

    async def post(self, buyer, unit_id, form):
        data = {"payment_method": self.rng.choice(["full", "mortgage"])} | form
        send = self.client.request(
            "POST", self.unit_path(unit_id), cookies=buyer["cookies"], headers={"HX-Request": "true"}, form=data
        )
        if buyer["double"]:
            buyer["double"] = False  # only the first try is double-clicked
            self.stats.attempts += 2
            results = await asyncio.gather(send, self.client.request(
                "POST", self.unit_path(unit_id), cookies=buyer["cookies"], headers={"HX-Request": "true"}, form=data
            ), return_exceptions=True)  # fmt: skip
            answers = [r for r in results if isinstance(r, Response)]
            self.stats.connection_errors += len(results) - len(answers)
            for answer in answers:
                self.stats.select_seconds.append(answer.seconds)
                self.record(answer)
            self.stats.double_pairs += 1
            redirects = [a.headers.get("hx-redirect") for a in answers]
            if len({r for r in redirects if r}) > 1:
                self.stats.double_mismatch += 1  # one form, two orders
            elif len(answers) == 2 and bool(redirects[0]) != bool(redirects[1]):
                self.stats.double_disagreements += 1  # one click was told "ordered", the other something else
            return answers[0] if answers else None
        self.stats.attempts += 1
        try:
            answer = await send
        except ConnectionFailed:
            self.stats.connection_errors += 1
            return None
        self.stats.select_seconds.append(answer.seconds)
        self.record(answer)
        return answer

    def next_target(self, tried: set[int]) -> int | None:
        left = [unit for unit in self.world.unit_ids if unit not in self.taken and unit not in tried]
        return self.rng.choice(left) if left else None

    async def buyer(self, buyer, first_target: int, preloaded):
        quota, tried, unit_id = self.args.quota, {first_target}, first_target
        form, why = preloaded
        await asyncio.sleep(max(0.0, self.instant - time.perf_counter()))
        answered = False
        while quota > 0:
            if form is None:
                if why == "taken":
                    self.taken.add(unit_id)
                elif "上限" in why:
                    break
                elif why not in ("connection",):
                    self.stats.refusals[why] = self.stats.refusals.get(why, 0) + 1
                    if "尚未开始" not in why:
                        break
                unit_id = self.next_target(tried)
                if unit_id is None:
                    break
                tried.add(unit_id)
                form, why = await self.load_page(buyer, unit_id)
                continue
            answer = await self.post(buyer, unit_id, form)
            if not answered:
                answered = True
                self.stats.first_answer.append(time.perf_counter() - self.instant)
            if answer is None or answer.status != 200:
                form, why = None, "connection"
                continue
            if redirect := answer.headers.get("hx-redirect"):
                self.stats.successes.append((buyer["id"], redirect, time.perf_counter() - self.instant))
                self.taken.add(unit_id)
                quota -= 1
                form, why = None, "taken"  # on to the next unit, if the quota allows
                continue
            refusal = REFUSAL_RE.search(answer.body)
            message = refusal.group(1).decode() if refusal else "（无提示）"
            if "已被选" in message:
                self.taken.add(unit_id)
                # The panel offers units still available, each with a ready form: take one, as a buyer would.
                offers = [offer for offer in self.alternatives(answer.body) if offer[0] not in self.taken]
                if offers:
                    unit_id, form = self.rng.choice(offers)
                    tried.add(unit_id)
                    why = ""
                elif ALTERNATIVE_RE.search(answer.body):
                    form, why = None, "taken"  # only units this buyer already saw go: look at the grid again
                else:
                    break  # nothing left in the batch
            elif "尚未开始" in message:  # the click came a hair early: the panel has a fresh form
                form, _why = self.parse_form(answer.body)
                await asyncio.sleep(0.005)
                why = message
            else:
                self.stats.refusals[message] = self.stats.refusals.get(message, 0) + 1
                form, why = None, message

    def alternatives(self, body: bytes) -> list:
        offers = []
        for block in body.split(b'<form class="alternative"')[1:]:
            unit = ALTERNATIVE_RE.search(block)
            form, _why = self.parse_form(block)
            if unit and form:
                offers.append(
                    (int(unit.group(1)), form | {"payment_method": PAYMENT_RE.search(block).group(1).decode()})
                )
        return offers

    async def watcher(self, cookies, building_id: int):
        path = f"/openings/{self.world.opening_id}/grid/{building_id}/"
        etag = None
        await asyncio.sleep(self.rng.random() * self.args.poll_seconds)
        while not self.done.is_set():
            headers = {"HX-Request": "true"} | ({"If-None-Match": etag} if etag else {})
            started = time.perf_counter()
            try:
                response = await self.client.request("GET", path, cookies=cookies, headers=headers, limited=False)
            except ConnectionFailed:
                self.stats.connection_errors += 1
            else:
                self.record(response)
                self.stats.grid.append((started, response.seconds, response.status))
                etag = response.headers.get("etag", etag)
            with contextlib.suppress(TimeoutError):  # the page polls on a timer; stop at once when the rush is over
                await asyncio.wait_for(self.done.wait(), timeout=self.args.poll_seconds)


async def login_through_the_page(client: Client, buyer) -> dict:
    page = await client.request("GET", "/accounts/login/")
    csrf_cookie = cookie_value(page, "csrftoken")
    token = CSRF_RE.search(page.body).group(1).decode()
    answer = await client.request(
        "POST",
        "/accounts/login/",
        cookies={"csrftoken": csrf_cookie},
        form={"csrfmiddlewaretoken": token, "username": buyer["mobile"], "password": BENCH_PASSWORD},
    )
    session = cookie_value(answer, "sessionid")
    if answer.status != 302 or not session:
        raise RuntimeError(f"login through the page failed: HTTP {answer.status}")
    # Logging in rotates the CSRF secret, as it should.
    return {"sessionid": session, "csrftoken": cookie_value(answer, "csrftoken") or csrf_cookie}


async def run_rush(args, world: World, port: int, rng: random.Random) -> tuple[Stats, float, float]:
    client = Client(port, args.concurrency)
    rush = Rush(args, world, client, rng)
    world.buyers[0]["cookies"] = await login_through_the_page(client, world.buyers[0])
    for buyer in world.buyers[1:]:
        buyer["cookies"] = {"sessionid": buyer["session"]}
    for buyer in world.buyers:
        buyer["double"] = rng.random() < args.double_share
    targets = [
        rng.choice(world.popular) if rng.random() < args.popular_share else rng.choice(world.unit_ids)
        for _ in world.buyers
    ]
    # Watchers: signed-up buyers' open tabs on the opening page, spread over the buildings.
    watchers = []
    for i in range(args.watchers):
        cookies = world.buyers[i % len(world.buyers)]["cookies"]
        watchers.append(asyncio.create_task(rush.watcher(cookies, world.building_ids[i % len(world.building_ids)])))
    log(f"{len(world.buyers)} buyers load their unit's page before the opening")
    preload_started = time.perf_counter()
    preloaded = await asyncio.gather(*(rush.load_page(b, t) for b, t in zip(world.buyers, targets, strict=True)))
    log(f"pages loaded in {time.perf_counter() - preload_started:.1f}s; the opening starts in 2 s")
    starts_at = await asyncio.to_thread(open_opening_now, world, 2.0)
    from django.utils import timezone

    rush.instant = time.perf_counter() + (starts_at - timezone.now()).total_seconds() + 0.005
    buyers = [
        asyncio.create_task(rush.buyer(b, t, p)) for b, t, p in zip(world.buyers, targets, preloaded, strict=True)
    ]
    await asyncio.gather(*buyers)
    ended = time.perf_counter()
    rush.done.set()
    await asyncio.gather(*watchers)
    return rush.stats, rush.instant, ended


# ---- ceilings ----------------------------------------------------------------------------------------------


async def framework_ceiling(port: int, concurrency: int, seconds: float, cookies=None) -> tuple[float, int]:
    client = Client(port, concurrency)
    deadline = time.perf_counter() + seconds
    count = errors = 0

    async def loop():
        nonlocal count, errors
        while time.perf_counter() < deadline:
            try:
                response = await client.request("GET", "/bench/ping/", cookies=cookies)
            except ConnectionFailed:
                errors += 1
                continue
            if response.status >= 500:
                errors += 1
            count += 1

    started = time.perf_counter()
    await asyncio.gather(*(loop() for _ in range(concurrency)))
    return count / (time.perf_counter() - started), errors


def _raw_sql_worker(dsn: str, first: int, step: int, seconds: float, queue) -> None:
    import psycopg2

    connection = psycopg2.connect(dsn)
    cursor = connection.cursor()
    done, unit_id = 0, first
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        cursor.execute("UPDATE bench_raw_unit SET status = 'locked' WHERE id = %s AND status = 'available'", [unit_id])
        if cursor.rowcount == 1:
            cursor.execute("INSERT INTO bench_raw_order (unit_id, buyer_id) VALUES (%s, %s)", [unit_id, first])
            done += 1
        connection.commit()
        unit_id += step
    connection.close()
    queue.put(done)


def raw_sql_ceiling(dsn: str, processes: int, seconds: float) -> float:
    """The conditional UPDATE + INSERT of a selection, straight through psycopg, one transaction each."""
    import psycopg2

    setup = psycopg2.connect(dsn)
    setup.autocommit = True
    with setup.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_raw_order, bench_raw_unit")
        cursor.execute("CREATE TABLE bench_raw_unit (id integer PRIMARY KEY, status varchar(10) NOT NULL)")
        cursor.execute(
            "CREATE TABLE bench_raw_order (id bigserial PRIMARY KEY,"
            " unit_id integer NOT NULL REFERENCES bench_raw_unit, buyer_id integer NOT NULL,"
            " created_at timestamptz NOT NULL DEFAULT now())"
        )
        cursor.execute("INSERT INTO bench_raw_unit SELECT g, 'available' FROM generate_series(0, 999999) g")
        cursor.execute("ANALYZE bench_raw_unit")
    setup.close()
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    workers = [
        context.Process(target=_raw_sql_worker, args=(dsn, first, processes, seconds, queue))
        for first in range(processes)
    ]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    total = sum(queue.get() for _ in workers)
    for worker in workers:
        worker.join()
    return total / (time.perf_counter() - started)


# ---- checks in the database ---------------------------------------------------------------------------------


def database_checks(world: World, stats: Stats) -> dict:
    from django.db.models import Count, Q

    from listings.models import UnitStatus
    from sales.models import Opening, Order, Registration

    opening = Opening.objects.get(pk=world.opening_id)
    orders = Order.objects.filter(opening=opening)
    active = orders.filter(status__in=ACTIVE)
    held = [UnitStatus.LOCKED, UnitStatus.RESERVED, UnitStatus.SIGNED, UnitStatus.SOLD]
    # Two live orders on a unit, or a live order whose unit is back on sale (so it could be sold again).
    oversold = active.values("unit_id").annotate(n=Count("pk")).filter(n__gt=1).count()
    oversold += active.exclude(unit__status__in=held).count()
    over_quota = (
        Registration.objects.filter(opening=opening)
        .annotate(n=Count("orders", filter=Q(orders__status__in=ACTIVE)))
        .filter(n__gt=opening.quota)
        .count()
    )
    tokens = orders.values("buyer_id", "request_token").distinct().count()
    answered = {path for _buyer, path, _at in stats.successes}
    return {
        "orders": orders.count(),
        "units_sold": active.values("unit_id").distinct().count(),
        "oversold": oversold,
        "over_quota": over_quota,
        # Orders sharing one form's token, plus double clicks whose two answers named different orders.
        "duplicate_orders": (orders.count() - tokens) + stats.double_mismatch,
        "orders_never_answered": orders.count() - len(answered),
        "locked_units_without_order": opening.units.filter(status=UnitStatus.LOCKED)
        .exclude(orders__status__in=ACTIVE)
        .count(),
    }


# ---- the run ----------------------------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(args, env, port: int) -> subprocess.Popen:
    log_path = Path(env["SHUCHANG_VAR_DIR"]) / "gunicorn.log"
    command = [
        str(Path(PYTHON).parent / "gunicorn"),
        "shuchang.wsgi:application",
        "--config",
        str(ROOT / "deploy" / "gunicorn.conf.py"),
        "--access-logfile",
        "/dev/null",  # one line per request would be written to a pipe nobody reads
        "--error-logfile",
        str(log_path),
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as probe:
                probe.sendall(b"GET /bench/ping/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                if probe.recv(12).endswith(b"200"):
                    return server
        except OSError:
            time.sleep(0.2)
    stop_server(server)
    raise RuntimeError(f"gunicorn did not start; see {log_path}")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


def main(argv=None) -> int:
    args = parse_args(argv)
    load_before = os.getloadavg()  # the machine may be shared: say how busy it was
    rng = random.Random(args.seed)
    started = time.perf_counter()
    port = args.port or free_port()
    env = bench_env(args, port)
    run_lock = hold_run_lock(args)
    prepare_database(args, env)
    collect_static(env)
    flush_redis(args)
    django_setup(env)
    log(f"building {args.units} units, an opening and {args.buyers} signed-up buyers")
    world = build_world(args, rng)
    from django.db import connection

    connection.close()  # the forked raw-SQL workers must not share it
    log(f"setup took {time.perf_counter() - started:.1f}s; starting gunicorn ({args.workers} sync workers)")
    server = start_server(args, env, port)
    try:
        generator_cpu = time.process_time()
        stats, instant, ended = asyncio.run(run_rush(args, world, port, rng))
        generator_cpu = time.process_time() - generator_cpu
        rush_seconds = ended - instant
        log(f"rush over in {rush_seconds:.2f}s; measuring the framework and database ceilings")
        framework_rps, framework_errors = asyncio.run(framework_ceiling(port, args.concurrency, args.ceiling_seconds))
        session_cookies = {"sessionid": world.buyers[1]["session"]} if len(world.buyers) > 1 else None
        framework_session_rps, _ = asyncio.run(
            framework_ceiling(port, args.concurrency, args.ceiling_seconds, cookies=session_cookies)
        )
        raw_sql_tps = raw_sql_ceiling(env["DATABASE_URL"], args.workers, args.ceiling_seconds)
    finally:
        stop_server(server)
    checks = database_checks(world, stats)
    from django.db import connections

    connections.close_all()
    if args.drop_after:
        drop_database(args)
    run_lock.close()
    in_rush = [(seconds, status) for at, seconds, status in stats.grid if instant <= at <= ended]
    last_sale = max((at for _b, _p, at in stats.successes), default=rush_seconds)
    select_rps = len(stats.select_seconds) / rush_seconds if rush_seconds else 0.0
    result = {
        "buyers": args.buyers,
        "units": args.units,
        "attempts": stats.attempts,
        "orders": checks["orders"],
        "units_sold": checks["units_sold"],
        "oversold": checks["oversold"],
        "over_quota": checks["over_quota"],
        "duplicate_orders": checks["duplicate_orders"],
        # A connection the server dropped counts as a server error too.
        "http_5xx": stats.http_5xx + stats.connection_errors + framework_errors,
        "sellout_s": round(last_sale if checks["units_sold"] == args.units else rush_seconds, 3),
        "select_rps": round(select_rps, 1),
        "select_p50_ms": round(percentile(stats.select_seconds, 0.50) * 1000, 1),
        "select_p99_ms": round(percentile(stats.select_seconds, 0.99) * 1000, 1),
        "grid_rps": round(len(in_rush) / rush_seconds, 1) if rush_seconds else 0.0,
        "grid_p99_ms": round(percentile([s for s, _ in in_rush], 0.99) * 1000, 1),
        "framework_rps": round(framework_rps, 1),
        "raw_sql_tps": round(raw_sql_tps, 1),
        "select_to_framework_ratio": round(select_rps / framework_rps, 3) if framework_rps else 0.0,
    }
    details = {
        "rush_s": round(rush_seconds, 3),
        "workers": args.workers,
        "concurrency": args.concurrency,
        "quota": args.quota,
        "page_gets": len(stats.page_seconds),
        "page_p50_ms": round(percentile(stats.page_seconds, 0.5) * 1000, 1),
        "page_p99_ms": round(percentile(stats.page_seconds, 0.99) * 1000, 1),
        "requests_per_s_in_rush": round((len(stats.select_seconds) + len(in_rush)) / rush_seconds, 1)
        if rush_seconds
        else 0,
        "grid_304_share": round(sum(1 for _s, status in in_rush if status == 304) / len(in_rush), 3) if in_rush else 0,
        "first_answer_p50_s": round(percentile(stats.first_answer, 0.5), 3),
        "first_answer_p99_s": round(percentile(stats.first_answer, 0.99), 3),
        "double_clicks": stats.double_pairs,
        "double_click_disagreements": stats.double_disagreements,
        "refusals": stats.refusals,
        "other_status": stats.other_status,
        "connection_errors": stats.connection_errors,
        "framework_with_session_rps": round(framework_session_rps, 1),
        "orders_never_answered": checks["orders_never_answered"],
        "locked_units_without_order": checks["locked_units_without_order"],
        "select_mean_ms": round(statistics.fmean(stats.select_seconds) * 1000, 1) if stats.select_seconds else 0,
        "total_s": round(time.perf_counter() - started, 1),
        # CPU the load generator itself took (preload and rush), out of the two cores the server also needs.
        "generator_cpu_s": round(generator_cpu, 1),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
    }
    log("details " + json.dumps(details, ensure_ascii=False))
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
