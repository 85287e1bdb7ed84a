"""Price-list import (一房一价导入): read the sheet, check every row, then write all of it or nothing.

`price_list_check` is the dry run: it reads, validates and plans without writing, and the
preview page shows its rows and errors. `price_list_import` runs the same check again under
locks and, only when no row has an error, creates the missing units (未公布) and a new
price-list version through `listings.services.price_list_apply`, in one transaction.

Cells are read as the text stored in the file and turned into Decimal directly: a float never
touches an area or an amount. The rules are explained for sales staff in docs/price-import.md.
"""

import io
import re
import zipfile
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import tablib
from django.db import IntegrityError, transaction
from import_export.formats.base_formats import XLSX
from openpyxl.xml.functions import fromstring

from audit.services import audit_record, audit_record_refusal
from listings import services
from listings.exceptions import PriceImportRejected
from listings.models import Building, FloorPlan, Orientation, PriceListVersion, Project, Unit, UnitStatus
from listings.resources import COLUMNS
from shuchang.core.exceptions import ConcurrentChange, DomainError
from shuchang.core.money import to_amount

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_UNPACKED_BYTES = 60 * 1024 * 1024  # a zip bomb stops here, long before memory runs out
MAX_ROWS = 20_000
# Excel's own arithmetic and rounding of 单价 × 建筑面积 may differ from ours by a few fen.
TOTAL_TOLERANCE = Decimal("1.00")
AREA_LIMIT = Decimal("10000")  # ㎡
UNIT_PRICE_LIMIT = Decimal("1000000")  # 元/㎡
TOTAL_LIMIT = Decimal("100000000000")  # 元
_AREA_PLACES = Decimal("0.01")

# Units with an order in progress or done: their price is part of a deal and may not change.
FROZEN_STATUSES = {UnitStatus.LOCKED, UnitStatus.RESERVED, UnitStatus.SIGNED, UnitStatus.SOLD}


class PriceFileUnreadable(DomainError):
    default_message = "无法读取该文件，请上传用 Excel 保存的 .xlsx 文件（可先导出一房一价作为模板）"


# ---- reading the sheet ----------------------------------------------------------------------


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _column_index(ref: str) -> int:
    """0 for "A7", 25 for "Z3", 26 for "AA1"."""
    index = 0
    for char in ref:
        if not char.isalpha():
            break
        index = index * 26 + (ord(char.upper()) - ord("A") + 1)
    return index - 1


def _texts(element) -> str:
    # Rich-text runs are joined; phonetic guides (rPh) are not part of the value.
    parts = []
    for child in element:
        name = _local(child.tag)
        if name == "t":
            parts.append(child.text or "")
        elif name == "r":
            parts.extend(grandchild.text or "" for grandchild in child if _local(grandchild.tag) == "t")
    return "".join(parts)


def _first_sheet_path(archive: zipfile.ZipFile) -> str:
    workbook = fromstring(archive.read("xl/workbook.xml"))
    sheet = next(element for element in workbook.iter() if _local(element.tag) == "sheet")
    rel_id = next(value for name, value in sheet.attrib.items() if _local(name) == "id")
    rels = fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    target = next(element.get("Target") for element in rels.iter() if element.get("Id") == rel_id)
    return target.lstrip("/") if target.startswith("/") else f"xl/{target}"


def _xlsx_rows(content: bytes) -> list[list[str]]:
    """The first sheet's rows as lists of cell texts, exactly as stored (numbers unconverted)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except zipfile.BadZipFile:
        raise PriceFileUnreadable() from None
    with archive:
        if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED_BYTES:
            raise PriceFileUnreadable("文件内容过大，请拆分后分批导入")
        try:
            sheet_path = _first_sheet_path(archive)
            shared = []
            if "xl/sharedStrings.xml" in archive.namelist():
                shared = [_texts(item) for item in fromstring(archive.read("xl/sharedStrings.xml"))]
            sheet = fromstring(archive.read(sheet_path))
        except (KeyError, StopIteration, SyntaxError, ValueError):
            raise PriceFileUnreadable() from None
    rows: dict[int, list[str]] = {}
    next_number = 1
    for row in sheet.iter():
        if _local(row.tag) != "row":
            continue
        number = int(row.get("r") or next_number)
        next_number = number + 1
        if number > MAX_ROWS + 1:
            raise PriceFileUnreadable(f"文件超过 {MAX_ROWS} 行，请拆分后分批导入")
        cells: dict[int, str] = {}
        next_column = 0
        for cell in row:
            if _local(cell.tag) != "c":
                continue
            column = _column_index(cell.get("r")) if cell.get("r") else next_column
            next_column = column + 1
            if column < len(COLUMNS) * 3:  # far-right notes columns are ignored
                cells[column] = _cell_text(cell, shared)
        rows[number] = [cells.get(index, "") for index in range(max(cells, default=-1) + 1)]
    return [rows.get(number, []) for number in range(1, max(rows, default=0) + 1)]


def _cell_text(cell, shared: list[str]) -> str:
    kind = cell.get("t", "n")
    if kind == "inlineStr":
        inline = next((child for child in cell if _local(child.tag) == "is"), None)
        return _texts(inline) if inline is not None else ""
    value = next((child.text or "" for child in cell if _local(child.tag) == "v"), "")
    if kind == "s":
        try:
            return shared[int(value)]
        except (ValueError, IndexError):
            raise PriceFileUnreadable() from None
    if kind == "b":
        return "TRUE" if value == "1" else "FALSE"
    return value  # "n", "str", "e", "d": the text Excel stored


class TextXLSX(XLSX):
    """django-import-export's XLSX format, but every cell is read as its stored text.

    The stock format reads numbers through openpyxl, which makes floats of them.
    """

    def create_dataset(self, in_stream: bytes) -> tablib.Dataset:
        rows = _xlsx_rows(in_stream)
        dataset = tablib.Dataset()
        if not rows:
            return dataset
        dataset.headers = [text.strip() for text in rows[0]]
        width = len(dataset.headers)
        for values in rows[1:]:
            dataset.append((values + [""] * width)[:width])
        return dataset


def read_price_sheet(content: bytes, filename: str = "") -> tablib.Dataset:
    """The uploaded price list as a Dataset of cell texts; refuses what is not an .xlsx file."""
    if len(content) > MAX_FILE_BYTES:
        raise PriceFileUnreadable(f"文件不能超过 {MAX_FILE_BYTES // 1024 // 1024}MB")
    if filename and not filename.lower().endswith(".xlsx"):
        raise PriceFileUnreadable("只支持 .xlsx 格式的 Excel 文件；旧版 .xls 或 CSV 请先在 Excel 中另存为 .xlsx")
    return TextXLSX().create_dataset(content)


# ---- checking the rows ---------------------------------------------------------------------


class RowAction:
    CREATE = "create"
    REPRICE = "reprice"
    UNCHANGED = "unchanged"
    KEEP = "keep"  # sold or reserved, same price: left out of the new version

    LABELS = {
        CREATE: "新建房源（未公布）",
        REPRICE: "调价",
        UNCHANGED: "价格不变",
        KEEP: "已售/已认购，价格不变，不进入新版本",
    }


@dataclass
class PriceRow:
    number: int  # the row number Excel shows (the header is row 1)
    cells: dict[str, str]
    errors: list[str] = field(default_factory=list)
    action: str = ""
    unit: Unit | None = None  # the existing unit, or the new one to create
    unit_price: Decimal | None = None
    total: Decimal | None = None
    parsed: dict[str, object] = field(default_factory=dict)  # the numbers as understood, by column

    @property
    def values(self) -> list:
        """The row's cells in sheet order: numbers as understood (92.60, not 92.59999999999999), else as read."""
        return [self.parsed.get(column, self.cells[column]) for column in COLUMNS]

    @property
    def action_label(self) -> str:
        return RowAction.LABELS.get(self.action, "—") if not self.errors else "有错误"


@dataclass
class PricePlan:
    """What an import would do: every row with its action or its errors."""

    project: Project
    rows: list[PriceRow]
    file_errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def errors(self) -> list[tuple[int, str]]:
        row_errors = [(row.number, message) for row in self.rows for message in row.errors]
        return sorted(self.file_errors + row_errors, key=lambda error: error[0])

    @property
    def is_valid(self) -> bool:
        return not self.errors

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action and not row.errors)

    @property
    def priced_rows(self) -> list[PriceRow]:
        return [row for row in self.rows if row.action in (RowAction.CREATE, RowAction.REPRICE, RowAction.UNCHANGED)]


def _header_key(text: str) -> str:
    # "建筑面积（㎡）" and "单价(元/㎡)" are the same columns as "建筑面积" and "单价".
    return re.sub(r"[（(][^（()）]*[)）]\s*$", "", str(text or "")).strip()


def _decimal(text: str) -> Decimal:
    cleaned = text.replace(",", "").replace("，", "").strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(text) from None
    if not value.is_finite():
        raise ValueError(text)
    return value


@dataclass
class _Context:
    project: Project
    buildings: dict[str, Building]
    plans: dict[str, FloorPlan]
    units_by_code: dict[tuple[int, str], Unit]
    units_by_place: dict[tuple[int, int, int], Unit]
    orientations: dict[str, str]
    plan_names: dict[int, str]
    seen_codes: dict[tuple[int, str], int] = field(default_factory=dict)
    seen_places: dict[tuple[int, int, int], int] = field(default_factory=dict)


def _context(project: Project) -> _Context:
    buildings: dict[str, Building] = {}
    for building in Building.objects.filter(project=project).order_by("id"):
        buildings.setdefault(building.name, building)
        buildings[building.number] = building  # the number wins over a name that looks like one
    units = list(Unit.objects.filter(project=project))
    # 朝向 may be written as shown (南北) or as stored (SN).
    orientations = {choice.label: choice.value for choice in Orientation}
    orientations.update({value: value for value in Orientation.values})
    plans = {plan.name: plan for plan in FloorPlan.objects.filter(project=project)}
    return _Context(
        project=project,
        buildings=buildings,
        plans=plans,
        plan_names={plan.pk: plan.name for plan in plans.values()},
        units_by_code={(unit.building_id, unit.code): unit for unit in units},
        units_by_place={(unit.building_id, unit.floor, unit.position): unit for unit in units},
        orientations=orientations,
    )


def _read_integer(row: PriceRow, column: str) -> int | None:
    text = row.cells[column]
    if not text:
        row.errors.append(f"{column}不能为空")
        return None
    try:
        value = _decimal(text)
    except ValueError:
        value = None
    if value is None or value != value.to_integral_value():
        row.errors.append(f"{column}“{text}”不是整数")
        return None
    return int(value)


def _read_positive(row: PriceRow, column: str, *, limit: Decimal, unit: str) -> Decimal | None:
    """A positive Decimal from the cell, with two places (half up), or None after noting the error."""
    text = row.cells[column]
    if not text:
        row.errors.append(f"{column}不能为空")
        return None
    try:
        value = _decimal(text)
    except ValueError:
        row.errors.append(f"{column}“{text}”不是有效的数字")
        return None
    if value <= 0:
        row.errors.append(f"{column}必须大于0（文件中为{text}）")
        return None
    if value >= limit:
        row.errors.append(f"{column}{text}超出合理范围（应小于{limit:,}{unit}）")
        return None
    return value.quantize(_AREA_PLACES, rounding=ROUND_HALF_UP)


def _check_row(row: PriceRow, context: _Context) -> None:
    """Fill `row` with what it would do, or with every error it has."""
    cells = row.cells
    building = None
    if not cells["楼栋"]:
        row.errors.append("楼栋不能为空")
    else:
        building = context.buildings.get(cells["楼栋"])
        if building is None:
            known = "、".join(sorted({b.number for b in context.buildings.values()})) or "（无）"
            row.errors.append(f"楼栋“{cells['楼栋']}”不存在，本楼盘的楼栋号有：{known}")
    code = cells["房号"]
    if not code:
        row.errors.append("房号不能为空")
    elif len(code) > Unit._meta.get_field("code").max_length:
        row.errors.append(f"房号“{code}”过长")
    floor = _read_integer(row, "楼层")
    position = _read_integer(row, "层内序号")
    if building is not None and floor is not None and not 1 <= floor <= building.floors:
        row.errors.append(f"楼层{floor}超出{building.name}的楼层范围（1–{building.floors}层）")
    if building is not None and position is not None and not 1 <= position <= building.units_per_floor:
        row.errors.append(f"层内序号{position}超出{building.name}的每层户数（1–{building.units_per_floor}）")
    plan = None
    if cells["户型"]:
        plan = context.plans.get(cells["户型"])
        if plan is None:
            known = "、".join(sorted(context.plans)) or "（无）"
            row.errors.append(f"户型“{cells['户型']}”不存在，本楼盘的户型有：{known}")
    orientation = None
    if cells["朝向"]:
        orientation = context.orientations.get(cells["朝向"])
        if orientation is None:
            row.errors.append(f"朝向“{cells['朝向']}”无效，可填：{'、'.join(Orientation.labels)}")
    gross = _read_positive(row, "建筑面积", limit=AREA_LIMIT, unit="㎡")
    inner = _read_positive(row, "套内面积", limit=AREA_LIMIT, unit="㎡")
    if gross is not None and inner is not None and inner > gross:
        row.errors.append(f"套内面积{inner}不能大于建筑面积{gross}")
    unit_price = _read_positive(row, "单价", limit=UNIT_PRICE_LIMIT, unit="元/㎡")
    total = _read_positive(row, "总价", limit=TOTAL_LIMIT, unit="元")
    if unit_price is not None and gross is not None and total is not None:
        expected = to_amount(unit_price * gross)
        if abs(total - expected) > TOTAL_TOLERANCE:
            row.errors.append(
                f"总价{total}与单价×建筑面积（{unit_price}×{gross}={expected}）不符，允许误差±{TOTAL_TOLERANCE}元"
            )
    row.unit_price, row.total = unit_price, total
    numbers = {
        "楼层": floor,
        "层内序号": position,
        "建筑面积": gross,
        "套内面积": inner,
        "单价": unit_price,
        "总价": total,
    }
    row.parsed = {column: value for column, value in numbers.items() if value is not None}

    if building is not None and code:
        first = context.seen_codes.setdefault((building.pk, code), row.number)
        if first != row.number:
            row.errors.append(f"房号{code}与第{first}行重复")
    if building is not None and floor is not None and position is not None:
        first = context.seen_places.setdefault((building.pk, floor, position), row.number)
        if first != row.number:
            row.errors.append(f"{building.name}{floor}层第{position}户与第{first}行重复")
    if row.errors:
        return

    existing = context.units_by_code.get((building.pk, code))
    if existing is None:
        occupant = context.units_by_place.get((building.pk, floor, position))
        if occupant is not None:
            row.errors.append(f"{building.name}{floor}层第{position}户已有房源{occupant.code}，不能再建房源{code}")
            return
        row.action = RowAction.CREATE
        row.unit = Unit(
            project=context.project,
            building=building,
            floor_plan=plan,
            code=code,
            floor=floor,
            position=position,
            orientation=orientation or Orientation.SOUTH,
            gross_area=gross,
            inner_area=inner,
            unit_price_amount=to_amount(unit_price),
            list_price_amount=to_amount(total),
            status=UnitStatus.DRAFT,
        )
        return

    row.unit = existing
    checks = [
        ("楼层", existing.floor == floor, existing.floor, floor),
        ("层内序号", existing.position == position, existing.position, position),
        ("建筑面积", existing.gross_area == gross, existing.gross_area, gross),
        ("套内面积", existing.inner_area == inner, existing.inner_area, inner),
    ]
    # A blank 户型 or 朝向 cell means "as it is"; a filled one must agree with the unit.
    if plan is not None:
        stored_plan = context.plan_names.get(existing.floor_plan_id, "无")
        checks.append(("户型", existing.floor_plan_id == plan.pk, stored_plan, plan.name))
    if orientation is not None:
        stored_orientation = existing.get_orientation_display()
        checks.append(("朝向", existing.orientation == orientation, stored_orientation, Orientation(orientation).label))
    mismatches = [f"{label}（系统：{ours}，文件：{theirs}）" for label, same, ours, theirs in checks if not same]
    if mismatches:
        row.errors.append(
            f"房源{code}已存在，{'；'.join(mismatches)}。导入一房一价只定价，不修改已有房源的楼层、面积、户型和朝向"
        )
        return
    stored_prices = (existing.unit_price_amount, existing.list_price_amount)
    price_changes = (to_amount(unit_price), to_amount(total)) != stored_prices
    if existing.status in FROZEN_STATUSES:
        if price_changes:
            row.errors.append(f"房源{code}{existing.get_status_display()}，价格不能修改")
        else:
            row.action = RowAction.KEEP
        return
    row.action = RowAction.REPRICE if price_changes else RowAction.UNCHANGED


def price_list_check(*, project: Project, dataset: tablib.Dataset) -> PricePlan:
    """The dry run: every row's action or errors, with nothing written."""
    headers = [_header_key(header) for header in (dataset.headers or [])]
    plan = PricePlan(project=project, rows=[])
    missing = [column for column in COLUMNS if column not in headers]
    if missing:
        plan.file_errors.append((1, f"表头缺少列：{'、'.join(missing)}。表头应为：{'、'.join(COLUMNS)}"))
        return plan
    repeated = sorted({header for header in headers if header in COLUMNS and headers.count(header) > 1})
    if repeated:
        plan.file_errors.append((1, f"表头中的列重复：{'、'.join(repeated)}"))
        return plan
    index = {column: headers.index(column) for column in COLUMNS}
    for number, values in enumerate(dataset, start=2):
        cells = {column: str(values[position] or "").strip() for column, position in index.items()}
        if any(cells.values()):  # blank lines in the sheet are skipped
            plan.rows.append(PriceRow(number=number, cells=cells))
    if not plan.rows:
        plan.file_errors.append((2, "文件中没有数据行"))
        return plan
    context = _context(project)
    for row in plan.rows:
        _check_row(row, context)
    if not plan.errors and not plan.priced_rows:
        plan.file_errors.append((2, "文件中的房源均已售出或已认购且价格不变，没有需要定价的房源"))
    return plan


# ---- writing -------------------------------------------------------------------------------


def price_list_import(
    *, project: Project, dataset: tablib.Dataset, actor, source_name: str = "", note: str = ""
) -> PriceListVersion:
    """Check the whole sheet again, then create the missing units and a new price-list version.

    All or nothing: with any bad row, PriceImportRejected lists every (row, message) and nothing
    is written; the refusal itself is logged.
    """
    try:
        with transaction.atomic():
            # Lock order as in price_list_apply: the project row first, then the units repriced.
            Project.objects.select_for_update().get(pk=project.pk)
            plan = price_list_check(project=project, dataset=dataset)
            if plan.is_valid:
                _recheck_locked(plan)
            if not plan.is_valid:
                raise PriceImportRejected(plan.errors)
            return _write(plan, actor=actor, source_name=source_name, note=note)
    except PriceImportRejected as rejected:
        audit_record_refusal(
            actor=actor,
            action="listings.price_list.import_refused",
            target=project,
            message=rejected.message,
            data={"source": source_name, "errors": [list(error) for error in rejected.errors[:100]]},
        )
        raise


def _recheck_locked(plan: PricePlan) -> None:
    """Lock the units whose price changes; one that a buyer took meanwhile may no longer change."""
    repriced = {row.unit.pk: row for row in plan.rows if row.action == RowAction.REPRICE}
    current = Unit.objects.select_for_update().filter(pk__in=list(repriced)).order_by("pk")
    for unit_id, status in current.values_list("pk", "status"):
        if status in FROZEN_STATUSES:
            row = repriced[unit_id]
            row.errors.append(f"房源{row.unit.code}刚刚{UnitStatus(status).label}，价格不能修改")


def _write(plan: PricePlan, *, actor, source_name: str, note: str) -> PriceListVersion:
    new_units = [row.unit for row in plan.rows if row.action == RowAction.CREATE]
    try:
        with transaction.atomic():
            Unit.objects.bulk_create(new_units, batch_size=500)
    except IntegrityError:
        # Only a unit added by hand in the same moment can collide: the check saw the place free.
        raise ConcurrentChange(plan.project) from None
    prices = {row.unit.pk: (row.unit_price, row.total) for row in plan.priced_rows}
    version = services.price_list_apply(
        project=plan.project, prices=prices, actor=actor, note=note, source_name=source_name
    )
    audit_record(
        actor=actor,
        action="listings.price_list.imported",
        target=version,
        data={
            "project": plan.project.pk,
            "source": source_name,
            "rows": len(plan.rows),
            "created": [unit.code for unit in new_units],
            "repriced": plan.count(RowAction.REPRICE),
            "unchanged": plan.count(RowAction.UNCHANGED),
            "kept": plan.count(RowAction.KEEP),
        },
    )
    return version
