"""Cross-check on random data: every summary's total equals the detail's total, which equals the sum
of the counting payments in the database (to the fen); and what 收费项目汇总表 shows outstanding is
the 欠费统计表's arrears."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from payments import services as payment_services
from payments.models import Payment, PaymentScheduleItem, PaymentStatus
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
            assert report_table(REPORTS["charge_item_summary"](user=finance, filters=filters)).totals[4] == counted
            assert report_table(REPORTS["monthly_charge_items"](user=finance, filters=filters)).totals[13] == counted
            # Once everything has fallen due, what is outstanding per item adds up to the arrears,
            # which is the schedule less what was paid toward the price.
            later = timezone.localdate() + timedelta(days=400)
            scheduled = PaymentScheduleItem.objects.filter(schedule__is_current=True).aggregate(total=Sum("amount"))
            items = report_table(REPORTS["charge_item_summary"](user=finance, filters={"date_to": later}))
            arrears = report_table(REPORTS["arrears"](user=finance, filters={"as_of": later}))
            assert items.totals[5] == arrears.totals[6] == scheduled["total"] - counted
            raise _Rollback  # each example starts from the same empty books
    except _Rollback:
        pass
