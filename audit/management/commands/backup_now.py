from django.core.management.base import BaseCommand

from audit import backups
from audit.models import BackupKind


class Command(BaseCommand):
    help = "Take a backup now (database and media), verify it in a scratch database, print its name."

    def add_arguments(self, parser):
        parser.add_argument("--no-verify", action="store_true")

    def handle(self, *args, **options):
        backup = backups.backup_create(actor=None, kind=BackupKind.MANUAL)
        self.stdout.write(f"{backup.name}: {backup.size_bytes} bytes in {backup.seconds}s")
        if not options["no_verify"]:
            backup = backups.backup_verify(backup=backup)
            self.stdout.write(f"{backup.get_verify_status_display()}：{backup.verify_message}")
