"""Buyer pages: openings (开盘) with sign-up and the lottery, unit selection (选房), my orders (认购).

The rules live in `sales.services` and `sales.selectors`; these views fetch, validate the form,
call one service and turn a refusal into its Chinese message. Every page works without
JavaScript; htmx swaps the selection panel and polls the grid where it helps.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.db import connection
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_POST, require_safe
from django_htmx.http import HttpResponseClientRedirect

from listings import selectors as listing_selectors
from listings.models import Building, Unit, UnitStatus
from sales import lottery, pricing, selectors, services
from sales.exceptions import DomainError, OpeningNotStarted, PriceChanged, TurnNotYet, UnitTaken, UnitUnavailable
from sales.forms import CancelOrderForm, SelectForm, new_request_token, price_signature
from sales.models import Opening, OrderStatus, PaymentMethod, Registration
from sales.permissions import can_cancel_order
from sales.views import grids, snapshots
from shuchang.core.formatting import chinese_datetime
from shuchang.core.money import to_amount

UPCOMING, RUNNING, ENDED = "upcoming", "running", "ended"
PHASE_LABELS = {UPCOMING: "即将开盘", RUNNING: "正在选房", ENDED: "已结束"}
LOTTERY_ROWS_PER_PAGE = 50
ORDERS_PER_PAGE = 20


def opening_phase(opening: Opening, now: datetime) -> str:
    if now < opening.starts_at:
        return UPCOMING
    return RUNNING if now < opening.ends_at else ENDED


def duration_text(seconds: int) -> str:
    """2天3小时4分5秒 — how long until something, in the words a countdown uses."""
    seconds = max(int(seconds), 0)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [(days, "天"), (hours, "小时"), (minutes, "分"), (secs, "秒")]
    while len(parts) > 1 and parts[0][0] == 0:
        parts.pop(0)
    return "".join(f"{value}{unit}" for value, unit in parts)


# ---- the buyer's standing in an opening ---------------------------------------------------------


@dataclass
class BuyerState:
    """Where the signed-in user stands in an opening, for the pages to show; services re-check all of it."""

    code: str  # anonymous · staff · unverified · can_sign_up · signup_closed · unpaid · registered
    registration: Registration | None = None
    opening: Opening | None = None  # outside an opening: the opening the unit is kept for
    quota_used: int = 0
    can_select_now: bool = False
    # Before the start (or the buyer's lottery turn) the form is shown with its button counting down.
    can_prepare: bool = False
    opens_in_seconds: int = 0
    message: str = ""  # why the user cannot select now (empty when they can)

    @property
    def opens_in_text(self) -> str:
        return duration_text(self.opens_in_seconds)


def buyer_state(*, opening: Opening, user, now: datetime, phase: str) -> BuyerState:
    if not user.is_authenticated:
        return BuyerState("anonymous", message="请先登录后再报名或选房")
    if user.is_staff:
        return BuyerState("staff", message="员工账号不能参加开盘选房；代客选房请在后台客户管理中办理")
    registration = selectors.registration_for(opening=opening, buyer=user, with_quota_used=True)
    if registration is None:
        if not user.is_verified_buyer:
            return BuyerState("unverified", message="请先完成实名认证，认证后即可报名")
        if now < opening.signup_ends_at:
            return BuyerState("can_sign_up", message="您尚未报名本次开盘，请先报名")
        return BuyerState("signup_closed", message="您未报名本次开盘，不能选房")
    if not registration.is_eligible:
        return BuyerState("unpaid", registration, message="您尚未缴纳认筹金，不能参加本次选房")
    state = BuyerState("registered", registration)
    state.quota_used = registration.quota_used
    # The instant this buyer may select: the opening's start, or in a lottery their turn.
    opens_at = registration.turn_starts_at if opening.is_lottery else opening.starts_at
    if phase == ENDED:
        state.message = "本次开盘已结束"
    elif state.quota_used >= opening.quota:
        state.message = "您在本次开盘的选房数量已达上限"
    elif opens_at is None:
        drawn = opening.lottery_drawn_at is not None
        state.message = "您没有本次摇号的选房顺序，不能选房" if drawn else "摇号尚未进行，摇号后将公布您的选房时段"
    elif now < opens_at:
        # Before the instant the page may already show the form, its button counting down to it.
        state.can_prepare = True
        state.opens_in_seconds = int((opens_at - now).total_seconds()) + 1
        if opening.is_lottery:
            state.message = (
                f"还未到您的选房时间，您的选房时段为{chinese_datetime(registration.turn_starts_at)}"
                f"至{chinese_datetime(registration.turn_ends_at)}"
            )
        else:
            state.message = f"开盘尚未开始，开盘时间为{chinese_datetime(opening.starts_at)}"
    elif opening.is_lottery and now >= registration.turn_ends_at:
        state.message = "您的选房时段已结束"
    else:
        state.can_select_now = True
    return state


# ---- openings ------------------------------------------------------------------------------------


@login_not_required
@require_safe
def opening_list(request):
    now = timezone.now()
    openings = list(selectors.opening_list_published())
    for opening in openings:
        opening.phase = opening_phase(opening, now)
        opening.phase_label = PHASE_LABELS[opening.phase]
    current = [o for o in openings if o.phase != ENDED]
    # Past openings newest first, and only the recent ones: the list is for what is coming.
    past = sorted((o for o in openings if o.phase == ENDED), key=lambda o: o.starts_at, reverse=True)[:20]
    return render(request, "sales/opening_list.html", {"current": current, "past": past})


def _current_building(request, buildings: list[Building]) -> Building | None:
    wanted = request.GET.get("building", "")
    for building in buildings:
        if str(building.pk) == wanted:
            return building
    return buildings[0] if buildings else None


@login_not_required
@require_safe
def opening_detail(request, pk: int):
    opening = selectors.opening_get_public(pk)
    now = timezone.now()
    phase = opening_phase(opening, now)
    buildings = grids.opening_buildings(opening)
    building = _current_building(request, buildings)
    fragment = grids.render_opening_grid(opening=opening, building=building, phase=phase) if building else None
    state = buyer_state(opening=opening, user=request.user, now=now, phase=phase)
    context = {
        "opening": opening,
        "project": opening.project,
        "phase": phase,
        "phase_label": PHASE_LABELS[phase],
        "now": now,
        "seconds_to_start": int((opening.starts_at - now).total_seconds()) if phase == UPCOMING else 0,
        "countdown_text": duration_text((opening.starts_at - now).total_seconds()) if phase == UPCOMING else "",
        "signup_open": now < opening.signup_ends_at,
        "buildings": buildings,
        "building": building,
        # The fragment is the cached HTML of the grid (never user-specific), shown as it is.
        "grid_html": fragment.html if fragment else None,
        "state": state,
        "lottery": selectors.lottery_result_public(opening) if opening.is_lottery else None,
        "verify_url": reverse("accounts:verify"),
    }
    return render(request, "sales/opening_detail.html", context)


@login_not_required
@require_safe
def opening_grid(request, pk: int, building_pk: int):
    """The batch grid of one building alone, for htmx polling: 304 while nothing has changed."""
    snapshot = snapshots.opening_snapshot(pk)  # polled by every open tab: no opening or building query
    opening, building = snapshot.opening, snapshot.buildings.get(building_pk)
    if building is None:
        raise Http404("楼栋不存在")
    phase = opening_phase(opening, timezone.now())
    return grids.fragment_response(request, grids.render_opening_grid(opening=opening, building=building, phase=phase))


@require_POST
def opening_signup(request, pk: int):
    """报名: verified buyers, before sign-up closes; signing up twice is harmless."""
    opening = selectors.opening_get_public(pk)
    try:
        registration = services.registration_create(opening=opening, buyer=request.user, actor=request.user)
    except DomainError as refusal:
        messages.error(request, refusal.message)
    else:
        if registration.is_eligible:
            messages.success(request, f"报名成功！请于{chinese_datetime(opening.starts_at)}开盘后在本页选房。")
        else:
            messages.info(request, f"报名成功，请缴纳认筹金{to_amount(registration.fee_amount):,.2f}元后参加选房。")
    return redirect("sales:opening_detail", pk=opening.pk)


@login_not_required
@require_safe
def opening_lottery(request, pk: int):
    """The published lottery: the commitment, then the seed and the full order, with how to check it."""
    opening = selectors.opening_get_public(pk)
    result = selectors.lottery_result_public(opening)
    if not opening.is_lottery or result is None:
        raise Http404("本次开盘没有摇号结果")
    entries = (result["result"] or {}).get("entries", []) if result["result"] else []
    page = Paginator(entries, LOTTERY_ROWS_PER_PAGE).get_page(request.GET.get("page"))
    # The stored windows are ISO text (as published); shown in local time like every other time.
    rows = [
        entry | {key: parse_datetime(entry[key]) for key in ("turn_starts_at", "turn_ends_at")}
        for entry in page.object_list
    ]
    mine = None
    if request.user.is_authenticated and not request.user.is_staff:
        registration = selectors.registration_for(opening=opening, buyer=request.user)
        mine = registration.pk if registration else None
    verification = lottery.verify_lottery(opening) if result["drawn_at"] else None
    return render(
        request,
        "sales/opening_lottery.html",
        {
            "opening": opening,
            "project": opening.project,
            "lottery": result,
            "page_obj": page,
            "entries": rows,
            "mine": mine,
            "verification": verification,
            "algorithm": lottery.ALGORITHM,
        },
    )


@login_not_required
@require_safe
def opening_lottery_json(request, pk: int):
    """The published lottery as JSON, to recompute with sales.lottery.verify_lottery_data."""
    opening = selectors.opening_get_public(pk)
    result = selectors.lottery_result_public(opening)
    if not opening.is_lottery or result is None:
        raise Http404("本次开盘没有摇号结果")
    response = JsonResponse(
        {
            "opening": opening.pk,
            "name": opening.name,
            "seed_hash": result["seed_hash"],
            "committed_at": result["committed_at"],
            "drawn_at": result["drawn_at"],
            "seed": result["seed"],
            "result": result["result"],
        },
        json_dumps_params={"ensure_ascii": False, "indent": 1},
    )
    response["Content-Disposition"] = f'attachment; filename="lottery-{opening.pk}.json"'
    return response


# ---- selection (选房) ------------------------------------------------------------------------------


@dataclass(frozen=True)
class MethodQuote:
    method: str
    label: str
    quote: pricing.PriceQuote


def quotes_for(unit: Unit, now: datetime, methods=None, rules=None) -> list[MethodQuote]:
    """The unit's price for each payment method (the schemes come from pricing's per-process copy;
    pass the project's `rules` when quoting several units, to check that copy only once)."""
    if rules is None:
        schemes = pricing.schemes_for_unit(unit=unit, at=now)
    else:
        schemes = [rule for rule in rules if rule.in_force(now) and rule.targets(unit)]
    quotes = []
    for method, label in methods or PaymentMethod.choices:
        lines, final_price, skipped = pricing.price_compute(
            list_price_amount=unit.list_price_amount, schemes=schemes, payment_method=method
        )
        quote = pricing.PriceQuote(
            unit_id=unit.pk,
            price_version_id=unit.price_version_id,
            payment_method=method,
            at=now,
            list_price_amount=to_amount(unit.list_price_amount),
            lines=lines,
            final_price_amount=final_price,
            skipped=skipped,
        )
        quotes.append(MethodQuote(method, label, quote))
    return quotes


def _with_seen_price(unit: Unit, signature: str) -> bool:
    """Give `unit` the price-list version and total the buyer saw, so that selection refuses
    (PriceChanged) if the unit was repriced since: the conditional UPDATE compares them."""
    try:
        version, amount = signature.split(":")
        unit.price_version_id = int(version) or None
        unit.list_price_amount = to_amount(Decimal(amount))
    except (ValueError, InvalidOperation):
        return False
    return True


def _batch_unit_or_404(opening: Opening, unit_pk: int) -> Unit:
    unit = Unit.objects.select_related("building", "floor_plan").filter(pk=unit_pk, openings=opening.pk).first()
    if unit is None or _public_status(unit, opening.project) is None:
        raise Http404("房源不存在")
    unit.project = opening.project
    return unit


def _unit_for_selection(snapshot: snapshots.OpeningSnapshot, unit_pk: int) -> Unit:
    """The unit a selection POST names, as the service needs it, without reading its row: its
    building and code never change, and whatever can change — status, price, membership of the
    batch — the selection's conditional UPDATE checks itself."""
    opening = snapshot.opening
    place = snapshot.units.get(unit_pk)
    if place is None:  # not in the batch as of a second ago: added since, or not in it at all
        rows = Unit.objects.filter(pk=unit_pk, project_id=opening.project_id).values_list("building_id", "code")
        place = rows.first()
    if place is None:
        raise Http404("房源不存在")
    building_id, code = place
    unit = Unit(
        pk=unit_pk, project_id=opening.project_id, building_id=building_id, code=code, status=UnitStatus.AVAILABLE
    )
    unit._state.adding = False
    unit.project = opening.project
    return unit


ALTERNATIVES = 3


@dataclass(frozen=True)
class Alternative:
    """A unit still available in the batch, offered with a ready form when the chosen one was taken."""

    unit: Unit
    url: str
    quote: MethodQuote
    request_token: str
    price_signature: str


_OFFER_FIELDS = ("pk", "building_id", "code", "floor", "gross_area", "list_price_amount", "price_version_id")


def _available_in_batch(*, opening_id: int, besides: Unit) -> list[tuple]:
    """Up to ALTERNATIVES available units of the batch, `besides`'s building first, else at random.

    Plain SQL: in a rush most selections lose, and building this query through the ORM cost more
    than running it (the same reason the selection service writes in plain SQL).
    """
    unit_table, batch_table = Unit._meta.db_table, Opening.units.through._meta.db_table
    sql = f"""
        SELECT u.id, u.building_id, u.code, u.floor, u.gross_area, u.list_price_amount, u.price_version_id
        FROM {unit_table} u JOIN {batch_table} b ON b.unit_id = u.id
        WHERE b.opening_id = %s AND u.status = %s AND u.id <> %s
        ORDER BY CASE WHEN u.building_id = %s THEN 0 ELSE 1 END, random()
        LIMIT %s
    """  # noqa: S608 - table names come from model metadata, every value is a parameter
    with connection.cursor() as cursor:
        cursor.execute(sql, [opening_id, UnitStatus.AVAILABLE.value, besides.pk, besides.building_id, ALTERNATIVES])
        rows = cursor.fetchall()
    # SQLite hands numeric columns back as int or float; amounts and areas are Decimal everywhere else.
    return [(*row[:4], _decimal(row[4]), _decimal(row[5]), row[6]) for row in rows]


def _decimal(value) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value)).quantize(Decimal("0.01"))


def alternatives_for(*, opening: Opening, taken: Unit, payment_method: str, now: datetime) -> list[Alternative]:
    """A few units of the batch still available, the same building first and otherwise at random
    (so the buyers who lost one unit do not all rush the same next one). One query."""
    units = [
        Unit(project_id=opening.project_id, status=UnitStatus.AVAILABLE, **dict(zip(_OFFER_FIELDS, row, strict=True)))
        for row in _available_in_batch(opening_id=opening.pk, besides=taken)
    ]
    method = [(payment_method, PaymentMethod(payment_method).label)]
    rules = pricing.project_scheme_rules(opening.project_id) if units else ()
    offers = []
    for unit in units:
        unit.project = opening.project
        offers.append(
            Alternative(
                unit=unit,
                url=reverse("sales:opening_unit", args=[opening.pk, unit.pk]),
                quote=quotes_for(unit, now, methods=method, rules=rules)[0],
                request_token=new_request_token(),
                price_signature=price_signature(unit),
            )
        )
    return offers


def _public_status(unit: Unit, project) -> str | None:
    return listing_selectors.unit_public_status(status=unit.status, withheld_display=project.withheld_display)


def _selection(request, *, unit: Unit, opening: Opening | None, state: BuyerState | None, now: datetime):
    """GET: the price breakdown and the form. POST: select, then the order page, or the page again
    with the refusal's Chinese message (and a fresh form when trying again can help)."""
    refusal, can_retry, alternatives = "", True, []
    if request.method == "POST":
        form = SelectForm(request.POST)
        if not form.is_valid():
            refusal = next(iter(form.errors.values()))[0]
        elif not _with_seen_price(unit, form.cleaned_data["price_signature"]):
            refusal = PriceChanged.default_message
        else:
            try:
                order = services.order_select(
                    buyer=request.user,
                    unit=unit,
                    opening=opening,
                    actor=request.user,
                    payment_method=form.cleaned_data["payment_method"],
                    request_token=form.cleaned_data["request_token"],
                )
            except DomainError as error:
                refusal = error.message
                # Only a changed price, a click before the instant or a bad form is worth a second try here.
                can_retry = isinstance(error, PriceChanged | OpeningNotStarted | TurnNotYet)
                if isinstance(error, UnitTaken | UnitUnavailable):
                    unit.status = UnitStatus.LOCKED  # shown as taken, without another query
                    if opening is not None:
                        alternatives = alternatives_for(
                            opening=opening, taken=unit, payment_method=form.cleaned_data["payment_method"], now=now
                        )
            else:
                url = reverse("sales:order_detail", args=[order.pk])
                return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
        if not request.htmx:
            # A whole page (no JavaScript): it shows the unit's facts, so read the unit in full.
            status = unit.status
            unit = Unit.objects.select_related("project", "building", "floor_plan").get(pk=unit.pk)
            unit.project = opening.project if opening else unit.project
            if status == UnitStatus.LOCKED:
                unit.status = status
        elif unit.status != UnitStatus.LOCKED:
            # Show what is true now (the seen price was put on the unit for the comparison).
            unit.refresh_from_db(fields=["status", "list_price_amount", "price_version_id"])
    public_status = _public_status(unit, unit.project)
    is_available = public_status == UnitStatus.AVAILABLE
    show_form = is_available and can_retry and (state is None or state.can_select_now or state.can_prepare)
    context = {
        "unit": unit,
        "project": unit.project,
        "opening": opening,
        "state": state,
        "public_status": public_status,
        "public_status_label": listing_selectors.PUBLIC_STATUS_LABELS.get(public_status, ""),
        "is_available": is_available,
        "refusal": refusal,
        "alternatives": alternatives,
        "show_form": show_form,
        # A fresh token for every rendered form: resubmitting this form makes one order.
        "form": SelectForm(initial=_form_initial(request, unit)) if show_form else None,
        "payment_methods": PaymentMethod.choices,
        "quotes": quotes_for(unit, now) if show_form else [],
        "deposit_amount": opening.deposit_amount if opening else services.DEFAULT_DEPOSIT_AMOUNT,
        "hold_minutes": opening.hold_minutes if opening else services.DEFAULT_HOLD_MINUTES,
    }
    is_partial = request.htmx and request.method == "POST"
    return render(request, "sales/unit_select.html#select_panel" if is_partial else "sales/unit_select.html", context)


def _form_initial(request, unit: Unit) -> dict:
    method = request.POST.get("payment_method") if request.method == "POST" else ""
    return {
        "payment_method": method if method in PaymentMethod.values else PaymentMethod.MORTGAGE,
        "request_token": new_request_token(),
        "price_signature": price_signature(unit),
    }


def opening_unit(request, pk: int, unit_pk: int):
    """选房 at an opening: the unit's price for each payment method and the select form."""
    if request.method not in ("GET", "HEAD", "POST"):
        return _not_allowed()
    now = timezone.now()
    if request.method == "POST":
        # The hot path of an opening: the opening and the unit's place come from this process's snapshot.
        snapshot = snapshots.opening_snapshot(pk)
        unit = _unit_for_selection(snapshot, unit_pk)
        return _selection(request, unit=unit, opening=snapshot.opening, state=None, now=now)
    # Every buyer loads this page in the minute before an opening: the opening comes from the snapshot.
    opening = snapshots.opening_snapshot(pk).opening
    unit = _batch_unit_or_404(opening, unit_pk)
    state = buyer_state(opening=opening, user=request.user, now=now, phase=opening_phase(opening, now))
    return _selection(request, unit=unit, opening=opening, state=state, now=now)


def unit_select(request, unit_pk: int):
    """选房 outside an opening (day-to-day sales of units on sale)."""
    if request.method not in ("GET", "HEAD", "POST"):
        return _not_allowed()
    unit = Unit.objects.select_related("project", "building", "floor_plan").filter(pk=unit_pk).first()
    if unit is None or _public_status(unit, unit.project) is None:
        raise Http404("房源不存在")
    now = timezone.now()
    state = None
    if request.method != "POST":
        state = _day_to_day_state(request.user, unit, now)
    return _selection(request, unit=unit, opening=None, state=state, now=now)


def _day_to_day_state(user, unit: Unit, now: datetime) -> BuyerState:
    if not user.is_authenticated:
        return BuyerState("anonymous", message="请先登录后再选房")
    if user.is_staff:
        return BuyerState("staff", message="员工账号不能选房；代客选房请在后台客户管理中办理")
    if not user.is_verified_buyer:
        return BuyerState("unverified", message="请先完成实名认证后再选房")
    kept = Opening.objects.filter(units=unit.pk, ends_at__gt=now).order_by("starts_at").first()
    if kept is not None:
        return BuyerState(
            "kept",
            opening=kept if kept.is_published else None,
            message=f"该房源属于开盘活动「{kept.name}」，请在开盘活动中选房",
        )
    return BuyerState("registered", can_select_now=True)


def _not_allowed():
    from django.http import HttpResponseNotAllowed

    return HttpResponseNotAllowed(["GET", "HEAD", "POST"])


# ---- orders ------------------------------------------------------------------------------------------


def _buyer_order_or_404(user, pk: int):
    if user.is_staff:
        raise Http404("订单不存在")  # staff read orders in the back office
    return selectors.order_get_for_user(user, pk)


def snapshot_lines(order) -> dict:
    """The order's stored price breakdown as amounts (the snapshot keeps them as strings)."""
    snapshot = order.price_breakdown or {}
    lines = [
        {"name": line.get("name", ""), "label": line.get("label", ""), "amount": Decimal(line.get("amount", "0"))}
        for line in snapshot.get("lines", [])
    ]
    return {
        "list_price": Decimal(snapshot.get("list_price", order.list_price_amount)),
        "lines": lines,
        "final_price": Decimal(snapshot.get("final_price", order.price_amount)),
        "skipped": snapshot.get("skipped", []),
        "swapped_from": snapshot.get("swapped_from"),
    }


@require_safe
def order_list(request):
    if request.user.is_staff:
        return redirect("sales:office_orders")
    page = Paginator(selectors.order_list_for_user(request.user), ORDERS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "sales/order_list.html", {"page_obj": page, "orders": page.object_list})


@require_safe
def order_detail(request, pk: int):
    order = _buyer_order_or_404(request.user, pk)
    now = timezone.now()
    is_pending = order.status == OrderStatus.PENDING_PAYMENT
    hold_seconds = int((order.hold_expires_at - now).total_seconds()) if is_pending and order.hold_expires_at else 0
    return render(
        request,
        "sales/order_detail.html",
        {
            "order": order,
            "unit": order.unit,
            "project": order.project,
            "is_pending": is_pending,
            "hold_seconds": max(hold_seconds, 0),
            "hold_text": duration_text(hold_seconds),
            "price": snapshot_lines(order),
            "can_cancel": can_cancel_order(request.user, order),
            "cancel_form": CancelOrderForm(),
            "history": list(order.status_changes.order_by("id")),
            "coupon_lines": pricing.coupon_lines_for(
                unit=order.unit, buyer=order.buyer, payment_method=order.payment_method
            )
            if order.is_active
            else (),
        },
    )


@require_POST
def order_cancel(request, pk: int):
    order = _buyer_order_or_404(request.user, pk)
    form = CancelOrderForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors["reason"][0])
    else:
        try:
            services.order_cancel(order=order, actor=request.user, reason=form.cleaned_data["reason"])
        except DomainError as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(request, "订单已取消，房源已释放。")
    return redirect("sales:order_detail", pk=order.pk)
