"""A visitor browses home → project → building grid → unit, in Chromium."""

import re

import pytest

from listings.models import Unit, UnitStatus
from shuchang.core.money import format_yuan

pytestmark = pytest.mark.e2e


def test_visitor_browses_from_home_to_a_unit(page, project_with_units):
    project = project_with_units
    unit = Unit.objects.get(building__number="1", code="1-302")

    page.goto("/")
    page.locator(f'a[href="/projects/{project.slug}/"]').first.click()

    page.wait_for_url(f"**/projects/{project.slug}/")
    assert project.name in page.locator("h1").first.inner_text()

    page.locator(f'a[href="/projects/{project.slug}/buildings/1/"]').first.click()

    page.wait_for_url(f"**/projects/{project.slug}/buildings/1/")
    cells = page.locator(".unit-cell")
    assert cells.count() == 6
    assert set(cells.evaluate_all("cells => cells.map(c => c.dataset.status)")) == {"available"}
    cell = page.locator('.unit-cell[data-unit-code="1-302"]')
    assert cell.get_attribute("data-status") == "available"
    assert "status-available" in cell.get_attribute("class").split()
    assert "可售" in cell.inner_text()

    cell.click()

    page.wait_for_url(f"**/projects/{project.slug}/units/1-302/")
    body = page.locator("body").inner_text()
    assert re.search(r"1-302", page.locator("h1").inner_text())
    assert "可售" in body
    assert "89" in body
    assert format_yuan(unit.list_price_amount) in body


def test_visitor_never_sees_draft_units(page, project_with_units):
    project = project_with_units
    draft = Unit.objects.filter(building__number="2", status=UnitStatus.DRAFT).first()

    response = page.goto(f"/projects/{project.slug}/buildings/2/")
    codes = page.locator(".unit-cell").evaluate_all("cells => cells.map(c => c.dataset.unitCode)")

    assert response.status in (200, 404)
    assert not set(codes) & set(Unit.objects.filter(building__number="2").values_list("code", flat=True))
    assert page.goto(f"/projects/{project.slug}/units/{draft.code}/").status == 404
