"""Reports over a year or as of a date: 月度收费项目综合统计表, 欠费统计表 (ageing), 按户的年度台帐."""

from collections import defaultdict
from datetime import date

from django.db.models import F, Q, Sum
from django.db.models.functions import TruncMonth

from payments.models import (
    PRICE_CHARGE_KINDS,
    Deposit,
    DepositKind,
    DepositStatus,
    Payment,
    PaymentKind,
    PaymentScheduleItem,
    PaymentStatus,
)
from payments.selectors.money import OWING_ORDER_STATUSES, arrears_by_order
from reports.exporters.base import Report, day_start
from reports.exporters.charges import PaymentReport, _sum
from reports.exporters.dues import schedule_items, unpaid_items
from shuchang.core.masking import mask_name
from shuchang.core.money import ZERO

MONTHS = range(1, 13)


def _month_start(year: int, month: int):
    return day_start(date(year + month // 13, (month - 1) % 12 + 1, 1))


class MonthlyChargeItems(PaymentReport):
    code = "monthly_charge_items"
    title = "月度收费项目综合统计表"
    filter_fields = ("year", "project", "building", "method", "charge_item")
    amount_columns = tuple(range(1, 14))
    widths = (14, *([12] * 13))
    header = ("收费项目", *(f"{month}月" for month in MONTHS), "全年合计")

    def rows(self):
        yield self.header
        year = self.filters["year"]
        payments = self.payments().filter(paid_at__gte=_month_start(year, 1), paid_at__lt=_month_start(year, 13))
        # One SUM per month, each bounded by local month starts (Asia/Shanghai), in one query.
        months = {
            f"m{month}": _sum(Q(paid_at__gte=_month_start(year, month), paid_at__lt=_month_start(year, month + 1)))
            for month in MONTHS
        }
        lines = (
            payments.values("charge_item__position", "charge_item__name")
            .annotate(**months, total=_sum())
            .order_by("charge_item__position", "charge_item__name")
        )
        for line in lines:
            yield (line["charge_item__name"], *(line[f"m{month}"] for month in MONTHS), line["total"])


_BUCKETS = ((30, "≤30天"), (90, "31–90天"), (180, "91–180天"), (None, ">180天"))


class Arrears(Report):
    code = "arrears"
    title = "欠费统计表"
    filter_fields = ("as_of", "project", "building")
    amount_columns = (4, 5, 6, 7, 8, 9, 10)
    personal = True
    widths = (14, 16, 12, 10, 14, 14, 14, 12, 12, 12, 12)
    header = (
        "认购单号",
        "楼盘",
        "房号",
        "购房人",
        "应收（截至）",
        "已收",
        "欠费",
        *(label for _, label in _BUCKETS),
    )

    def _ageing(self, as_of: date) -> dict[int, list]:
        """Unpaid parts of the items due by `as_of`, oldest covered first (a running total in SQL), bucketed by age."""
        unpaid = unpaid_items(schedule_items(self), as_of=as_of).values_list("schedule__order_id", "due_on", "unpaid")
        buckets: dict[int, list] = defaultdict(lambda: [ZERO] * len(_BUCKETS))
        for order_id, due_on, amount in unpaid:
            age = (as_of - due_on).days
            index = next(i for i, (limit, _) in enumerate(_BUCKETS) if limit is None or age <= limit)
            buckets[order_id][index] += amount
        return buckets

    def rows(self):
        yield self.header
        as_of = self.filters["as_of"]
        orders = arrears_by_order(self.user, as_of=as_of)
        if self.filters.get("project"):
            orders = orders.filter(project=self.filters["project"])
        if self.filters.get("building"):
            orders = orders.filter(unit__building=self.filters["building"])
        buckets = self._ageing(as_of)
        for order in orders:
            profile = getattr(order.buyer, "buyer_profile", None)
            name = profile.real_name if profile is not None and profile.real_name else ""
            yield (
                order.number,
                order.project.name,
                order.unit.code,
                mask_name(name),
                order.due,
                order.paid,
                order.arrears,
                *buckets[order.pk],
            )


class HouseholdLedger(Report):
    """Per household (order: unit and buyer), the year month by month: due, paid, refunded, balance owed.

    Paid (实收) is what counts toward the price, as payments' arrears count it: the confirmed payments
    of the price items (定金, 首付款, 房款), and a 认筹金 converted into the order (转入定金/房款), in
    the month it was converted — shown again apart (其中认筹金转入). The balance carries on from
    everything before the year, so each month's balance is what was due by its end less what was
    paid by then (payments.selectors.order_statement's due − paid).
    """

    code = "household_ledger"
    title = "按户的年度台帐"
    filter_fields = ("year", "project", "building")
    amount_columns = (4, 5, 6, 7)
    personal = True
    widths = (14, 12, 10, 10, 14, 14, 14, 14, 14)
    header = ("认购单号", "房号", "购房人", "月份", "应收", "实收", "其中认筹金转入", "退款", "月末欠款余额")

    def rows(self):
        from sales.models import Order

        yield self.header
        year = self.filters["year"]
        start, end = _month_start(year, 1), _month_start(year, 13)
        orders = self.scoped(Order.objects.filter(status__in=OWING_ORDER_STATUSES))
        if self.filters.get("project"):
            orders = orders.filter(project=self.filters["project"])
        if self.filters.get("building"):
            orders = orders.filter(unit__building=self.filters["building"])
        order_ids = orders.values("pk")
        items = PaymentScheduleItem.objects.filter(schedule__is_current=True, schedule__order_id__in=order_ids)
        payments = Payment.objects.filter(
            order_id__in=order_ids, status=PaymentStatus.CONFIRMED, charge_item__kind__in=PRICE_CHARGE_KINDS
        )
        # The same 认筹金 payments' paid_expression counts: converted into the order, and still so.
        converted = Deposit.objects.filter(
            converted_order_id__in=order_ids, kind=DepositKind.INTENTION, status=DepositStatus.CONVERTED
        )
        # Opening balances and the year's months, each one grouped query.
        opening_due = dict(
            items.filter(due_on__lt=date(year, 1, 1))
            .values("schedule__order_id")
            .annotate(total=Sum("amount"))
            .values_list("schedule__order_id", "total")
        )
        opening_paid = defaultdict(lambda: ZERO)
        for before_year in (
            payments.filter(paid_at__lt=start).values(household=F("order_id")).annotate(total=Sum("amount")),
            converted.filter(status_changed_at__lt=start)
            .values(household=F("converted_order_id"))
            .annotate(total=Sum("amount")),
        ):
            for line in before_year:
                opening_paid[line["household"]] += line["total"]
        due = defaultdict(lambda: ZERO)
        for order_id, month, total in (
            items.filter(due_on__gte=date(year, 1, 1), due_on__lte=date(year, 12, 31))
            .annotate(month=TruncMonth("due_on"))
            .values("schedule__order_id", "month")
            .annotate(total=Sum("amount"))
            .values_list("schedule__order_id", "month", "total")
        ):
            due[order_id, month.month] = total
        paid, refunded, intention = defaultdict(lambda: ZERO), defaultdict(lambda: ZERO), defaultdict(lambda: ZERO)
        for order_id, month, paid_total, refund_total in (
            payments.filter(paid_at__gte=start, paid_at__lt=end)
            .annotate(month=TruncMonth("paid_at"))
            .values("order_id", "month")
            .annotate(paid=_sum(Q(kind=PaymentKind.PAYMENT)), refunded=_sum(Q(kind=PaymentKind.REFUND)))
            .values_list("order_id", "month", "paid", "refunded")
        ):
            paid[order_id, month.month] = paid_total
            refunded[order_id, month.month] = refund_total
        for order_id, month, total in (
            converted.filter(status_changed_at__gte=start, status_changed_at__lt=end)
            .annotate(month=TruncMonth("status_changed_at"))
            .values("converted_order_id", "month")
            .annotate(total=Sum("amount"))
            .values_list("converted_order_id", "month", "total")
        ):
            intention[order_id, month.month] = total
        for order in orders.select_related("unit", "buyer__buyer_profile").order_by("unit__code", "pk"):
            profile = getattr(order.buyer, "buyer_profile", None)
            name = mask_name(profile.real_name if profile is not None else "")
            balance = opening_due.get(order.pk, ZERO) - opening_paid[order.pk]
            for month in MONTHS:
                key = (order.pk, month)
                received = paid[key] + intention[key]
                # Refunds are negative: paying back money raises what is owed again.
                balance += due[key] - received - refunded[key]
                yield (
                    order.number,
                    order.unit.code,
                    name,
                    f"{year}-{month:02d}",
                    due[key],
                    received,
                    intention[key],
                    refunded[key],
                    balance,
                )
