"""申请信贷: applying for an order, documents stored privately, and the bank's answers on a timeline."""

import threading
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from loans import services
from loans.documents import MAX_DOCUMENT_BYTES
from loans.exceptions import LoanInputError
from loans.models import LoanApplication, LoanApplicationStatus, LoanDocument, LoanProduct
from loans.services.applications import ApplicationRefused
from payments.models import Payment
from sales.tests.factories import select
from shuchang.core.exceptions import TransitionNotAllowed

pytestmark = [pytest.mark.django_db, pytest.mark.urls("loans.tests.urls")]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _product(name="首套住房商业贷款", bank="工商银行"):
    return LoanProduct.objects.get(bank__name=bank, name=name)


def _apply(actor, order, amount="1000000", product=None, **extra):
    return services.loan_application_submit(
        actor=actor,
        order=order,
        product=product or _product(),
        amount=Decimal(amount),
        term_years=extra.pop("term_years", 30),
        method=extra.pop("method", "equal_instalment"),
        **extra,
    )


def _pdf(name="收入证明.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


# ---- applying -----------------------------------------------------------------------------


def test_the_buyer_applies_for_their_reserved_order(client, buyer, reserved_order):
    client.force_login(buyer)

    page = client.get(reverse("loans:application_list"))
    response = client.post(
        reverse("loans:application_create", args=[reserved_order.pk]),
        {"product": _product().pk, "amount": "1000000", "term_years": "30", "method": "equal_instalment"},
    )

    assert reserved_order.number in page.content.decode()
    application = LoanApplication.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("loans:application_detail", args=[application.pk])
    assert (application.status, application.amount, application.applicant) == (
        "submitted",
        Decimal("1000000.00"),
        buyer,
    )
    assert [c.to_status for c in application.status_changes.all()] == ["submitted"]
    assert AuditEntry.objects.filter(action="loans.application.submitted", object_id=str(application.pk)).exists()


def test_an_order_still_waiting_for_its_deposit_cannot_apply(buyer, units):
    pending = select(buyer, units[1])

    with pytest.raises(ApplicationRefused) as error:
        _apply(buyer, pending)

    assert error.value.message == "订单认购（支付定金）后才能申请贷款"
    assert not LoanApplication.objects.exists()


def test_another_buyer_cannot_even_open_the_form(client, other_buyer, reserved_order):
    client.force_login(other_buyer)

    response = client.get(reverse("loans:application_create", args=[reserved_order.pk]))

    assert response.status_code == 404


def test_a_consultant_may_apply_for_a_customer(consultant, reserved_order):
    application = _apply(consultant, reserved_order)

    assert application.applicant == consultant


def test_the_amount_stays_within_the_price_less_the_minimum_down_payment(client, buyer, reserved_order):
    ceiling = (reserved_order.price_amount * Decimal("0.85")).quantize(Decimal("0.01"), rounding="ROUND_DOWN")
    client.force_login(buyer)

    response = client.post(
        reverse("loans:application_create", args=[reserved_order.pk]),
        {
            "product": _product().pk,
            "amount": str(ceiling + Decimal("0.01")),
            "term_years": "30",
            "method": "equal_instalment",
        },
    )

    assert response.status_code == 200
    assert f"超过可贷上限 ¥{ceiling:,.2f}" in response.content.decode()
    assert not LoanApplication.objects.exists()


def test_a_combined_loans_two_applications_count_together(buyer, reserved_order):
    ceiling = reserved_order.price_amount * Decimal("0.80")  # the fund product asks for 20% down
    _apply(buyer, reserved_order, amount=str(ceiling - Decimal("200000")))

    with pytest.raises(LoanInputError) as error:
        _apply(buyer, reserved_order, amount="300000", product=_product("住房公积金贷款（首套）"))

    assert "贷款合计" in error.value.message and "最低首付 20%" in error.value.message
    assert LoanApplication.objects.count() == 1


def test_one_live_application_per_order_and_product(buyer, reserved_order):
    _apply(buyer, reserved_order, amount="500000")

    with pytest.raises(ApplicationRefused) as error:
        _apply(buyer, reserved_order, amount="400000")

    assert error.value.message == "该订单已有此产品的贷款申请在办理中"


def test_the_database_itself_refuses_a_second_live_application(buyer, reserved_order):
    first = _apply(buyer, reserved_order, amount="500000")

    with pytest.raises(IntegrityError), transaction.atomic():
        LoanApplication.objects.create(
            order=reserved_order,
            product=first.product,
            applicant=buyer,
            amount=1,
            term_years=10,
            method="equal_principal",
        )


def test_a_term_over_the_products_maximum_is_refused(buyer, reserved_order):
    with pytest.raises(LoanInputError) as error:
        _apply(buyer, reserved_order, amount="500000", product=_product("首套固定利率贷款", "招商银行"), term_years=25)

    assert error.value.message == "贷款期限应为1至20年"


# ---- documents ----------------------------------------------------------------------------


def test_a_document_is_stored_privately_and_served_only_to_the_entitled(client, buyer, other_buyer, reserved_order):
    application = _apply(buyer, reserved_order)
    client.force_login(buyer)

    upload = client.post(reverse("loans:document_upload", args=[application.pk]), {"kind": "income", "file": _pdf()})

    assert upload.status_code == 302
    document = LoanDocument.objects.get()
    stored = Path(settings.PRIVATE_MEDIA_ROOT) / document.file.name
    assert stored.read_bytes() == PDF
    assert Path(settings.MEDIA_ROOT) not in stored.parents
    assert document.original_name == "收入证明.pdf" and "收入证明" not in document.file.name
    with pytest.raises(ValueError):
        document.file.url  # noqa: B018 — private files have no public address
    url = reverse("loans:document_download", args=[application.pk, document.pk])
    own = client.get(url)
    assert b"".join(own.streaming_content) == PDF
    assert "attachment" in own["Content-Disposition"] and own["Cache-Control"] == "private, no-store"
    client.force_login(other_buyer)
    assert client.get(url).status_code == 404
    assert AuditEntry.objects.filter(action="loans.document.opened").count() == 1


def test_staff_outside_the_project_cannot_fetch_the_document(client, buyer, reserved_order, roles):
    from listings.tests.factories import ProjectFactory
    from sales.tests.factories import staff

    application = _apply(buyer, reserved_order)
    document = services.loan_document_upload(actor=buyer, application=application, kind="id_card", upload=_pdf())
    elsewhere = staff("manager-elsewhere", ["sales_manager"], project_ids=[ProjectFactory().pk])
    client.force_login(elsewhere)

    response = client.get(reverse("loans:document_download", args=[application.pk, document.pk]))

    assert response.status_code == 404


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (
            SimpleUploadedFile("证明.pdf", b"just text pretending", content_type="application/pdf"),
            "只支持PDF、JPG、PNG格式的文件",
        ),
        (
            SimpleUploadedFile("证明.exe", b"MZ\x90\x00", content_type="application/octet-stream"),
            "只支持PDF、JPG、PNG格式的文件",
        ),
        (SimpleUploadedFile("大.pdf", b"%PDF-" + b"0" * MAX_DOCUMENT_BYTES), "文件过大：单个文件不能超过10MB"),
    ],
)
def test_a_wrong_or_oversized_file_is_refused_and_nothing_is_stored(client, buyer, reserved_order, upload, message):
    application = _apply(buyer, reserved_order)
    client.force_login(buyer)

    response = client.post(reverse("loans:document_upload", args=[application.pk]), {"kind": "income", "file": upload})

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not LoanDocument.objects.exists()
    assert [path for path in Path(settings.PRIVATE_MEDIA_ROOT).rglob("*") if path.is_file()] == []


def test_images_are_accepted_by_their_content(buyer, reserved_order):
    application = _apply(buyer, reserved_order)
    png = SimpleUploadedFile("身份证.PNG", b"\x89PNG\r\n\x1a\n" + b"\x00" * 32)

    document = services.loan_document_upload(actor=buyer, application=application, kind="id_card", upload=png)

    assert (document.content_type, document.file.name.endswith(".png")) == ("image/png", True)


# ---- the bank's answers -------------------------------------------------------------------


def test_the_application_moves_through_review_approval_and_disbursement(client, buyer, sales_manager, reserved_order):
    application = _apply(buyer, reserved_order)
    client.force_login(sales_manager)
    detail = reverse("loans:application_detail", args=[application.pk])

    page = client.get(detail)
    client.post(reverse("loans:application_action", args=[application.pk, "review"]), {"note": ""})
    client.post(
        reverse("loans:application_action", args=[application.pk, "approve"]),
        {"approved_amount": "950000", "approved_rate": "3.05", "note": ""},
    )
    client.post(
        reverse("loans:application_action", args=[application.pk, "disburse"]),
        {"amount": "950000", "disbursed_on": timezone.localdate().isoformat(), "bank_reference": "ICBC2026120300001"},
    )

    assert "银行已受理，开始审核" in page.content.decode()
    application.refresh_from_db()
    assert application.status == LoanApplicationStatus.DISBURSED
    assert (application.approved_amount, application.approved_rate) == (Decimal("950000.00"), Decimal("0.0305"))
    assert (application.disbursed_amount, application.bank_reference) == (Decimal("950000.00"), "ICBC2026120300001")
    timeline = list(application.status_changes.values_list("to_status", flat=True))
    assert timeline == ["submitted", "under_review", "approved", "disbursed"]
    payment = Payment.objects.get(external_ref="ICBC2026120300001")
    assert (payment.order_id, payment.amount, payment.charge_item.kind) == (
        reserved_order.pk,
        Decimal("950000.00"),
        "house_price",
    )
    assert AuditEntry.objects.filter(action__startswith="loans.application.").count() == 4
    client.force_login(buyer)
    html = client.get(detail).content.decode()
    assert "已放款" in html and "批准 ¥950,000.00，年利率 3.05%" in html
    assert "登记银行办理结果" not in html  # the buyer follows, staff record


def test_a_step_out_of_order_is_refused(buyer, sales_manager, reserved_order):
    application = _apply(buyer, reserved_order)

    with pytest.raises(TransitionNotAllowed) as error:
        services.loan_application_approve(actor=sales_manager, application=application, approved_amount="900000")

    assert error.value.message == f"{application}：当前状态（已提交）不能变更为（已批准）"
    application.refresh_from_db()
    assert application.status == "submitted"


def test_the_bank_cannot_approve_more_than_was_asked(buyer, sales_manager, reserved_order):
    application = _apply(buyer, reserved_order, amount="800000")
    services.loan_application_review_start(actor=sales_manager, application=application)

    with pytest.raises(LoanInputError) as error:
        services.loan_application_approve(actor=sales_manager, application=application, approved_amount="800000.01")

    assert error.value.message == "批准金额不能超过申请金额 ¥800,000.00"


def test_a_consultant_may_not_record_the_banks_decision(client, buyer, consultant, reserved_order):
    application = _apply(buyer, reserved_order)
    client.force_login(consultant)

    page = client.get(reverse("loans:application_detail", args=[application.pk]))
    response = client.post(reverse("loans:application_action", args=[application.pk, "review"]), {"note": ""})

    assert "登记银行办理结果" not in page.content.decode()
    assert response.status_code == 400
    assert "无权登记银行审核结果" in response.content.decode()
    application.refresh_from_db()
    assert application.status == "submitted"


def test_a_buyer_posting_a_staff_action_is_refused(client, buyer, reserved_order):
    application = _apply(buyer, reserved_order)
    client.force_login(buyer)

    response = client.post(reverse("loans:application_action", args=[application.pk, "reject"]), {"reason": "自己拒绝"})

    assert response.status_code == 400
    assert "无权登记银行审核结果" in response.content.decode()
    application.refresh_from_db()
    assert application.status == "submitted"


def test_rejection_needs_a_reason_closes_the_file_and_allows_a_new_application(buyer, sales_manager, reserved_order):
    application = _apply(buyer, reserved_order)

    with pytest.raises(LoanInputError):
        services.loan_application_reject(actor=sales_manager, application=application, reason="  ")
    services.loan_application_reject(actor=sales_manager, application=application, reason="收入证明不足")

    assert application.rejection_reason == "收入证明不足"
    with pytest.raises(ApplicationRefused) as error:
        services.loan_document_upload(actor=buyer, application=application, kind="income", upload=_pdf())
    assert error.value.message == "该申请已办结，不能再上传材料"
    assert _apply(buyer, reserved_order).status == "submitted"


def _approved(buyer, manager, order, amount="900000"):
    application = _apply(buyer, order, amount=amount)
    services.loan_application_review_start(actor=manager, application=application)
    return services.loan_application_approve(actor=manager, application=application, approved_amount=amount)


def test_recording_the_same_disbursement_twice_returns_the_first(buyer, sales_manager, reserved_order):
    application = _approved(buyer, sales_manager, reserved_order)
    today = timezone.localdate()
    services.loan_application_disburse(
        actor=sales_manager, application=application, amount="900000", disbursed_on=today, bank_reference="CCB-0001"
    )

    again = services.loan_application_disburse(
        actor=sales_manager, application=application, amount="900000", disbursed_on=today, bank_reference="CCB-0001"
    )

    assert again.pk == application.pk
    assert application.status_changes.filter(to_status="disbursed").count() == 1


def test_a_disbursement_over_the_approval_or_in_the_future_is_refused(buyer, finance, sales_manager, reserved_order):
    application = _approved(buyer, sales_manager, reserved_order)

    with pytest.raises(LoanInputError) as over:
        services.loan_application_disburse(
            actor=finance,
            application=application,
            amount="900000.01",
            disbursed_on=timezone.localdate(),
            bank_reference="X1",
        )
    with pytest.raises(LoanInputError) as future:
        services.loan_application_disburse(
            actor=finance,
            application=application,
            amount="900000",
            disbursed_on=timezone.localdate() + timedelta(days=1),
            bank_reference="X1",
        )

    assert over.value.message == "放款金额不能超过批准金额 ¥900,000.00"
    assert future.value.message == "放款日期不能晚于今天"
    application.refresh_from_db()
    assert application.status == "approved"


def test_finance_may_record_the_disbursement(buyer, finance, sales_manager, reserved_order):
    application = _approved(buyer, sales_manager, reserved_order)

    services.loan_application_disburse(
        actor=finance, application=application, amount="900000", disbursed_on=timezone.localdate(), bank_reference="B-9"
    )

    assert application.status == "disbursed"


def test_staff_list_shows_the_applications_of_their_projects(client, buyer, sales_manager, reserved_order):
    application = _apply(buyer, reserved_order)
    client.force_login(sales_manager)

    response = client.get(reverse("loans:application_list"))

    assert application.number in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_two_staff_answering_at_once_record_one_answer(seed_rates, buyer, sales_manager, reserved_order):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: row-level concurrency of the compare-and-swap")
    application = _apply(buyer, reserved_order)
    services.loan_application_review_start(actor=sales_manager, application=application)
    barrier, outcomes = threading.Barrier(2), []

    def answer(approve: bool):
        from django.db import connections

        mine = LoanApplication.objects.get(pk=application.pk)
        barrier.wait()
        try:
            if approve:
                services.loan_application_approve(actor=sales_manager, application=mine, approved_amount="900000")
            else:
                services.loan_application_reject(actor=sales_manager, application=mine, reason="额度不足")
            outcomes.append("ok")
        except Exception as error:  # the loser's refusal
            outcomes.append(type(error).__name__)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=answer, args=(flag,)) for flag in (True, False)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    application.refresh_from_db()
    assert sorted(outcomes) == ["ConcurrentChange", "ok"]
    assert application.status in {"approved", "rejected"}
    assert application.status_changes.exclude(to_status__in=["submitted", "under_review"]).count() == 1
