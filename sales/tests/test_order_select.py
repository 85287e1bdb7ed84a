"""order_select: the selection of a unit, its refusals (each leaving everything unchanged), the
double-click, lazy expiry, staff-assisted selection and the query budget of the hot path."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from audit.models import AuditEntry
from listings.models import UnitStatus, UnitStatusChange
from listings.services import price_list_apply
from listings.tests.factories import building_with_units, unit_move
from sales import services
from sales.exceptions import (
    AssistNotAllowed,
    BuyerNotVerified,
    NotRegistered,
    OpeningEnded,
    OpeningNotStarted,
    PriceChanged,
    QuotaExceeded,
    RegistrationUnpaid,
    UnitNotInOpening,
    UnitNotPublished,
    UnitReservedForOpening,
    UnitTaken,
    UnitWithheld,
)
from sales.models import Order, OrderStatus, OrderStatusChange
from sales.pricing import price_quote
from sales.tests import factories
from sales.tests.factories import registered, sales_state, select

pytestmark = pytest.mark.django_db


def test_selecting_makes_a_pending_order_that_holds_the_unit(buyer, opening, units):
    registered(opening, buyer)
    unit = units[0]

    order = select(buyer, unit, opening)

    unit.refresh_from_db()
    assert unit.status == UnitStatus.LOCKED
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert (order.buyer, order.unit_id, order.opening, order.quota_slot) == (buyer, unit.pk, opening, 1)
    assert order.price_amount == unit.list_price_amount == Decimal("1800000.00")
    assert order.deposit_amount == Decimal("50000.00")
    assert timedelta(minutes=29) < order.hold_expires_at - timezone.now() <= timedelta(minutes=30)
    assert OrderStatusChange.objects.get(order=order).to_status == OrderStatus.PENDING_PAYMENT
    assert UnitStatusChange.objects.filter(unit=unit, to_status=UnitStatus.LOCKED, actor=buyer).count() == 1
    entry = AuditEntry.objects.get(action="sales.order.selected")
    assert (entry.actor, entry.object_id, entry.data["unit"]) == (buyer, str(order.pk), unit.code)


def test_selecting_outside_an_opening_needs_only_a_verified_buyer(buyer, units):
    order = select(buyer, units[0], payment_method="full")

    assert order.opening is None and order.quota_slot is None
    assert order.deposit_amount == services.DEFAULT_DEPOSIT_AMOUNT
    assert order.payment_method == "full"


def test_the_same_form_submitted_twice_returns_the_first_order(buyer, opening, units):
    registered(opening, buyer)
    token = factories.token()

    first = select(buyer, units[0], opening, request_token=token)
    second = select(buyer, units[0], opening, request_token=token)

    assert first == second
    assert Order.objects.count() == 1


def test_a_resubmission_after_the_quota_is_used_still_returns_its_order(buyer, opening, units):
    registered(opening, buyer)
    token = factories.token()
    first = select(buyer, units[0], opening, request_token=token)
    select(buyer, units[1], opening)

    again = select(buyer, units[0], opening, request_token=token)

    assert again == first
    assert Order.objects.count() == 2


# ---- refusals: each with a clear message and nothing changed -----------------------------------------


def _refused(exception, call):
    before = sales_state()
    with pytest.raises(exception) as refusal:
        call()
    assert sales_state() == before
    return refusal.value.message


def test_a_unit_already_selected_is_refused_as_taken(buyer, other_buyer, opening, units):
    registered(opening, buyer)
    registered(opening, other_buyer)
    select(other_buyer, units[0], opening)

    message = _refused(UnitTaken, lambda: select(buyer, units[0], opening))

    assert "该房源已被选" in message


def test_selection_before_the_opening_starts_is_refused(buyer, project, units, sales_manager):
    now = timezone.now()
    later = factories.opening(
        project=project,
        units=units,
        actor=sales_manager,
        signup_ends_at=now + timedelta(hours=1),
        starts_at=now + timedelta(hours=2),
        ends_at=now + timedelta(hours=3),
    )
    registered(later, buyer)

    message = _refused(OpeningNotStarted, lambda: select(buyer, units[0], later))

    assert "开盘尚未开始" in message


def test_selection_after_the_opening_ended_is_refused(buyer, opening, units):
    registered(opening, buyer)

    with time_machine.travel(opening.ends_at + timedelta(seconds=1)):
        message = _refused(OpeningEnded, lambda: select(buyer, units[0], opening))

    assert message == "本次开盘已结束"


def test_a_withheld_unit_is_refused(buyer, opening, units):
    registered(opening, buyer)
    unit_move(units[0], UnitStatus.WITHHELD)

    message = _refused(UnitWithheld, lambda: select(buyer, units[0], opening))

    assert message == "该房源暂不可售，请选择其他房源"


def test_a_draft_unit_is_refused(buyer, project, opening, sales_manager):
    draft_building = building_with_units(project=project, number="2", publish=False)
    draft = draft_building.units.first()
    services.opening_save(
        opening=opening, actor=sales_manager, unit_ids=[*opening.units.values_list("pk", flat=True), draft.pk]
    )
    registered(opening, buyer)

    message = _refused(UnitNotPublished, lambda: select(buyer, draft, opening))

    assert message == "该房源尚未公布，暂不可选"


def test_a_unit_outside_the_opening_batch_is_refused(buyer, project, opening):
    elsewhere = building_with_units(project=project, number="2").units.first()
    registered(opening, buyer)

    message = _refused(UnitNotInOpening, lambda: select(buyer, elsewhere, opening))

    assert message == "该房源不在本次开盘的房源范围内"


def test_a_unit_kept_for_an_opening_cannot_be_selected_outside_it(buyer, opening, units):
    message = _refused(UnitReservedForOpening, lambda: select(buyer, units[0]))

    assert "首次开盘" in message


def test_an_unverified_buyer_is_refused(units):
    unverified = factories.buyer(verified=False)

    message = _refused(BuyerNotVerified, lambda: select(unverified, units[0]))

    assert message == "请先完成实名认证后再选房"


def test_a_buyer_who_did_not_sign_up_is_refused(buyer, opening, units):
    message = _refused(NotRegistered, lambda: select(buyer, units[0], opening))

    assert message == "您未报名本次开盘，不能选房"


def test_a_buyer_who_has_not_paid_the_intention_fee_is_refused(buyer, project, units, sales_manager):
    now = timezone.now()
    with_fee = factories.opening(
        project=project,
        units=units,
        actor=sales_manager,
        signup_ends_at=now - timedelta(hours=1),
        starts_at=now - timedelta(minutes=5),
        ends_at=now + timedelta(hours=1),
        requires_registration=True,
        registration_fee_amount=Decimal("20000"),
    )
    registered(with_fee, buyer, paid=False)

    message = _refused(RegistrationUnpaid, lambda: select(buyer, units[0], with_fee))

    assert message == "您尚未缴纳认筹金，不能参加本次选房"


def test_the_quota_is_never_exceeded(buyer, opening, units):
    registered(opening, buyer)
    select(buyer, units[0], opening)
    select(buyer, units[1], opening)

    message = _refused(QuotaExceeded, lambda: select(buyer, units[2], opening))

    assert message == "您在本次开盘的选房数量已达上限"


def test_a_unit_repriced_since_it_was_loaded_is_refused(buyer, project, opening, units, sales_manager):
    registered(opening, buyer)
    stale = units[0]
    price_list_apply(
        project=project, prices={stale.pk: (Decimal("16000"), Decimal("1920000"))}, actor=sales_manager, note="调价"
    )

    before = sales_state()
    with pytest.raises(PriceChanged):
        services.order_select(
            buyer=buyer, unit=stale, opening=opening, actor=buyer, payment_method="full", request_token="t-1"
        )

    assert sales_state() == before


# ---- lazy expiry ---------------------------------------------------------------------------------


def test_an_overdue_hold_does_not_block_the_next_buyer(buyer, other_buyer, opening, units):
    registered(opening, buyer)
    registered(opening, other_buyer)
    stale = select(other_buyer, units[0], opening)

    with time_machine.travel(stale.hold_expires_at + timedelta(seconds=1)):
        order = select(buyer, units[0], opening)

    stale.refresh_from_db()
    assert stale.status == OrderStatus.EXPIRED
    assert order.status == OrderStatus.PENDING_PAYMENT and order.buyer == buyer


def test_a_buyers_own_overdue_holds_free_their_quota(buyer, opening, units):
    registered(opening, buyer)
    first, second = select(buyer, units[0], opening), select(buyer, units[1], opening)

    with time_machine.travel(first.hold_expires_at + timedelta(seconds=1)):
        third = select(buyer, units[2], opening)

    assert third.quota_slot == 1
    assert set(Order.objects.filter(pk__in=[first.pk, second.pk]).values_list("status", flat=True)) == {"expired"}


# ---- staff-assisted selection ------------------------------------------------------------------------


def test_a_consultant_selects_for_a_present_customer(buyer, opening, units, consultant, project):
    registered(opening, buyer)
    customer = services.customer_create(project=project, actor=consultant, name="张三", mobile=buyer.mobile, user=buyer)

    order = services.order_select_assisted(
        customer=customer,
        unit=units[0],
        opening=opening,
        actor=consultant,
        payment_method="mortgage",
        request_token="assisted-1",
    )

    assert (order.buyer, order.customer, order.consultant, order.created_by) == (
        buyer,
        customer,
        consultant,
        consultant,
    )
    assert AuditEntry.objects.get(action="sales.order.selected").actor == consultant


def test_staff_outside_the_project_cannot_select_for_a_buyer(buyer, opening, units, other_project, sales_roles):
    outsider = factories.staff("outsider", ["consultant"], project_ids=[other_project.pk])
    registered(opening, buyer)

    before = sales_state()
    with pytest.raises(AssistNotAllowed):
        services.order_select(
            buyer=buyer, unit=units[0], opening=opening, actor=outsider, payment_method="full", request_token="x"
        )

    assert sales_state() == before


# ---- the hot path's query budget ---------------------------------------------------------------------


def test_selection_in_an_opening_takes_a_handful_of_queries(buyer, opening, units, django_assert_num_queries):
    registered(opening, buyer)
    unit = units[0]
    unit.refresh_from_db()
    price_quote(unit=units[1], payment_method="full")  # this process now holds the project's schemes

    # The buyer's registration with their active orders, then the write: on PostgreSQL one statement
    # (unit UPDATE, its history, the order, its history) and the log entry; on SQLite four and the
    # log entry. The other two are the test transaction's savepoint and its release.
    expected = 5 if connection.vendor == "postgresql" else 8
    with django_assert_num_queries(expected):
        services.order_select(
            buyer=buyer, unit=unit, opening=opening, actor=buyer, payment_method="full", request_token="q"
        )
