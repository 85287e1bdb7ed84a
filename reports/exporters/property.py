"""Property and owner statistics (房产与业主统计): inventory, sales, sell-through, owners, consultants."""

from django.db.models import Count, DecimalField, Q, Sum, Value
from django.db.models.functions import Coalesce, TruncDay, TruncMonth

from listings.models import Unit, UnitStatus
from reports.exporters.base import PROPERTY_PERMISSION, Report, day_end, day_start
from shuchang.core.masking import mask_id_number, mask_mobile, mask_name
from shuchang.core.money import ZERO

AREA = DecimalField(max_digits=14, decimal_places=2)
_PERIOD_FORMAT = {"day": "%Y-%m-%d", "month": "%Y-%m", "year": "%Y"}


def sold_statuses():
    from sales.models import OrderStatus

    # A sale is an order that reached 认购 and was not undone.
    return [OrderStatus.RESERVED, OrderStatus.SIGNED, OrderStatus.COMPLETED]


def _zero_sum(field: str, condition: Q | None = None):
    return Coalesce(Sum(field, filter=condition), Value(ZERO, output_field=AREA), output_field=AREA)


class _OrderReport(Report):
    permission = PROPERTY_PERMISSION

    def orders(self):
        from sales.models import Order

        f = self.filters
        orders = self.scoped(Order.objects.filter(status__in=sold_statuses(), reserved_at__isnull=False))
        if f.get("date_from"):
            orders = orders.filter(reserved_at__gte=day_start(f["date_from"]))
        if f.get("date_to"):
            orders = orders.filter(reserved_at__lt=day_end(f["date_to"]))
        if f.get("project"):
            orders = orders.filter(project=f["project"])
        if f.get("building"):
            orders = orders.filter(unit__building=f["building"])
        return orders


class Inventory(Report):
    code = "inventory"
    title = "房源库存统计表"
    permission = PROPERTY_PERMISSION
    filter_fields = ("project", "building")
    count_columns = (3,)
    amount_columns = (4, 5)
    header = ("楼盘", "楼栋", "状态", "套数", "建筑面积（㎡）", "货值（表价，元）")

    def rows(self):
        yield self.header
        units = self.scoped(Unit.objects.all())
        if self.filters.get("project"):
            units = units.filter(project=self.filters["project"])
        if self.filters.get("building"):
            units = units.filter(building=self.filters["building"])
        labels = dict(UnitStatus.choices)
        order = {status: index for index, status in enumerate(UnitStatus.values)}
        lines = (
            units.values("project__name", "building__number", "status")
            .annotate(count=Count("id"), area=_zero_sum("gross_area"), value=_zero_sum("list_price_amount"))
            .order_by("project__name", "building__number")
        )
        for line in sorted(
            lines, key=lambda row: (row["project__name"], row["building__number"], order[row["status"]])
        ):
            yield (
                line["project__name"],
                f"{line['building__number']}号楼",
                labels[line["status"]],
                line["count"],
                line["area"],
                line["value"],
            )


class SalesByPeriod(_OrderReport):
    code = "sales_by_period"
    title = "销售统计表"
    filter_fields = ("date_from", "date_to", "project", "building", "grain")
    count_columns = (1,)
    amount_columns = (2, 3)
    header = ("期间", "套数", "建筑面积（㎡）", "成交金额", "成交均价（元/㎡）")

    def rows(self):
        yield self.header
        grain = self.filters.get("grain") if self.filters.get("grain") in ("day", "month") else "month"
        trunc = TruncDay if grain == "day" else TruncMonth
        lines = (
            self.orders()
            .annotate(period=trunc("reserved_at"))
            .values("period")
            .annotate(count=Count("id"), area=_zero_sum("unit__gross_area"), amount=_zero_sum("price_amount"))
            .order_by("period")
        )
        for line in lines:
            average = (line["amount"] / line["area"]).quantize(ZERO) if line["area"] else ZERO
            yield (line["period"].strftime(_PERIOD_FORMAT[grain]), line["count"], line["area"], line["amount"], average)


class OpeningSellThrough(Report):
    code = "opening_sell_through"
    title = "开盘去化统计表"
    permission = PROPERTY_PERMISSION
    filter_fields = ("project",)
    count_columns = (3, 4)
    amount_columns = (5,)
    header = ("楼盘", "开盘活动", "开盘时间", "本批房源", "已认购", "成交金额", "去化率")

    def rows(self):
        from sales.models import Opening

        yield self.header
        openings = self.scoped(Opening.objects.all())
        if self.filters.get("project"):
            openings = openings.filter(project=self.filters["project"])
        sold = Q(orders__status__in=sold_statuses())
        lines = (
            openings.annotate(
                unit_count=Count("units", distinct=True),
                sold_count=Count("orders__unit", filter=sold, distinct=True),
            )
            .values("pk", "project__name", "name", "starts_at", "unit_count", "sold_count")
            .order_by("starts_at", "pk")
        )
        amounts = dict(
            openings.filter(sold)
            .values("pk")
            .annotate(amount=_zero_sum("orders__price_amount", sold))
            .values_list("pk", "amount")
        )
        for line in lines:
            rate = f"{line['sold_count'] * 100 / line['unit_count']:.1f}%" if line["unit_count"] else "—"
            yield (
                line["project__name"],
                line["name"],
                line["starts_at"],
                line["unit_count"],
                line["sold_count"],
                amounts.get(line["pk"], ZERO),
                rate,
            )


class Owners(_OrderReport):
    code = "owners"
    title = "业主名册"
    filter_fields = ("project", "building")
    amount_columns = (7,)
    personal = True
    header = ("楼盘", "房号", "业主", "手机号", "证件号", "状态", "认购时间", "成交价")

    def rows(self):
        yield self.header
        orders = (
            self.orders()
            .select_related("project", "unit", "buyer__buyer_profile")
            .order_by("project__name", "unit__code", "pk")
        )
        for order in orders.iterator(chunk_size=2000):
            profile = getattr(order.buyer, "buyer_profile", None)
            yield (
                order.project.name,
                order.unit.code,
                mask_name(profile.real_name if profile else ""),
                mask_mobile(order.buyer.mobile),
                mask_id_number(profile.id_number if profile else ""),
                order.get_status_display(),
                order.reserved_at,
                order.price_amount,
            )


class ConsultantPerformance(_OrderReport):
    code = "consultant_performance"
    title = "置业顾问业绩表"
    filter_fields = ("date_from", "date_to", "project")
    count_columns = (1,)
    amount_columns = (2, 3)
    header = ("置业顾问", "成交套数", "建筑面积（㎡）", "成交金额")

    def rows(self):
        yield self.header
        lines = (
            self.orders()
            .values("consultant", "consultant__username", "consultant__first_name", "consultant__last_name")
            .annotate(count=Count("id"), area=_zero_sum("unit__gross_area"), amount=_zero_sum("price_amount"))
            .order_by("-amount", "consultant__username")
        )
        for line in lines:
            if line["consultant"] is None:
                name = "（购房人自选）"
            else:
                full = f"{line['consultant__first_name']} {line['consultant__last_name']}".strip()
                name = full or line["consultant__username"]
            yield (name, line["count"], line["area"], line["amount"])
