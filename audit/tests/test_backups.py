import tarfile

import pytest
from django.core.management import call_command

from audit import backups
from audit.models import AuditEntry, Backup, BackupKind, LoginEntry, VerifyStatus
from audit.services import audit_record, audit_seal_chain, audit_verify_chain
from developers.models import Company


@pytest.fixture
def backup_dirs(settings, tmp_path):
    settings.BACKUP_ROOT = tmp_path / "backups"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    (tmp_path / "private").mkdir()
    (tmp_path / "private" / "id-card.pdf").write_bytes(b"private-v1")
    (tmp_path / "media" / "company").mkdir(parents=True)
    (tmp_path / "media" / "company" / "logo.png").write_bytes(b"logo-v1")
    return tmp_path


@pytest.mark.django_db(transaction=True)
def test_backup_is_verified_by_restoring_it_into_a_scratch_database(backup_dirs):
    Company.objects.create(name="舒畅置业")

    backup = backups.backup_verify(backup=backups.backup_create(actor=None))

    assert backup.verify_status == VerifyStatus.VERIFIED, backup.verify_message
    assert backup.size_bytes > 0
    assert backups.backup_path(backup).is_file()


@pytest.mark.django_db(transaction=True)
def test_restore_brings_data_and_media_back_and_keeps_every_log_entry(backup_dirs, admin_user):
    Company.objects.create(name="舒畅置业")
    backup = backups.backup_create(actor=admin_user)
    Company.objects.create(name="备份之后新建的公司")
    Company.objects.filter(name="舒畅置业").update(name="改过的名字")
    (backup_dirs / "media" / "company" / "logo.png").write_bytes(b"logo-v2")
    (backup_dirs / "private" / "id-card.pdf").unlink()
    audit_record(actor=admin_user, action="test.after_backup")
    log_before_restore = set(AuditEntry.objects.values_list("id", flat=True))
    logins_before_restore = LoginEntry.objects.count()

    backups.backup_restore(backup=backup, actor=admin_user, confirm_name=backup.name)

    assert sorted(Company.objects.values_list("name", flat=True)) == ["舒畅置业"]
    assert (backup_dirs / "media" / "company" / "logo.png").read_bytes() == b"logo-v1"
    assert (backup_dirs / "private" / "id-card.pdf").read_bytes() == b"private-v1"
    log_after = set(AuditEntry.objects.values_list("id", flat=True))
    assert log_before_restore < log_after
    restored = AuditEntry.objects.get(action="audit.backup.restored")
    assert restored.id == max(log_after)
    assert LoginEntry.objects.count() == logins_before_restore
    assert Backup.objects.filter(kind=BackupKind.SAFETY).count() == 1
    assert Backup.objects.filter(name=backup.name).exists()


@pytest.mark.django_db(transaction=True)
def test_the_hash_chain_survives_a_restore(backup_dirs, admin_user, settings):
    audit_record(actor=admin_user, action="test.before")
    backup = backups.backup_create(actor=admin_user)
    audit_record(actor=admin_user, action="test.after")

    backups.backup_restore(backup=backup, actor=admin_user, confirm_name=backup.name)
    audit_seal_chain_all()

    ok, message = audit_verify_chain()
    assert ok, message


def audit_seal_chain_all():
    from audit import services

    services.SEAL_DELAY_SECONDS, saved = 0, services.SEAL_DELAY_SECONDS
    try:
        audit_seal_chain()
    finally:
        services.SEAL_DELAY_SECONDS = saved


@pytest.mark.django_db(transaction=True)
def test_restore_needs_the_name_typed_again(backup_dirs, admin_user):
    backup = backups.backup_create(actor=admin_user)
    Company.objects.create(name="不应被抹掉")

    with pytest.raises(backups.BackupRefused, match="请输入备份名称"):
        backups.backup_restore(backup=backup, actor=admin_user, confirm_name="wrong")

    assert Company.objects.filter(name="不应被抹掉").exists()
    assert not Backup.objects.filter(kind=BackupKind.SAFETY).exists()


@pytest.mark.django_db(transaction=True)
def test_a_corrupt_backup_file_is_refused_and_nothing_changes(backup_dirs, admin_user):
    Company.objects.create(name="现有数据")
    bad = backup_dirs / "corrupt.tar"
    bad.write_bytes(b"this is not a tar file at all" * 100)

    with pytest.raises(backups.BackupRefused, match="损坏"):
        backups.backup_restore(archive=bad, actor=admin_user, confirm_name="x")

    assert Company.objects.filter(name="现有数据").exists()


@pytest.mark.django_db(transaction=True)
def test_a_foreign_archive_is_refused(backup_dirs, admin_user):
    foreign = backup_dirs / "foreign.tar"
    (backup_dirs / "readme.txt").write_text("hello")
    with tarfile.open(foreign, "w") as archive:
        archive.add(backup_dirs / "readme.txt", arcname="readme.txt")

    with pytest.raises(backups.BackupRefused, match="不是舒畅的备份文件"):
        backups.backup_restore(archive=foreign, actor=admin_user, confirm_name="x")


@pytest.mark.django_db(transaction=True)
def test_a_tampered_archive_fails_verification(backup_dirs):
    backup = backups.backup_create(actor=None)
    path = backups.backup_path(backup)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))

    backup = backups.backup_verify(backup=backup)

    assert backup.verify_status == VerifyStatus.FAILED
    assert "SHA-256" in backup.verify_message


@pytest.mark.django_db(transaction=True)
def test_backup_now_command(backup_dirs, capsys):
    call_command("backup_now")

    assert "校验通过" in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)
def test_entries_sealed_after_the_backup_keep_their_seal_through_a_restore(backup_dirs, admin_user):
    audit_record(actor=admin_user, action="test.unsealed_at_backup")
    backup = backups.backup_create(actor=admin_user)
    audit_seal_chain_all()
    sealed = AuditEntry.objects.get(action="test.unsealed_at_backup")
    assert sealed.seq is not None

    backups.backup_restore(backup=backup, actor=admin_user, confirm_name=backup.name)

    restored = AuditEntry.objects.get(action="test.unsealed_at_backup")
    assert (restored.seq, restored.entry_hash) == (sealed.seq, sealed.entry_hash)
    audit_seal_chain_all()
    ok, message = audit_verify_chain()
    assert ok, message
