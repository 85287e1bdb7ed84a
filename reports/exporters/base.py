"""What every report is: an identifier, a Chinese title, the permission it needs, the filters it
takes, and `rows()` — a generator yielding the header first, then data rows (aggregated in SQL).

`amount_columns` are the columns summed into the totals row; the totals are accumulated while the
rows stream, so the totals row is by construction the sum of the lines shown or written.
"""

import contextlib
import queue
import threading
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import connections
from django.db.models import Case, CharField, F, FloatField, Func, Value, When
from django.db.models.functions import Concat, Left, Length, Repeat, Right
from django.db.models.lookups import Exact, IsNull, LessThanOrEqual
from django.utils import timezone

from accounts.scope import filter_by_scope
from payments.models import ReceiptStatus
from shuchang.core.money import ZERO

CHARGE_PERMISSION = "reports.view_charge_reports"
PROPERTY_PERMISSION = "reports.view_property_reports"


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def day_end(day: date) -> datetime:
    """The first instant after the local day, so a range 'to' a date includes that whole day."""
    return day_start(day) + timedelta(days=1)


class Report:
    code = ""
    title = ""
    permission = CHARGE_PERMISSION
    filter_fields: tuple[str, ...] = ()
    amount_columns: tuple[int, ...] = ()
    count_columns: tuple[int, ...] = ()
    personal = False  # exports naming people are logged with the same care either way
    widths: tuple[int, ...] | None = None
    # One of shuchang.core.xlsx.KINDS per column, for reports whose columns always hold one type:
    # their rows go to the Excel writer without a per-value type test (the large detail).
    kinds: tuple[str, ...] | None = None

    def __init__(self, *, user, filters: dict):
        self.user = user
        # Defaults: the current year, as of today, day grain.
        today = timezone.localdate()
        self.filters = {**filters}
        self.filters["year"] = filters.get("year") or today.year
        self.filters["as_of"] = filters.get("as_of") or today
        self.filters["grain"] = filters.get("grain") or "day"

    def scoped(self, queryset, project_path: str = "project"):
        # No user: the system's scheduled run, which covers every project (finance with a
        # restricted scope never sees those files; see reports.selectors.generated_for_user).
        if self.user is None:
            return queryset
        return filter_by_scope(queryset, self.user, project_path)

    def estimate(self) -> int | None:
        """Roughly how many rows the report has (for the progress bar), if cheap to know."""
        return None

    def rows(self) -> Iterator[tuple]:
        """The header first, then the data rows."""
        raise NotImplementedError

    def excel_rows(self) -> Iterator[tuple]:
        """The same lines for the .xlsx writer; a large report may hand over what the writer takes
        cheapest (an Excel serial date computed in SQL instead of a datetime)."""
        return self.rows()

    def filters_text(self) -> str:
        labels = {
            "date_from": "开始日期",
            "date_to": "结束日期",
            "as_of": "截至日期",
            "year": "年度",
            "project": "楼盘",
            "building": "楼栋",
            "operator": "收款员",
            "method": "支付方式",
            "charge_item": "收费项目",
            "receipt_status": "收据状态",
            "grain": "统计粒度",
        }
        grains = {"day": "按日", "month": "按月", "year": "按年"}
        parts = []
        for name in self.filter_fields:
            value = self.filters.get(name)
            if value in (None, ""):
                continue
            if name == "grain":
                value = grains.get(value, value)
            elif name == "receipt_status":
                value = dict(ReceiptStatus.choices).get(value, value)
            parts.append(f"{labels[name]}：{value}")
        return "；".join(parts)


class Totals:
    """Accumulates the totals row while rows stream past. An amount column left blank on every line
    (a figure that does not apply under the filters chosen) stays blank in the totals too."""

    def __init__(self, report: Report, width: int):
        self.width = width
        self.amounts = {index: ZERO for index in report.amount_columns}
        self.counts = {index: 0 for index in report.count_columns}
        self.blank = set(report.amount_columns)  # amount columns with no value yet
        self.lines = 0

    def add(self, row) -> None:
        self.lines += 1
        for index in self.amounts:
            value = row[index]
            if value is not None:
                self.amounts[index] += value
                self.blank.discard(index)
        for index in self.counts:
            self.counts[index] += row[index] or 0

    def row(self) -> tuple:
        values: list = ["合计"] + [None] * (self.width - 1)
        for index, value in {**self.amounts, **self.counts}.items():
            values[index] = value
        if self.lines:
            for index in self.blank:
                values[index] = None
        return tuple(values)


def as_decimal(value) -> Decimal:
    return value if value is not None else ZERO


# ---- streaming and formatting in SQL (the large detail) -----------------------------------------


def stream_values(queryset, *, chunk_size: int = 20_000) -> Iterator[tuple]:
    """The rows of a values_list() queryset from a server-side cursor, as the driver returns them.

    On PostgreSQL the tuples come straight from psycopg in chunks of `chunk_size`, without Django's
    per-row converters (a Case() over a DecimalField would otherwise rebuild every row in Python):
    use it only for columns the driver already returns as wanted — text, numeric, float8, timestamptz.
    Elsewhere (SQLite, `make run`) it is the ORM's own iterator, converters and all.
    """
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        yield from queryset.iterator(chunk_size=chunk_size)
        return
    sql, params = queryset.query.get_compiler(using=queryset.db).as_sql()
    cursor = connection.chunked_cursor()
    try:
        cursor.execute(sql, params)
        yield from _prefetched(cursor.cursor, chunk_size)
    finally:
        cursor.close()


def _prefetched(driver_cursor, chunk_size: int) -> Iterator[tuple]:
    """The cursor's rows, the next chunk fetched by a thread while the caller works on this one.

    psycopg2 lets go of the GIL while it waits for PostgreSQL, so PostgreSQL produces the next chunk
    on the other core instead of the writer waiting for it (2.5 s of the year's 52 s, measured)."""
    chunks: queue.Queue = queue.Queue(maxsize=2)
    stop = threading.Event()

    def fetch() -> None:
        try:
            while not stop.is_set():
                chunk = driver_cursor.fetchmany(chunk_size)
                chunks.put(chunk)
                if not chunk:
                    return
        except BaseException as error:  # handed to the reader, which raises it
            chunks.put(error)

    fetcher = threading.Thread(target=fetch, name="report-prefetch", daemon=True)
    fetcher.start()
    try:
        while True:
            chunk = chunks.get()
            if isinstance(chunk, BaseException):
                raise chunk
            if not chunk:
                return
            yield from chunk
    finally:
        # The reader may stop early (an error in the writer): let the fetcher finish before the
        # cursor closes, taking what it puts so that it is never left waiting on a full queue.
        stop.set()
        while fetcher.is_alive():
            with contextlib.suppress(queue.Empty):
                chunks.get(timeout=0.05)
        fetcher.join()


class ExcelSerialDateTime(Func):
    """A timestamptz as Excel's serial date-time of the local wall time (days since 1899-12-30), in
    SQL: the Excel writer takes a float with a date format far cheaper than a Python datetime.
    PostgreSQL only (AT TIME ZONE with the named zone)."""

    def __init__(self, expression, **extra):
        super().__init__(expression, output_field=FloatField(), **extra)

    def as_sql(self, compiler, connection, **extra_context):
        if connection.vendor != "postgresql":
            raise NotImplementedError("ExcelSerialDateTime needs PostgreSQL")
        inner, params = compiler.compile(self.source_expressions[0])
        zone = timezone.get_current_timezone_name()
        # 25569 is 1970-01-01 in Excel's serial dates; the epoch of a wall time counts its seconds from
        # there. Whole seconds, as the cell shows them (yyyy-mm-dd hh:mm:ss): a spreadsheet would round
        # 10:00:00.7 up to 10:00:01, where every other page of ours says 10:00:00.
        sql = f"(EXTRACT(EPOCH FROM date_trunc('second', {inner} AT TIME ZONE %s))::float8 / 86400.0 + 25569.0)"
        return sql, (*params, zone)


def masked_name(field: str) -> Case:
    """shuchang.core.masking.mask_name in SQL: 张*明 / 王* / 欧**锋; a single character stays as it is."""
    length, text = Length(field), CharField()
    return Case(
        When(IsNull(F(field), True), then=Value("")),
        When(LessThanOrEqual(length, 1), then=F(field)),
        When(Exact(length, 2), then=Concat(Left(field, 1), Value("*"), output_field=text)),
        default=Concat(Left(field, 1), Repeat(Value("*"), length - 2), Right(field, 1), output_field=text),
        output_field=text,
    )
