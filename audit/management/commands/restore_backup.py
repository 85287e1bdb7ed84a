from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from audit import backups
from audit.models import Backup
from shuchang.core.exceptions import DomainError


class Command(BaseCommand):
    help = "Restore a backup by name, or from an archive file; you must repeat the backup's name to confirm."

    def add_arguments(self, parser):
        parser.add_argument("source", help="a backup name, or the path of a .tar archive")
        parser.add_argument("--confirm", required=True, help="the backup's name, typed again")

    def handle(self, *args, source, confirm, **options):
        record = Backup.objects.filter(name=source).first()
        try:
            safety = backups.backup_restore(
                backup=record, archive=None if record else Path(source), actor=None, confirm_name=confirm
            )
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(self.style.SUCCESS(f"已恢复 {confirm}；恢复前的安全备份为 {safety.name}"))
