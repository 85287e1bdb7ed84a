"""A sales manager publishes a draft unit from the admin; it then shows on the public grid as 可售."""

import pytest

from audit.models import AuditEntry
from listings.models import PublicationBatch, Unit, UnitStatus
from tests.e2e.conftest import E2E_PASSWORD

pytestmark = pytest.mark.e2e


def test_sales_manager_publishes_a_draft_unit_in_the_admin(page, project_with_units, sales_manager_user):
    project = project_with_units
    unit = Unit.objects.get(building__number="2", code="2-201")
    assert unit.status == UnitStatus.DRAFT
    grid_url = f"/projects/{project.slug}/buildings/2/"
    page.goto(grid_url)
    assert page.locator('.unit-cell[data-unit-code="2-201"]').count() == 0

    page.goto("/admin/login/?next=/admin/")
    page.fill("#id_username", "manager")
    page.fill("#id_password", E2E_PASSWORD)
    page.locator('input[type="submit"], button[type="submit"]').first.click()
    page.wait_for_url("**/admin/")
    changelist = page.goto("/admin/listings/unit/")
    assert changelist.status == 200, "the admin has no Unit changelist (listings.admin)"
    row = page.locator("#result_list tbody tr", has_text="2-201")
    row.locator("input.action-select").check()
    page.select_option('select[name="action"]', label="公布所选房源")
    page.locator('button[name="index"]').first.click()
    page.wait_for_load_state()

    unit.refresh_from_db()
    assert unit.status == UnitStatus.AVAILABLE
    batch = PublicationBatch.objects.get(units=unit)
    assert batch.published_by == sales_manager_user
    assert AuditEntry.objects.filter(action="listings.units.published", actor=sales_manager_user).exists()
    # Only the selected unit moved: its neighbours on the floor are still drafts.
    assert Unit.objects.get(code="2-202").status == UnitStatus.DRAFT

    page.goto(grid_url)
    cell = page.locator('.unit-cell[data-unit-code="2-201"]')
    assert cell.get_attribute("data-status") == "available"
    assert "status-available" in cell.get_attribute("class").split()
    assert "可售" in cell.inner_text()
    assert page.locator('.unit-cell[data-unit-code="2-202"]').count() == 0
