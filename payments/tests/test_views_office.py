"""Staff pages of 收款管理: a permission matrix per page, data scope (404 outside it), query counts on
the list pages, and the flows a cashier and finance go through."""

from datetime import timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from payments import services
from payments.models import (
    ChargeKind,
    Deposit,
    HeldPayment,
    Payment,
    PaymentSchedule,
    PaymentStatus,
    Receipt,
    ReceiptStatus,
    ShiftClose,
)
from payments.tests.factories import charge, method, notification, pay, select, staff, start_online
from sales import services as sales_services
from sales.models import OrderStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy(reserved_order, finance, buyer, units, consultant):
    """A reserved order with cash, POS and a pending transfer; a voided receipt; money held online."""
    pay(reserved_order, consultant, "30000")
    pay(reserved_order, consultant, "8000", method_code="pos", external_ref="POS-1")
    voided = pay(reserved_order, consultant, "100")
    services.receipt_void(receipt=voided.receipt, actor=finance, reason="录错")
    pay(reserved_order, consultant, "50000", method_code="transfer", external_ref="BANK-1")
    late = select(buyer, units[1])
    params = notification(start_online(late))
    sales_services.order_expire(order=late, now=late.hold_expires_at + timedelta(seconds=1))
    services.notification_handle(gateway_code="sandbox", params=params)
    return {
        "order": reserved_order,
        "receipt": Receipt.objects.filter(payment__order=reserved_order).first(),
        "payment": Payment.objects.get(amount=Decimal("30000.00")),
        "pending": Payment.objects.get(status=PaymentStatus.PENDING_APPROVAL),
        "held": HeldPayment.objects.get(),
        "deposit": Deposit.objects.get(order=reserved_order),
    }


def urls(busy) -> dict[str, str]:
    order, receipt, payment = busy["order"], busy["receipt"], busy["payment"]
    return {
        "home": reverse("payments:office_home"),
        "orders": reverse("payments:office_orders"),
        "order": reverse("payments:office_order", args=[order.pk]),
        "registrations": reverse("payments:office_registrations"),
        "payments": reverse("payments:office_payments"),
        "payment": reverse("payments:office_payment", args=[payment.pk]),
        "approvals": reverse("payments:office_approvals"),
        "receipts": reverse("payments:office_receipts"),
        "receipt": reverse("payments:office_receipt", args=[receipt.pk]),
        "numbering": reverse("payments:office_numbering"),
        "shift": reverse("payments:office_shift"),
        "shifts": reverse("payments:office_shifts"),
        "refunds": reverse("payments:office_refunds"),
        "held": reverse("payments:office_held"),
        "held_detail": reverse("payments:office_held_detail", args=[busy["held"].pk]),
        "deposits": reverse("payments:office_deposits"),
        "deposit": reverse("payments:office_deposit", args=[busy["deposit"].pk]),
        "arrears": reverse("payments:office_arrears"),
        "overdue": reverse("payments:office_overdue"),
    }


ALL_STAFF = {"consultant", "sales_manager", "finance"}
# Page → the personas who may open it (everyone else: 403; anonymous: the login page).
MATRIX = {
    "home": ALL_STAFF,
    "orders": ALL_STAFF,
    "order": ALL_STAFF,
    "registrations": ALL_STAFF,
    "payments": ALL_STAFF,
    "payment": ALL_STAFF,
    "approvals": {"finance"},
    "receipts": ALL_STAFF,
    "receipt": ALL_STAFF,
    "numbering": {"finance"},
    "shift": ALL_STAFF,
    "shifts": ALL_STAFF,
    "refunds": ALL_STAFF,
    "held": {"sales_manager", "finance"},
    "held_detail": {"sales_manager", "finance"},
    "deposits": ALL_STAFF,
    "deposit": ALL_STAFF,
    "arrears": {"sales_manager", "finance"},
    "overdue": {"sales_manager", "finance"},
}


@pytest.mark.parametrize("persona", ["consultant", "sales_manager", "finance", "auditor", "admin_user", "buyer"])
def test_permission_matrix(client, request, busy, persona, payment_roles):
    user = request.getfixturevalue(persona)
    client.force_login(user)

    answers = {name: client.get(url).status_code for name, url in urls(busy).items()}

    expected = {name: 200 if persona in allowed else 403 for name, allowed in MATRIX.items()}
    assert answers == expected


def test_anonymous_visitors_are_sent_to_log_in(client, busy):
    for url in urls(busy).values():
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_objects_outside_the_data_scope_are_404(client, busy, payment_roles, other_project):
    outsider = staff("outsider", ["finance"], project_ids=[other_project.pk])
    client.force_login(outsider)
    pages = urls(busy)

    for name in ("order", "payment", "receipt", "held_detail", "deposit"):
        assert client.get(pages[name]).status_code == 404, name
    for name in ("orders", "payments", "receipts", "deposits", "arrears"):
        assert busy["order"].number not in client.get(pages[name]).content.decode(), name
    response = client.post(
        reverse("payments:office_order_collect", args=[busy["order"].pk]),
        {"charge_item": charge(ChargeKind.DOWN_PAYMENT).pk, "method": method("cash").pk, "amount": "1"},
    )
    assert response.status_code == 404


LIST_PAGES = [
    "orders",
    "payments",
    "receipts",
    "deposits",
    "held",
    "refunds",
    "approvals",
    "shifts",
    "arrears",
    "overdue",
]


@pytest.mark.parametrize("page", LIST_PAGES)
def test_list_pages_cost_a_fixed_number_of_queries(client, busy, finance, page, django_assert_max_num_queries, units):
    for amount in range(1, 13):
        pay(busy["order"], finance, f"{amount}.00")
    services.shift_close(actor=finance)
    client.force_login(finance)
    url = urls(busy)[page]
    if page in ("arrears", "overdue"):
        url += f"?as_of={(timezone.localdate() + timedelta(days=90)).isoformat()}"

    with django_assert_max_num_queries(16):
        response = client.get(url)

    assert response.status_code == 200


def test_the_numbering_page_shows_every_number_and_exports(client, busy, finance):
    client.force_login(finance)

    page = client.get(reverse("payments:office_numbering")).content.decode()
    export = client.get(reverse("payments:office_numbering"), {"export": "xlsx"})

    assert '缺号 <b class="">0</b> 个' in page
    assert "已作废" in page
    rows = list(load_workbook(BytesIO(b"".join(export.streaming_content))).active.iter_rows(values_only=True))
    codes = [row[0] for row in rows[3:]]
    assert codes == [receipt.code for receipt in Receipt.objects.order_by("number")]
    assert rows[3 + 3][1] == "已作废"


def test_a_cashier_records_cash_and_the_receipt_is_issued(client, reserved_order, consultant):
    client.force_login(consultant)

    response = client.post(
        reverse("payments:office_order_collect", args=[reserved_order.pk]),
        {"charge_item": charge(ChargeKind.DOWN_PAYMENT).pk, "method": method("cash").pk, "amount": "12345.60"},
        follow=True,
    )

    payment = Payment.objects.get(amount=Decimal("12345.60"))
    assert f"已收款 12,345.60 元，收据编号 {payment.receipt.code}" in response.content.decode()
    assert payment.recorded_by == consultant


@pytest.mark.parametrize(
    ("amount", "message"),
    [("0", "金额须大于 0"), ("12.345", "金额最多保留两位小数（精确到分）"), ("abc", "请输入正确的金额")],
)
def test_bad_amounts_are_refused_in_chinese_and_change_nothing(client, reserved_order, consultant, amount, message):
    client.force_login(consultant)
    before = Payment.objects.count()

    response = client.post(
        reverse("payments:office_order_collect", args=[reserved_order.pk]),
        {"charge_item": charge(ChargeKind.DOWN_PAYMENT).pk, "method": method("cash").pk, "amount": amount},
    )

    assert response.status_code == 400
    assert message in response.content.decode()
    assert Payment.objects.count() == before


def test_a_refused_payment_shows_the_reason(client, pending_order, consultant):
    client.force_login(consultant)

    response = client.post(
        reverse("payments:office_order_collect", args=[pending_order.pk]),
        {"charge_item": charge(ChargeKind.DEPOSIT).pk, "method": method("cash").pk, "amount": "100"},
    )

    assert response.status_code == 400
    assert "定金须一次付清 20,000.00 元" in response.content.decode()
    assert not Payment.objects.exists()


def test_a_consultant_is_not_offered_waivers(client, reserved_order, consultant, sales_manager):
    client.force_login(consultant)
    assert "减免" not in _method_options(client.get(reverse("payments:office_order", args=[reserved_order.pk])))
    client.force_login(sales_manager)
    assert "减免" in _method_options(client.get(reverse("payments:office_order", args=[reserved_order.pk])))


def _method_options(response) -> str:
    page = response.content.decode()
    start = page.index('name="method"')
    return page[start : page.index("</select>", start)]


def test_print_then_reprint_and_void_from_the_receipt_page(client, reserved_order, consultant, finance):
    receipt = Receipt.objects.get()
    url = reverse("payments:office_receipt_print", args=[receipt.pk])
    client.force_login(consultant)

    first = client.post(url, {"paper": "continuous"})
    refused = client.post(url, {"paper": "a4"}, follow=True)
    client.force_login(finance)
    reprint = client.post(url, {"paper": "a4"})
    voided = client.post(
        reverse("payments:office_receipt_void", args=[receipt.pk]), {"reason": "付款人姓名写错"}, follow=True
    )

    assert first["Content-Type"] == "application/pdf"
    assert "该收据已打印过，补打须由财务办理" in refused.content.decode()
    assert reprint["Content-Disposition"].endswith('-2.pdf"')
    assert "已作废" in voided.content.decode()
    receipt.refresh_from_db()
    assert (receipt.print_count, receipt.status) == (2, ReceiptStatus.VOIDED)


def test_voiding_without_a_reason_is_refused(client, reserved_order, finance):
    receipt = Receipt.objects.get()
    client.force_login(finance)

    response = client.post(reverse("payments:office_receipt_void", args=[receipt.pk]), {"reason": ""})

    assert response.status_code == 400 and "请填写原因" in response.content.decode()
    assert Receipt.objects.get().status == ReceiptStatus.ISSUED


def test_finance_approves_a_transfer_from_the_approvals(client, busy, second_finance):
    client.force_login(second_finance)

    response = client.post(
        reverse("payments:office_payment_review", args=[busy["pending"].pk]), {"decision": "approve", "note": "已到账"}
    )

    assert response.status_code == 302
    busy["pending"].refresh_from_db()
    assert busy["pending"].status == PaymentStatus.CONFIRMED


def test_a_refund_from_the_payment_page(client, busy, finance):
    client.force_login(finance)

    response = client.post(
        reverse("payments:office_payment_refund", args=[busy["payment"].pk]),
        {"amount": "500.00", "reason": "多收退回"},
        follow=True,
    )

    refund = Payment.objects.get(refund_of=busy["payment"])
    assert f"已退款 500.00 元，红冲收据 {refund.receipt.code}" in response.content.decode()


def test_closing_a_shift_from_the_page(client, reserved_order, consultant):
    pay(reserved_order, consultant, "1000")
    client.force_login(consultant)
    cash = method("cash")

    response = client.post(
        reverse("payments:office_shift"), {f"declared_{cash.pk}": "1000.00", "note": "晚班"}, follow=True
    )

    shift = ShiftClose.objects.get(operator=consultant)
    assert shift.is_balanced
    assert "账据相符" in response.content.decode()


def test_held_money_is_reattached_from_its_page(client, busy, finance, buyer, units):
    new_order = select(buyer, units[2])
    client.force_login(finance)

    client.post(
        reverse("payments:office_held_detail", args=[busy["held"].pk]),
        {"action": "reattach", "order": new_order.pk, "charge_item": charge(ChargeKind.DEPOSIT).pk},
    )

    new_order.refresh_from_db()
    assert new_order.status == OrderStatus.RESERVED


def test_arrears_export_is_an_excel_sheet(client, busy, finance):
    client.force_login(finance)
    as_of = (timezone.localdate() + timedelta(days=90)).isoformat()

    response = client.get(reverse("payments:office_arrears"), {"as_of": as_of, "export": "xlsx", "group": "buyer"})

    rows = list(load_workbook(BytesIO(b"".join(response.streaming_content))).active.iter_rows(values_only=True))
    assert rows[2] == ("购房人", "手机号", "订单数", "应收（截至日）", "已收", "欠费")
    assert rows[3][0] == "张*"
    assert rows[3][1] == "138****8000"


def test_notices_open_as_pdfs(client, reserved_order, consultant):
    client.force_login(consultant)

    response = client.post(reverse("payments:office_order_notice", args=[reserved_order.pk]), {"kind": "notice"})

    assert response.status_code == 302
    pdf = client.get(response["Location"])
    assert pdf["Content-Type"] == "application/pdf"


def test_rebuilding_the_schedule_from_the_order_page(client, reserved_order, sales_manager):
    from payments.models import PaymentPlanTemplate, PlanKind

    client.force_login(sales_manager)
    template = PaymentPlanTemplate.objects.get(kind=PlanKind.FULL)

    client.post(reverse("payments:office_order_schedule", args=[reserved_order.pk]), {"template": template.pk})

    assert PaymentSchedule.objects.get(order=reserved_order, is_current=True).template == template


def test_settling_a_cancelled_order_from_its_page(client, reserved_order, finance, consultant, sales_manager):
    from payments.tests.factories import cancel_by_change

    cancel_by_change(reserved_order, applicant=consultant, approver=sales_manager)
    client.force_login(finance)

    response = client.post(reverse("payments:office_order_settle", args=[reserved_order.pk]), follow=True)

    assert "已退款 1 笔" in response.content.decode()
    reserved_order.refresh_from_db()
    assert reserved_order.status == OrderStatus.REFUNDED
