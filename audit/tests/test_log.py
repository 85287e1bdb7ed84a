import datetime

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from audit.models import AuditEntry, LoginEntry
from audit.services import audit_record, audit_seal_chain, audit_verify_chain


def _write_entries(count):
    with time_machine.travel(datetime.datetime(2026, 12, 1, 9, 0, tzinfo=datetime.UTC), tick=False):
        for index in range(count):
            audit_record(actor=None, action="test.entry", data={"n": index, "mobile": "13812345678"})


@pytest.mark.django_db
def test_personal_numbers_are_masked_in_the_log():
    _write_entries(1)

    entry = AuditEntry.objects.get()

    assert entry.data == {"n": 0, "mobile": "138****5678"}
    assert entry.actor_label == "系统"


@pytest.mark.django_db
def test_update_and_delete_of_a_log_entry_are_refused_by_the_database():
    _write_entries(1)
    entry = AuditEntry.objects.get()

    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(action="tampered")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()

    assert AuditEntry.objects.get().action == "test.entry"


@pytest.mark.django_db
def test_sealed_entries_cannot_be_resealed():
    _write_entries(2)
    assert audit_seal_chain() == 2

    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(seq=1).update(entry_hash="0" * 64)


@pytest.mark.django_db
def test_login_log_is_append_only(client, admin_user):
    client.post("/accounts/login/", {"username": "sysadmin", "password": "wrong"})

    with pytest.raises(DatabaseError), transaction.atomic():
        LoginEntry.objects.all().delete()


@pytest.mark.django_db
def test_chain_verifies_when_untouched():
    _write_entries(5)
    audit_seal_chain()

    ok, message = audit_verify_chain()

    assert ok, message
    call_command("verify_audit_log")


@pytest.mark.postgres
@pytest.mark.django_db
def test_superuser_tampering_is_found_by_verify_audit_log():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: disabling a trigger as superuser")
    _write_entries(5)
    audit_seal_chain()
    third = AuditEntry.objects.get(seq=3)

    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER USER")
        cursor.execute("UPDATE audit_auditentry SET message = 'edited' WHERE id = %s", [third.id])
        cursor.execute("ALTER TABLE audit_auditentry ENABLE TRIGGER USER")

    with pytest.raises(CommandError, match=f"#{third.id}"):
        call_command("verify_audit_log", "--no-seal")


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_deleted_entry_is_reported_missing():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: disabling a trigger as superuser")
    _write_entries(4)
    audit_seal_chain()

    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER USER")
        cursor.execute("DELETE FROM audit_auditentry WHERE seq = 2")
        cursor.execute("ALTER TABLE audit_auditentry ENABLE TRIGGER USER")

    ok, message = audit_verify_chain()
    assert not ok
    assert "序号 2" in message
