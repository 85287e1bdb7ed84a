"""Cross-check on random data: every summary's total equals the detail's total, which equals the sum
of the counting payments in the database (to the fen)."""

from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from payments import services as payment_services
from payments.models import Payment, PaymentStatus
from payments.tests import factories
from reports.exporters import REPORTS
from reports.selectors import report_table

money = st.integers(min_value=1, max_value=5_000_000).map(lambda cents: Decimal(cents).scaleb(-2))
operations = st.lists(
    st.tuples(money, st.sampled_from(["cash", "void", "refund_half", "keep"])), min_size=0, max_size=6
)


class _Rollback(Exception):
    pass


@pytest.mark.django_db
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_summaries_detail_and_payments_agree(ops, buyer, units, finance):
    try:
        with transaction.atomic():
            order = factories.select(buyer, units[0])
            factories.pay_deposit_cash(order, finance)
            order.refresh_from_db()
            for amount, what in ops:
                payment = factories.pay(order, finance, amount)
                if what == "void":
                    payment_services.receipt_void(receipt=payment.receipt, actor=finance, reason="录错")
                elif what == "refund_half":
                    half = (amount / 2).quantize(Decimal("0.01"))
                    if half > 0:
                        payment_services.refund_create(payment=payment, amount=half, actor=finance, reason="退回")
            counted = Payment.objects.filter(status=PaymentStatus.CONFIRMED).aggregate(total=Sum("amount"))["total"]
            filters = {"grain": "month"}
            detail = report_table(REPORTS["receipt_detail"](user=finance, filters=filters)).totals[6]
            assert detail == counted
            assert report_table(REPORTS["receipt_summary"](user=finance, filters=filters)).totals[3] == counted
            assert report_table(REPORTS["operator_summary"](user=finance, filters=filters)).totals[6] == counted
            assert report_table(REPORTS["charge_item_summary"](user=finance, filters=filters)).totals[3] == counted
            assert report_table(REPORTS["monthly_charge_items"](user=finance, filters=filters)).totals[13] == counted
            raise _Rollback  # each example starts from the same empty books
    except _Rollback:
        pass
