"""The admin: finance edits the configuration (logged, never deleted; plan ratios must add up), and
sees the money records read-only within its data scope."""

from decimal import Decimal

import pytest
from django.urls import reverse

from audit.models import AuditEntry
from payments.models import ChargeItem, PaymentMethod, PaymentPlanTemplate, PaymentSettings, PlanKind
from payments.tests.factories import pay, staff

pytestmark = pytest.mark.django_db


def test_finance_switches_a_method_on_and_the_change_is_logged(client, finance):
    wechat = PaymentMethod.objects.get(code="wechat")
    client.force_login(finance)
    url = reverse("admin:payments_paymentmethod_change", args=[wechat.pk])

    response = client.post(url, {"name": "微信支付", "is_enabled": "on", "position": "20", "note": wechat.note})

    assert response.status_code == 302
    wechat.refresh_from_db()
    assert wechat.is_enabled
    entry = AuditEntry.objects.get(action="payments.paymentmethod.updated", object_id=str(wechat.pk))
    assert entry.data["changed"] == ["is_enabled"]


def test_codes_and_kinds_cannot_be_changed_and_nothing_is_deleted(client, finance):
    cash = PaymentMethod.objects.get(code="cash")
    client.force_login(finance)

    client.post(
        reverse("admin:payments_paymentmethod_change", args=[cash.pk]),
        {"name": "现金", "code": "waiver", "kind": "waiver", "is_enabled": "on", "position": "40"},
    )

    cash.refresh_from_db()
    assert (cash.code, cash.kind) == ("cash", "offline")
    assert client.get(reverse("admin:payments_paymentmethod_delete", args=[cash.pk])).status_code == 403
    item = ChargeItem.objects.get(code="deposit")
    assert client.get(reverse("admin:payments_chargeitem_delete", args=[item.pk])).status_code == 403


def _template_form(ratios: list[str]) -> dict:
    data = {
        "name": "分期（两期）",
        "kind": PlanKind.INSTALLMENT,
        "is_enabled": "on",
        "items-TOTAL_FORMS": str(len(ratios)),
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000",
    }
    house = ChargeItem.objects.get(code="house_price").pk
    for index, ratio in enumerate(ratios):
        data |= {
            f"items-{index}-position": str(index + 1),
            f"items-{index}-charge_item": str(house),
            f"items-{index}-ratio": ratio,
            f"items-{index}-days_after": str(30 * (index + 1)),
        }
    return data


def test_a_plan_template_must_add_up_to_one_hundred_percent(client, finance):
    client.force_login(finance)
    url = reverse("admin:payments_paymentplantemplate_add")

    refused = client.post(url, _template_form(["0.5", "0.4"]))
    accepted = client.post(url, _template_form(["0.5", "0.5"]))

    assert "各项比例之和须为 100%，现为 90.00%" in refused.content.decode()
    assert accepted.status_code == 302
    template = PaymentPlanTemplate.objects.get(name="分期（两期）")
    assert [item.ratio for item in template.items.order_by("position")] == [Decimal("0.5000"), Decimal("0.5000")]


def test_the_settings_row_is_edited_not_added(client, finance):
    client.force_login(finance)

    assert client.get(reverse("admin:payments_paymentsettings_add")).status_code == 403
    response = client.post(
        reverse("admin:payments_paymentsettings_change", args=[1]),
        {"yuan_per_point": "0.02", "default_waiver_limit_amount": "5000.00", "receipt_title": "舒畅置业"},
    )

    assert response.status_code == 302
    assert PaymentSettings.current().yuan_per_point == Decimal("0.0200")


def test_money_records_are_read_only(client, finance, reserved_order):
    client.force_login(finance)
    payment = reserved_order.payments.get()

    assert client.get(reverse("admin:payments_payment_changelist")).status_code == 200
    assert client.get(reverse("admin:payments_payment_add")).status_code == 403
    assert client.get(reverse("admin:payments_payment_delete", args=[payment.pk])).status_code == 403
    page = client.get(reverse("admin:payments_payment_change", args=[payment.pk])).content.decode()
    assert 'name="_save"' not in page


def test_money_records_of_other_projects_are_404(client, reserved_order, finance, payment_roles, other_project):
    pay(reserved_order, finance, "1000")
    outsider = staff("outsider", ["finance"], project_ids=[other_project.pk])
    client.force_login(outsider)
    receipt = reserved_order.payments.first().receipt

    assert client.get(reverse("admin:payments_receipt_change", args=[receipt.pk])).status_code == 404
    assert receipt.code not in client.get(reverse("admin:payments_receipt_changelist")).content.decode()


def test_the_auditor_sees_no_money(client, auditor, reserved_order, payment_roles):
    client.force_login(auditor)

    assert client.get(reverse("admin:payments_payment_changelist")).status_code == 403
    assert client.get(reverse("admin:payments_paymentmethod_changelist")).status_code == 403
