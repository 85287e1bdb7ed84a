"""What every report is: an identifier, a Chinese title, the permission it needs, the filters it
takes, and `rows()` — a generator yielding the header first, then data rows (aggregated in SQL).

`amount_columns` are the columns summed into the totals row; the totals are accumulated while the
rows stream, so the totals row is by construction the sum of the lines shown or written.
"""

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from decimal import Decimal

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
    """Accumulates the totals row while rows stream past."""

    def __init__(self, report: Report, width: int):
        self.width = width
        self.amounts = {index: ZERO for index in report.amount_columns}
        self.counts = {index: 0 for index in report.count_columns}

    def add(self, row) -> None:
        for index in self.amounts:
            self.amounts[index] += row[index] or ZERO
        for index in self.counts:
            self.counts[index] += row[index] or 0

    def row(self) -> tuple:
        values: list = ["合计"] + [None] * (self.width - 1)
        for index, value in {**self.amounts, **self.counts}.items():
            values[index] = value
        return tuple(values)


def as_decimal(value) -> Decimal:
    return value if value is not None else ZERO
