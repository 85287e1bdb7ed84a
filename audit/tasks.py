from celery import shared_task

from audit import backups, services
from audit.models import Backup, BackupKind


@shared_task(acks_late=True)
def audit_seal_chain_task() -> int:
    return services.audit_seal_chain()


@shared_task
def backup_create_automatic_task() -> int:
    """The periodic backup (every BACKUP_INTERVAL_DAYS): back up, verify, apply retention."""
    backup = backups.backup_create(actor=None, kind=BackupKind.AUTOMATIC)
    backups.backup_verify(backup=backup)
    backups.backups_prune()
    return backup.pk


@shared_task
def backup_create_manual_task(actor_id: int) -> int:
    from accounts.models import User

    backup = backups.backup_create(actor=User.objects.get(pk=actor_id), kind=BackupKind.MANUAL)
    backups.backup_verify(backup=backup)
    return backup.pk


@shared_task(acks_late=True)
def backup_verify_task(backup_id: int) -> str:
    return backups.backup_verify(backup=Backup.objects.get(pk=backup_id)).verify_status
