"""The charge reports over the known set (see conftest): every figure exact, screen and Excel agreeing."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from audit.models import AuditEntry
from payments import services as payment_services
from payments.models import ChargeItem, PaymentMethod
from payments.tests import factories as payment_factories
from reports.exporters import REPORTS
from reports.selectors import report_table
from reports.services import report_write_xlsx

D = Decimal


def table(code, user, **filters):
    report = REPORTS[code](user=user, filters={"grain": "day", **filters})
    return report_table(report)


def xlsx_rows(path):
    sheet = load_workbook(path).active
    return list(sheet.iter_rows(values_only=True)), sheet


@pytest.mark.django_db
def test_receipt_detail_lists_every_receipt_masked_with_the_voided_one_counting_zero(known_set, finance):
    result = table("receipt_detail", finance)
    codes = [r.code for r in known_set.receipts]
    assert [row[0] for row in result.rows] == codes
    assert [row[6] for row in result.rows] == [D("20000.00"), D("50000.00"), D("0.00"), D("3000.00"), D("-5000.00")]
    assert [row[8] for row in result.rows] == ["正常", "正常", "作废", "正常", "红冲"]
    assert {row[2] for row in result.rows} == {"张*"}  # 张三, masked
    unit = f"舒畅·云栖府 {known_set.order.unit.code}（认购单 {known_set.order.number}）"
    assert {row[3] for row in result.rows} == {unit}
    assert [row[4] for row in result.rows] == ["定金", "首付款", "首付款", "首付款", "首付款"]
    assert [row[5] for row in result.rows] == ["现金", "现金", "现金", "减免", "现金"]
    assert [row[7] for row in result.rows] == ["finance", "finance", "finance", "manager", "finance"]
    assert result.totals[6] == D("68000.00")
    assert result.totals[0] == "合计"


@pytest.mark.django_db
def test_receipt_detail_filters_by_status_method_operator_and_item(known_set, finance, sales_manager):
    assert [r[0] for r in table("receipt_detail", finance, receipt_status="voided").rows] == [
        known_set.voided.receipt.code
    ]
    waiver = PaymentMethod.objects.get(code="waiver")
    assert table("receipt_detail", finance, method=waiver).totals[6] == D("3000.00")
    assert table("receipt_detail", finance, operator=sales_manager).totals[6] == D("3000.00")
    deposit_item = ChargeItem.objects.get(kind="deposit")
    assert table("receipt_detail", finance, charge_item=deposit_item).totals[6] == D("20000.00")
    building = known_set.order.unit.building
    assert table("receipt_detail", finance, building=building).totals[6] == D("68000.00")
    tomorrow = timezone.localdate() + timezone.timedelta(days=1)
    assert table("receipt_detail", finance, date_from=tomorrow).rows == []


@pytest.mark.django_db
def test_receipt_summary_sums_by_day_and_method_with_voided_apart(known_set, finance):
    today = timezone.localdate()
    result = table("receipt_summary", finance, grain="day")
    assert result.rows == [
        (today.strftime("%Y-%m-%d"), "减免", 1, D("3000.00"), 0, D("0.00")),
        (today.strftime("%Y-%m-%d"), "现金", 3, D("65000.00"), 1, D("10000.00")),
    ]
    assert result.totals == ("合计", None, 4, D("68000.00"), 1, D("10000.00"))
    by_month = table("receipt_summary", finance, grain="month")
    assert [row[0] for row in by_month.rows] == [today.strftime("%Y-%m")] * 2
    assert by_month.totals == result.totals


@pytest.mark.django_db
def test_operator_summary_keeps_waivers_and_refunds_apart(known_set, finance):
    result = table("operator_summary", finance)
    # Nobody has closed a shift yet: all of it is still to hand over.
    assert result.rows == [
        ("finance", 3, D("70000.00"), D("-5000.00"), D("0.00"), D("0.00"), D("65000.00"),
         0, D("0.00"), D("65000.00"), D("65000.00"), "待交班"),
        ("manager", 1, D("0.00"), D("0.00"), D("3000.00"), D("0.00"), D("3000.00"),
         0, D("0.00"), D("3000.00"), D("3000.00"), "待交班"),
    ]  # fmt: skip
    assert result.totals == (
        "合计", 4, D("70000.00"), D("-5000.00"), D("3000.00"), D("0.00"), D("68000.00"),
        0, D("0.00"), D("68000.00"), D("68000.00"), None,
    )  # fmt: skip


@pytest.mark.django_db
def test_each_operators_figures_are_their_shift_closes_figures(known_set, finance, sales_manager):
    today = timezone.localdate()
    finance_shift = payment_services.shift_close(actor=finance, declared={})
    manager_shift = payment_services.shift_close(actor=sales_manager, declared={})

    result = table("operator_summary", finance, date_from=today, date_to=today)

    # finance: 20,000 + 50,000 − 5,000 (the voided 10,000 counted nowhere); the manager's waiver 3,000.
    assert (finance_shift.total_amount, manager_shift.total_amount) == (D("65000.00"), D("3000.00"))
    assert [row[0] for row in result.rows] == ["finance", "manager"]
    assert [row[6:] for row in result.rows] == [
        (D("65000.00"), 1, D("65000.00"), D("0.00"), D("0.00"), "相符"),
        (D("3000.00"), 1, D("3000.00"), D("0.00"), D("0.00"), "相符"),
    ]
    tomorrow = today + timezone.timedelta(days=1)
    assert table("operator_summary", finance, date_from=tomorrow, date_to=tomorrow).rows == []


@pytest.mark.django_db
def test_money_approved_or_voided_after_the_close_shows_as_a_difference(known_set, finance, sales_manager):
    order = known_set.order
    transfer = payment_factories.pay(order, sales_manager, "8000.00", method_code="transfer", external_ref="B-77")
    small = payment_factories.pay(order, finance, "1000.00")
    manager_shift = payment_services.shift_close(actor=sales_manager, declared={})
    finance_shift = payment_services.shift_close(actor=finance, declared={})

    payment_services.payment_approve(payment=transfer, actor=finance)  # the transfer arrived after the close
    payment_services.receipt_void(receipt=small.receipt, actor=finance, reason="金额录错")  # voided after it

    result = table("operator_summary", finance)
    finance_row, manager_row = result.rows
    # finance handed over 66,000 (the 1,000 still counted then); it counts 65,000 now.
    assert finance_shift.total_amount == finance_row[8] == D("66000.00")
    assert finance_row[6:] == (D("65000.00"), 1, D("66000.00"), D("0.00"), D("-1000.00"), "不符")
    # The manager handed over the waiver; the transfer, approved later, is in no shift yet.
    assert manager_shift.total_amount == manager_row[8] == D("3000.00")
    assert manager_row[6:] == (D("11000.00"), 1, D("3000.00"), D("8000.00"), D("8000.00"), "待交班")
    assert result.totals[6] == D("76000.00")
    assert result.totals[8:11] == (D("69000.00"), D("8000.00"), D("7000.00"))


@pytest.mark.django_db
def test_online_payments_have_no_shift_figures(known_set, finance, buyer, units, settings, tmp_path):
    settings.PAYMENTS_SANDBOX_ENABLED, settings.PAYMENTS_SANDBOX_KEY_DIR = True, tmp_path / "sandbox"
    order = payment_factories.select(buyer, units[1])
    trade = payment_factories.start_online(order)
    payment_services.notification_handle(gateway_code="sandbox", params=payment_factories.notification(trade))

    rows = table("operator_summary", finance).rows

    assert [row[0] for row in rows] == ["finance", "manager", "系统（线上支付）"]
    assert rows[-1] == ("系统（线上支付）", 1, D("20000.00"), D("0.00"), D("0.00"), D("0.00"), D("20000.00"),
                       None, None, None, None, "线上对账")  # fmt: skip


def due_dates(order):
    from payments.models import PaymentScheduleItem

    items = PaymentScheduleItem.objects.filter(schedule__order=order, schedule__is_current=True)
    return dict(items.values_list("charge_item__kind", "due_on"))


@pytest.mark.django_db
def test_charge_item_summary_as_of_today_has_only_the_deposit_due_and_nothing_outstanding(known_set, finance):
    # The schedule (mortgage plan, from today): 定金 20,000 today · 首付款 520,000 in 7 days · 房款 1,260,000 in 60.
    result = table("charge_item_summary", finance)

    assert result.header == ("收费项目", "本期应收", "实收", "退款", "净收", "期末欠收", "其中减免及积分")
    assert result.rows == [
        ("定金", D("20000.00"), D("20000.00"), D("0.00"), D("20000.00"), D("0.00"), D("0.00")),
        ("首付款", D("0.00"), D("53000.00"), D("-5000.00"), D("48000.00"), D("0.00"), D("3000.00")),
    ]
    assert result.totals == (
        "合计",
        D("20000.00"),
        D("73000.00"),
        D("-5000.00"),
        D("68000.00"),
        D("0.00"),
        D("3000.00"),
    )


@pytest.mark.django_db
def test_charge_item_summary_due_in_the_period_and_outstanding_at_its_end(known_set, finance):
    today = timezone.localdate()
    dates = due_dates(known_set.order)
    end = dates["down_payment"] + timezone.timedelta(days=9)

    result = table("charge_item_summary", finance, date_from=today, date_to=end)

    # Paid toward the price 68,000 covers the 定金 and 48,000 of the 首付款: 472,000 of it is unpaid.
    assert result.rows == [
        ("定金", D("20000.00"), D("20000.00"), D("0.00"), D("20000.00"), D("0.00"), D("0.00")),
        ("首付款", D("520000.00"), D("53000.00"), D("-5000.00"), D("48000.00"), D("472000.00"), D("3000.00")),
    ]
    arrears = table("arrears", finance, as_of=end)
    assert result.totals[5] == arrears.totals[6] == D("472000.00")


@pytest.mark.django_db
def test_charge_item_summary_lists_an_item_only_due_and_leaves_paid_days_out(known_set, finance):
    today = timezone.localdate()
    dates = due_dates(known_set.order)
    end = dates["house_price"]

    result = table("charge_item_summary", finance, date_from=today + timezone.timedelta(days=1), date_to=end)

    # Nothing was paid in the period; the 定金 fell due before it (and is paid): no line for it.
    assert result.rows == [
        ("首付款", D("520000.00"), D("0.00"), D("0.00"), D("0.00"), D("472000.00"), D("0.00")),
        ("房款", D("1260000.00"), D("0.00"), D("0.00"), D("0.00"), D("1260000.00"), D("0.00")),
    ]
    assert result.totals[5] == table("arrears", finance, as_of=end).totals[6] == D("1732000.00")
    only_house = table(
        "charge_item_summary", finance, date_to=end, charge_item=ChargeItem.objects.get(kind="house_price")
    )
    assert only_house.rows == [("房款", D("1260000.00"), D("0.00"), D("0.00"), D("0.00"), D("1260000.00"), D("0.00"))]


@pytest.mark.django_db
def test_charge_item_summary_by_method_leaves_due_and_outstanding_blank(known_set, finance):
    result = table("charge_item_summary", finance, method=PaymentMethod.objects.get(code="waiver"))

    assert result.rows == [("首付款", None, D("3000.00"), D("0.00"), D("3000.00"), None, D("3000.00"))]
    assert result.totals == ("合计", None, D("3000.00"), D("0.00"), D("3000.00"), None, D("3000.00"))


@pytest.mark.django_db
def test_a_user_outside_the_project_sees_nothing(known_set, other_project, all_role_permissions):
    from payments.tests.factories import staff

    outsider = staff("finance_jj", ["finance"], project_ids=[other_project.pk])
    for code in REPORTS:
        result = table(code, outsider)
        assert result.rows == [], code
        assert result.count == 0


@pytest.mark.django_db
@pytest.mark.parametrize("code", [code for code in REPORTS if code != "opening_sell_through"])  # no opening here
def test_the_excel_file_reopens_with_formats_and_a_totals_row_equal_to_the_lines(known_set, finance, tmp_path, code):
    as_of = timezone.localdate() + timezone.timedelta(days=200)  # everything due, so arrears has a line
    report = REPORTS[code](user=finance, filters={"grain": "day", "as_of": as_of})
    path = tmp_path / "r.xlsx"
    count = report_write_xlsx(report=report, target=path)
    rows, sheet = xlsx_rows(path)
    screen = report_table(report)
    assert rows[0][0] == report.title
    assert rows[1][0].startswith("筛选条件：")
    assert rows[2] == tuple(screen.header)
    lines, totals = rows[3 : 3 + count], rows[3 + count]
    assert count == len(screen.rows) > 0
    assert totals[0] == "合计"
    for index in report.amount_columns:
        assert D(str(totals[index])) == sum((D(str(line[index])) for line in lines), D("0")) == screen.totals[index]
        assert sheet.cell(row=4 + count, column=index + 1).number_format == "#,##0.00"
        if count:
            assert sheet.cell(row=4, column=index + 1).number_format == "#,##0.00"
    assert sheet.freeze_panes == "A4"
    assert sheet.auto_filter.ref.startswith("A3:")


@pytest.mark.django_db
def test_detail_dates_are_real_dates_in_excel(known_set, finance, tmp_path):
    report = REPORTS["receipt_detail"](user=finance, filters={})
    report_write_xlsx(report=report, target=tmp_path / "d.xlsx")
    sheet = load_workbook(tmp_path / "d.xlsx").active
    assert sheet.cell(row=4, column=2).is_date
    assert sheet.cell(row=4, column=3).value == "张*"


@pytest.mark.django_db
def test_the_page_shows_totals_and_the_download_is_logged(known_set, finance, client):
    client.force_login(finance)
    url = reverse("reports:report", args=["receipt_detail"])
    page = client.get(url)
    assert page.status_code == 200
    assert "68,000.00" in page.content.decode()
    partial = client.get(url, {"receipt_status": "voided"}, headers={"HX-Request": "true"})
    assert "<html" not in partial.content.decode()
    assert known_set.voided.receipt.code in partial.content.decode()
    before = AuditEntry.objects.filter(action="reports.exported").count()
    download = client.get(url, {"export": "xlsx", "receipt_status": "issued"})
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    entry = AuditEntry.objects.filter(action="reports.exported").latest("id")
    assert AuditEntry.objects.filter(action="reports.exported").count() == before + 1
    assert entry.actor == finance
    assert entry.data["report"] == "receipt_detail"
    assert entry.data["rows"] == 4
    assert "收据状态：已开具" in entry.data["filters"]


@pytest.mark.django_db
def test_bad_filters_show_a_chinese_message_and_no_figures(known_set, finance, client):
    client.force_login(finance)
    url = reverse("reports:report", args=["receipt_summary"])
    page = client.get(url, {"date_from": "2026-05-02", "date_to": "2026-05-01"})
    text = page.content.decode()
    assert "开始日期不能晚于结束日期" in text
    assert "68,000.00" not in text
    before = AuditEntry.objects.filter(action="reports.exported").count()
    client.get(url, {"date_from": "2026-05-02", "date_to": "2026-05-01", "export": "xlsx"})
    assert AuditEntry.objects.filter(action="reports.exported").count() == before


@pytest.mark.django_db
def test_a_buyer_or_consultant_may_not_open_the_reports(known_set, buyer, consultant, client):
    for user in (buyer, consultant):
        client.force_login(user)
        assert client.get(reverse("reports:report", args=["receipt_detail"])).status_code in (403, 404)
        assert client.get(reverse("reports:index")).status_code in (403, 404)
    assert client.get(reverse("reports:report", args=["nope"])).status_code in (403, 404)
