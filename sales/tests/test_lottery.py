"""The lottery (摇号): reproducible from the published seed, verifiable by anyone, tamper-evident,
and the turn windows it gives are what selection enforces."""

import hashlib
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from sales import lottery, selectors, services
from sales.exceptions import LotteryNotAllowed, OpeningInvalid, TurnNotYet, TurnOver
from sales.models import Opening, OpeningMode, OrderStatus, Registration
from sales.tests import factories
from sales.tests.factories import sales_state

# ---- the algorithm, pure -------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_order_whatever_order_the_ids_come_in():
    ids = list(range(1, 51))

    first = lottery.lottery_order("a-published-seed", ids)
    again = lottery.lottery_order("a-published-seed", list(reversed(ids)))

    assert first == again
    assert lottery.lottery_order("another-seed", ids) != first


def test_the_order_is_hmac_sha256_of_the_registration_id_ascending():
    import hmac

    digests = {rid: hmac.new(b"s", str(rid).encode(), hashlib.sha256).hexdigest() for rid in (7, 8, 9)}

    assert [rid for rid, _ in lottery.lottery_order("s", [7, 8, 9])] == sorted(digests, key=digests.get)


def test_turn_windows_follow_the_rank_in_batches():
    start = timezone.now()

    windows = [lottery.turn_window(rank=r, starts_at=start, turn_minutes=10, batch_size=2) for r in (1, 2, 3, 5)]

    assert [w[0] - start for w in windows] == [timedelta(0), timedelta(0), timedelta(minutes=10), timedelta(minutes=20)]
    assert all(end - begin == timedelta(minutes=10) for begin, end in windows)


# ---- the draw, end to end ---------------------------------------------------------------------------


@pytest.fixture
def lottery_opening(project, units, sales_manager):
    now = timezone.now()
    return factories.opening(
        project=project,
        units=units,
        actor=sales_manager,
        mode=OpeningMode.LOTTERY,
        signup_ends_at=now + timedelta(hours=1),
        starts_at=now + timedelta(hours=2),
        ends_at=now + timedelta(hours=4),
        turn_minutes=10,
        turn_batch_size=1,
    )


@pytest.fixture
def drawn(lottery_opening, sales_manager):
    services.opening_lottery_commit(opening=lottery_opening, actor=sales_manager)
    buyers = [factories.buyer(name) for name in ("甲一", "乙二", "丙三", "丁四", "戊五")]
    for buyer in buyers:
        services.registration_create(opening=lottery_opening, buyer=buyer, actor=buyer)
    with time_machine.travel(lottery_opening.signup_ends_at + timedelta(minutes=1)):
        opening = services.opening_lottery_draw(opening=lottery_opening, actor=sales_manager)
    opening.buyers = buyers
    return opening


@pytest.mark.django_db
def test_the_commitment_is_published_before_the_seed(lottery_opening, sales_manager):
    commitment = services.opening_lottery_commit(opening=lottery_opening, actor=sales_manager)

    lottery_opening.refresh_from_db()
    assert commitment == hashlib.sha256(lottery_opening.lottery_seed.encode()).hexdigest()
    public = selectors.lottery_result_public(lottery_opening)
    assert public["seed_hash"] == commitment and public["seed"] == "" and public["result"] is None


@pytest.mark.django_db
def test_the_draw_ranks_every_registration_as_the_seed_dictates(drawn):
    ids = list(Registration.objects.filter(opening=drawn).values_list("pk", flat=True))
    expected = [rid for rid, _ in lottery.lottery_order(drawn.lottery_seed, ids)]

    ranked = list(Registration.objects.filter(opening=drawn).order_by("lottery_rank"))

    assert [r.pk for r in ranked] == expected
    assert [r.turn_starts_at - drawn.starts_at for r in ranked] == [timedelta(minutes=10 * i) for i in range(5)]
    public = selectors.lottery_result_public(drawn)
    assert public["seed"] == drawn.lottery_seed
    assert [entry["registration_id"] for entry in public["result"]["entries"]] == expected
    assert lottery.verify_lottery(drawn).ok


@pytest.mark.django_db
def test_anyone_can_verify_the_published_result_from_its_own_data(drawn):
    public = selectors.lottery_result_public(drawn)

    check = lottery.verify_lottery_data(seed=public["seed"], seed_hash=public["seed_hash"], result=public["result"])

    assert check.ok, check.problems


@pytest.mark.django_db
def test_a_reordered_published_result_is_detected(drawn):
    entries = drawn.lottery_result["entries"]
    entries[0]["registration_id"], entries[1]["registration_id"] = (
        entries[1]["registration_id"],
        entries[0]["registration_id"],
    )
    Opening.objects.filter(pk=drawn.pk).update(lottery_result=drawn.lottery_result)
    drawn.refresh_from_db()

    check = lottery.verify_lottery(drawn)

    assert not check.ok
    assert any("与种子计算结果不符" in problem for problem in check.problems)


@pytest.mark.django_db
def test_a_rank_changed_in_the_database_is_detected(drawn):
    last = Registration.objects.get(opening=drawn, lottery_rank=5)
    Registration.objects.filter(pk=last.pk).update(lottery_rank=None)
    Registration.objects.filter(opening=drawn, lottery_rank=1).update(lottery_rank=99)

    check = lottery.verify_lottery(drawn)

    assert not check.ok and len(check.problems) >= 2


@pytest.mark.django_db
def test_a_seed_that_does_not_match_its_commitment_is_detected(drawn):
    Opening.objects.filter(pk=drawn.pk).update(lottery_seed="0" * 64)
    drawn.refresh_from_db()

    check = lottery.verify_lottery(drawn)

    assert not check.ok and "公布的种子与事先公示的哈希不一致" in check.problems


@pytest.mark.django_db
def test_the_seed_cannot_be_committed_after_sign_up_closed(lottery_opening, sales_manager):
    with pytest.raises(LotteryNotAllowed) as refusal:
        services.opening_lottery_commit(opening=lottery_opening, actor=sales_manager, at=lottery_opening.signup_ends_at)

    assert refusal.value.message == "须在报名截止前公示摇号种子哈希"
    assert Opening.objects.get().lottery_seed_hash == ""


@pytest.mark.django_db
def test_the_draw_waits_for_sign_up_to_close_and_happens_once(lottery_opening, sales_manager):
    services.opening_lottery_commit(opening=lottery_opening, actor=sales_manager)

    with pytest.raises(LotteryNotAllowed) as early:
        services.opening_lottery_draw(opening=lottery_opening, actor=sales_manager)
    services.opening_lottery_draw(opening=lottery_opening, actor=sales_manager, at=lottery_opening.signup_ends_at)
    with pytest.raises(LotteryNotAllowed) as twice:
        services.opening_lottery_draw(opening=lottery_opening, actor=sales_manager, at=lottery_opening.signup_ends_at)

    assert early.value.message == "报名尚未截止，不能摇号"
    assert twice.value.message == "本次开盘已摇号，不能重复摇号"


@pytest.mark.django_db
def test_a_consultant_cannot_run_the_lottery(lottery_opening, consultant):
    with pytest.raises(LotteryNotAllowed):
        services.opening_lottery_commit(opening=lottery_opening, actor=consultant)

    assert Opening.objects.get().lottery_committed_at is None


@pytest.mark.django_db
def test_the_lottery_settings_are_fixed_once_the_seed_is_committed(lottery_opening, sales_manager):
    services.opening_lottery_commit(opening=lottery_opening, actor=sales_manager)
    lottery_opening.refresh_from_db()
    lottery_opening.signup_ends_at += timedelta(minutes=30)

    with pytest.raises(OpeningInvalid, match="已公示摇号种子"):
        services.opening_save(opening=lottery_opening, actor=sales_manager)


# ---- turns enforced at selection ------------------------------------------------------------------


@pytest.mark.django_db
def test_each_buyer_selects_only_within_their_turn(drawn, units):
    first = Registration.objects.get(opening=drawn, lottery_rank=1)
    second = Registration.objects.get(opening=drawn, lottery_rank=2)

    with time_machine.travel(first.turn_starts_at + timedelta(minutes=1)):
        before = sales_state()
        with pytest.raises(TurnNotYet) as not_yet:
            factories.select(second.buyer, units[0], drawn)
        assert sales_state() == before
        order = factories.select(first.buyer, units[0], drawn)
    with time_machine.travel(first.turn_ends_at + timedelta(seconds=1)):
        before = sales_state()
        with pytest.raises(TurnOver):
            factories.select(first.buyer, units[1], drawn)
        assert sales_state() == before

    assert order.status == OrderStatus.PENDING_PAYMENT
    assert "还未到您的选房时间" in not_yet.value.message


@pytest.mark.django_db
def test_a_buyer_without_a_drawn_turn_cannot_select(drawn, units):
    Registration.objects.filter(opening=drawn, lottery_rank=1).update(turn_starts_at=None, turn_ends_at=None)
    late = Registration.objects.get(opening=drawn, lottery_rank=1)

    with time_machine.travel(drawn.starts_at + timedelta(minutes=1)), pytest.raises(TurnNotYet) as refusal:
        factories.select(late.buyer, units[0], drawn)

    assert refusal.value.message == "您没有本次摇号的选房顺序，不能选房"
