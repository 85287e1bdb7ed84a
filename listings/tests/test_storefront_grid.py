"""The public sales-control grid (销控表): layout, visibility, caching, conditional GET, query counts."""

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from listings import services
from listings.models import UnitStatus, WithheldDisplay
from listings.tests.factories import ProjectFactory, building_with_units, staff_actor, unit_move

pytestmark = pytest.mark.django_db

CELL_RE = re.compile(r'<a class="unit-cell status-(\w+)" data-unit-code="([\w-]+)" data-status="(\w+)"')


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Cached grid fragments are keyed by building id, which SQLite reuses after a rollback.
    cache.clear()
    yield
    cache.clear()


def _cells(html: str) -> dict[str, str]:
    """{unit code: public status} of every cell in the page, checking class and data-status agree."""
    cells = {}
    for class_status, code, data_status in CELL_RE.findall(html):
        assert class_status == data_status
        cells[code] = data_status
    return cells


def _grid_url(building) -> str:
    return f"/projects/{building.project.slug}/buildings/{building.number}/"


def test_grid_lists_floors_top_first_with_code_area_and_price_in_each_cell(client):
    building = building_with_units(number="3", floors=12, units_per_floor=2)

    response = client.get(_grid_url(building))

    page = response.content.decode()
    assert response.status_code == 200
    floors = re.findall(r'<th scope="row">(\d+)层</th>', page)
    assert floors == [str(floor) for floor in range(12, 0, -1)]
    assert page.index('data-unit-code="3-1201"') < page.index('data-unit-code="3-101"')
    # 3-1203 style codes; 120㎡ at 15,000 + 11 × 100 = 16,100元/㎡ → 193.20万
    cell = re.search(r'data-unit-code="3-1202".*?</a>', page, re.S).group(0)
    assert "120㎡" in cell
    assert "193.20万" in cell
    assert 'href="/projects/' in page


def test_each_cell_carries_its_public_status_and_the_legend_counts_them(client):
    building = building_with_units(floors=3, units_per_floor=2)
    unit_move(building.units.get(code="1-101"), UnitStatus.LOCKED)
    unit_move(building.units.get(code="1-102"), UnitStatus.RESERVED)
    unit_move(building.units.get(code="1-201"), UnitStatus.SIGNED)
    unit_move(building.units.get(code="1-202"), UnitStatus.SOLD)

    response = client.get(_grid_url(building))

    assert _cells(response.content.decode()) == {
        "1-101": "locked",
        "1-102": "reserved",
        "1-201": "signed",
        "1-202": "sold",
        "1-301": "available",
        "1-302": "available",
    }
    legend = re.findall(
        r'data-status="(\w+)">\s*<span class="status-swatch[^>]*></span>\s*<span[^>]*>(\S+)</span>\s*<b[^>]*>(\d+)</b>',
        response.content.decode(),
    )
    assert legend == [
        ("available", "可售", "2"),
        ("locked", "已锁定", "1"),
        ("reserved", "已认购", "1"),
        ("signed", "已签约", "1"),
        ("sold", "已售", "1"),
    ]


def test_draft_units_are_empty_cells(client):
    building = building_with_units(floors=2, units_per_floor=2, publish=False)
    services.units_publish(
        project=building.project, unit_ids=[building.units.get(code="1-201").pk], actor=staff_actor()
    )

    page = client.get(_grid_url(building)).content.decode()

    assert _cells(page) == {"1-201": "available"}
    assert page.count('<span class="grid-empty"></span>') == 3
    assert "1-101" not in page


def test_withheld_units_show_as_sold_or_not_at_all_per_project(client):
    shown = building_with_units(project=ProjectFactory(withheld_display=WithheldDisplay.SOLD), floors=1)
    hidden = building_with_units(project=ProjectFactory(withheld_display=WithheldDisplay.HIDDEN), floors=1)
    for building in (shown, hidden):
        unit_move(building.units.get(code="1-101"), UnitStatus.WITHHELD)

    shown_page = client.get(_grid_url(shown)).content.decode()
    hidden_page = client.get(_grid_url(hidden)).content.decode()

    assert _cells(shown_page) == {"1-101": "sold", "1-102": "available"}
    assert _cells(hidden_page) == {"1-102": "available"}
    assert "withheld" not in shown_page + hidden_page


def test_grid_polls_its_own_partial_every_five_seconds(client):
    building = building_with_units(floors=1)

    page = client.get(_grid_url(building)).content.decode()

    assert f'hx-get="{_grid_url(building)}grid/"' in page
    assert 'hx-trigger="every 5s"' in page


def test_second_request_is_served_from_the_cache_with_fewer_queries(client):
    building = building_with_units(floors=4, units_per_floor=4)
    with CaptureQueriesContext(connection) as first:
        first_page = client.get(_grid_url(building)).content.decode()

    with CaptureQueriesContext(connection) as second:
        second_page = client.get(_grid_url(building)).content.decode()

    assert len(second.captured_queries) < len(first.captured_queries)
    assert not any("listings_unit" in query["sql"] for query in second.captured_queries)
    assert _cells(second_page) == _cells(first_page)


def test_a_status_change_shows_at_once_despite_the_cache(client, django_capture_on_commit_callbacks):
    building = building_with_units(floors=1, units_per_floor=2)
    client.get(_grid_url(building))  # fills the cache

    with django_capture_on_commit_callbacks(execute=True):
        unit_move(building.units.get(code="1-101"), UnitStatus.LOCKED)
    page = client.get(_grid_url(building)).content.decode()

    assert _cells(page)["1-101"] == "locked"


def test_a_price_change_shows_at_once_despite_the_cache(client, django_capture_on_commit_callbacks):
    building = building_with_units(floors=1, units_per_floor=1)
    unit = building.units.get()
    client.get(_grid_url(building))

    with django_capture_on_commit_callbacks(execute=True):
        services.price_list_apply(
            project=building.project, prices={unit.pk: ("20000.00", "2400000.00")}, actor=staff_actor(), note="调价"
        )
    page = client.get(_grid_url(building)).content.decode()

    assert "240.00万" in page


def test_grid_partial_answers_304_until_a_unit_changes(client, django_capture_on_commit_callbacks):
    building = building_with_units(floors=2, units_per_floor=2)
    url = _grid_url(building) + "grid/"
    first = client.get(url)
    etag = first["ETag"]

    unchanged = client.get(url, headers={"If-None-Match": etag})
    with django_capture_on_commit_callbacks(execute=True):
        unit_move(building.units.get(code="1-201"), UnitStatus.LOCKED)
    changed = client.get(url, headers={"If-None-Match": etag})

    assert first.status_code == 200
    assert first.content.decode().lstrip().startswith('<div id="sales-grid"')
    assert "<header" not in first.content.decode()
    assert "no-cache" in first["Cache-Control"]
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    assert _cells(changed.content.decode())["1-201"] == "locked"


def test_grid_query_count_does_not_grow_with_the_number_of_units(client, django_assert_max_num_queries):
    small = building_with_units(number="1", floors=2, units_per_floor=2)
    large = building_with_units(project=small.project, number="2", floors=18, units_per_floor=6)
    with CaptureQueriesContext(connection) as small_queries:
        client.get(_grid_url(small))

    with django_assert_max_num_queries(4) as large_queries:
        response = client.get(_grid_url(large))

    assert len(_cells(response.content.decode())) == 108
    assert len(large_queries.captured_queries) == len(small_queries.captured_queries)


def test_unknown_building_of_a_known_project_is_404(client):
    building = building_with_units(floors=1)

    response = client.get(f"/projects/{building.project.slug}/buildings/nope/")

    assert response.status_code == 404
