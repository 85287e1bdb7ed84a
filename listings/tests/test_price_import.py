"""一房一价 import and export: all-or-nothing, a per-row Chinese error list, an exact round trip."""

import io
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from accounts.roles import CONSULTANT, SALES_MANAGER
from accounts.services import staff_create
from audit.models import AuditEntry, AuditResult
from listings import imports, resources
from listings.exceptions import PriceImportRejected
from listings.models import PriceListVersion, Unit, UnitPrice, UnitStatus
from listings.tests.factories import BuildingFactory, ProjectFactory, building_with_units, staff_actor, unit_move

pytestmark = pytest.mark.django_db

IMPORT_URL = "/admin/listings/unit/price-import/"
EXPORT_URL = "/admin/listings/unit/price-export/"


def _sheet(rows, headers=resources.COLUMNS) -> bytes:
    """An .xlsx file as Excel would hold it: numbers in number cells, text in text cells."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


def _dataset(rows, headers=resources.COLUMNS):
    return imports.read_price_sheet(_sheet(rows, headers), "价目表.xlsx")


@pytest.fixture
def stock():
    """A project with building 1 (2 floors × 2 units, draft, priced) and an empty building 2."""
    project = ProjectFactory(name="舒畅·云栖", slug="yunqi")
    built = building_with_units(project=project, number="1", floors=2, units_per_floor=2, publish=False)
    empty = BuildingFactory(project=project, number="2", floors=10, units_per_floor=2)
    plan = built.units.get(code="1-101").floor_plan
    return {"project": project, "building": built, "empty": empty, "plan": plan}


def _row(unit, *, unit_price=None, total=None, **changes):
    """The sheet row of an existing unit (as the export writes it), with some cells changed."""
    unit_price = unit.unit_price_amount if unit_price is None else unit_price
    row = {
        "楼栋": unit.building.number,
        "房号": unit.code,
        "楼层": unit.floor,
        "层内序号": unit.position,
        "户型": unit.floor_plan.name,
        "朝向": unit.get_orientation_display(),
        "建筑面积": unit.gross_area,
        "套内面积": unit.inner_area,
        "单价": unit_price,
        "总价": (unit_price * unit.gross_area).quantize(Decimal("0.01")) if total is None else total,
    }
    row.update(changes)
    return [row[column] for column in resources.COLUMNS]


def _new_row(stock, code="2-301", floor=3, position=1, unit_price=Decimal("16000"), **changes):
    row = {
        "楼栋": "2",
        "房号": code,
        "楼层": floor,
        "层内序号": position,
        "户型": stock["plan"].name,
        "朝向": "南北",
        "建筑面积": Decimal("120.00"),
        "套内面积": Decimal("98.50"),
        "单价": unit_price,
        "总价": unit_price * Decimal("120.00"),
    }
    row.update(changes)
    return [row[column] for column in resources.COLUMNS]


def _state(project):
    """What an import may change: units, their prices, versions and price lines."""
    return (
        sorted(Unit.objects.filter(project=project).values_list("code", "unit_price_amount", "list_price_amount")),
        PriceListVersion.objects.filter(project=project).count(),
        UnitPrice.objects.filter(version__project=project).count(),
    )


def _units(stock):
    return {unit.code: unit for unit in stock["building"].units.select_related("building", "floor_plan")}


# ---- a good file ------------------------------------------------------------------------------


def test_good_file_creates_missing_units_and_a_new_price_list_version(stock):
    units, actor = _units(stock), staff_actor()
    versions_before = PriceListVersion.objects.filter(project=stock["project"]).count()
    dataset = _dataset(
        [
            _row(units["1-101"], unit_price=Decimal("15500.00")),
            _row(units["1-102"]),
            _new_row(stock, code="2-301", floor=3, position=1),
            _new_row(stock, code="2-302", floor=3, position=2, unit_price=Decimal("16050.50")),
        ]
    )

    version = imports.price_list_import(
        project=stock["project"], dataset=dataset, actor=actor, source_name="开盘价目表.xlsx", note="首开"
    )

    assert version.number == versions_before + 1
    assert version.unit_count == 4
    assert version.source_name == "开盘价目表.xlsx"
    repriced = Unit.objects.get(code="1-101")
    assert (repriced.unit_price_amount, repriced.list_price_amount) == (Decimal("15500.00"), Decimal("1860000.00"))
    assert repriced.price_version == version
    created = Unit.objects.get(building=stock["empty"], code="2-302")
    assert created.status == UnitStatus.DRAFT
    assert (created.floor, created.position, created.orientation) == (3, 2, "SN")
    assert (created.unit_price_amount, created.list_price_amount) == (Decimal("16050.50"), Decimal("1926060.00"))
    assert set(UnitPrice.objects.filter(version=version).values_list("unit__code", flat=True)) == {
        "1-101",
        "1-102",
        "2-301",
        "2-302",
    }
    untouched = Unit.objects.get(code="1-201")
    assert untouched.price_version is None  # units not in the file keep their price and version
    entry = AuditEntry.objects.get(action="listings.price_list.imported")
    assert entry.actor == actor
    assert entry.object_id == str(version.pk)
    assert entry.data["created"] == ["2-301", "2-302"]
    assert entry.data["repriced"] == 1
    assert AuditEntry.objects.filter(action="listings.price_list.applied", object_id=str(version.pk)).exists()


def test_headers_may_carry_units_and_cells_may_be_text(stock):
    units = _units(stock)
    headers = [f"{column}（㎡）" if "面积" in column else column for column in resources.COLUMNS]
    headers[resources.COLUMNS.index("单价")] = "单价(元/㎡)"
    text_row = [str(value) for value in _row(units["1-101"], unit_price=Decimal("15600"))]
    text_row[resources.COLUMNS.index("总价")] = "1,872,000.00"  # a text cell with thousands separators

    version = imports.price_list_import(
        project=stock["project"], dataset=_dataset([text_row], headers=headers), actor=staff_actor()
    )

    assert Unit.objects.get(code="1-101").list_price_amount == Decimal("1872000.00")
    assert version.unit_count == 1


def test_total_within_one_yuan_of_unit_price_times_area_is_accepted(stock):
    unit = _units(stock)["1-101"]
    exact = (Decimal("15555.55") * unit.gross_area).quantize(Decimal("0.01"))

    imports.price_list_import(
        project=stock["project"],
        dataset=_dataset([_row(unit, unit_price=Decimal("15555.55"), total=exact + Decimal("0.99"))]),
        actor=staff_actor(),
    )

    assert Unit.objects.get(pk=unit.pk).list_price_amount == exact + Decimal("0.99")


def test_a_sold_unit_at_its_current_price_is_accepted_and_left_out_of_the_new_version(stock):
    units = _units(stock)
    services_unit = units["1-102"]
    building_units = list(stock["building"].units.values_list("pk", flat=True))
    from listings import services

    services.units_publish(project=stock["project"], unit_ids=building_units, actor=staff_actor())
    unit_move(services_unit, UnitStatus.SOLD)

    version = imports.price_list_import(
        project=stock["project"],
        dataset=_dataset([_row(units["1-101"], unit_price=Decimal("15900")), _row(units["1-102"])]),
        actor=staff_actor(),
    )

    assert list(UnitPrice.objects.filter(version=version).values_list("unit__code", flat=True)) == ["1-101"]
    assert Unit.objects.get(pk=services_unit.pk).price_version_id is None


# ---- bad rows: every error reported with its row, nothing written ------------------------------


BAD_ROWS = {
    "unknown building": ({"楼栋": "9"}, "楼栋“9”不存在"),
    "unknown floor plan": ({"户型": "Z户型"}, "户型“Z户型”不存在"),
    "zero area": ({"建筑面积": 0}, "建筑面积必须大于0"),
    "negative area": ({"套内面积": Decimal("-5")}, "套内面积必须大于0"),
    "inner area above gross": ({"套内面积": Decimal("130.00")}, "套内面积130.00不能大于建筑面积120.00"),
    "price not a number": ({"单价": "一万五"}, "单价“一万五”不是有效的数字"),
    "blank price": ({"总价": None}, "总价不能为空"),
    "total off by more than a yuan": ({"总价": Decimal("1920001.01")}, "不符，允许误差±1.00元"),
    "floor not an integer": ({"楼层": Decimal("3.5")}, "楼层“3.5”不是整数"),
    "floor above the building": ({"楼层": 11}, "楼层11超出2号楼的楼层范围（1–10层）"),
    "unknown orientation": ({"朝向": "东北偏北"}, "朝向“东北偏北”无效"),
}


@pytest.mark.parametrize("case", BAD_ROWS, ids=list(BAD_ROWS))
def test_a_bad_row_is_reported_with_its_row_number_and_nothing_is_written(stock, case):
    changes, expected = BAD_ROWS[case]
    units = _units(stock)
    before = _state(stock["project"])
    dataset = _dataset(
        [
            _row(units["1-101"], unit_price=Decimal("15800")),  # row 2: good, and would reprice
            _new_row(stock, code="2-301", **changes),  # row 3: bad
            _new_row(stock, code="2-302", position=2),  # row 4: good, would create
        ]
    )

    with pytest.raises(PriceImportRejected) as rejected:
        imports.price_list_import(project=stock["project"], dataset=dataset, actor=staff_actor())

    rows_with_errors = {row for row, _message in rejected.value.errors}
    assert rows_with_errors == {3}
    assert any(expected in message for _row_number, message in rejected.value.errors), rejected.value.errors
    assert "未导入任何数据" in rejected.value.message
    assert _state(stock["project"]) == before
    refusal = AuditEntry.objects.get(action="listings.price_list.import_refused")
    assert refusal.result == AuditResult.REFUSED


def test_every_bad_row_is_listed_not_only_the_first(stock):
    units = _units(stock)
    dataset = _dataset(
        [
            _row(units["1-101"], 楼栋="99"),
            _row(units["1-102"]),
            _new_row(stock, 建筑面积=-1),
        ]
    )

    plan = imports.price_list_check(project=stock["project"], dataset=dataset)

    assert plan.errors == [(2, "楼栋“99”不存在，本楼盘的楼栋号有：1、2"), (4, "建筑面积必须大于0（文件中为-1）")]
    assert not plan.is_valid


def test_a_unit_twice_in_the_file_is_a_duplicate(stock):
    units = _units(stock)
    before = _state(stock["project"])
    dataset = _dataset([_row(units["1-101"]), _row(units["1-102"]), _row(units["1-101"], unit_price=Decimal("1"))])

    with pytest.raises(PriceImportRejected) as rejected:
        imports.price_list_import(project=stock["project"], dataset=dataset, actor=staff_actor())

    assert (4, "房号1-101与第2行重复") in rejected.value.errors
    assert _state(stock["project"]) == before


def test_two_new_units_on_one_place_are_duplicates(stock):
    dataset = _dataset([_new_row(stock, code="2-301"), _new_row(stock, code="2-301A")])

    plan = imports.price_list_check(project=stock["project"], dataset=dataset)

    assert plan.errors == [(3, "2号楼3层第1户与第2行重复")]


@pytest.mark.parametrize("status", [UnitStatus.RESERVED, UnitStatus.SOLD])
def test_a_reserved_or_sold_unit_cannot_be_repriced(stock, status):
    from listings import services

    units = _units(stock)
    services.units_publish(project=stock["project"], unit_ids=[u.pk for u in units.values()], actor=staff_actor())
    unit_move(units["1-102"], status)
    before = _state(stock["project"])
    dataset = _dataset(
        [_row(units["1-101"], unit_price=Decimal("15900")), _row(units["1-102"], unit_price=Decimal("9"))]
    )

    with pytest.raises(PriceImportRejected) as rejected:
        imports.price_list_import(project=stock["project"], dataset=dataset, actor=staff_actor())

    label = UnitStatus(status).label
    assert rejected.value.errors == [(3, f"房源1-102{label}，价格不能修改")]
    assert _state(stock["project"]) == before


def test_an_existing_unit_must_keep_its_area_in_the_file(stock):
    unit = _units(stock)["1-101"]

    plan = imports.price_list_check(
        project=stock["project"], dataset=_dataset([_row(unit, 建筑面积=Decimal("121.00"), 总价=Decimal("1815000"))])
    )

    assert len(plan.errors) == 1
    assert "房源1-101已存在，建筑面积（系统：120.00，文件：121.00）" in plan.errors[0][1]


def test_missing_columns_are_named(stock):
    plan = imports.price_list_check(
        project=stock["project"], dataset=_dataset([["1", "1-101"]], headers=["楼栋", "房号"])
    )

    missing = "楼层、层内序号、户型、朝向、建筑面积、套内面积、单价、总价"
    assert plan.errors == [(1, f"表头缺少列：{missing}。表头应为：{'、'.join(resources.COLUMNS)}")]


def test_a_file_without_rows_is_refused(stock):
    plan = imports.price_list_check(project=stock["project"], dataset=_dataset([]))

    assert plan.errors == [(2, "文件中没有数据行")]


@pytest.mark.parametrize(
    ("content", "name"),
    [(b"not a spreadsheet", "prices.xlsx"), (b"PK\x03\x04broken", "prices.xlsx"), (_sheet([]), "prices.xls")],
)
def test_a_file_that_is_not_xlsx_is_refused_in_chinese(content, name):
    with pytest.raises(imports.PriceFileUnreadable) as refused:
        imports.read_price_sheet(content, name)

    assert ".xlsx" in refused.value.message


# ---- reading without floats, and the round trip -------------------------------------------------


def test_number_cells_are_read_as_their_stored_text_never_as_floats():
    dataset = imports.read_price_sheet(_sheet([["1", "1-101", 1, 1, "", "", Decimal("89.12"), 0.1, "x", 1234567.89]]))

    row = dataset[0]
    assert all(isinstance(value, str) for value in row)
    assert row[6] == "89.12"
    assert row[9] == "1234567.89"


def test_export_writes_the_import_columns_and_exact_amounts(stock):
    content = resources.price_list_export(project=stock["project"])

    sheet = load_workbook(io.BytesIO(content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == resources.COLUMNS
    assert len(rows) == 1 + 4
    texts = imports.read_price_sheet(content)
    first = dict(zip(resources.COLUMNS, texts[0], strict=True))
    unit = Unit.objects.get(code=first["房号"])
    assert Decimal(first["总价"]) == unit.list_price_amount
    assert first["朝向"] == unit.get_orientation_display()


def test_export_then_import_round_trips(stock):
    content = resources.price_list_export(project=stock["project"])
    dataset = imports.read_price_sheet(content, "一房一价.xlsx")
    prices_before = _state(stock["project"])[0]
    # The sales manager reprices one unit in the exported sheet and imports it back.
    dataset[0] = tuple(
        "20000" if column == "单价" else ("2400000" if column == "总价" else value)
        for column, value in zip(resources.COLUMNS, dataset[0], strict=True)
    )
    changed_code = dataset[0][1]

    plan = imports.price_list_check(project=stock["project"], dataset=dataset)
    version = imports.price_list_import(project=stock["project"], dataset=dataset, actor=staff_actor())

    assert plan.is_valid
    assert plan.count(imports.RowAction.REPRICE) == 1
    assert plan.count(imports.RowAction.UNCHANGED) == 3
    prices_after = _state(stock["project"])[0]
    assert [p for p in prices_after if p[0] != changed_code] == [p for p in prices_before if p[0] != changed_code]
    assert Unit.objects.get(code=changed_code).list_price_amount == Decimal("2400000.00")
    assert version.unit_count == 4


# ---- the admin pages -----------------------------------------------------------------------------


@pytest.fixture
def manager(roles, stock):
    return staff_create(
        actor=None,
        username="manager_a",
        password="Test-pass-2026",
        full_name="王经理",
        role_codes=[SALES_MANAGER],
        project_ids=[stock["project"].pk],
    )


def _upload(client, project, content, name="价目表.xlsx"):
    upload = io.BytesIO(content)
    upload.name = name
    return client.post(IMPORT_URL, {"project": project.pk, "note": "首开", "file": upload})


def test_admin_import_previews_then_confirms(client, manager, stock):
    units = _units(stock)
    client.force_login(manager)
    content = _sheet([_row(units["1-101"], unit_price=Decimal("15800")), _new_row(stock)])

    preview = _upload(client, stock["project"], content)

    page = preview.content.decode()
    assert preview.status_code == 200
    assert "校验全部通过" in page
    assert "新建房源（未公布）：1 套；调价：1 套" in page
    assert '<td class="num">98.50</td>' in page  # numbers shown as understood: 98.50, not the cell's 98.5
    assert PriceListVersion.objects.filter(project=stock["project"]).count() == 0  # the preview wrote nothing
    confirm = preview.context["confirm_form"]
    data = {name: confirm[name].value() for name in confirm.fields} | {"confirm": "确认导入"}

    response = client.post(IMPORT_URL, data)

    version = PriceListVersion.objects.get(project=stock["project"])
    assert response.status_code == 302
    assert response["Location"] == f"/admin/listings/pricelistversion/{version.pk}/change/"
    assert version.source_name == "价目表.xlsx"
    assert version.note == "首开"
    assert Unit.objects.filter(code="2-301", status=UnitStatus.DRAFT).exists()
    version_page = client.get(response["Location"]).content.decode()
    assert "<td>2-301</td>" in version_page
    assert "¥1,920,000.00" in version_page


def test_admin_import_of_a_bad_file_lists_errors_and_offers_no_confirmation(client, manager, stock):
    client.force_login(manager)
    content = _sheet([_new_row(stock), _new_row(stock, code="2-302", position=2, 楼栋="9")])

    response = _upload(client, stock["project"], content)

    page = response.content.decode()
    assert "文件有 1 处错误，未导入任何数据" in page
    assert "第 3 行" in page
    assert "楼栋“9”不存在" in page
    assert response.context["confirm_form"] is None
    assert 'name="confirm"' not in page
    assert not Unit.objects.filter(code="2-301").exists()


def test_admin_import_rechecks_at_confirmation(client, manager, stock):
    """A unit reserved between preview and confirmation may no longer be repriced."""
    from listings import services

    units = _units(stock)
    services.units_publish(project=stock["project"], unit_ids=[u.pk for u in units.values()], actor=staff_actor())
    client.force_login(manager)
    preview = _upload(client, stock["project"], _sheet([_row(units["1-101"], unit_price=Decimal("15800"))]))
    confirm = preview.context["confirm_form"]
    unit_move(units["1-101"], UnitStatus.RESERVED)

    response = client.post(IMPORT_URL, {name: confirm[name].value() for name in confirm.fields} | {"confirm": "1"})

    assert response.status_code == 200
    assert "房源1-101已认购，价格不能修改" in response.content.decode()
    assert not PriceListVersion.objects.filter(project=stock["project"]).exists()


def test_admin_import_refuses_a_project_outside_the_scope(client, manager, stock):
    other = ProjectFactory(name="舒畅·江岸", slug="jiangan")
    client.force_login(manager)

    response = _upload(client, other, _sheet([_new_row(stock)]))

    assert response.status_code == 200
    assert response.context["form"].errors["project"]
    assert "舒畅·江岸" not in response.content.decode()


def test_admin_import_needs_the_import_permission(client, roles, stock):
    consultant = staff_create(
        actor=None, username="c1", password="Test-pass-2026", full_name="顾问", role_codes=[CONSULTANT]
    )
    client.force_login(consultant)

    assert client.get(IMPORT_URL).status_code == 403
    assert _upload(client, stock["project"], _sheet([_new_row(stock)])).status_code == 403
    assert not Unit.objects.filter(code="2-301").exists()


def test_admin_export_downloads_the_price_list_and_logs_it(client, manager, stock):
    client.force_login(manager)

    response = client.get(EXPORT_URL, {"project": stock["project"].pk})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response["Content-Disposition"]
    assert len(imports.read_price_sheet(response.content)) == 4
    assert AuditEntry.objects.filter(action="listings.price_list.exported", actor=manager).exists()


def test_admin_export_of_a_project_outside_the_scope_is_refused(client, manager):
    other = ProjectFactory(name="舒畅·江岸", slug="jiangan")
    client.force_login(manager)

    response = client.get(EXPORT_URL, {"project": other.pk})

    assert response.status_code == 200  # the form again, with an error; no file
    assert "Content-Disposition" not in response
    assert not AuditEntry.objects.filter(action="listings.price_list.exported").exists()


def _excel_style_xlsx(sheet_xml: str, shared: list[str]) -> bytes:
    """A minimal workbook the way Excel writes it: shared strings, relationship ids, no inline strings."""
    import zipfile

    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    items = "".join(f"<si>{item}</si>" for item in shared)
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w") as archive:
        archive.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{main}" xmlns:r="{rel}"><sheets><sheet name="价目表" sheetId="1" r:id="rId7"/></sheets>'
            "</workbook>",
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId7" Type="worksheet" Target="/xl/worksheets/price.xml"/></Relationships>',
        )
        archive.writestr("xl/sharedStrings.xml", f'<sst xmlns="{main}">{items}</sst>')
        archive.writestr(
            "xl/worksheets/price.xml", f'<worksheet xmlns="{main}"><sheetData>{sheet_xml}</sheetData></worksheet>'
        )
    return stream.getvalue()


def test_a_file_saved_by_excel_is_read_with_shared_strings_and_real_row_numbers(stock):
    headers = "".join(f'<c t="s"><v>{index}</v></c>' for index in range(10))
    shared = [f"<t>{column}</t>" for column in resources.COLUMNS]
    # Rich text with a phonetic guide: the value is the runs' text only.
    shared += ["<r><t>1-</t></r><r><t>101</t></r><rPh><t>ignored</t></rPh>", "<t>南</t>"]
    unit = _units(stock)["1-101"]
    row = (
        '<c r="A5" t="str"><v>1</v></c><c r="B5" t="s"><v>10</v></c><c r="C5"><v>1</v></c><c r="D5"><v>1</v></c>'
        '<c r="F5" t="s"><v>11</v></c><c r="G5"><v>120</v></c><c r="H5"><v>98.5</v></c>'
        '<c r="I5"><v>15800.000000000002</v></c><c r="J5"><f>I5*G5</f><v>1896000.0000000002</v></c>'
    )
    content = _excel_style_xlsx(f'<row r="1">{headers}</row><row r="5">{row}</row>', shared)

    dataset = imports.read_price_sheet(content, "Excel保存.xlsx")
    plan = imports.price_list_check(project=stock["project"], dataset=dataset)

    assert [r.number for r in plan.rows] == [5]  # rows 2–4 are blank in the sheet and skipped
    assert plan.rows[0].cells["房号"] == "1-101"
    assert plan.rows[0].cells["户型"] == ""
    assert plan.is_valid, plan.errors
    assert (plan.rows[0].unit, plan.rows[0].unit_price, plan.rows[0].total) == (
        unit,
        Decimal("15800.00"),
        Decimal("1896000.00"),
    )
