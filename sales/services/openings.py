"""Opening writes (开盘活动): setup, units, sign-up (报名/认筹), and the lottery (摇号)."""

from collections.abc import Iterable
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.services import audit_record, snapshot
from listings.models import Unit, UnitStatus
from sales import lottery, permissions
from sales.exceptions import (
    BuyerNotVerified,
    LotteryNotAllowed,
    OpeningInvalid,
    OpeningNotOpen,
    RegistrationClosed,
)
from sales.models import ELIGIBLE_FEE_STATUSES, FeeStatus, Opening, OpeningMode, Registration
from shuchang.core.masking import mask_name
from shuchang.core.money import to_amount

_AUDITED_FIELDS = [
    "name", "signup_ends_at", "starts_at", "ends_at", "mode", "quota", "hold_minutes", "deposit_amount",
    "turn_minutes", "turn_batch_size", "requires_registration", "registration_fee_amount", "is_published",
]  # fmt: skip
_FIXED_ONCE_COMMITTED = ["mode", "signup_ends_at"]
_FIXED_ONCE_DRAWN = ["starts_at", "turn_minutes", "turn_batch_size"]
_FIXED_ONCE_REGISTERED = ["requires_registration", "registration_fee_amount"]


def _validate(opening: Opening, stored: Opening | None) -> None:
    opening.name = (opening.name or "").strip()
    if not opening.name:
        raise OpeningInvalid("请填写活动名称")
    if None in (opening.signup_ends_at, opening.starts_at, opening.ends_at):
        raise OpeningInvalid("请填写报名截止、开盘和结束时间")
    if opening.ends_at <= opening.starts_at:
        raise OpeningInvalid("结束时间须晚于开盘时间")
    if opening.signup_ends_at > opening.starts_at:
        raise OpeningInvalid("报名截止时间不能晚于开盘时间")
    if opening.mode not in OpeningMode.values:
        raise OpeningInvalid("请选择选房方式")
    if not opening.quota or opening.quota < 1:
        raise OpeningInvalid("每人限选套数至少为1")
    if not opening.hold_minutes or opening.hold_minutes < 1:
        raise OpeningInvalid("锁定时长至少为1分钟")
    if opening.mode == OpeningMode.LOTTERY and (not opening.turn_minutes or not opening.turn_batch_size):
        raise OpeningInvalid("摇号选房须设置每批选房时长和每批人数")
    opening.deposit_amount = to_amount(opening.deposit_amount or 0)
    opening.registration_fee_amount = to_amount(opening.registration_fee_amount or 0)
    if opening.deposit_amount < 0 or opening.registration_fee_amount < 0:
        raise OpeningInvalid("金额不能为负数")
    if opening.requires_registration and opening.registration_fee_amount <= 0:
        raise OpeningInvalid("需认筹的开盘须设置认筹金金额")
    if stored is None:
        return
    if stored.project_id != opening.project_id:
        raise OpeningInvalid("开盘活动所属楼盘不能修改")
    # The lottery's fairness rests on these not moving once the seed is committed or drawn.
    for names, when, message in (
        (_FIXED_ONCE_COMMITTED, stored.lottery_committed_at, "已公示摇号种子，不能修改选房方式和报名截止时间"),
        (_FIXED_ONCE_DRAWN, stored.lottery_drawn_at, "已完成摇号，不能修改开盘时间和分批设置"),
    ):
        if when and any(getattr(stored, name) != getattr(opening, name) for name in names):
            raise OpeningInvalid(message)
    registration_changed = any(getattr(stored, name) != getattr(opening, name) for name in _FIXED_ONCE_REGISTERED)
    if registration_changed and Registration.objects.filter(opening=stored).exists():
        raise OpeningInvalid("已有购房者报名，不能修改认筹设置")
    opening.lottery_seed_hash, opening.lottery_seed = stored.lottery_seed_hash, stored.lottery_seed
    opening.lottery_committed_at, opening.lottery_drawn_at = stored.lottery_committed_at, stored.lottery_drawn_at
    opening.lottery_result = stored.lottery_result


def opening_validate(opening: Opening) -> None:
    """Raise OpeningInvalid if saving `opening` would be refused (forms call this to show the error)."""
    _validate(opening, Opening.objects.get(pk=opening.pk) if opening.pk else None)


@transaction.atomic
def opening_save(*, opening: Opening, actor, unit_ids: Iterable[int] | None = None) -> Opening:
    """Create or update an opening (and, when given, its batch of units). The lottery fields are
    never taken from the caller: only the commit and draw services write them."""
    if not permissions.can_manage_openings(actor, opening.project_id):
        raise OpeningInvalid("您无权管理该楼盘的开盘活动")
    is_new = opening.pk is None
    stored = None if is_new else Opening.objects.select_for_update().get(pk=opening.pk)
    if is_new:
        opening.lottery_seed_hash = opening.lottery_seed = ""
        opening.lottery_committed_at = opening.lottery_drawn_at = opening.lottery_result = None
        opening.created_by = actor
    _validate(opening, stored)
    opening.save()
    if unit_ids is not None:
        _set_units(opening, unit_ids)
    audit_record(
        actor=actor,
        action="sales.opening.created" if is_new else "sales.opening.changed",
        target=opening,
        before=snapshot(stored, _AUDITED_FIELDS) if stored else None,
        after=snapshot(opening, _AUDITED_FIELDS) | {"units": opening.units.count()},
    )
    return opening


def opening_create(*, project, actor, unit_ids: Iterable[int] = (), **fields) -> Opening:
    """A new opening of `project`; `fields` are Opening fields (name, signup_ends_at, starts_at, …)."""
    return opening_save(opening=Opening(project=project, **fields), actor=actor, unit_ids=unit_ids)


def _set_units(opening: Opening, unit_ids: Iterable[int]) -> None:
    unit_ids = sorted(set(unit_ids))
    current = set(opening.units.values_list("pk", flat=True))
    if set(unit_ids) == current:
        return
    if current - set(unit_ids) and timezone.now() >= opening.starts_at:
        raise OpeningInvalid("开盘已开始，不能从本批中移出房源（可以加推房源）")
    units = Unit.objects.filter(pk__in=unit_ids)
    if units.count() != len(unit_ids) or units.exclude(project_id=opening.project_id).exists():
        raise OpeningInvalid("本批房源须属于本楼盘")
    if units.filter(status=UnitStatus.SOLD).exists():
        raise OpeningInvalid("已售房源不能加入开盘批次")
    opening.units.set(unit_ids)


@transaction.atomic
def opening_publish(*, opening: Opening, actor) -> Opening:
    """Make the opening visible to buyers, who may then sign up."""
    if not permissions.can_manage_openings(actor, opening.project_id):
        raise OpeningInvalid("您无权管理该楼盘的开盘活动")
    if not opening.units.exists():
        raise OpeningInvalid("请先为开盘活动选择房源")
    Opening.objects.filter(pk=opening.pk).update(is_published=True)
    opening.is_published = True
    audit_record(actor=actor, action="sales.opening.published", target=opening)
    return opening


# ---- sign-up (报名 / 认筹) ---------------------------------------------------------------------


def registration_create(*, opening: Opening, buyer, actor, at: datetime | None = None) -> Registration:
    """Sign a real-name-verified buyer up for the opening, before sign-up closes.

    With 认筹 the registration waits for its intention fee (payments calls
    `registration_mark_paid`). Signing up twice returns the first registration.
    """
    at = at or timezone.now()
    if not opening.is_published:
        raise OpeningNotOpen()
    if buyer.is_staff:
        raise BuyerNotVerified("员工账号不能报名开盘活动")
    if at >= opening.signup_ends_at:
        raise RegistrationClosed()
    if not buyer.is_verified_buyer:
        raise BuyerNotVerified("请先完成实名认证后再报名")
    if existing := Registration.objects.filter(opening=opening, buyer=buyer).first():
        return existing
    try:
        with transaction.atomic():
            registration = Registration.objects.create(
                opening=opening,
                buyer=buyer,
                fee_amount=opening.registration_fee_amount if opening.requires_registration else 0,
                fee_status=FeeStatus.UNPAID if opening.requires_registration else FeeStatus.NOT_REQUIRED,
            )
            audit_record(
                actor=actor,
                action="sales.registration.created",
                target=registration,
                data={"opening": opening.pk, "buyer": buyer.pk, "fee": registration.fee_amount},
            )
    except IntegrityError:
        return Registration.objects.get(opening=opening, buyer=buyer)
    return registration


@transaction.atomic
def registration_mark_paid(*, registration: Registration, actor, paid_at: datetime) -> Registration:
    """Called by payments when the intention fee (认筹金) is paid; a repeated call changes nothing.

    Refused once the lottery is drawn or the opening has ended (payments then refunds the fee).
    """
    opening = registration.opening
    if opening.lottery_drawn_at is not None or timezone.now() >= opening.ends_at:
        raise RegistrationClosed("本次开盘已摇号或已结束，不能再确认认筹")
    moved = Registration.objects.filter(pk=registration.pk, fee_status=FeeStatus.UNPAID).update(
        fee_status=FeeStatus.PAID, fee_paid_at=paid_at
    )
    registration.refresh_from_db()
    if not moved:
        if registration.fee_status == FeeStatus.PAID:
            return registration
        raise RegistrationClosed(f"报名当前状态为「{registration.get_fee_status_display()}」，不能确认认筹金")
    audit_record(actor=actor, action="sales.registration.paid", target=registration, data={"paid_at": paid_at})
    return registration


@transaction.atomic
def registration_mark_refunded(*, registration: Registration, actor) -> Registration:
    """Called by payments once the intention fee has been paid back."""
    if not Registration.objects.filter(pk=registration.pk, fee_status=FeeStatus.PAID).update(
        fee_status=FeeStatus.REFUNDED
    ):
        registration.refresh_from_db()
        if registration.fee_status == FeeStatus.REFUNDED:
            return registration
        raise RegistrationClosed("只有已缴纳的认筹金可以退还")
    registration.fee_status = FeeStatus.REFUNDED
    audit_record(actor=actor, action="sales.registration.refunded", target=registration)
    return registration


# ---- the lottery (摇号) ------------------------------------------------------------------------


@transaction.atomic
def opening_lottery_commit(*, opening: Opening, actor, at: datetime | None = None) -> str:
    """Choose the seed and publish its sha256 before sign-up closes; returns the commitment."""
    at = at or timezone.now()
    if not permissions.can_draw_lottery(actor, opening.project_id):
        raise LotteryNotAllowed("您无权操作该楼盘的摇号")
    opening = Opening.objects.select_for_update().get(pk=opening.pk)
    if opening.mode != OpeningMode.LOTTERY:
        raise LotteryNotAllowed("该开盘活动不是摇号选房")
    if opening.lottery_committed_at:
        raise LotteryNotAllowed("摇号种子已公示，不能更换")
    if at >= opening.signup_ends_at:
        raise LotteryNotAllowed("须在报名截止前公示摇号种子哈希")
    seed = lottery.seed_generate()
    opening.lottery_seed, opening.lottery_seed_hash = seed, lottery.seed_commitment(seed)
    opening.lottery_committed_at = at
    opening.save(update_fields=["lottery_seed", "lottery_seed_hash", "lottery_committed_at"])
    audit_record(
        actor=actor, action="sales.lottery.committed", target=opening, data={"seed_hash": opening.lottery_seed_hash}
    )
    return opening.lottery_seed_hash


@transaction.atomic
def opening_lottery_draw(*, opening: Opening, actor, at: datetime | None = None) -> Opening:
    """Draw once, after sign-up closed and before the opening starts: rank every eligible
    registration, give each its turn window, store and reveal the full result."""
    at = at or timezone.now()
    if not permissions.can_draw_lottery(actor, opening.project_id):
        raise LotteryNotAllowed("您无权操作该楼盘的摇号")
    locked = Opening.objects.select_for_update().get(pk=opening.pk)
    if locked.mode != OpeningMode.LOTTERY:
        raise LotteryNotAllowed("该开盘活动不是摇号选房")
    if not locked.lottery_committed_at:
        raise LotteryNotAllowed("请先在报名截止前公示摇号种子哈希")
    if locked.lottery_drawn_at:
        raise LotteryNotAllowed("本次开盘已摇号，不能重复摇号")
    if at < locked.signup_ends_at:
        raise LotteryNotAllowed("报名尚未截止，不能摇号")
    if at >= locked.starts_at:
        raise LotteryNotAllowed("开盘已开始，不能再摇号")
    eligible = list(
        Registration.objects.select_for_update(of=("self",))
        .filter(opening=locked, fee_status__in=ELIGIBLE_FEE_STATUSES)
        .select_related("buyer__buyer_profile")
        .order_by("pk")
    )
    entries = lottery.lottery_entries(
        seed=locked.lottery_seed,
        registration_ids=[registration.pk for registration in eligible],
        starts_at=locked.starts_at,
        turn_minutes=locked.turn_minutes,
        batch_size=locked.turn_batch_size,
    )
    by_id = {registration.pk: registration for registration in eligible}
    for entry in entries:
        registration = by_id[entry["registration_id"]]
        registration.lottery_rank, registration.lottery_digest = entry["rank"], entry["digest"]
        registration.turn_starts_at, registration.turn_ends_at = lottery.turn_window(
            rank=entry["rank"],
            starts_at=locked.starts_at,
            turn_minutes=locked.turn_minutes,
            batch_size=locked.turn_batch_size,
        )
        profile = getattr(registration.buyer, "buyer_profile", None)
        entry["buyer"] = mask_name(profile.real_name) if profile else ""  # published masked, as notices are
    Registration.objects.bulk_update(
        eligible, ["lottery_rank", "lottery_digest", "turn_starts_at", "turn_ends_at"], batch_size=1000
    )
    locked.lottery_drawn_at = at
    locked.lottery_result = {
        "algorithm": lottery.ALGORITHM,
        "seed_hash": locked.lottery_seed_hash,
        "starts_at": locked.starts_at.isoformat(),
        "turn_minutes": locked.turn_minutes,
        "batch_size": locked.turn_batch_size,
        "entries": entries,
    }
    locked.save(update_fields=["lottery_drawn_at", "lottery_result"])
    audit_record(
        actor=actor,
        action="sales.lottery.drawn",
        target=locked,
        data={"seed": locked.lottery_seed, "seed_hash": locked.lottery_seed_hash, "registrations": len(entries)},
    )
    return locked
