"""The lottery (摇号): a seeded draw anyone can reproduce and check.

1. Before sign-up closes, staff commit to a random seed: sha256(seed) is stored and published.
2. After sign-up closes, the draw reveals the seed and orders the eligible registrations by
   HMAC-SHA256(key=seed, message=str(registration id)) as lowercase hex, ascending (ties, which do
   not happen in practice, by id). Rank r (1-based) selects in batch (r-1) // batch_size, whose
   window starts at starts_at + batch × turn_minutes and lasts turn_minutes.
3. The full result (ranks, digests, turn windows) is stored on the opening and the registrations;
   `verify_lottery_data` recomputes it from the published seed alone, `verify_lottery` also checks
   the database rows still agree.

Committing before the list is final means the seed cannot be chosen to favour anyone; revealing
it afterwards means nobody can quietly reorder the result.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.utils.dateparse import parse_datetime

ALGORITHM = "HMAC-SHA256(key=seed, msg=str(registration_id)), ascending hex"


def seed_generate() -> str:
    return secrets.token_hex(32)


def seed_commitment(seed: str) -> str:
    """The published commitment: sha256 of the seed's UTF-8 bytes, lowercase hex."""
    return hashlib.sha256(seed.encode()).hexdigest()


def lottery_digest(seed: str, registration_id: int) -> str:
    return hmac.new(seed.encode(), str(registration_id).encode(), hashlib.sha256).hexdigest()


def lottery_order(seed: str, registration_ids: Iterable[int]) -> list[tuple[int, str]]:
    """(registration id, digest) in draw order: the same seed and ids always give the same order."""
    return sorted(((rid, lottery_digest(seed, rid)) for rid in set(registration_ids)), key=lambda x: (x[1], x[0]))


def turn_window(*, rank: int, starts_at: datetime, turn_minutes: int, batch_size: int) -> tuple[datetime, datetime]:
    """The selection window of the buyer drawn at `rank` (1-based)."""
    batch = (rank - 1) // batch_size
    start = starts_at + timedelta(minutes=batch * turn_minutes)
    return start, start + timedelta(minutes=turn_minutes)


def lottery_entries(
    *, seed: str, registration_ids: Iterable[int], starts_at: datetime, turn_minutes: int, batch_size: int
) -> list[dict]:
    """The result rows (without personal data) the draw stores and publishes."""
    entries = []
    for rank, (registration_id, digest) in enumerate(lottery_order(seed, registration_ids), start=1):
        start, end = turn_window(rank=rank, starts_at=starts_at, turn_minutes=turn_minutes, batch_size=batch_size)
        entries.append(
            {
                "rank": rank,
                "registration_id": registration_id,
                "digest": digest,
                "turn_starts_at": start.isoformat(),
                "turn_ends_at": end.isoformat(),
            }
        )
    return entries


@dataclass
class LotteryVerification:
    ok: bool
    problems: list[str] = field(default_factory=list)

    @property
    def message(self) -> str:
        return "摇号结果校验通过：种子与公示哈希一致，顺序可由种子完整复现" if self.ok else "；".join(self.problems)


def verify_lottery_data(*, seed: str, seed_hash: str, result: dict) -> LotteryVerification:
    """Check a published result from its own data: the seed matches the commitment, and the order,
    digests and turn windows are exactly what the seed gives."""
    problems = []
    if not seed or seed_commitment(seed) != seed_hash:
        problems.append("公布的种子与事先公示的哈希不一致")
    entries = result.get("entries", []) if isinstance(result, dict) else []
    try:
        starts_at = parse_datetime(result["starts_at"])
        turn_minutes, batch_size = int(result["turn_minutes"]), int(result["batch_size"])
    except (KeyError, TypeError, ValueError):
        return LotteryVerification(False, [*problems, "摇号结果缺少开盘时间或分批设置"])
    expected = lottery_entries(
        seed=seed,
        registration_ids=[entry.get("registration_id") for entry in entries],
        starts_at=starts_at,
        turn_minutes=turn_minutes,
        batch_size=batch_size,
    )
    if len(expected) != len(entries):
        problems.append("摇号结果中有重复的报名记录")
    published = sorted(entries, key=lambda entry: entry.get("rank", 0))
    for want, got in zip(expected, published, strict=False):
        if any(_normal(want[key]) != _normal(got.get(key)) for key in want):
            problems.append(f"第{got.get('rank')}号与种子计算结果不符（应为报名 #{want['registration_id']}）")
    return LotteryVerification(not problems, problems)


def _normal(value):
    """Compare datetimes by instant, whatever offset they were written with."""
    if isinstance(value, str) and "T" in value:
        parsed = parse_datetime(value)
        if parsed is not None:
            return parsed
    return value


def verify_lottery(opening) -> LotteryVerification:
    """`verify_lottery_data` on the opening's published result, plus: the registrations in the
    database still carry the published ranks, digests and windows, and no one else has a rank."""
    from sales.models import Registration

    if opening.lottery_drawn_at is None or not opening.lottery_result:
        return LotteryVerification(False, ["该开盘活动尚未摇号"])
    verification = verify_lottery_data(
        seed=opening.lottery_seed, seed_hash=opening.lottery_seed_hash, result=opening.lottery_result
    )
    published = {entry["registration_id"]: entry for entry in opening.lottery_result.get("entries", [])}
    ranked = Registration.objects.filter(opening=opening, lottery_rank__isnull=False)
    for registration in ranked.only("pk", "lottery_rank", "lottery_digest", "turn_starts_at", "turn_ends_at"):
        entry = published.pop(registration.pk, None)
        if entry is None:
            verification.problems.append(f"报名 #{registration.pk} 有摇号顺序但不在公布结果中")
        elif (
            entry["rank"] != registration.lottery_rank
            or entry["digest"] != registration.lottery_digest
            or _normal(entry["turn_starts_at"]) != registration.turn_starts_at
            or _normal(entry["turn_ends_at"]) != registration.turn_ends_at
        ):
            verification.problems.append(f"报名 #{registration.pk} 的顺序或选房时段与公布结果不符")
    for registration_id in published:
        verification.problems.append(f"公布结果中的报名 #{registration_id} 在系统中没有对应的摇号顺序")
    verification.ok = not verification.problems
    return verification
