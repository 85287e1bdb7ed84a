"""Openings and sign-up: the setup rules, who may sign up and when, and the intention fee (认筹)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from listings.tests.factories import building_with_units
from sales import services
from sales.exceptions import BuyerNotVerified, OpeningInvalid, OpeningNotOpen, RegistrationClosed
from sales.models import FeeStatus, Opening, OpeningMode, Registration
from sales.tests import factories
from sales.tests.factories import sales_state

pytestmark = pytest.mark.django_db


def _times(**offsets):
    now = timezone.now()
    hours = {"signup_ends_at": 1, "starts_at": 2, "ends_at": 4} | offsets
    return {name: now + timedelta(hours=value) for name, value in hours.items()}


@pytest.fixture
def upcoming(project, units, sales_manager):
    """Published, sign-up open for another hour, 认筹 ¥20,000 required."""
    return factories.opening(
        project=project,
        units=units,
        actor=sales_manager,
        requires_registration=True,
        registration_fee_amount=Decimal("20000"),
        **_times(),
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (_times(ends_at=2), "结束时间须晚于开盘时间"),
        (_times(signup_ends_at=3), "报名截止时间不能晚于开盘时间"),
        ({**_times(), "mode": OpeningMode.LOTTERY}, "摇号选房须设置每批选房时长和每批人数"),
        ({**_times(), "requires_registration": True}, "需认筹的开盘须设置认筹金金额"),
    ],
)
def test_an_unsound_opening_is_refused_and_nothing_saved(project, units, sales_manager, fields, message):
    with pytest.raises(OpeningInvalid) as refusal:
        services.opening_create(project=project, actor=sales_manager, name="开盘", unit_ids=[u.pk for u in units],
                                **fields)  # fmt: skip

    assert refusal.value.message == message
    assert not Opening.objects.exists()


def test_units_of_another_project_cannot_join_the_batch(project, other_project, sales_manager):
    stranger = building_with_units(project=other_project, number="7").units.first()

    with pytest.raises(OpeningInvalid) as refusal:
        services.opening_create(project=project, actor=sales_manager, name="开盘", unit_ids=[stranger.pk], **_times())

    assert refusal.value.message == "本批房源须属于本楼盘"
    assert not Opening.objects.exists()


def test_a_consultant_cannot_set_up_openings(project, units, consultant):
    with pytest.raises(OpeningInvalid):
        services.opening_create(project=project, actor=consultant, name="开盘", **_times())

    assert not Opening.objects.exists()


def test_units_can_be_added_but_not_removed_once_the_opening_started(opening, project, sales_manager, units):
    extra = building_with_units(project=project, number="2").units.first()

    services.opening_save(opening=opening, actor=sales_manager, unit_ids=[*[u.pk for u in units], extra.pk])
    with pytest.raises(OpeningInvalid) as refusal:
        services.opening_save(opening=opening, actor=sales_manager, unit_ids=[extra.pk])

    assert "不能从本批中移出房源" in refusal.value.message
    assert opening.units.count() == len(units) + 1


def test_a_verified_buyer_signs_up_once_and_waits_for_the_intention_fee(upcoming, buyer):
    first = services.registration_create(opening=upcoming, buyer=buyer, actor=buyer)
    again = services.registration_create(opening=upcoming, buyer=buyer, actor=buyer)

    assert first == again and Registration.objects.count() == 1
    assert (first.fee_status, first.fee_amount) == (FeeStatus.UNPAID, Decimal("20000.00"))
    assert not first.is_eligible


def test_payments_confirms_the_intention_fee_once(upcoming, buyer):
    registration = services.registration_create(opening=upcoming, buyer=buyer, actor=buyer)
    paid_at = timezone.now()

    services.registration_mark_paid(registration=registration, actor=None, paid_at=paid_at)
    again = services.registration_mark_paid(registration=registration, actor=None, paid_at=paid_at + timedelta(1))

    assert (again.fee_status, again.fee_paid_at) == (FeeStatus.PAID, paid_at)
    assert again.is_eligible


def test_an_unverified_buyer_cannot_sign_up(upcoming):
    unverified = factories.buyer(verified=False)

    with pytest.raises(BuyerNotVerified) as refusal:
        services.registration_create(opening=upcoming, buyer=unverified, actor=unverified)

    assert refusal.value.message == "请先完成实名认证后再报名"
    assert not Registration.objects.exists()


def test_sign_up_closes_at_the_deadline(upcoming, buyer):
    with pytest.raises(RegistrationClosed) as refusal:
        services.registration_create(opening=upcoming, buyer=buyer, actor=buyer, at=upcoming.signup_ends_at)

    assert refusal.value.message == "本次开盘报名已截止"
    assert not Registration.objects.exists()


def test_an_unpublished_opening_takes_no_sign_ups(project, units, sales_manager, buyer):
    draft = factories.opening(project=project, units=units, actor=sales_manager, publish=False, **_times())

    with pytest.raises(OpeningNotOpen):
        services.registration_create(opening=draft, buyer=buyer, actor=buyer)

    assert not Registration.objects.exists()


def test_staff_accounts_cannot_sign_up(upcoming, consultant):
    with pytest.raises(BuyerNotVerified):
        services.registration_create(opening=upcoming, buyer=consultant, actor=consultant)

    assert not Registration.objects.exists()


def test_the_intention_fee_terms_are_fixed_once_buyers_signed_up(upcoming, buyer, sales_manager):
    services.registration_create(opening=upcoming, buyer=buyer, actor=buyer)
    upcoming.registration_fee_amount = Decimal("50000")
    before = sales_state()

    with pytest.raises(OpeningInvalid) as refusal:
        services.opening_save(opening=upcoming, actor=sales_manager)

    assert refusal.value.message == "已有购房者报名，不能修改认筹设置"
    assert Opening.objects.get().registration_fee_amount == Decimal("20000.00")
    assert sales_state() == before
