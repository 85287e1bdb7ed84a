"""make bench-reports: load N payments with receipts (default 1,000,000) across projects, operators,
methods and a year of dates, then time the reports and print ONE JSON line:

  detail_month_s / detail_month_rows / detail_month_peak_rss_mb   收费收据明细表, one month, to .xlsx
  detail_year_s / detail_year_rows / detail_year_peak_rss_mb      the same for the whole year
  summary_s: {report: seconds}                                     each summary over the year
  floor_openpyxl_s / floor_xlsxwriter_s                            each Excel writer alone, same rows, 8 plain columns
  floor_s / floor_writer                                            the faster of the two (the floor)
  detail_year_to_floor                                              detail_year_s / floor_s (target ≤ 1.3)
  *_cpu_s                                                           this process's CPU seconds for the same step
                                                                    (wall time on a shared machine includes waiting)

PostgreSQL only: the rows are made by INSERT … SELECT generate_series in two statements, and the
detail streams from a server-side cursor. Run it on its own database (the Makefile target makes one).
"""

import json
import resource
import tempfile
import time
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone
from openpyxl import Workbook
from xlsxwriter import Workbook as XlsxWriterWorkbook

from reports.exporters import REPORTS
from reports.selectors import report_table
from reports.services import report_write_xlsx
from shuchang.core.xlsx import WORKBOOK_OPTIONS

SUMMARIES = ("receipt_summary", "operator_summary", "charge_item_summary", "monthly_charge_items")


def _peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # Linux: KiB


class _Clock:
    """Wall and CPU seconds of one step."""

    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall = round(time.perf_counter() - self.wall, 2)
        self.cpu = round(time.process_time() - self.cpu, 2)


class Command(BaseCommand):
    help = "收费报表基准测试：载入大量收款与收据，测量明细表导出与各汇总表耗时（输出一行 JSON）"

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=1_000_000)
        parser.add_argument("--year", type=int, default=None, help="默认为上一年")
        parser.add_argument("--projects", type=int, default=3)
        parser.add_argument("--operators", type=int, default=6)
        parser.add_argument(
            "--reuse", action="store_true", help="不载入数据，直接测量数据库中已有的收款（重复测量时用）"
        )

    def handle(self, *args, rows: int, year: int, projects: int, operators: int, reuse: bool = False, **options):
        if connection.vendor != "postgresql":
            raise CommandError("基准测试需要 PostgreSQL（DATABASE_URL）")
        year = year or timezone.localdate().year - 1
        started = time.perf_counter()
        if not reuse:
            with transaction.atomic():
                self._load(rows=rows, year=year, projects=projects, operators=operators)
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE payments_payment; ANALYZE payments_receipt")
        load_s = time.perf_counter() - started
        result = {"rows": rows, "year": year, "load_s": round(load_s, 2)}
        whole_year = {"date_from": date(year, 1, 1), "date_to": date(year, 12, 31)}
        with tempfile.TemporaryDirectory() as folder:
            target = Path(folder) / "detail.xlsx"
            june = {"date_from": date(year, 6, 1), "date_to": date(year, 6, 30)}
            result |= self._detail("detail_month", target, june)
            summary = {}
            for code in SUMMARIES:
                tick = time.perf_counter()
                table = report_table(REPORTS[code](user=None, filters={**whole_year, "year": year, "grain": "month"}))
                summary[code] = round(time.perf_counter() - tick, 3)
                assert table.count > 0
            result["summary_s"] = summary
            # The year's detail and the floor one after the other, so both see the same machine.
            result |= self._detail("detail_year", target, whole_year)
            result |= self._floor(Path(folder) / "floor.xlsx", result["detail_year_rows"])
        result["detail_year_to_floor"] = round(result["detail_year_s"] / result["floor_s"], 2)
        result["detail_year_to_floor_cpu"] = round(result["detail_year_cpu_s"] / result["floor_cpu_s"], 2)
        self.stdout.write(json.dumps(result, ensure_ascii=False))

    def _detail(self, name: str, target: Path, filters: dict) -> dict:
        with _Clock() as clock:
            count = report_write_xlsx(report=REPORTS["receipt_detail"](user=None, filters=filters), target=target)
        return {
            f"{name}_s": clock.wall,
            f"{name}_cpu_s": clock.cpu,
            f"{name}_rows": count,
            f"{name}_peak_rss_mb": _peak_rss_mb(),
            f"{name}_bytes": target.stat().st_size,
        }

    def _floor(self, target: Path, count: int) -> dict:
        """Each Excel writer alone writing `count` rows of 8 plain values — openpyxl's write-only mode
        and xlsxwriter's constant-memory mode (with the options our exports use) — and the faster one."""
        row = ("YUNQI-2025-000001", "2025-06-01 10:00:00", "张*", "1-101", "定金", "现金", 12345.67, "finance")
        with _Clock() as openpyxl_clock:
            workbook = Workbook(write_only=True)
            sheet = workbook.create_sheet("floor")
            for _ in range(count):
                sheet.append(row)
            workbook.save(str(target))
        with _Clock() as xlsxwriter_clock:
            workbook = XlsxWriterWorkbook(str(target), WORKBOOK_OPTIONS)
            sheet = workbook.add_worksheet("floor")
            for index in range(count):
                sheet.write_row(index, 0, row)
            workbook.close()
        floors = {"openpyxl write-only": openpyxl_clock, "xlsxwriter constant_memory": xlsxwriter_clock}
        writer = min(floors, key=lambda name: floors[name].wall)
        return {
            "floor_openpyxl_s": openpyxl_clock.wall,
            "floor_openpyxl_cpu_s": openpyxl_clock.cpu,
            "floor_xlsxwriter_s": xlsxwriter_clock.wall,
            "floor_xlsxwriter_cpu_s": xlsxwriter_clock.cpu,
            "floor_s": floors[writer].wall,
            "floor_cpu_s": floors[writer].cpu,
            "floor_writer": writer,
        }

    def _load(self, *, rows: int, year: int, projects: int, operators: int) -> None:
        """Projects, units, buyers and orders through the services; then the money rows in bulk SQL."""
        from listings.tests.factories import ProjectFactory, building_with_units
        from payments.models import ChargeItem, PaymentMethod, ReceiptSequence
        from payments.services.receipts import receipt_prefix
        from payments.tests.factories import select, staff
        from sales.tests.factories import buyer

        orders = []
        for index in range(projects):
            project = ProjectFactory(name=f"基准楼盘{index + 1}", slug=f"bench{index + 1}")
            building = building_with_units(project=project, number="1", floors=2, units_per_floor=2)
            for unit in building.units.order_by("pk"):
                orders.append(select(buyer(f"业主{len(orders) + 1}"), unit))
            ReceiptSequence.objects.create(project=project, year=year, prefix=receipt_prefix(project))
        staff_ids = [staff(f"bench_cashier{index + 1}", ["finance"]).pk for index in range(operators)]
        method_ids = list(PaymentMethod.objects.exclude(kind="online").values_list("pk", flat=True))
        item_ids = list(ChargeItem.objects.values_list("pk", flat=True))
        params = {
            "rows": rows,
            "order_ids": [o.pk for o in orders],
            "project_ids": [o.project_id for o in orders],
            "buyer_ids": [o.buyer_id for o in orders],
            "staff_ids": staff_ids,
            "method_ids": method_ids,
            "item_ids": item_ids,
            "start": f"{year}-01-01 00:00:00+08",  # local midnight; 31.4M seconds stay inside the local year
        }
        with connection.cursor() as cursor:
            cursor.execute("SELECT COALESCE(MAX(id), 0) FROM payments_payment")
            (first_id,) = cursor.fetchone()
            # Payments: spread evenly over the year, amounts between 100.00 and 10,099.99.
            cursor.execute(
                """
                INSERT INTO payments_payment (
                    project_id, order_id, buyer_id, payer_name, method_id, charge_item_id, kind, status, amount,
                    external_ref, reason, note, paid_at, recorded_by_id, recorded_at, review_note
                )
                SELECT
                    (%(project_ids)s::bigint[])[1 + g %% cardinality(%(order_ids)s::bigint[])],
                    (%(order_ids)s::bigint[])[1 + g %% cardinality(%(order_ids)s::bigint[])],
                    (%(buyer_ids)s::bigint[])[1 + g %% cardinality(%(order_ids)s::bigint[])],
                    '张三', (%(method_ids)s::bigint[])[1 + g %% cardinality(%(method_ids)s::bigint[])],
                    (%(item_ids)s::bigint[])[1 + (g / 7) %% cardinality(%(item_ids)s::bigint[])],
                    'payment', 'confirmed', 100 + (g * 7919 %% 1000000) / 100.0,
                    '', '', '',
                    %(start)s::timestamptz + make_interval(secs => (g - 1) * 31400000.0 / %(rows)s),
                    (%(staff_ids)s::bigint[])[1 + g %% cardinality(%(staff_ids)s::bigint[])],
                    now(), ''
                FROM generate_series(1::bigint, %(rows)s::bigint) AS g
                """,
                params,
            )
            # One receipt per payment, numbered per project without gaps (the sequence rows agree).
            cursor.execute(
                """
                INSERT INTO payments_receipt (
                    sequence_id, number, code, project_id, payment_id, kind, status, title, project_name,
                    payer_name, unit_label, charge_item_name, method_name, external_ref, amount, amount_in_words,
                    note, operator_name, issued_by_id, issued_at, print_count, void_reason
                )
                SELECT s.id, n.number, s.prefix || '-' || s.year || '-' || lpad(n.number::text, 6, '0'),
                       p.project_id, p.id, 'normal', 'issued', pr.name, pr.name, p.payer_name, u.code,
                       ci.name, m.name, '', p.amount, '', '', us.username, p.recorded_by_id, p.paid_at, 1, ''
                FROM payments_payment p
                JOIN (SELECT id, row_number() OVER (PARTITION BY project_id ORDER BY id) AS number
                      FROM payments_payment WHERE id > %(first)s) n ON n.id = p.id
                JOIN payments_receiptsequence s ON s.project_id = p.project_id AND s.year = %(year)s
                JOIN listings_project pr ON pr.id = p.project_id
                JOIN sales_order o ON o.id = p.order_id
                JOIN listings_unit u ON u.id = o.unit_id
                JOIN payments_chargeitem ci ON ci.id = p.charge_item_id
                JOIN payments_paymentmethod m ON m.id = p.method_id
                JOIN accounts_user us ON us.id = p.recorded_by_id
                WHERE p.id > %(first)s
                """,
                {"first": first_id, "year": year},
            )
            cursor.execute(
                """
                UPDATE payments_receiptsequence s SET last_number = c.n
                FROM (SELECT project_id, count(*) AS n FROM payments_receipt GROUP BY project_id) c
                WHERE c.project_id = s.project_id AND s.year = %(year)s
                """,
                {"year": year},
            )
