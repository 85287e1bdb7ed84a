"""The public storefront pages: home, project list with filters, project detail, unit detail, 404s."""

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from developers.tests.factories import NewsFactory
from listings.models import ProjectSalesStatus, UnitStatus, WithheldDisplay
from listings.tests.factories import (
    FloorPlanFactory,
    ProjectFactory,
    ProjectImageFactory,
    SampleHouseFactory,
    SampleHousePhotoFactory,
    building_with_units,
    unit_move,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Cached grid fragments are keyed by building id, which SQLite reuses after a rollback.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _project_with_stock(**project_fields):
    """A project with one published building of 3 floors × 2 units, 3室 120㎡ from 15,000元/㎡."""
    project = ProjectFactory(**project_fields)
    building_with_units(project=project, floors=3, units_per_floor=2)
    return project


# ---- home -----------------------------------------------------------------------------------


def test_home_shows_the_company_projects_on_sale_latest_news_and_the_hotline(client):
    on_sale = _project_with_stock(name="舒畅·云栖里")
    ProjectFactory(name="舒畅·未来城", sales_status=ProjectSalesStatus.UPCOMING)
    NewsFactory(title="云栖里主体结构封顶")
    NewsFactory(title="尚未发布的开盘公告", is_published=False, published_at=None)

    response = client.get("/")

    page = response.content.decode()
    assert response.status_code == 200
    assert on_sale.name in page
    assert "舒畅·未来城" not in page  # only projects on sale are featured while there are any
    assert "云栖里主体结构封顶" in page
    assert "尚未发布的开盘公告" not in page
    assert "400-880-6688" in page  # the developer's hotline
    assert "用心筑造舒畅生活" in page  # the company's slogan in the banner


def test_storefront_footer_shows_the_developers_name_and_hotline(client):
    ProjectFactory()

    page = client.get("/projects/").content.decode()

    footer = page[page.index('<footer class="site-footer">') :]
    assert "舒畅置业集团有限公司" in footer
    assert 'href="tel:400-880-6688"' in footer


def test_home_with_nothing_on_sale_still_lists_upcoming_projects(client):
    ProjectFactory(name="舒畅·未来城", sales_status=ProjectSalesStatus.UPCOMING)

    response = client.get("/")

    assert "舒畅·未来城" in response.content.decode()


def test_header_offers_login_to_visitors_and_mine_and_logout_to_buyers(client, buyer):
    visitor_page = client.get("/").content.decode()
    client.force_login(buyer)
    buyer_page = client.get("/").content.decode()

    assert "登录/注册" in visitor_page
    assert "我的" not in visitor_page
    assert "我的" in buyer_page
    assert 'action="/accounts/logout/"' in buyer_page
    assert "登录/注册" not in buyer_page


# ---- project list ---------------------------------------------------------------------------


def test_project_card_shows_price_range_area_range_and_available_count(client):
    project = ProjectFactory(name="舒畅·云栖里", district="高新区")
    small = FloorPlanFactory(project=project, rooms=2, gross_area=Decimal("89.00"), inner_area=Decimal("72.00"))
    large = FloorPlanFactory(project=project, rooms=3, gross_area=Decimal("120.00"), inner_area=Decimal("98.50"))
    building = building_with_units(project=project, floors=2, units_per_floor=2, plans_by_position={1: small, 2: large})
    unit_move(building.units.get(code="1-201"), UnitStatus.SOLD)

    page = client.get("/projects/").content.decode()

    # 89㎡ × 15,000 = 133.50万 at the bottom; 120㎡ × 15,100 = 181.20万 on floor 2
    assert "133.50万" in page
    assert "181.20万" in page
    assert "建面 89–120㎡" in page
    assert "可售 <b>3</b> 套" in page


def test_project_without_public_units_shows_price_pending(client):
    project = ProjectFactory(sales_status=ProjectSalesStatus.UPCOMING)
    building_with_units(project=project, publish=False)

    page = client.get("/projects/").content.decode()

    assert "价格待定" in page
    assert "可售 <b>0</b> 套" in page


def test_withheld_units_shown_as_sold_count_in_the_price_range_but_hidden_ones_do_not(client):
    shown = ProjectFactory(name="显示销控盘", withheld_display=WithheldDisplay.SOLD)
    hidden = ProjectFactory(name="隐藏销控盘", withheld_display=WithheldDisplay.HIDDEN)
    for project in (shown, hidden):
        building = building_with_units(project=project, floors=2, units_per_floor=1, floor_premium=Decimal("1000"))
        unit_move(building.units.get(floor=2), UnitStatus.WITHHELD)

    projects = {project.name: project for project in client.get("/projects/").context["projects"]}

    # floor 2 costs 120 × 16,000 = 1,920,000; floor 1 costs 1,800,000
    assert projects["显示销控盘"].price_max == Decimal("1920000.00")
    assert projects["隐藏销控盘"].price_max == Decimal("1800000.00")


def test_filter_by_district(client):
    _project_with_stock(name="高新盘", district="高新区")
    _project_with_stock(name="锦江盘", district="锦江区")

    response = client.get("/projects/", {"district": "锦江区"})

    names = [project.name for project in response.context["projects"]]
    assert names == ["锦江盘"]


def test_filter_by_total_price_in_wan_matches_units_on_sale(client):
    cheap = ProjectFactory(name="刚需盘")
    building_with_units(project=cheap, base_unit_price=Decimal("10000.00"))  # 120㎡ → about 120万
    dear = ProjectFactory(name="改善盘")
    building_with_units(project=dear, base_unit_price=Decimal("30000.00"))  # 120㎡ → about 360万

    response = client.get("/projects/", {"price_min": "100", "price_max": "200"})

    assert [project.name for project in response.context["projects"]] == ["刚需盘"]
    assert "符合条件的楼盘 <b>1</b> 个" in response.content.decode()


def test_a_project_whose_only_matching_unit_is_sold_is_not_found_by_the_price_filter(client):
    project = ProjectFactory(name="售罄盘")
    building = building_with_units(project=project, floors=1, units_per_floor=1)
    unit_move(building.units.get(), UnitStatus.SOLD)

    response = client.get("/projects/", {"price_min": "100"})

    assert list(response.context["projects"]) == []


def test_filter_by_area_range(client):
    project = ProjectFactory(name="小户型盘")
    plan = FloorPlanFactory(project=project, rooms=1, gross_area=Decimal("45.00"), inner_area=Decimal("36.00"))
    building_with_units(project=project, plans_by_position={1: plan, 2: plan})
    _project_with_stock(name="大平层盘")  # 120㎡

    response = client.get("/projects/", {"area_min": "40", "area_max": "60"})

    assert [project.name for project in response.context["projects"]] == ["小户型盘"]


def test_filter_rooms_four_means_four_or_more(client):
    for name, rooms in (("三室盘", 3), ("四室盘", 4), ("五室盘", 5)):
        project = ProjectFactory(name=name)
        plan = FloorPlanFactory(project=project, rooms=rooms)
        building_with_units(project=project, plans_by_position={1: plan, 2: plan})

    four_plus = client.get("/projects/", {"rooms": "4"}).context["projects"]
    three = client.get("/projects/", {"rooms": "3"}).context["projects"]

    assert sorted(project.name for project in four_plus) == ["五室盘", "四室盘"]
    assert [project.name for project in three] == ["三室盘"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"price_min": "很贵"}, "最低总价请填写数字（万元）"),
        ({"price_min": "-5"}, "总价不能为负数"),
        ({"price_min": "500", "price_max": "100"}, "最低总价不能高于最高总价"),
        ({"area_min": "200", "area_max": "50"}, "最小面积不能大于最大面积"),
        ({"rooms": "9"}, "请选择列表中的户型"),
        ({"district": "火星区"}, "请选择列表中的区域"),
        ({"price_max": "1" * 30}, "数值过大，请重新填写"),
    ],
)
def test_bad_filter_values_give_a_chinese_message_and_the_whole_list(client, params, message):
    _project_with_stock(name="高新盘")
    _project_with_stock(name="锦江盘", district="锦江区")

    response = client.get("/projects/", params)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert "筛选条件有误" in response.content.decode()
    assert len(response.context["projects"]) == 2


def test_list_pages_twelve_projects_at_a_time_keeping_the_filters(client):
    for index in range(14):
        ProjectFactory(name=f"楼盘{index:02d}", district="高新区")

    first = client.get("/projects/", {"district": "高新区"})
    second = client.get("/projects/", {"district": "高新区", "page": "2"})
    nonsense = client.get("/projects/", {"page": "abc"})

    assert len(first.context["projects"]) == 12
    assert len(second.context["projects"]) == 2
    assert "?district=%E9%AB%98%E6%96%B0%E5%8C%BA&amp;page=2" in first.content.decode()
    assert nonsense.status_code == 200
    assert nonsense.context["page_obj"].number == 1


def test_htmx_filter_request_gets_only_the_results_partial(client):
    _project_with_stock(name="高新盘")

    response = client.get("/projects/", {"district": "高新区"}, headers={"HX-Request": "true"})

    page = response.content.decode()
    assert page.lstrip().startswith('<div id="results"')
    assert "高新盘" in page
    assert "<header" not in page
    assert "HX-Request" in response["Vary"]


def test_project_list_query_count_does_not_grow_with_the_number_of_projects(client, django_assert_max_num_queries):
    _project_with_stock(name="楼盘一")
    with CaptureQueriesContext(connection) as few:
        client.get("/projects/")
    for index in range(2, 8):
        _project_with_stock(name=f"楼盘{index}")

    with django_assert_max_num_queries(4) as many:
        response = client.get("/projects/")

    assert len(response.context["projects"]) == 7
    assert len(many.captured_queries) == len(few.captured_queries)


# ---- project detail --------------------------------------------------------------------------


def test_project_detail_shows_facts_plans_sample_houses_and_building_counts(client, media):
    project = ProjectFactory(name="舒畅·云栖里", property_fee=Decimal("3.20"), greening_rate=Decimal("0.355"))
    ProjectImageFactory(project=project, caption="中央园林")
    sample = SampleHouseFactory(project=project, name="A户型样板间", vr_url="https://vr.example.cn/a")
    SampleHousePhotoFactory(sample_house=sample, caption="主卧")
    building = building_with_units(project=project, floors=2, units_per_floor=2)
    unit_move(building.units.get(code="1-101"), UnitStatus.RESERVED)

    response = client.get(f"/projects/{project.slug}/")

    page = response.content.decode()
    assert response.status_code == 200
    for text in ("舒畅置业集团有限公司", "锦华物业服务有限公司", "2026年12月18日", "2028年6月30日", "2.50", "35.5%",
                 "3.20 元/㎡·月", "精装修", "中央园林", "3室2厅2卫", "A户型样板间", "主卧", "https://vr.example.cn/a",
                 "1号楼"):  # fmt: skip
        assert text in page, text
    counts = {item.status: item.count for item in response.context["page"].buildings[0].status_counts}
    assert counts[UnitStatus.AVAILABLE] == 3
    assert counts[UnitStatus.RESERVED] == 1


def test_project_detail_query_count_is_constant(client, django_assert_max_num_queries):
    project = _project_with_stock()
    building_with_units(project=project, number="2")
    for _ in range(3):
        SampleHouseFactory(project=project)

    with django_assert_max_num_queries(8):
        response = client.get(f"/projects/{project.slug}/")

    assert response.status_code == 200


# ---- unit detail ----------------------------------------------------------------------------


def test_unit_detail_shows_areas_prices_plan_and_status(client):
    project = ProjectFactory()
    plan = FloorPlanFactory(project=project, name="C户型", rooms=3, halls=2, baths=1)
    building_with_units(project=project, number="3", floors=12, units_per_floor=2, plans_by_position={1: plan, 2: plan})

    response = client.get(f"/projects/{project.slug}/units/3-1202/")

    page = response.content.decode()
    assert response.status_code == 200
    # 15,000 + 11 floors × 100 = 16,100元/㎡; × 120㎡ = 1,932,000.00
    assert "¥16,100.00" in page
    assert "¥1,932,000.00" in page
    assert "193.20万" in page
    assert "C户型 3室2厅1卫" in page
    assert "98.50㎡" in page
    assert "12层" in page
    assert 'data-status="available"' in page


def test_withheld_unit_reads_as_sold_or_is_not_found_per_project(client):
    shown = ProjectFactory(withheld_display=WithheldDisplay.SOLD)
    hidden = ProjectFactory(withheld_display=WithheldDisplay.HIDDEN)
    for project in (shown, hidden):
        building = building_with_units(project=project, floors=1, units_per_floor=1)
        unit_move(building.units.get(), UnitStatus.WITHHELD)

    shown_response = client.get(f"/projects/{shown.slug}/units/1-101/")
    hidden_response = client.get(f"/projects/{hidden.slug}/units/1-101/")

    assert shown_response.status_code == 200
    assert 'data-status="sold">已售</span>' in shown_response.content.decode()
    assert "status-withheld" not in shown_response.content.decode()
    assert hidden_response.status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/projects/no-such-project/",
        "/projects/{slug}/buildings/99/",
        "/projects/{slug}/buildings/99/grid/",
        "/projects/{slug}/units/9-9999/",
        "/projects/{slug}/units/1-101/",  # a draft unit is as unknown as a missing one
        "/projects/no-such-project/units/1-101/",
    ],
)
def test_unknown_or_unpublished_things_are_real_404s(client, path):
    project = ProjectFactory()
    building_with_units(project=project, floors=1, units_per_floor=1, publish=False)

    response = client.get(path.format(slug=project.slug))

    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_storefront_pages_refuse_to_be_posted_to(client):
    project = _project_with_stock()

    response = client.post(f"/projects/{project.slug}/")

    assert response.status_code == 405
