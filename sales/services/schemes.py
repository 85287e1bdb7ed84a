"""Marketing-scheme writes (营销方案) and the coupon entitlements (交X抵Y) buyers purchase."""

from collections.abc import Iterable
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from audit.services import audit_record, snapshot
from listings.models import Building, Unit
from sales import permissions, pricing
from sales.exceptions import CouponNotAvailable, SchemeInvalid
from sales.models import Coupon, CouponStatus, PaymentMethod, Scheme, SchemeKind
from shuchang.core.money import to_amount

_AUDITED_FIELDS = [
    "name", "kind", "discount_rate", "reduction_amount", "coupon_price_amount", "deduction_amount",
    "payment_method", "valid_from", "valid_until", "is_exclusive", "priority", "is_active",
]  # fmt: skip


def scheme_validate(scheme: Scheme) -> None:
    """Raise SchemeInvalid if `scheme` is not sound (forms call this to show the error); clears
    the fields that do not belong to its kind."""
    _validate(scheme)


def _validate(scheme: Scheme) -> None:
    scheme.name = (scheme.name or "").strip()
    if not scheme.name:
        raise SchemeInvalid("请填写方案名称")
    if scheme.kind not in SchemeKind.values:
        raise SchemeInvalid("请选择方案类型")
    if scheme.payment_method and scheme.payment_method not in PaymentMethod.values:
        raise SchemeInvalid("付款方式无效")
    if scheme.valid_from is None:
        raise SchemeInvalid("请填写生效时间")
    if scheme.valid_until is not None and scheme.valid_until <= scheme.valid_from:
        raise SchemeInvalid("失效时间须晚于生效时间")
    # Only the fields of the chosen kind are kept, so a stale value can never take part in a price.
    if scheme.kind == SchemeKind.DISCOUNT:
        if scheme.discount_rate is None or not 0 < scheme.discount_rate < 1:
            raise SchemeInvalid("折扣率须大于0且小于1，如98折填0.98")
        scheme.reduction_amount = scheme.coupon_price_amount = scheme.deduction_amount = None
    elif scheme.kind == SchemeKind.REDUCTION:
        if scheme.reduction_amount is None or scheme.reduction_amount <= 0:
            raise SchemeInvalid("直减金额须大于0")
        scheme.reduction_amount = to_amount(scheme.reduction_amount)
        scheme.discount_rate = scheme.coupon_price_amount = scheme.deduction_amount = None
    else:
        if scheme.coupon_price_amount is None or scheme.coupon_price_amount <= 0:
            raise SchemeInvalid("购券金额须大于0")
        if scheme.deduction_amount is None or scheme.deduction_amount < scheme.coupon_price_amount:
            raise SchemeInvalid("抵扣金额不能小于购券金额")
        scheme.coupon_price_amount = to_amount(scheme.coupon_price_amount)
        scheme.deduction_amount = to_amount(scheme.deduction_amount)
        scheme.discount_rate = scheme.reduction_amount = None


@transaction.atomic
def scheme_save(
    *, scheme: Scheme, actor, building_ids: Iterable[int] | None = None, unit_ids: Iterable[int] | None = None
) -> Scheme:
    """Create or update a scheme and (when given) its targets; existing orders are never repriced,
    they keep the breakdown they were made with."""
    if not permissions.can_manage_schemes(actor, scheme.project_id):
        raise SchemeInvalid("您无权管理该楼盘的营销方案")
    is_new = scheme.pk is None
    before = None
    if not is_new:
        stored = Scheme.objects.select_for_update().get(pk=scheme.pk)
        if stored.project_id != scheme.project_id:
            raise SchemeInvalid("方案所属楼盘不能修改")
        before = snapshot(stored, _AUDITED_FIELDS)
    _validate(scheme)
    if building_ids is not None:
        building_ids = sorted(set(building_ids))
        if Building.objects.filter(pk__in=building_ids).exclude(project_id=scheme.project_id).exists():
            raise SchemeInvalid("适用楼栋须属于本楼盘")
    if unit_ids is not None:
        unit_ids = sorted(set(unit_ids))
        if Unit.objects.filter(pk__in=unit_ids).exclude(project_id=scheme.project_id).exists():
            raise SchemeInvalid("适用房源须属于本楼盘")
    if is_new:
        scheme.created_by = actor
    scheme.save()
    if building_ids is not None:
        scheme.buildings.set(building_ids)
    if unit_ids is not None:
        scheme.units.set(unit_ids)
    pricing.schemes_changed(scheme.project_id)
    audit_record(
        actor=actor,
        action="sales.scheme.created" if is_new else "sales.scheme.changed",
        target=scheme,
        before=before,
        after=snapshot(scheme, _AUDITED_FIELDS)
        | {
            "building_ids": list(scheme.buildings.values_list("pk", flat=True)),
            "unit_ids": list(scheme.units.values_list("pk", flat=True)),
        },
    )
    return scheme


def scheme_create(
    *,
    project,
    actor,
    name: str,
    kind: str,
    valid_from: datetime,
    valid_until: datetime | None = None,
    discount_rate=None,
    reduction_amount=None,
    coupon_price_amount=None,
    deduction_amount=None,
    payment_method: str = "",
    is_exclusive: bool = False,
    priority: int = 0,
    building_ids: Iterable[int] = (),
    unit_ids: Iterable[int] = (),
) -> Scheme:
    """A new scheme (see `scheme_save`). No buildings and no units means the whole project."""
    scheme = Scheme(
        project=project,
        name=name,
        kind=kind,
        discount_rate=discount_rate,
        reduction_amount=reduction_amount,
        coupon_price_amount=coupon_price_amount,
        deduction_amount=deduction_amount,
        payment_method=payment_method,
        valid_from=valid_from,
        valid_until=valid_until,
        is_exclusive=is_exclusive,
        priority=priority,
    )
    return scheme_save(scheme=scheme, actor=actor, building_ids=building_ids, unit_ids=unit_ids)


@transaction.atomic
def scheme_deactivate(*, scheme: Scheme, actor) -> Scheme:
    """Stop a scheme taking part in new prices; orders already made keep it in their breakdown."""
    if not permissions.can_manage_schemes(actor, scheme.project_id):
        raise SchemeInvalid("您无权管理该楼盘的营销方案")
    Scheme.objects.filter(pk=scheme.pk).update(is_active=False, updated_at=timezone.now())
    scheme.is_active = False
    pricing.schemes_changed(scheme.project_id)
    audit_record(actor=actor, action="sales.scheme.deactivated", target=scheme)
    return scheme


# ---- coupons (交X抵Y) --------------------------------------------------------------------------


@transaction.atomic
def coupon_issue(*, scheme: Scheme, buyer, actor, at: datetime | None = None) -> Coupon:
    """The buyer's coupon of `scheme`, unpaid until payments calls `coupon_mark_paid`.

    Asking twice returns the same coupon (one per buyer and scheme while it is live).
    """
    at = at or timezone.now()
    if scheme.kind != SchemeKind.COUPON:
        raise CouponNotAvailable("该方案不是购房券")
    if not scheme.is_active or scheme.valid_from > at or (scheme.valid_until and scheme.valid_until <= at):
        raise CouponNotAvailable("该购房券不在发售期内")
    if buyer.is_staff or not buyer.is_verified_buyer:
        raise CouponNotAvailable("请先完成实名认证后再购买购房券")
    existing = Coupon.objects.filter(scheme=scheme, buyer=buyer, status__in=[CouponStatus.UNPAID, CouponStatus.PAID])
    if coupon := existing.first():
        return coupon
    if Coupon.objects.filter(scheme=scheme, buyer=buyer, status=CouponStatus.USED).exists():
        raise CouponNotAvailable("您已使用过该购房券")
    try:
        with transaction.atomic():
            coupon = Coupon.objects.create(
                scheme=scheme,
                buyer=buyer,
                price_amount=scheme.coupon_price_amount,
                deduction_amount=scheme.deduction_amount,
            )
    except IntegrityError:
        return existing.get()  # a parallel request issued it first
    audit_record(
        actor=actor,
        action="sales.coupon.issued",
        target=coupon,
        data={"scheme": scheme.pk, "buyer": buyer.pk, "price": coupon.price_amount},
    )
    return coupon


@transaction.atomic
def coupon_mark_paid(*, coupon: Coupon, actor, paid_at: datetime) -> Coupon:
    """Called by payments when the coupon's price has been paid; a repeated call changes nothing."""
    moved = Coupon.objects.filter(pk=coupon.pk, status=CouponStatus.UNPAID).update(
        status=CouponStatus.PAID, paid_at=paid_at
    )
    coupon.refresh_from_db()
    if not moved:
        if coupon.status in (CouponStatus.PAID, CouponStatus.USED):
            return coupon
        raise CouponNotAvailable(f"购房券当前状态为「{coupon.get_status_display()}」，不能确认支付")
    audit_record(actor=actor, action="sales.coupon.paid", target=coupon, data={"paid_at": paid_at})
    return coupon


@transaction.atomic
def coupon_mark_refunded(*, coupon: Coupon, actor) -> Coupon:
    """Called by payments once an unused coupon's price has been paid back."""
    if not Coupon.objects.filter(pk=coupon.pk, status=CouponStatus.PAID).update(status=CouponStatus.REFUNDED):
        coupon.refresh_from_db()
        if coupon.status == CouponStatus.REFUNDED:
            return coupon
        raise CouponNotAvailable("只有已购买且未使用的购房券可以退款")
    coupon.status = CouponStatus.REFUNDED
    audit_record(actor=actor, action="sales.coupon.refunded", target=coupon)
    return coupon


def coupons_apply_at_signing(*, order, at: datetime) -> list[Coupon]:
    """Mark the buyer's paid coupons that apply to the order's unit as used by it (caller's transaction)."""
    scheme_ids = [line.scheme_id for line in pricing.coupon_lines_for(
        unit=order.unit, buyer=order.buyer, payment_method=order.payment_method)]  # fmt: skip
    if not scheme_ids:
        return []
    coupons = list(
        Coupon.objects.select_for_update()
        .filter(buyer_id=order.buyer_id, status=CouponStatus.PAID, scheme_id__in=scheme_ids)
        .order_by("pk")
    )
    Coupon.objects.filter(pk__in=[c.pk for c in coupons]).update(status=CouponStatus.USED, used_order=order, used_at=at)
    return coupons


def coupons_restore(*, order) -> int:
    """Coupons deducted by an order that is cancelled become usable again (caller's transaction)."""
    return Coupon.objects.filter(Q(used_order=order) & Q(status=CouponStatus.USED)).update(
        status=CouponStatus.PAID, used_order=None, used_at=None
    )
