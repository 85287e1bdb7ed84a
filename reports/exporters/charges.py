"""The charge reports (收费报表). Each reads receipts or payments of the user's projects, filtered
the same way, and aggregates in SQL; rows() yields the header first."""

from django.db import connection
from django.db.models import Case, CharField, Count, DecimalField, F, Q, Sum, Value, When
from django.db.models.functions import Coalesce, Concat, Trim, TruncDay, TruncMonth, TruncYear
from django.utils import timezone

from payments.models import MethodKind, Payment, PaymentKind, PaymentStatus, Receipt, ReceiptKind, ReceiptStatus
from reports.exporters.base import ExcelSerialDateTime, Report, day_end, day_start, masked_name, stream_values
from reports.exporters.dues import schedule_items, unpaid_by_charge_item
from shuchang.core.money import ZERO

AMOUNT = DecimalField(max_digits=14, decimal_places=2)
_RECEIPT_FILTERS = ("date_from", "date_to", "project", "building", "operator", "method", "charge_item")


def _sum(condition: Q | None = None):
    return Coalesce(Sum("amount", filter=condition), Value(ZERO, output_field=AMOUNT), output_field=AMOUNT)


class ReceiptReport(Report):
    """Receipts filtered by the shared filters (issue date, project, building, operator, method, item)."""

    def receipts(self):
        f = self.filters
        receipts = self.scoped(Receipt.objects.all())
        if f.get("date_from"):
            receipts = receipts.filter(issued_at__gte=day_start(f["date_from"]))
        if f.get("date_to"):
            receipts = receipts.filter(issued_at__lt=day_end(f["date_to"]))
        if f.get("project"):
            receipts = receipts.filter(project=f["project"])
        if f.get("building"):
            receipts = receipts.filter(payment__order__unit__building=f["building"])
        if f.get("operator"):
            receipts = receipts.filter(issued_by=f["operator"])
        if f.get("method"):
            receipts = receipts.filter(payment__method=f["method"])
        if f.get("charge_item"):
            receipts = receipts.filter(payment__charge_item=f["charge_item"])
        if f.get("receipt_status"):
            receipts = receipts.filter(status=f["receipt_status"])
        return receipts


class ReceiptDetail(ReceiptReport):
    """Every receipt line. The year's detail is a million lines, so each is formatted in SQL (masked
    payer, status label, a voided receipt's amount as 0, and for Excel the time as a serial date) and
    streams from a server-side cursor to the writer as the driver's own tuple: no Python work per line."""

    code = "receipt_detail"
    title = "收费收据明细表"
    filter_fields = (*_RECEIPT_FILTERS, "receipt_status")
    amount_columns = (6,)
    personal = True
    widths = (22, 20, 12, 40, 12, 12, 14, 12, 8)
    kinds = ("text", "datetime", "text", "text", "text", "text", "amount", "text", "text")
    # The nine columns; the project leads the unit ("舒畅·云栖府 1-0101（认购单 …）") rather
    # than taking a tenth column: a cell costs the writer as much as the query, so it is a tenth of the time.
    header = ("收据编号", "开具时间", "付款人", "楼盘及房号", "收费项目", "支付方式", "金额", "收款人", "状态")

    def estimate(self) -> int:
        return self.receipts().count()

    def rows(self):
        return self._lines(issued=F("issued_at"))

    def excel_rows(self):
        if connection.vendor != "postgresql":
            return self.rows()  # SQLite (make run): the writer converts the datetimes itself
        return self._lines(issued=ExcelSerialDateTime("issued_at"))

    def _lines(self, *, issued):
        yield self.header
        voided = Q(status=ReceiptStatus.VOIDED)
        lines = (
            self.receipts()
            .order_by("issued_at", "id")
            .annotate(
                line_issued=issued,
                line_payer=masked_name("payer_name"),
                line_unit=Trim(Concat("project_name", Value(" "), "unit_label", output_field=CharField())),
                # A voided receipt is listed for the record but counts zero in the totals.
                line_amount=Case(When(voided, then=Value(ZERO)), default=F("amount"), output_field=AMOUNT),
                line_status=Case(
                    When(voided, then=Value("作废")),
                    When(kind=ReceiptKind.RED, then=Value("红冲")),
                    default=Value("正常"),
                    output_field=CharField(),
                ),
            )
            .values_list(
                "code",
                "line_issued",
                "line_payer",
                "line_unit",
                "charge_item_name",
                "method_name",
                "line_amount",
                "operator_name",
                "line_status",
            )
        )
        yield from stream_values(lines)


_TRUNC = {"day": TruncDay, "month": TruncMonth, "year": TruncYear}
_PERIOD_FORMAT = {"day": "%Y-%m-%d", "month": "%Y-%m", "year": "%Y"}


class ReceiptSummary(ReceiptReport):
    code = "receipt_summary"
    title = "收费收据汇总表"
    filter_fields = (*_RECEIPT_FILTERS, "grain")
    amount_columns = (3, 5)
    count_columns = (2, 4)
    header = ("期间", "支付方式", "有效张数", "有效金额", "作废张数", "作废金额")

    def rows(self):
        yield self.header
        grain = self.filters.get("grain") or "day"
        voided = Q(status=ReceiptStatus.VOIDED)
        lines = (
            self.receipts()
            .annotate(period=_TRUNC[grain]("issued_at"))
            .values("period", "method_name")
            .annotate(
                valid_count=Count("id", filter=~voided),
                valid_amount=_sum(~voided),
                void_count=Count("id", filter=voided),
                void_amount=_sum(voided),
            )
            .order_by("period", "method_name")
        )
        for line in lines:
            yield (
                line["period"].strftime(_PERIOD_FORMAT[grain]),
                line["method_name"],
                line["valid_count"],
                line["valid_amount"],
                line["void_count"],
                line["void_amount"],
            )


class PaymentReport(Report):
    """Confirmed payments (refunds are negative rows) filtered by the shared filters on 收款时间."""

    def filtered(self, payments):
        """`payments` in the user's scope, narrowed by every shared filter but the dates."""
        f = self.filters
        payments = self.scoped(payments)
        if f.get("project"):
            payments = payments.filter(project=f["project"])
        if f.get("building"):
            payments = payments.filter(order__unit__building=f["building"])
        if f.get("operator"):
            payments = payments.filter(recorded_by=f["operator"])
        if f.get("method"):
            payments = payments.filter(method=f["method"])
        if f.get("charge_item"):
            payments = payments.filter(charge_item=f["charge_item"])
        return payments

    def in_period(self, field: str) -> Q:
        """`field` (a time) within the filters' local days."""
        f, condition = self.filters, Q()
        if f.get("date_from"):
            condition &= Q(**{f"{field}__gte": day_start(f["date_from"])})
        if f.get("date_to"):
            condition &= Q(**{f"{field}__lt": day_end(f["date_to"])})
        return condition

    def payments(self):
        return self.filtered(Payment.objects.filter(status=PaymentStatus.CONFIRMED)).filter(self.in_period("paid_at"))


class OperatorSummary(PaymentReport):
    """Per operator (经办人): what they took in the period, beside what their shift closes (交班) in the
    period handed over.

    The shift figures are the closes' own: each payment a close took, counted as it stood at the
    close — confirmed then, so also if voided since (the close's total, payments.services.shifts).
    差异 = 合计 − 交班合计; 未交班 is the part of 合计 in no shift yet. 核对 says 相符 (no difference),
    待交班 (the difference is only money not yet handed over) or 不符: money that changed after a close —
    approved after it (a transfer), voided after it — or a shift closed on another day than the money
    was taken. Online payments (系统) go through no shift; they are reconciled with the platform.
    """

    code = "operator_summary"
    title = "操作员收费汇总表"
    filter_fields = _RECEIPT_FILTERS
    count_columns = (1, 7)
    amount_columns = (2, 3, 4, 5, 6, 8, 9, 10)
    widths = (14, 8, 16, 14, 14, 14, 16, 10, 16, 14, 14, 10)
    header = (
        "收款员",
        "笔数",
        "实收（现金/刷卡/转账/线上）",
        "退款",
        "减免",
        "积分抵扣",
        "合计",
        "交班次数",
        "交班合计",
        "未交班",
        "差异",
        "核对",
    )

    def rows(self):
        yield self.header
        counted = Q(status=PaymentStatus.CONFIRMED) & self.in_period("paid_at")
        closed = Q(shift__isnull=False) & self.in_period("shift__closed_at")
        at_close = closed & (
            Q(status=PaymentStatus.CONFIRMED) | Q(status=PaymentStatus.VOIDED, voided_at__gt=F("shift__closed_at"))
        )
        money = Q(method__kind__in=[MethodKind.OFFLINE, MethodKind.ONLINE])
        lines = (
            self.filtered(Payment.objects.all())
            .filter(counted | closed)
            .values("recorded_by", "recorded_by__username", "recorded_by__first_name", "recorded_by__last_name")
            .annotate(
                count=Count("id", filter=counted),
                received=_sum(counted & money & Q(kind=PaymentKind.PAYMENT)),
                refunded=_sum(counted & Q(kind=PaymentKind.REFUND)),
                waived=_sum(counted & Q(method__kind=MethodKind.WAIVER, kind=PaymentKind.PAYMENT)),
                points=_sum(counted & Q(method__kind=MethodKind.POINTS, kind=PaymentKind.PAYMENT)),
                total=_sum(counted),
                shifts=Count("shift", filter=closed, distinct=True),
                handed=_sum(at_close),
                open=_sum(counted & Q(shift__isnull=True)),
            )
            .order_by(F("recorded_by__username").asc(nulls_last=True))
        )
        for line in lines:
            figures = (line["count"], line["received"], line["refunded"], line["waived"], line["points"])
            if line["recorded_by"] is None:
                yield ("系统（线上支付）", *figures, line["total"], None, None, None, None, "线上对账")
                continue
            # As User.get_full_name(), which the receipts' 收款人 uses too.
            full = f"{line['recorded_by__first_name']} {line['recorded_by__last_name']}".strip()
            difference = line["total"] - line["handed"]
            yield (
                full or line["recorded_by__username"],
                *figures,
                line["total"],
                line["shifts"],
                line["handed"],
                line["open"],
                difference,
                "相符" if difference == 0 else "待交班" if difference == line["open"] else "不符",
            )


class ChargeItemSummary(PaymentReport):
    """Per charge item: due in the period, received, refunded, net, and what is still unpaid at its end.

    本期应收 — schedule items falling due between the start and end dates (without a start date:
    everything due by the end); 期末欠收 — of what was due by the end date, the part the orders had
    not paid by the end of that day (oldest items covered first), so its total is the 欠费统计表's
    total as of that date. The end date is 结束日期, or today. Only the price items (定金, 首付款,
    房款) are scheduled: other items show 0 due. Due and unpaid have no payment method, so with a
    method chosen they are left blank.
    """

    code = "charge_item_summary"
    title = "收费项目汇总表"
    filter_fields = ("date_from", "date_to", "project", "building", "method", "charge_item")
    amount_columns = (1, 2, 3, 4, 5, 6)
    header = ("收费项目", "本期应收", "实收", "退款", "净收", "期末欠收", "其中减免及积分")

    def rows(self):
        from payments.models import ChargeItem

        yield self.header
        f = self.filters
        received = {
            line["charge_item"]: line
            for line in self.payments()
            .values("charge_item")
            .annotate(
                received=_sum(Q(kind=PaymentKind.PAYMENT)),
                refunded=_sum(Q(kind=PaymentKind.REFUND)),
                net=_sum(),
                substitutes=_sum(Q(method__kind__in=[MethodKind.WAIVER, MethodKind.POINTS])),
            )
            .order_by()
        }
        due, unpaid = {}, {}
        if not f.get("method"):
            end = f.get("date_to") or timezone.localdate()
            items = schedule_items(self, project=f.get("project"), building=f.get("building"))
            in_period = items.filter(due_on__lte=end)
            if f.get("date_from"):
                in_period = in_period.filter(due_on__gte=f["date_from"])
            if f.get("charge_item"):
                in_period = in_period.filter(charge_item=f["charge_item"])
            due = dict(
                in_period.order_by()
                .values("charge_item")
                .annotate(total=Sum("amount"))
                .values_list("charge_item", "total")
            )
            unpaid = unpaid_by_charge_item(items, as_of=end, charge_item=f.get("charge_item"))
        scheduled = ZERO if not f.get("method") else None
        for item in ChargeItem.objects.filter(pk__in=received.keys() | due.keys() | unpaid.keys()).order_by(
            "position", "pk"
        ):
            line = received.get(item.pk, {})
            yield (
                item.name,
                due.get(item.pk, scheduled),
                line.get("received", ZERO),
                line.get("refunded", ZERO),
                line.get("net", ZERO),
                unpaid.get(item.pk, scheduled),
                line.get("substitutes", ZERO),
            )
