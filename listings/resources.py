"""The price list (一房一价) as a spreadsheet, through django-import-export.

The same ten Chinese columns are written by the export and read by the import
(listings/imports.py), so an exported file can be edited in Excel and imported again.
"""

from import_export import fields, resources, widgets
from import_export.formats.base_formats import XLSX

from listings.models import Project, Unit

# The headers, in the order of the sheet (tests check the export writes exactly these).
COLUMNS: tuple[str, ...] = ("楼栋", "房号", "楼层", "层内序号", "户型", "朝向", "建筑面积", "套内面积", "单价", "总价")

# Numbers leave as numbers (Decimal / int), so the sheet can be summed and sorted in Excel.
_NUMBER = widgets.DecimalWidget(coerce_to_string=False)
_INTEGER = widgets.IntegerWidget(coerce_to_string=False)


class PriceListResource(resources.ModelResource):
    building = fields.Field(attribute="building__number", column_name="楼栋")
    code = fields.Field(attribute="code", column_name="房号")
    floor = fields.Field(attribute="floor", column_name="楼层", widget=_INTEGER)
    position = fields.Field(attribute="position", column_name="层内序号", widget=_INTEGER)
    floor_plan = fields.Field(attribute="floor_plan__name", column_name="户型")
    orientation = fields.Field(column_name="朝向")
    gross_area = fields.Field(attribute="gross_area", column_name="建筑面积", widget=_NUMBER)
    inner_area = fields.Field(attribute="inner_area", column_name="套内面积", widget=_NUMBER)
    unit_price_amount = fields.Field(attribute="unit_price_amount", column_name="单价", widget=_NUMBER)
    list_price_amount = fields.Field(attribute="list_price_amount", column_name="总价", widget=_NUMBER)

    class Meta:
        model = Unit
        fields = (
            "building",
            "code",
            "floor",
            "position",
            "floor_plan",
            "orientation",
            "gross_area",
            "inner_area",
            "unit_price_amount",
            "list_price_amount",
        )
        export_order = fields

    def dehydrate_orientation(self, unit: Unit) -> str:
        return unit.get_orientation_display()

    def dehydrate_floor_plan(self, unit: Unit) -> str:
        return unit.floor_plan.name if unit.floor_plan_id else ""


def price_list_queryset(project: Project):
    """The units of a project in sheet order: building, floor from the bottom, position."""
    return (
        Unit.objects.filter(project=project)
        .select_related("building", "floor_plan")
        .order_by("building_id", "floor", "position")
    )


def price_list_export(*, project: Project) -> bytes:
    """The project's current price list as .xlsx bytes, with the columns the import reads."""
    dataset = PriceListResource().export(price_list_queryset(project))
    dataset.title = "一房一价"
    # escape=True: a text cell beginning with "=" is written as text, never as a formula.
    return XLSX().export_data(dataset, escape=True)
