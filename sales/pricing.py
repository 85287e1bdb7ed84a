"""The one pricing service: list price → each applied marketing scheme → final price.

Every page that shows a price, and every order, gets it from `price_quote`. Rules:

* Candidates are the project's active schemes in their validity window at `at` whose targets
  include the unit (whole project, or its building, or the unit itself). Coupons (交X抵Y) are not
  price schemes: a buyer's paid coupons are listed separately and deducted at signing.
* A scheme limited to a payment method (一次性付款 / 按揭) applies only to that method.
* Stacking: candidates are taken in priority order (highest first, then oldest). If the first one
  is exclusive (不可叠加) it is the only one applied; otherwise every stackable candidate applies in
  that order and the exclusive ones are skipped. Skipped schemes are reported with the reason.
* A discount multiplies the running price, a reduction subtracts from it; each step is rounded to
  the fen (ROUND_HALF_UP) and the price never goes below zero. A line's amount is exactly the
  difference it made, so the lines always add up to list price − final price.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.core.cache import cache
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from sales.models import Coupon, CouponStatus, PaymentMethod, Scheme, SchemeKind
from shuchang.core.money import ZERO, to_amount

SNAPSHOT_VERSION = 1


@dataclass(frozen=True)
class PriceLine:
    scheme_id: int
    name: str
    label: str  # 98折 / 直减5万 / 交1万抵3万
    amount: Decimal  # what this scheme takes off, positive


@dataclass(frozen=True)
class SkippedScheme:
    scheme_id: int
    name: str
    reason: str


@dataclass(frozen=True)
class PriceQuote:
    unit_id: int
    price_version_id: int | None
    payment_method: str
    at: datetime
    list_price_amount: Decimal
    lines: tuple[PriceLine, ...]
    final_price_amount: Decimal
    skipped: tuple[SkippedScheme, ...] = ()
    # The buyer's paid coupons for this unit: shown with the quote, deducted only at signing.
    coupon_lines: tuple[PriceLine, ...] = field(default=())

    @property
    def discount_amount(self) -> Decimal:
        return self.list_price_amount - self.final_price_amount

    @property
    def coupon_deduction_amount(self) -> Decimal:
        return sum((line.amount for line in self.coupon_lines), ZERO)

    @property
    def price_after_coupons_amount(self) -> Decimal:
        return max(self.final_price_amount - self.coupon_deduction_amount, ZERO)

    def snapshot(self) -> dict:
        """The breakdown as JSON, as an order stores it (amounts as strings, exact to the fen)."""
        return {
            "version": SNAPSHOT_VERSION,
            "unit_id": self.unit_id,
            "price_version_id": self.price_version_id,
            "payment_method": self.payment_method,
            "at": self.at.isoformat(),
            "list_price": str(self.list_price_amount),
            "lines": [_line_json(line) for line in self.lines],
            "final_price": str(self.final_price_amount),
            "skipped": [{"scheme_id": s.scheme_id, "name": s.name, "reason": s.reason} for s in self.skipped],
        }


def _line_json(line: PriceLine) -> dict:
    return {"scheme_id": line.scheme_id, "name": line.name, "label": line.label, "amount": str(line.amount)}


def _targets_unit(unit) -> Q:
    """Schemes whose targets include `unit`: whole project (no targets), its building, or itself."""
    buildings = Scheme.buildings.through.objects.filter(scheme_id=OuterRef("pk"))
    units = Scheme.units.through.objects.filter(scheme_id=OuterRef("pk"))
    return (
        Exists(buildings.filter(building_id=unit.building_id))
        | Exists(units.filter(unit_id=unit.pk))
        | (~Exists(buildings) & ~Exists(units))
    )


@dataclass(frozen=True)
class SchemeRule:
    """What pricing needs of a price scheme; plain data, so a process can keep it between requests."""

    pk: int
    name: str
    label: str
    kind: str
    discount_rate: Decimal | None
    reduction_amount: Decimal | None
    payment_method: str
    is_exclusive: bool
    priority: int
    valid_from: datetime
    valid_until: datetime | None
    building_ids: frozenset[int]
    unit_ids: frozenset[int]

    def in_force(self, at: datetime) -> bool:
        return self.valid_from <= at and (self.valid_until is None or at < self.valid_until)

    def targets(self, unit) -> bool:
        if not self.building_ids and not self.unit_ids:
            return True  # the whole project
        return unit.building_id in self.building_ids or unit.pk in self.unit_ids


# Each process keeps every project's active price schemes, keyed by a version held in the shared
# cache: a quote costs one cache read instead of a query. Scheme services change the version
# (`schemes_changed`) both at once and after commit, so no process keeps rules older than the
# database, even one that loaded them while the change was being committed.
_RULES: dict[tuple[int, str], tuple[SchemeRule, ...]] = {}
_RULES_LIMIT = 512


def _version_key(project_id: int) -> str:
    return f"sales:scheme-rules-version:{project_id}"


def _rules_version(project_id: int) -> str:
    key = _version_key(project_id)
    version = cache.get(key)
    if version is None:
        cache.add(key, uuid.uuid4().hex, timeout=None)  # a fresh version nobody has rules for
        version = cache.get(key)
    return version


def schemes_changed(project_id: int) -> None:
    """Make every process reload the project's schemes: now, and again once the change commits."""

    def bump():
        cache.set(_version_key(project_id), uuid.uuid4().hex, timeout=None)

    bump()
    transaction.on_commit(bump)


def _load_rules(project_id: int) -> tuple[SchemeRule, ...]:
    schemes = list(
        Scheme.objects.filter(project_id=project_id, is_active=True)
        .exclude(kind=SchemeKind.COUPON)
        .order_by("-priority", "id")
    )
    ids = [scheme.pk for scheme in schemes]
    buildings: dict[int, set[int]] = {pk: set() for pk in ids}
    units: dict[int, set[int]] = {pk: set() for pk in ids}
    for scheme_id, building_id in Scheme.buildings.through.objects.filter(scheme_id__in=ids).values_list(
        "scheme_id", "building_id"
    ):
        buildings[scheme_id].add(building_id)
    for scheme_id, unit_id in Scheme.units.through.objects.filter(scheme_id__in=ids).values_list(
        "scheme_id", "unit_id"
    ):
        units[scheme_id].add(unit_id)
    return tuple(
        SchemeRule(
            pk=scheme.pk,
            name=scheme.name,
            label=scheme.label,
            kind=scheme.kind,
            discount_rate=scheme.discount_rate,
            reduction_amount=scheme.reduction_amount,
            payment_method=scheme.payment_method,
            is_exclusive=scheme.is_exclusive,
            priority=scheme.priority,
            valid_from=scheme.valid_from,
            valid_until=scheme.valid_until,
            building_ids=frozenset(buildings[scheme.pk]),
            unit_ids=frozenset(units[scheme.pk]),
        )
        for scheme in schemes
    )


def project_scheme_rules(project_id: int) -> tuple[SchemeRule, ...]:
    """The project's active price schemes in priority order (one cache read when already loaded)."""
    version = _rules_version(project_id)
    rules = _RULES.get((project_id, version))
    if rules is None:
        rules = _load_rules(project_id)
        if len(_RULES) >= _RULES_LIMIT:
            _RULES.clear()
        _RULES[(project_id, version)] = rules
    return rules


def schemes_for_unit(*, unit, at: datetime) -> list[SchemeRule]:
    """The price schemes (not coupons) in force for `unit` at `at`, in application order."""
    return [rule for rule in project_scheme_rules(unit.project_id) if rule.in_force(at) and rule.targets(unit)]


def _apply(scheme: SchemeRule, price: Decimal) -> Decimal:
    if scheme.kind == SchemeKind.DISCOUNT:
        new_price = to_amount(price * scheme.discount_rate)
    else:
        new_price = to_amount(price - scheme.reduction_amount)
    return max(new_price, ZERO)


def price_compute(
    *, list_price_amount: Decimal, schemes: list[SchemeRule], payment_method: str
) -> tuple[tuple[PriceLine, ...], Decimal, tuple[SkippedScheme, ...]]:
    """Apply `schemes` (already in priority order) to a list price; pure, no queries."""
    price = to_amount(list_price_amount)
    method_label = PaymentMethod(payment_method).label
    lines, skipped = [], []
    candidates = []
    for scheme in schemes:
        if scheme.payment_method and scheme.payment_method != payment_method:
            reason = f"仅限{PaymentMethod(scheme.payment_method).label}，当前为{method_label}"
            skipped.append(SkippedScheme(scheme.pk, scheme.name, reason))
        else:
            candidates.append(scheme)
    if candidates and candidates[0].is_exclusive:
        applied, excluded = candidates[:1], candidates[1:]
        reason = f"与「{candidates[0].name}」不可同时享受"
    else:
        applied = [scheme for scheme in candidates if not scheme.is_exclusive]
        excluded = [scheme for scheme in candidates if scheme.is_exclusive]
        reason = "该方案不可与其他方案叠加"
    skipped.extend(SkippedScheme(scheme.pk, scheme.name, reason) for scheme in excluded)
    for scheme in applied:
        new_price = _apply(scheme, price)
        lines.append(PriceLine(scheme.pk, scheme.name, scheme.label, price - new_price))
        price = new_price
    return tuple(lines), price, tuple(skipped)


def coupon_lines_for(*, unit, buyer, payment_method: str) -> tuple[PriceLine, ...]:
    """The buyer's paid, unused coupons that apply to `unit` (deducted at signing)."""
    coupons = (
        Coupon.objects.filter(buyer=buyer, status=CouponStatus.PAID, scheme__project_id=unit.project_id)
        .filter(Exists(Scheme.objects.filter(_targets_unit(unit), pk=OuterRef("scheme_id"))))
        .select_related("scheme")
        .order_by("id")
    )
    return tuple(
        PriceLine(coupon.scheme_id, coupon.scheme.name, coupon.scheme.label, coupon.deduction_amount)
        for coupon in coupons
        if not coupon.scheme.payment_method or coupon.scheme.payment_method == payment_method
    )


def price_quote(*, unit, payment_method: str, at: datetime | None = None, buyer=None) -> PriceQuote:
    """The price of `unit` at `at` for `payment_method`: list price, each applied scheme, final price.

    With `buyer`, the buyer's paid coupons are listed too (deducted at signing, not in the final
    price). Queries: none for the schemes once this process holds them (one cache read checks
    they are current), one for coupons when `buyer` is given.
    """
    at = at or timezone.now()
    if payment_method not in PaymentMethod.values:
        raise ValueError(f"unknown payment method {payment_method!r}")
    lines, final_price, skipped = price_compute(
        list_price_amount=unit.list_price_amount,
        schemes=schemes_for_unit(unit=unit, at=at),
        payment_method=payment_method,
    )
    coupon_lines = ()
    if buyer is not None and getattr(buyer, "pk", None):
        coupon_lines = coupon_lines_for(unit=unit, buyer=buyer, payment_method=payment_method)
    return PriceQuote(
        unit_id=unit.pk,
        price_version_id=unit.price_version_id,
        payment_method=payment_method,
        at=at,
        list_price_amount=to_amount(unit.list_price_amount),
        lines=lines,
        final_price_amount=final_price,
        skipped=skipped,
        coupon_lines=coupon_lines,
    )
