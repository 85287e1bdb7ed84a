"""The periodic jobs and the numbering check command."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from payments.models import OnlineTrade, ReceiptSequence, TradeStatus
from payments.tasks import deposits_convert_signed_task, trades_close_expired_task
from payments.tests.factories import pay, start_online

pytestmark = pytest.mark.django_db


def test_the_numbering_check_passes_on_whole_sequences_and_fails_on_a_gap(reserved_order, finance, capsys):
    pay(reserved_order, finance, "1000")

    call_command("verify_receipt_numbering")
    assert "1–2 完整" in capsys.readouterr().out

    ReceiptSequence.objects.update(last_number=3)
    with pytest.raises(CommandError, match="1 个号段有问题"):
        call_command("verify_receipt_numbering")
    assert "缺号 [3]" in capsys.readouterr().err


def test_unpaid_trades_are_closed_an_hour_after_their_deadline(pending_order):
    trade = start_online(pending_order)
    OnlineTrade.objects.filter(pk=trade.pk).update(expires_at=timezone.now() - timezone.timedelta(minutes=61))

    assert trades_close_expired_task() == 1
    assert OnlineTrade.objects.get(pk=trade.pk).status == TradeStatus.CLOSED


def test_the_conversion_job_runs_as_a_task(reserved_order):
    assert deposits_convert_signed_task() == 0
