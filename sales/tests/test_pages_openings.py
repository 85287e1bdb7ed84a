"""Buyer pages of openings: the list, the detail with countdown, sign-up, lottery and the live grid."""

import json
import re
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from audit.models import AuditEntry
from listings.models import UnitStatus, WithheldDisplay
from listings.tests.factories import building_with_units, unit_move
from sales import lottery, services
from sales.models import OpeningMode, Registration
from sales.tests import factories
from sales.tests.factories import registered, select
from sales.views import snapshots

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_snapshots_from_earlier_tests():
    # Ids repeat between tests; the per-process snapshots of openings must not outlive one.
    snapshots.forget_all()
    yield
    snapshots.forget_all()


GRID_CELL_RE = re.compile(r'<(a|span) class="unit-cell status-(\w+)" data-unit-id="(\d+)" data-unit-code="([\w-]+)"')


def _cells(html: str) -> dict[str, tuple[str, str]]:
    """{unit code: (tag, status)} of the grid cells in `html`."""
    return {code: (tag, status) for tag, status, _pk, code in GRID_CELL_RE.findall(html)}


@pytest.fixture(autouse=True)
def _grid_always_fresh(settings):
    # The grid may be up to a second stale in production (docs/opening-benchmark.md); tests read it right after changes.
    settings.SALES_GRID_MAX_STALE_SECONDS = 0


@pytest.fixture
def upcoming(project, units, sales_manager):
    """Published, sign-up open for another hour, starting in two hours."""
    now = timezone.now()
    return factories.opening(
        project=project,
        units=units,
        actor=sales_manager,
        name="二期首开",
        signup_ends_at=now + timedelta(hours=1),
        starts_at=now + timedelta(hours=2),
        ends_at=now + timedelta(hours=5),
        quota=1,
        hold_minutes=20,
    )


def test_the_list_shows_published_openings_with_their_phase_and_not_drafts(client, opening, upcoming, project, units):
    factories.opening(
        project=project,
        units=units[:1],
        actor=opening.created_by,
        publish=False,
        name="内部草稿",
        signup_ends_at=timezone.now() + timedelta(hours=1),
        starts_at=timezone.now() + timedelta(hours=2),
        ends_at=timezone.now() + timedelta(hours=3),
    )

    page = client.get("/openings/").content.decode()

    assert "首次开盘" in page and "二期首开" in page
    assert "内部草稿" not in page
    assert "正在选房" in page and "即将开盘" in page
    assert "6套" in page


def test_before_the_start_the_page_counts_down_from_server_time_and_nothing_can_be_selected(client, upcoming):
    with time_machine.travel(upcoming.starts_at - timedelta(hours=1, minutes=2, seconds=3), tick=False):
        response = client.get(f"/openings/{upcoming.pk}/")

    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-seconds="3723"' in page
    assert "1小时2分3秒" in page
    cells = _cells(page)
    assert len(cells) == 6
    # Cells lead to each unit's page to study its price; selecting waits for the start (test_pages_selection).
    assert {status for _tag, status in cells.values()} == {"available"}
    assert f"/openings/{upcoming.pk}/signup/" not in page  # not signed in: nothing to do but log in


def test_while_running_available_units_link_to_their_selection_page(client, opening, units, other_buyer):
    registered(opening, other_buyer)
    select(other_buyer, units[0], opening)

    page = client.get(f"/openings/{opening.pk}/").content.decode()

    cells = _cells(page)
    assert cells[units[0].code] == ("span", "locked")
    assert cells[units[1].code] == ("a", "available")
    assert f'href="/openings/{opening.pk}/units/{units[1].pk}/"' in page


def test_an_opening_of_several_buildings_shows_one_building_at_a_time(client, project, units, sales_manager):
    second = building_with_units(project=project, number="2", floors=2, units_per_floor=1)
    now = timezone.now()
    both = factories.opening(
        project=project,
        units=[*units, *second.units.all()],
        actor=sales_manager,
        signup_ends_at=now - timedelta(hours=1),
        starts_at=now - timedelta(minutes=5),
        ends_at=now + timedelta(hours=1),
    )

    first_page = client.get(f"/openings/{both.pk}/").content.decode()
    second_page = client.get(f"/openings/{both.pk}/?building={second.pk}").content.decode()

    assert set(_cells(first_page)) == {unit.code for unit in units}
    assert set(_cells(second_page)) == {"2-101", "2-201"}
    assert f'href="?building={second.pk}"' in first_page


def test_withheld_units_in_the_batch_read_as_sold_or_are_hidden_per_project(client, opening, project, units):
    unit_move(units[0], UnitStatus.WITHHELD)

    shown = _cells(client.get(f"/openings/{opening.pk}/").content.decode())
    project.withheld_display = WithheldDisplay.HIDDEN
    project.save()
    hidden = _cells(client.get(f"/openings/{opening.pk}/").content.decode())

    assert shown[units[0].code] == ("span", "sold")
    assert units[0].code not in hidden


def test_drafts_and_unknown_openings_are_404(client, project, units, sales_manager):
    now = timezone.now()
    draft = factories.opening(
        project=project,
        units=units,
        actor=sales_manager,
        publish=False,
        signup_ends_at=now + timedelta(hours=1),
        starts_at=now + timedelta(hours=2),
        ends_at=now + timedelta(hours=3),
    )

    assert client.get(f"/openings/{draft.pk}/").status_code == 404
    assert client.get("/openings/999999/").status_code == 404


# ---- sign-up (报名) ---------------------------------------------------------------------------------


def test_a_verified_buyer_signs_up_once_even_when_posting_twice(client, buyer, upcoming):
    client.force_login(buyer)

    first = client.post(f"/openings/{upcoming.pk}/signup/", follow=True)
    client.post(f"/openings/{upcoming.pk}/signup/")

    assert Registration.objects.filter(opening=upcoming, buyer=buyer).count() == 1
    page = first.content.decode()
    assert "报名成功" in page
    assert 'data-state="registered"' in page
    assert "已选 <b data-quota-used>0</b> / 1 套" in page


def test_an_unverified_buyer_is_sent_to_verification_and_cannot_sign_up(client, upcoming):
    unverified = factories.buyer(verified=False)
    client.force_login(unverified)

    page = client.get(f"/openings/{upcoming.pk}/").content.decode()
    response = client.post(f"/openings/{upcoming.pk}/signup/", follow=True)

    assert 'href="/accounts/verify/"' in page
    assert "立即报名" not in page
    assert "请先完成实名认证后再报名" in response.content.decode()
    assert not Registration.objects.exists()


def test_sign_up_after_it_closed_is_refused_and_changes_nothing(client, buyer, opening):
    client.force_login(buyer)

    page = client.get(f"/openings/{opening.pk}/").content.decode()
    response = client.post(f"/openings/{opening.pk}/signup/", follow=True)

    assert "立即报名" not in page
    assert "本次开盘报名已截止" in response.content.decode()
    assert not Registration.objects.exists()


@pytest.mark.parametrize("persona", ["anonymous", "staff"])
def test_visitors_and_staff_cannot_sign_up(client, upcoming, persona, consultant):
    if persona == "staff":
        client.force_login(consultant)

    response = client.post(f"/openings/{upcoming.pk}/signup/")

    if persona == "anonymous":
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    else:
        assert "员工账号不能报名" in client.get(f"/openings/{upcoming.pk}/").content.decode()
    assert not Registration.objects.exists()


def test_with_pre_registration_the_buyer_sees_the_fee_still_to_pay(client, buyer, project, units, sales_manager):
    now = timezone.now()
    with_fee = factories.opening(
        project=project,
        units=units,
        actor=sales_manager,
        signup_ends_at=now + timedelta(hours=1),
        starts_at=now + timedelta(hours=2),
        ends_at=now + timedelta(hours=3),
        requires_registration=True,
        registration_fee_amount=20000,
    )
    client.force_login(buyer)

    client.post(f"/openings/{with_fee.pk}/signup/")
    page = client.get(f"/openings/{with_fee.pk}/").content.decode()

    assert 'data-state="unpaid"' in page
    assert "待缴认筹金" in page and "¥20,000.00" in page


# ---- the lottery (摇号) --------------------------------------------------------------------------------


@pytest.fixture
def lottery_opening(project, units, sales_manager):
    now = timezone.now()
    return factories.opening(
        project=project,
        units=units,
        actor=sales_manager,
        mode=OpeningMode.LOTTERY,
        turn_minutes=10,
        turn_batch_size=1,
        signup_ends_at=now + timedelta(hours=1),
        starts_at=now + timedelta(hours=2),
        ends_at=now + timedelta(hours=6),
    )


def test_the_lottery_commitment_is_shown_before_the_draw_and_the_seed_only_after(
    client, lottery_opening, sales_manager, buyer, other_buyer
):
    opening = lottery_opening
    seed_hash = services.opening_lottery_commit(opening=opening, actor=sales_manager)
    registered(opening, buyer)
    registered(opening, other_buyer)

    before = client.get(f"/openings/{opening.pk}/").content.decode()
    with time_machine.travel(opening.signup_ends_at + timedelta(minutes=1)):
        services.opening_lottery_draw(opening=opening, actor=sales_manager)
        client.force_login(buyer)
        after = client.get(f"/openings/{opening.pk}/").content.decode()
    opening.refresh_from_db()

    assert seed_hash in before
    assert opening.lottery_seed not in before
    assert "摇号时公布" in before
    assert opening.lottery_seed in after
    mine = Registration.objects.get(opening=opening, buyer=buyer)
    assert f"摇号顺序：第 <b>{mine.lottery_rank}</b> 号" in after
    assert "您的选房时段" in after


def test_the_full_lottery_result_can_be_checked_from_the_page_and_the_json(
    client, lottery_opening, sales_manager, buyer, other_buyer
):
    opening = lottery_opening
    services.opening_lottery_commit(opening=opening, actor=sales_manager)
    registrations = [registered(opening, buyer), registered(opening, other_buyer)]
    with time_machine.travel(opening.signup_ends_at + timedelta(minutes=1)):
        services.opening_lottery_draw(opening=opening, actor=sales_manager)
    client.force_login(buyer)

    page = client.get(f"/openings/{opening.pk}/lottery/").content.decode()
    published = json.loads(client.get(f"/openings/{opening.pk}/lottery.json").content)

    assert 'data-verification="ok"' in page
    assert "如何自行校验" in page
    assert all(f"<td>{registration.pk}" in page for registration in registrations)
    assert 'class="is-mine"' in page
    seed, seed_hash = published["seed"], published["seed_hash"]
    assert lottery.verify_lottery_data(seed=seed, seed_hash=seed_hash, result=published["result"]).ok
    assert "张三" not in page and "张*" in page  # names are published masked


def test_there_is_no_lottery_page_for_a_free_selection_opening(client, opening):
    assert client.get(f"/openings/{opening.pk}/lottery/").status_code == 404


# ---- the live grid ---------------------------------------------------------------------------------------


def test_the_grid_answers_304_until_a_unit_changes_then_shows_the_change(
    client, opening, units, buyer, django_capture_on_commit_callbacks
):
    url = f"/openings/{opening.pk}/grid/{units[0].building_id}/"
    first = client.get(url)
    etag = first["ETag"]

    unchanged = client.get(url, headers={"if-none-match": etag})
    registered(opening, buyer)
    with django_capture_on_commit_callbacks(execute=True):  # the grid version moves after commit
        select(buyer, units[0], opening)
    changed = client.get(url, headers={"if-none-match": etag})

    assert first.status_code == 200 and "no-cache" in first["Cache-Control"]
    assert unchanged.status_code == 304
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert _cells(changed.content.decode())[units[0].code] == ("span", "locked")


def test_a_cached_grid_poll_reads_no_unit(client, opening, units, django_assert_max_num_queries):
    url = f"/openings/{opening.pk}/grid/{units[0].building_id}/"
    etag = client.get(url)["ETag"]

    with django_assert_max_num_queries(2) as captured:
        response = client.get(url, headers={"if-none-match": etag})

    assert response.status_code == 304
    # The opening and the building are read; no unit's status is (the fragment comes from the cache).
    assert not any('"listings_unit"."status"' in query["sql"] for query in captured.captured_queries)


def test_within_the_staleness_window_a_poll_may_show_the_state_of_a_second_ago(
    client, settings, opening, units, buyer, django_capture_on_commit_callbacks
):
    settings.SALES_GRID_MAX_STALE_SECONDS = 60
    url = f"/openings/{opening.pk}/grid/{units[0].building_id}/"
    client.get(url)
    registered(opening, buyer)
    with django_capture_on_commit_callbacks(execute=True):
        select(buyer, units[0], opening)

    stale = client.get(url).content.decode()
    settings.SALES_GRID_MAX_STALE_SECONDS = 0
    fresh = client.get(url).content.decode()

    assert _cells(stale)[units[0].code] == ("a", "available")
    assert _cells(fresh)[units[0].code] == ("span", "locked")


def test_the_grid_of_a_building_outside_the_batch_is_404(client, opening, project):
    outside = building_with_units(project=project, number="9", floors=1, units_per_floor=1)

    assert client.get(f"/openings/{opening.pk}/grid/{outside.pk}/").status_code == 404


def test_signing_up_is_logged(client, buyer, upcoming):
    client.force_login(buyer)

    client.post(f"/openings/{upcoming.pk}/signup/")

    assert AuditEntry.objects.filter(action="sales.registration.created", actor=buyer).count() == 1
