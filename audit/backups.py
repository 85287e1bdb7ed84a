"""数据备份与恢复: backup, verification in a scratch database, restore that never loses the log.

An archive (`<name>.tar`) holds:
- `manifest.json`: format, database vendor, applied migrations, per-table row counts and checksums,
  the highest log ids and the last chain position (seq) at backup time;
- `database.dump` (pg_dump custom format, taken in the same snapshot as the manifest) or
  `database.sqlite3` (SQLite's online backup API);
- `media.tar.gz`: the uploaded files.

The dump is run by hand rather than through django-dbbackup because the manifest must be computed
in the very snapshot pg_dump reads (`pg_dump --snapshot`), which that library cannot pass; see
docs/decisions/0005-backups.md.
"""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
import uuid
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import psycopg2
from django.conf import settings
from django.core.management.color import no_style
from django.db import connection, connections, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from audit.models import AuditEntry, Backup, BackupKind, LoginEntry, VerifyStatus
from audit.services import audit_record
from shuchang.core.exceptions import DomainError

FORMAT = "shuchang-backup/1"
# Tables whose rows written after the backup point are carried over a restore, not lost.
_LOG_MODELS = (AuditEntry, LoginEntry)


class BackupRefused(DomainError):
    default_message = "备份文件无效"


@dataclass(frozen=True)
class _Database:
    vendor: str
    name: str
    host: str = ""
    port: str = ""
    user: str = ""
    password: str = ""

    @classmethod
    def current(cls) -> "_Database":
        db = connection.settings_dict
        return cls(
            vendor=connection.vendor,
            name=str(db["NAME"]),
            host=str(db.get("HOST") or ""),
            port=str(db.get("PORT") or ""),
            user=str(db.get("USER") or ""),
            password=str(db.get("PASSWORD") or ""),
        )

    def pg_env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update({k: v for k, v in {"PGHOST": self.host, "PGPORT": self.port, "PGUSER": self.user}.items() if v})
        if self.password:
            env["PGPASSWORD"] = self.password
        return env

    def pg_connect(self, dbname: str | None = None):
        return psycopg2.connect(
            dbname=dbname or self.name,
            host=self.host or None,
            port=self.port or None,
            user=self.user or None,
            password=self.password or None,
        )


# ---- fingerprints: per-table row counts and checksums ----------------------------------------


def _pg_fingerprints(cursor) -> dict[str, list]:
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
    tables = [row[0] for row in cursor.fetchall()]
    result = {}
    for table in tables:
        # The order of rows is irrelevant: hash each row, then hash the sorted row hashes.
        cursor.execute(
            f"SELECT count(*), coalesce(md5(string_agg(h, '' ORDER BY h)), '') "  # noqa: S608
            f'FROM (SELECT md5(t::text) AS h FROM "{table}" t) rows'
        )
        count, digest = cursor.fetchone()
        result[table] = [count, digest]
    return result


def _sqlite_fingerprints(conn: sqlite3.Connection) -> dict[str, list]:
    tables = [
        row[0]
        for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    result = {}
    for table in tables:
        hashes = sorted(
            hashlib.md5(repr(row).encode(), usedforsecurity=False).hexdigest()
            for row in conn.execute(f'SELECT * FROM "{table}"')  # noqa: S608
        )
        digest = hashlib.md5("".join(hashes).encode(), usedforsecurity=False).hexdigest() if hashes else ""
        result[table] = [len(hashes), digest]
    return result


def _log_state(query) -> dict:
    """The highest log ids and chain position at backup time: what a restore must carry over."""
    return {
        "max_audit_id": query("SELECT coalesce(max(id), 0) FROM audit_auditentry")[0][0],
        "max_login_id": query("SELECT coalesce(max(id), 0) FROM audit_loginentry")[0][0],
        "max_audit_seq": query("SELECT coalesce(max(seq), 0) FROM audit_auditentry")[0][0],
    }


def _applied_migrations() -> list[str]:
    return sorted(f"{app}.{name}" for app, name in MigrationRecorder(connection).applied_migrations())


# ---- backup ------------------------------------------------------------------------------------


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _dump_postgresql(db: _Database, target: Path) -> dict:
    conn = db.pg_connect()
    try:
        conn.set_session(isolation_level="REPEATABLE READ", readonly=True)
        with conn.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            fingerprints = _pg_fingerprints(cursor)

            def query(sql):
                cursor.execute(sql)
                return cursor.fetchall()

            log_state = _log_state(query)
            subprocess.run(  # noqa: S603
                ["pg_dump", "-Fc", "--no-owner", f"--snapshot={snapshot}", "-f", str(target), db.name],  # noqa: S607
                check=True,
                env=db.pg_env(),
                capture_output=True,
            )
        conn.rollback()
    finally:
        conn.close()
    return {"tables": fingerprints, **log_state}


def _dump_sqlite(db: _Database, target: Path) -> dict:
    destination = sqlite3.connect(target)
    try:
        connection.ensure_connection()
        connection.connection.backup(destination)  # the online backup API: a consistent copy
    finally:
        destination.close()
    copy = sqlite3.connect(target)
    try:
        fingerprints = _sqlite_fingerprints(copy)
        log_state = _log_state(lambda sql: copy.execute(sql).fetchall())
    finally:
        copy.close()
    return {"tables": fingerprints, **log_state}


def _file_roots() -> dict[str, Path]:
    """The folders of uploaded files a backup holds: public media and private documents."""
    return {"media": Path(settings.MEDIA_ROOT), "private": Path(settings.PRIVATE_MEDIA_ROOT)}


def _archive_media(target: Path) -> None:
    with tarfile.open(target, "w:gz") as archive:
        for name, root in _file_roots().items():
            if root.exists():
                archive.add(root, arcname=name)


def backup_create(*, actor, kind: str = BackupKind.MANUAL) -> Backup:
    """Write a full backup archive and its record; verification follows separately."""
    started = time.monotonic()
    db = _Database.current()
    backup_root = Path(settings.BACKUP_ROOT)
    backup_root.mkdir(parents=True, exist_ok=True)
    name = f"shuchang-{timezone.localtime():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}"
    with tempfile.TemporaryDirectory(dir=backup_root) as work:
        work_dir = Path(work)
        if db.vendor == "postgresql":
            db_file = work_dir / "database.dump"
            manifest = _dump_postgresql(db, db_file)
        else:
            db_file = work_dir / "database.sqlite3"
            manifest = _dump_sqlite(db, db_file)
        _archive_media(work_dir / "media.tar.gz")
        manifest.update(
            {
                "format": FORMAT,
                "name": name,
                "vendor": db.vendor,
                "created_at": timezone.now().isoformat(),
                "migrations": _applied_migrations(),
                "database_file": db_file.name,
                "database_sha256": _sha256_of(db_file),
                "media_sha256": _sha256_of(work_dir / "media.tar.gz"),
            }
        )
        (work_dir / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
        archive_path = backup_root / f"{name}.tar"
        with tarfile.open(archive_path, "w") as archive:
            for member in ("manifest.json", db_file.name, "media.tar.gz"):
                archive.add(work_dir / member, arcname=member)
    with transaction.atomic():
        backup = Backup.objects.create(
            name=name,
            kind=kind,
            file_name=archive_path.name,
            size_bytes=archive_path.stat().st_size,
            sha256=_sha256_of(archive_path),
            manifest={key: value for key, value in manifest.items() if key != "tables"}
            | {"table_count": len(manifest["tables"])},
            seconds=Decimal(f"{time.monotonic() - started:.2f}"),
            created_by=actor if actor is not None and actor.pk else None,
        )
        audit_record(
            actor=actor,
            action="audit.backup.created",
            target=backup,
            data={"kind": kind, "size_bytes": backup.size_bytes, "sha256": backup.sha256},
        )
    return backup


def backup_path(backup: Backup) -> Path:
    return Path(settings.BACKUP_ROOT) / backup.file_name


# ---- reading and checking an archive -----------------------------------------------------------


@dataclass
class _Unpacked:
    manifest: dict
    database_file: Path
    media_file: Path


def _unpack(archive_path: Path, into: Path) -> _Unpacked:
    """Extract and check an archive; anything corrupt or foreign raises BackupRefused."""
    try:
        with tarfile.open(archive_path, "r") as archive:
            names = set(archive.getnames())
            if "manifest.json" not in names:
                raise BackupRefused("不是舒畅的备份文件：缺少备份清单")
            archive.extractall(into, filter="data")
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise BackupRefused(f"备份文件已损坏，无法读取（{exc.__class__.__name__}）") from None
    try:
        manifest = json.loads((into / "manifest.json").read_text())
    except ValueError:
        raise BackupRefused("备份清单已损坏") from None
    if manifest.get("format") != FORMAT:
        raise BackupRefused("不是舒畅的备份文件：格式不符")
    if manifest.get("vendor") != connection.vendor:
        raise BackupRefused(f"该备份来自 {manifest.get('vendor')} 数据库，不能恢复到当前的 {connection.vendor} 数据库")
    database_file = into / str(manifest.get("database_file", ""))
    media_file = into / "media.tar.gz"
    if not database_file.is_file() or not media_file.is_file():
        raise BackupRefused("备份文件不完整：缺少数据库或附件部分")
    if _sha256_of(database_file) != manifest.get("database_sha256") or _sha256_of(media_file) != manifest.get(
        "media_sha256"
    ):
        raise BackupRefused("备份文件校验和不符，文件已损坏或被改动")
    return _Unpacked(manifest=manifest, database_file=database_file, media_file=media_file)


def _fingerprints_of_dump(unpacked: _Unpacked) -> dict[str, list]:
    """Restore the dump into a scratch database and fingerprint it there."""
    if connection.vendor == "sqlite":
        copy = sqlite3.connect(unpacked.database_file)
        try:
            return _sqlite_fingerprints(copy)
        finally:
            copy.close()
    db = _Database.current()
    scratch = f"shuchang_verify_{uuid.uuid4().hex[:10]}"
    admin = db.pg_connect()
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{scratch}"')
        subprocess.run(  # noqa: S603
            ["pg_restore", "--no-owner", "--exit-on-error", "-d", scratch, str(unpacked.database_file)],  # noqa: S607
            check=True,
            env=db.pg_env(),
            capture_output=True,
        )
        scratch_conn = db.pg_connect(scratch)
        try:
            with scratch_conn.cursor() as cursor:
                return _pg_fingerprints(cursor)
        finally:
            scratch_conn.close()
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{scratch}"')
        admin.close()


def backup_verify(*, backup: Backup) -> Backup:
    """Restore the archive into a scratch database and compare every table with the manifest."""
    path = backup_path(backup)
    status, message = VerifyStatus.VERIFIED, ""
    try:
        if not path.is_file():
            raise BackupRefused("备份文件不存在")
        if _sha256_of(path) != backup.sha256:
            raise BackupRefused("备份文件的 SHA-256 与备份记录不符")
        with tempfile.TemporaryDirectory() as work:
            unpacked = _unpack(path, Path(work))
            expected = unpacked.manifest["tables"]
            actual = _fingerprints_of_dump(unpacked)
        mismatched = sorted(table for table in set(expected) | set(actual) if expected.get(table) != actual.get(table))
        if mismatched:
            raise BackupRefused("以下数据表与备份清单不一致：" + "、".join(mismatched[:10]))
        rows = sum(count for count, _ in actual.values())
        message = f"已在临时数据库中恢复并核对 {len(actual)} 张表、{rows} 行，与清单一致"
    except (BackupRefused, subprocess.CalledProcessError) as exc:
        status = VerifyStatus.FAILED
        message = getattr(exc, "message", None) or f"恢复到临时数据库失败：{exc.stderr[-500:]!r}"
    with transaction.atomic():
        Backup.objects.filter(pk=backup.pk).update(
            verify_status=status, verified_at=timezone.now(), verify_message=message
        )
        backup.refresh_from_db()
        audit_record(
            actor=None,
            action="audit.backup.verified",
            target=backup,
            data={"status": status, "message": message},
        )
    return backup


# ---- restore -----------------------------------------------------------------------------------


def _rows_as_dicts(queryset) -> list[dict]:
    return list(queryset.values())


def _carry_over(manifest: dict) -> dict:
    """Everything of the log and of the backup list that the backup does not have."""
    return {
        "audit": _rows_as_dicts(AuditEntry.objects.filter(id__gt=manifest["max_audit_id"]).order_by("id")),
        # Entries the backup holds unsealed that were sealed since: the chain grows by seq only.
        "seals": list(
            AuditEntry.objects.filter(id__lte=manifest["max_audit_id"], seq__gt=manifest["max_audit_seq"]).values(
                "id", "seq", "prev_hash", "entry_hash"
            )
        ),
        "logins": _rows_as_dicts(LoginEntry.objects.filter(id__gt=manifest["max_login_id"]).order_by("id")),
        "backups": _rows_as_dicts(Backup.objects.order_by("id")),
    }


def _put_back(carried: dict) -> None:
    AuditEntry.objects.bulk_create([AuditEntry(**row) for row in carried["audit"]], batch_size=1000)
    for seal in carried["seals"]:
        # The trigger allows exactly this: sealing a row the backup still had unsealed.
        AuditEntry.objects.filter(id=seal["id"], seq__isnull=True).update(
            seq=seal["seq"], prev_hash=seal["prev_hash"], entry_hash=seal["entry_hash"]
        )
    LoginEntry.objects.bulk_create([LoginEntry(**row) for row in carried["logins"]], batch_size=1000)
    restored_ids = set(Backup.objects.values_list("id", flat=True))
    for row in carried["backups"]:
        if row["id"] in restored_ids:
            Backup.objects.filter(id=row["id"]).update(**{k: v for k, v in row.items() if k != "id"})
        else:
            Backup.objects.create(**row)
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), [AuditEntry, LoginEntry, Backup]):
            cursor.execute(statement)


def _restore_database(unpacked: _Unpacked) -> None:
    db = _Database.current()
    if db.vendor == "postgresql":
        connections.close_all()
        subprocess.run(  # noqa: S603
            [  # noqa: S607
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--exit-on-error",
                "-d",
                db.name,
                str(unpacked.database_file),
            ],
            check=True,
            env=db.pg_env(),
            capture_output=True,
        )
    else:
        source = sqlite3.connect(unpacked.database_file)
        try:
            connection.ensure_connection()
            source.backup(connection.connection)
        finally:
            source.close()


def _restore_media(unpacked: _Unpacked) -> None:
    with tempfile.TemporaryDirectory() as work:
        with tarfile.open(unpacked.media_file, "r:gz") as archive:
            archive.extractall(work, filter="data")
        for name, root in _file_roots().items():
            restored = Path(work) / name
            if root.exists():
                shutil.rmtree(root)
            if restored.exists():
                shutil.copytree(restored, root)
            else:
                root.mkdir(parents=True, exist_ok=True)


def backup_restore(*, backup: Backup | None = None, archive: Path | None = None, actor, confirm_name: str) -> Backup:
    """Restore a backup (a record, or an archive file from elsewhere) over the live data.

    The caller must type the backup's name. A safety backup is taken first. Log entries and backup
    records written after the backup point are carried over, and the restore is logged after them.
    """
    path = backup_path(backup) if backup is not None else Path(archive)
    with tempfile.TemporaryDirectory() as work:
        unpacked = _unpack(path, Path(work)) if path.is_file() else None
        if unpacked is None:
            raise BackupRefused("备份文件不存在")
        name = unpacked.manifest["name"]
        if confirm_name.strip() != name:
            raise BackupRefused(f"请输入备份名称 {name} 以确认恢复")
        if backup is not None and _sha256_of(path) != backup.sha256:
            raise BackupRefused("备份文件的 SHA-256 与备份记录不符，文件已损坏或被改动")
        if unpacked.manifest["migrations"] != _applied_migrations():
            raise BackupRefused("该备份的数据库结构版本与当前系统不一致，不能直接恢复")
        safety = backup_create(actor=actor, kind=BackupKind.SAFETY)
        started = time.monotonic()
        carried = _carry_over(unpacked.manifest)
        _restore_database(unpacked)
        with transaction.atomic():
            _put_back(carried)
            _restore_media(unpacked)
            audit_record(
                actor=actor,
                action="audit.backup.restored",
                target=Backup.objects.filter(name=name).first() or safety,
                data={
                    "backup": name,
                    "safety_backup": safety.name,
                    "carried_over_log_entries": len(carried["audit"]),
                    "seconds": f"{time.monotonic() - started:.2f}",
                },
            )
    return safety


def backups_prune(*, now=None) -> int:
    """Retention: remove archive files of old backups (their records stay, marked pruned)."""
    now = now or timezone.now()
    live = Backup.objects.filter(pruned_at__isnull=True)
    keep_automatic = set(
        live.filter(kind=BackupKind.AUTOMATIC)
        .order_by("-id")
        .values_list("id", flat=True)[: settings.BACKUP_KEEP_AUTOMATIC]
    )
    expired = list(live.filter(kind=BackupKind.AUTOMATIC).exclude(id__in=keep_automatic)) + list(
        live.exclude(kind=BackupKind.AUTOMATIC).filter(
            created_at__lt=now - timezone.timedelta(days=settings.BACKUP_KEEP_DAYS)
        )
    )
    for backup in expired:
        backup_path(backup).unlink(missing_ok=True)
        with transaction.atomic():
            Backup.objects.filter(pk=backup.pk).update(pruned_at=now)
            audit_record(actor=None, action="audit.backup.pruned", target=backup, data={"file": backup.file_name})
    return len(expired)
