"""Writing to the operation log: every service calls `audit_record` inside its own transaction."""

import hashlib
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from audit.context import current_request_meta
from audit.models import AuditEntry, AuditResult, LoginEntry
from shuchang.core.masking import mask_id_number, mask_mobile
from shuchang.core.validators import MOBILE_RE

# Field names whose values are personal numbers: stored masked in the log, always.
_MASKERS = {"id_number": mask_id_number, "mobile": mask_mobile, "phone": mask_mobile}


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(item) for item in value]
    if value is None or isinstance(value, bool | int | str | float):
        return value
    return str(value)


def _masked(values: dict | None) -> dict | None:
    if values is None:
        return None
    masked = {}
    for key, value in values.items():
        masker = _MASKERS.get(key)
        masked[key] = masker(value) if masker and isinstance(value, str) else _jsonable(value)
    return masked


def snapshot(instance: models.Model, fields: list[str] | None = None) -> dict:
    """The concrete field values of `instance` (foreign keys as ids), for before/after."""
    names = fields or [field.attname for field in instance._meta.concrete_fields]
    return {name: _jsonable(getattr(instance, name)) for name in names}


def _actor_label(actor) -> str:
    """The login name, masked when it is a buyer's mobile number."""
    if actor is None:
        return "系统"
    username = actor.get_username()
    return mask_mobile(username) if MOBILE_RE.match(username) else username


def _role_label(actor) -> str:
    if actor is None or not getattr(actor, "pk", None):
        return ""
    if actor.is_superuser:
        return "超级管理员"
    if not actor.is_staff:
        return "购房者"  # no query: buyers act on the hot path of an opening
    return "、".join(sorted(group.name for group in actor.groups.all()))


def audit_record(
    *,
    actor,
    action: str,
    target: models.Model | None = None,
    before: dict | None = None,
    after: dict | None = None,
    data: dict | None = None,
    result: str = AuditResult.SUCCESS,
    message: str = "",
) -> AuditEntry:
    """Append one entry to the operation log, in the caller's transaction."""
    meta = current_request_meta()
    actor = actor if actor is not None and getattr(actor, "pk", None) else None
    return AuditEntry.objects.create(
        actor=actor,
        actor_label=_actor_label(actor),
        actor_role=_role_label(actor),
        ip=meta.ip,
        user_agent=meta.user_agent,
        action=action,
        object_type=target._meta.label_lower if target is not None else "",
        object_id=str(target.pk) if target is not None else "",
        object_label=str(target)[:200] if target is not None else "",
        before=_masked(before),
        after=_masked(after),
        data=_masked(data),
        result=result,
        message=message[:500],
    )


def audit_record_refusal(*, actor, action: str, message: str, target: models.Model | None = None, data=None):
    """Record a refused operation; commits on its own, since the refused work was rolled back."""
    with transaction.atomic():
        return audit_record(
            actor=actor, action=action, target=target, data=data, result=AuditResult.REFUSED, message=message
        )


def login_record(*, user, username: str, event: str) -> LoginEntry:
    meta = current_request_meta()
    return LoginEntry.objects.create(
        user=user if user is not None and getattr(user, "pk", None) else None,
        username=username[:150],
        event=event,
        ip=meta.ip,
        user_agent=meta.user_agent,
    )


# ---- the hash chain -----------------------------------------------------------------------

_CHAINED_FIELDS = (
    "id", "created_at", "actor_id", "actor_label", "actor_role", "ip", "user_agent", "action",
    "object_type", "object_id", "object_label", "before", "after", "data", "result", "message",
)  # fmt: skip
GENESIS_HASH = "0" * 64
SEAL_DELAY_SECONDS = 2  # entries this fresh may belong to transactions not yet committed


def entry_hash(entry: AuditEntry, prev_hash: str) -> str:
    """sha256 over the previous hash and the entry's content in canonical JSON."""
    content = {name: _jsonable(getattr(entry, name)) for name in _CHAINED_FIELDS}
    content["created_at"] = entry.created_at.astimezone(UTC).isoformat()
    payload = prev_hash + json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


@transaction.atomic
def audit_seal_chain(*, batch_size: int = 5000) -> int:
    """Chain the unsealed entries older than a moment, in id order; returns how many were sealed."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # One sealer at a time; a second one simply finds nothing left to do.
            cursor.execute("SELECT pg_advisory_xact_lock(727001)")
    last = AuditEntry.objects.filter(seq__isnull=False).order_by("-seq").only("seq", "entry_hash").first()
    next_seq = last.seq + 1 if last else 1
    prev = last.entry_hash if last else GENESIS_HASH
    cutoff = timezone.now() - timezone.timedelta(seconds=SEAL_DELAY_SECONDS)
    pending = list(AuditEntry.objects.filter(seq__isnull=True, created_at__lt=cutoff).order_by("id")[:batch_size])
    seals = []
    for entry in pending:
        digest = entry_hash(entry, prev)
        seals.append((entry.id, next_seq, prev, digest))
        prev, next_seq = digest, next_seq + 1
    _write_seals(seals)
    return len(seals)


def _write_seals(seals: list[tuple[int, int, str, str]]) -> None:
    """One statement per thousand rows: Django's bulk_update builds a CASE per column and is ~10× slower."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            from psycopg2.extras import execute_values

            execute_values(
                cursor,
                "UPDATE audit_auditentry AS entry SET seq = seal.seq, prev_hash = seal.prev, entry_hash = seal.hash "
                "FROM (VALUES %s) AS seal (id, seq, prev, hash) WHERE entry.id = seal.id",
                seals,
                template="(%s::bigint, %s::bigint, %s, %s)",
                page_size=1000,
            )
        else:
            cursor.executemany(
                "UPDATE audit_auditentry SET seq = %s, prev_hash = %s, entry_hash = %s WHERE id = %s",
                [(seq, prev, digest, pk) for pk, seq, prev, digest in seals],
            )


def audit_verify_chain() -> tuple[bool, str]:
    """Walk the chain in order; return (ok, message naming the first broken or missing entry)."""
    prev, expected_seq, count = GENESIS_HASH, 1, 0
    for entry in AuditEntry.objects.filter(seq__isnull=False).order_by("seq").iterator(chunk_size=5000):
        if entry.seq != expected_seq:
            return False, f"链序号 {expected_seq} 的日志缺失（下一条为 #{entry.id}，序号 {entry.seq}）"
        if entry.prev_hash != prev or entry_hash(entry, prev) != entry.entry_hash:
            return False, f"日志 #{entry.id}（序号 {entry.seq}）内容与哈希链不符，已被篡改"
        prev, expected_seq, count = entry.entry_hash, expected_seq + 1, count + 1
    return True, f"共校验 {count} 条日志，哈希链完整"
