"""Receipts: numbered per project and year without gaps, printed and reprinted (补打) with a count,
voided (作废) with a reason and never deleted, and printable as PDFs whose text a machine can read."""

import shutil
import subprocess
from datetime import datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.models import AuditEntry
from payments import pdf, selectors, services
from payments.exceptions import PaymentNotAllowed, ReceiptNotVoidable
from payments.models import (
    ChargeKind,
    Deposit,
    DepositStatus,
    Paper,
    Payment,
    PaymentStatus,
    Receipt,
    ReceiptPrint,
    ReceiptSequence,
    ReceiptStatus,
)
from payments.tests.factories import notification, pay, pay_deposit_cash, select, staff, start_online

pytestmark = pytest.mark.django_db
PDFTOTEXT = "/usr/bin/pdftotext"


def pdf_text(content: bytes) -> str:
    if not shutil.which(PDFTOTEXT):
        pytest.skip("needs pdftotext (apt-get install poppler-utils)")
    command = [PDFTOTEXT, "-layout", "-", "-"]
    result = subprocess.run(command, input=content, capture_output=True, check=True)
    return result.stdout.decode("utf-8")


def test_receipts_are_numbered_per_project_and_year_without_gaps(reserved_order, finance, other_project, buyer):
    from listings.tests.factories import building_with_units

    pay(reserved_order, finance, "1000")
    pay(reserved_order, finance, "2000")
    other_unit = building_with_units(project=other_project, number="8", floors=1, units_per_floor=1).units.get()
    other_order = select(buyer, other_unit)
    pay_deposit_cash(other_order, finance)

    year = timezone.localdate().year
    assert list(
        Receipt.objects.filter(project=reserved_order.project).order_by("number").values_list("code", flat=True)
    ) == [
        f"YUNQI-{year}-000001",
        f"YUNQI-{year}-000002",
        f"YUNQI-{year}-000003",
    ]
    assert Receipt.objects.get(project=other_project).code == f"JINJIANG-{year}-000001"


def test_a_new_year_starts_a_new_sequence(reserved_order, finance):
    first = pay(reserved_order, finance, "1000").receipt
    next_year = datetime(first.issued_at.year + 1, 1, 1, 0, 0, 5, tzinfo=timezone.get_current_timezone())

    with time_machine.travel(next_year, tick=False):
        second = pay(reserved_order, finance, "1000").receipt

    assert second.code == f"YUNQI-{next_year.year}-000001"
    assert ReceiptSequence.objects.filter(project=reserved_order.project).count() == 2


def test_a_refused_payment_gives_its_number_back(reserved_order, finance):
    pay(reserved_order, finance, "1000")
    with pytest.raises(PaymentNotAllowed):
        pay(reserved_order, finance, reserved_order.deposit_amount, kind=ChargeKind.DEPOSIT)

    receipt = pay(reserved_order, finance, "1000").receipt

    assert receipt.number == 3  # 1 the 定金, 2 and 3 the two payments: nothing skipped
    assert ReceiptSequence.objects.get(project=reserved_order.project).last_number == 3


def test_the_database_refuses_a_number_twice_in_a_sequence(reserved_order):
    receipt = Receipt.objects.get()
    duplicate = Payment.objects.create(
        project=receipt.project, order=reserved_order, buyer=reserved_order.buyer, payer_name="x",
        method=receipt.payment.method, charge_item=receipt.payment.charge_item, amount=Decimal("1.00"),
        paid_at=timezone.now(),
    )  # fmt: skip

    with pytest.raises(IntegrityError), transaction.atomic():
        Receipt.objects.create(
            sequence=receipt.sequence, number=receipt.number, code="OTHER", project=receipt.project, payment=duplicate,
            title="t", project_name="p", payer_name="x", charge_item_name="c", method_name="m", amount=Decimal("1.00"),
            amount_in_words="壹元整", operator_name="o", issued_at=timezone.now(),
        )  # fmt: skip


def test_voiding_keeps_the_number_and_stops_the_payment_counting(reserved_order, finance):
    receipt = pay(reserved_order, finance, "1000").receipt

    services.receipt_void(receipt=receipt, actor=finance, reason="金额录错")

    receipt.refresh_from_db()
    assert (receipt.status, receipt.void_reason, receipt.voided_by) == (ReceiptStatus.VOIDED, "金额录错", finance)
    assert receipt.payment.status == PaymentStatus.VOIDED
    assert selectors.order_paid_amount(reserved_order.pk) == Decimal("20000.00")
    assert Receipt.objects.filter(pk=receipt.pk).exists()
    assert pay(reserved_order, finance, "1000").receipt.number == receipt.number + 1
    assert AuditEntry.objects.filter(action="payments.receipt.voided", object_id=str(receipt.pk)).exists()


def test_voiding_a_deposit_receipt_voids_its_ledger_line(reserved_order, finance):
    receipt = Receipt.objects.get(payment__order=reserved_order)

    services.receipt_void(receipt=receipt, actor=finance, reason="付款人姓名写错")

    assert Deposit.objects.get(order=reserved_order).status == DepositStatus.VOIDED
    # The 定金 can be taken again, with a new number.
    assert pay_deposit_cash(reserved_order, finance).receipt.number == 2


@pytest.mark.parametrize("reason", ["", "   "])
def test_voiding_needs_a_reason(reserved_order, finance, reason):
    receipt = Receipt.objects.get()

    with pytest.raises(ReceiptNotVoidable, match="请填写作废原因"):
        services.receipt_void(receipt=receipt, actor=finance, reason=reason)
    assert Receipt.objects.get().status == ReceiptStatus.ISSUED


def test_only_finance_voids(reserved_order, consultant):
    with pytest.raises(PaymentNotAllowed, match="您没有作废收据的权限"):
        services.receipt_void(receipt=Receipt.objects.get(), actor=consultant, reason="错")


def test_an_online_payments_receipt_is_not_voided_but_refunded(pending_order, finance):
    services.notification_handle(gateway_code="sandbox", params=notification(start_online(pending_order)))

    with pytest.raises(ReceiptNotVoidable, match="线上支付的收据不能作废"):
        services.receipt_void(receipt=Receipt.objects.get(), actor=finance, reason="错")


def test_a_refunded_payment_and_a_red_receipt_cannot_be_voided(reserved_order, finance):
    payment = pay(reserved_order, finance, "1000")
    refund = services.refund_create(payment=payment, amount=Decimal("400"), actor=finance, reason="多收退回")

    with pytest.raises(ReceiptNotVoidable, match="该笔收款已有退款"):
        services.receipt_void(receipt=payment.receipt, actor=finance, reason="错")
    with pytest.raises(ReceiptNotVoidable, match="红冲收据不能作废"):
        services.receipt_void(receipt=refund.receipt, actor=finance, reason="错")


def test_first_print_then_reprints_are_counted_and_need_the_permission(reserved_order, consultant, finance):
    receipt = Receipt.objects.get()

    assert services.receipt_print(receipt=receipt, actor=consultant, paper=Paper.CONTINUOUS) == 1
    with pytest.raises(PaymentNotAllowed, match="补打须由财务办理"):
        services.receipt_print(receipt=receipt, actor=consultant, paper=Paper.CONTINUOUS)
    assert services.receipt_print(receipt=receipt, actor=finance, paper=Paper.A4) == 2
    assert services.receipt_print(receipt=receipt, actor=finance, paper=Paper.A4) == 3

    receipt.refresh_from_db()
    assert (receipt.print_count, receipt.reprint_count) == (3, 2)
    assert list(ReceiptPrint.objects.values_list("copy_number", "paper", "printed_by__username")) == [
        (1, Paper.CONTINUOUS, "consultant"),
        (2, Paper.A4, "finance"),
        (3, Paper.A4, "finance"),
    ]
    assert AuditEntry.objects.filter(action="payments.receipt.reprinted", object_id=str(receipt.pk)).count() == 2


def test_the_numbering_report_accounts_for_every_number(reserved_order, finance):
    receipt_2 = pay(reserved_order, finance, "1000").receipt
    receipt_3 = pay(reserved_order, finance, "2000").receipt
    services.receipt_void(receipt=receipt_2, actor=finance, reason="录错")
    services.receipt_print(receipt=receipt_3, actor=finance, paper=Paper.A4)
    services.receipt_print(receipt=receipt_3, actor=finance, paper=Paper.A4)
    sequence = ReceiptSequence.objects.get()

    report = selectors.numbering_report(sequence)

    rows = [(row["number"], row["receipt"].status, row["receipt"].print_count) for row in report["rows"]]
    assert rows == [(1, "issued", 0), (2, "voided", 0), (3, "issued", 2)]
    assert report["totals"] | {} == {
        "issued": 2, "voided": 1, "reprinted": 1, "lowest": 1, "highest": 3, "present": 3, "missing": 0,
    }  # fmt: skip
    assert selectors.numbering_missing(sequence) == []


def test_a_number_without_its_receipt_shows_as_missing(reserved_order):
    sequence = ReceiptSequence.objects.get()
    ReceiptSequence.objects.filter(pk=sequence.pk).update(last_number=2)  # damage no service can do
    sequence.refresh_from_db()

    assert selectors.numbering_missing(sequence) == [2]
    assert selectors.numbering_report(sequence)["totals"]["missing"] == 1


# ---- PDFs ------------------------------------------------------------------------------------------


def test_the_a4_receipt_has_three_copies_with_number_amount_and_capitals(reserved_order, finance):
    receipt = pay(reserved_order, finance, "10004.50").receipt

    text = pdf_text(pdf.receipt_pdf(receipt, paper=Paper.A4))

    assert text.count(receipt.code) == 3
    assert text.count("壹万零肆元伍角整") == 3
    assert "¥10,004.50" in text
    for copy in ("存根联", "收据联", "记账联"):
        assert copy in text
    assert "张三" in text and "1-101" in text and "现金" in text and "首付款" in text
    assert "补打" not in text


def test_the_continuous_receipt_is_one_impression_on_three_part_paper(reserved_order, finance):
    receipt = Receipt.objects.get()

    content = pdf.receipt_pdf(receipt, paper=Paper.CONTINUOUS)

    text = pdf_text(content)
    assert text.count(receipt.code) == 1
    assert "贰万元整" in text and "¥20,000.00" in text
    assert b"/MediaBox [ 0 0 683.1496 263.9055 ]" in content  # 241 × 93.1 mm


def test_a_reprint_says_so_with_its_count(reserved_order):
    text = pdf_text(pdf.receipt_pdf(Receipt.objects.get(), paper=Paper.A4, copy_number=3))

    assert "补打（第2次补打）" in text


def test_a_voided_and_a_red_receipt_say_so(reserved_order, finance):
    payment = pay(reserved_order, finance, "1000")
    refund = services.refund_create(payment=payment, amount=Decimal("1000"), actor=finance, reason="多收退回")
    voided = pay(reserved_order, finance, "500").receipt
    services.receipt_void(receipt=voided, actor=finance, reason="录错")
    voided.refresh_from_db()

    red_text = pdf_text(pdf.receipt_pdf(refund.receipt, paper=Paper.A4))
    voided_text = pdf_text(pdf.receipt_pdf(voided, paper=Paper.A4))

    assert "红冲收据" in red_text and f"冲销原收据 {payment.receipt.code}" in red_text
    assert "负壹仟元整" in red_text and "¥-1,000.00" in red_text
    assert "作 废" in voided_text and "已作废：录错" in voided_text


def test_the_buyers_electronic_copy_is_the_receipt_copy(reserved_order):
    text = pdf_text(pdf.receipt_pdf(Receipt.objects.get(), paper=Paper.ELECTRONIC))

    assert "收据联" in text and "电子收据" in text and "存根联" not in text


def test_a_staff_member_without_receipts_access_cannot_print(reserved_order, auditor, payment_roles):
    with pytest.raises(PaymentNotAllowed, match="您无权打印该收据"):
        services.receipt_print(receipt=Receipt.objects.get(), actor=auditor, paper=Paper.A4)


def test_outsiders_do_not_see_receipts_of_other_projects(reserved_order, payment_roles, other_project):
    outsider = staff("outsider", ["finance"], project_ids=[other_project.pk])

    assert not selectors.receipt_list_for_user(outsider).exists()
