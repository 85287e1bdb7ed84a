"""Benchmark: backup, verification and restore times with the demo data plus N operation-log rows.

Destructive (it restores over the configured database), so it refuses to run unless the database
name contains "bench". Prints one JSON line.
"""

import json
import resource
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from audit import backups, services
from audit.models import AuditEntry, BackupKind


class Command(BaseCommand):
    help = "Time backup, verify and restore of the demo data plus --log-rows operation-log rows (bench DBs only)."

    def add_arguments(self, parser):
        parser.add_argument("--log-rows", type=int, default=1_000_000)

    def handle(self, *args, log_rows: int, **options):
        if "bench" not in str(connection.settings_dict["NAME"]):
            raise CommandError("bench_backup restores over its database: point DATABASE_URL at a *bench* database")
        call_command("load_demo_data", verbosity=0)
        self._fill_log(log_rows)
        total_rows = AuditEntry.objects.count()
        started = time.monotonic()
        sealed = self._seal_everything()
        seal_s = time.monotonic() - started

        started = time.monotonic()
        backup = backups.backup_create(actor=None, kind=BackupKind.MANUAL)
        backup_s = time.monotonic() - started

        started = time.monotonic()
        backup = backups.backup_verify(backup=backup)
        verify_s = time.monotonic() - started

        started = time.monotonic()
        safety = backups.backup_restore(backup=backup, actor=None, confirm_name=backup.name)
        restore_s = time.monotonic() - started  # includes the safety backup taken first

        result = {
            "vendor": connection.vendor,
            "log_rows": total_rows,
            "archive_mb": round(backup.size_bytes / 1e6, 1),
            "sealed_rows": sealed,
            "seal_s": round(seal_s, 2),
            "backup_s": round(backup_s, 2),
            "verify_s": round(verify_s, 2),
            "verified": backup.verify_status,
            "restore_s": round(restore_s, 2),
            "safety_backup_s": float(safety.seconds),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        }
        self.stdout.write(json.dumps(result))

    def _seal_everything(self) -> int:
        """Seal the whole log, as the periodic sealer would have done by the time of a backup."""
        saved, services.SEAL_DELAY_SECONDS = services.SEAL_DELAY_SECONDS, -1
        try:
            total = 0
            while sealed := services.audit_seal_chain(batch_size=20000):
                total += sealed
            return total
        finally:
            services.SEAL_DELAY_SECONDS = saved

    def _fill_log(self, rows: int) -> None:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    """
                    INSERT INTO audit_auditentry (created_at, actor_label, actor_role, user_agent, action,
                        object_type, object_id, object_label, data, result, message, prev_hash, entry_hash)
                    SELECT now() - make_interval(secs => g), 'bench', '销售经理', 'bench', 'sales.order.created',
                        'sales.order', g::text, '订单 ' || g, jsonb_build_object('n', g), 'success', '', '', ''
                    FROM generate_series(1, %s) AS g
                    """,
                    [rows],
                )
        else:
            batch = [
                AuditEntry(actor_label="bench", action="sales.order.created", object_id=str(n), data={"n": n})
                for n in range(rows)
            ]
            AuditEntry.objects.bulk_create(batch, batch_size=5000)
