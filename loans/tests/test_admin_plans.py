"""The sales manager's plan generator in the admin: permissions, the ranked table, exports."""

import io
import re
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import User
from accounts.roles import SALES_MANAGER
from accounts.services import staff_create
from audit.models import AuditEntry
from listings.tests.factories import ProjectFactory, UnitFactory

pytestmark = pytest.mark.django_db

CUSTOMER = {
    "customer_name": "王先生",
    "price": "3000000",
    "down_payment": "900000",
    "monthly_income": "60000",
    "monthly_debt": "0",
    "property_fee": "0",
    "age": "35",
    "home_type": "first",
    "provident_eligible": "on",
    "provident_ceiling": "800000",
    "terms": ["10", "15", "20", "25", "30"],
    "contract_on": "2025-06-01",
    "rank_by": "monthly",
}
BEST_KEY = "combined-{commercial}-{provident}-30-equal_instalment"
PDFTOTEXT = shutil.which("pdftotext")


def _with_plan_permission(user: User) -> User:
    # The role definitions do not carry the loan permissions yet (see docs/loans.md); grant it here.
    user.user_permissions.add(Permission.objects.get(content_type__app_label="loans", codename="generate_loan_plan"))
    return User.objects.get(pk=user.pk)


@pytest.fixture
def planner(sales_manager):
    return _with_plan_permission(sales_manager)


def _plans_url():
    return reverse("admin:loans_loanproduct_plans")


def _export_url():
    return reverse("admin:loans_loanproduct_plans_export")


def _best_key():
    from loans.models import LoanProduct

    commercial = LoanProduct.objects.get(bank__name="工商银行", name="首套住房商业贷款")
    provident = LoanProduct.objects.get(bank__name="工商银行", name="住房公积金贷款（首套）")
    return BEST_KEY.format(commercial=commercial.pk, provident=provident.pk)


# ---- who may use it -----------------------------------------------------------------------


def test_anonymous_and_buyers_are_sent_to_the_admin_login(client, buyer):
    anonymous = client.get(_plans_url())
    client.force_login(buyer)
    as_buyer = client.get(_plans_url())

    for response in (anonymous, as_buyer):
        assert response.status_code == 302
        assert "login" in response["Location"] and "next=" in response["Location"]


def test_staff_without_the_permission_are_refused(client, finance):
    client.force_login(finance)  # finance reads loans but does not plan them

    response = client.get(_plans_url(), CUSTOMER)
    export = client.get(_export_url(), {**CUSTOMER, "plan": "x", "format": "pdf"})

    assert (response.status_code, export.status_code) == (403, 403)
    assert not AuditEntry.objects.filter(action="loans.plan.exported").exists()


def test_the_product_list_links_to_the_generator_for_those_allowed(client, admin_user):
    superuser = User.objects.create_superuser(username="root", password="Test-pass-2026")
    client.force_login(superuser)

    response = client.get(reverse("admin:loans_loanproduct_changelist"))

    assert response.status_code == 200
    assert _plans_url() in response.content.decode()


# ---- generating ---------------------------------------------------------------------------


def test_the_empty_form_opens_with_all_terms_and_today(client, planner):
    client.force_login(planner)

    response = client.get(_plans_url())

    assert response.status_code == 200
    html = response.content.decode()
    assert "生成贷款方案" in html and 'id="plans"' not in html
    assert response.context["form"]["terms"].value() == [10, 15, 20, 25, 30]


def test_plans_are_ranked_and_exclusions_explained(client, planner, django_assert_max_num_queries):
    client.force_login(planner)

    # session, user, permissions ×2, data scope, products, LPR, fund rates, policy, project choices …
    # +1: the admin sidebar asks whether payment settings exist (a singleton that may be added once).
    with django_assert_max_num_queries(15):
        response = client.get(_plans_url(), CUSTOMER)

    html = response.content.decode()
    result = response.context["result"]
    assert result.options[0].key == _best_key()
    payments = [option.first_payment for option in result.options]
    assert payments == sorted(payments)
    assert 'data-testid="loan-amount">¥2,100,000.00<' in html
    assert f'data-plan="{_best_key()}"' in html and "¥8,718.69" in html
    assert "商贷 3.05%" in html and "公积金 2.60%" in html
    # The fund alone cannot lend 210万 against an 80万 ceiling; the fixed-rate product stops at 20 years.
    assert 'data-reason="loan_over_max"' in html and "超过公积金可贷额度 ¥800,000.00" in html
    assert "期限 25 年超过最长贷款期限 20 年" in html


def test_an_older_customer_sees_the_age_limit(client, planner):
    client.force_login(planner)

    response = client.get(_plans_url(), {**CUSTOMER, "age": "50"})

    html = response.content.decode()
    assert "贷款到期时客户 80 岁，超过工商银行的年龄上限 70 岁" in html
    assert "贷款到期时客户 70 岁，超过招商银行的年龄上限 65 岁" in html


def test_a_unit_in_scope_gives_the_price(client, planner):
    unit = UnitFactory(list_price_amount=Decimal("2800000.00"))
    client.force_login(planner)

    response = client.get(_plans_url(), {**CUSTOMER, "price": "", "project": unit.project_id, "unit_code": unit.code})

    assert response.context["result"].request.price == Decimal("2800000.00")
    assert f"房源 {unit.project.name} {unit.code}" in response.content.decode()


def test_a_unit_outside_the_staff_members_scope_cannot_be_used(client, roles):
    mine, theirs = ProjectFactory(), ProjectFactory()
    unit = UnitFactory(building__project=theirs)
    scoped = staff_create(
        actor=None,
        username="scoped",
        password="Test-pass-2026",
        full_name="范围内经理",
        role_codes=[SALES_MANAGER],
        project_ids=[mine.pk],
    )
    client.force_login(_with_plan_permission(scoped))

    response = client.get(_plans_url(), {**CUSTOMER, "price": "", "project": theirs.pk, "unit_code": unit.code})

    assert response.context["result"] is None
    assert "选择一个有效的选项" in response.content.decode()


def test_an_unknown_unit_code_is_a_form_error(client, planner):
    project = ProjectFactory()
    client.force_login(planner)

    response = client.get(_plans_url(), {**CUSTOMER, "project": project.pk, "unit_code": "99-9999"})

    assert response.context["result"] is None
    assert f"{project.name} 没有房号为 99-9999 的房源" in response.content.decode()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"price": ""}, "请填写房屋总价，或选择楼盘并填写房号"),
        ({"age": "16"}, "借款人年龄不能小于18周岁"),
        ({"down_payment": "-1"}, "金额不能为负数"),
        ({"terms": []}, "请至少选择一个贷款期限"),
    ],
)
def test_bad_customer_input_is_shown_and_nothing_generated(client, planner, changes, message):
    client.force_login(planner)

    response = client.get(_plans_url(), {**CUSTOMER, **changes})

    assert response.status_code == 200
    assert response.context["result"] is None
    assert message in response.content.decode()


def test_a_date_before_any_rate_table_is_explained(client, planner):
    client.force_login(planner)

    response = client.get(_plans_url(), {**CUSTOMER, "contract_on": "2019-01-01"})

    assert "2019年1月1日没有生效的LPR利率" in response.content.decode()


# ---- exports ------------------------------------------------------------------------------


@pytest.mark.skipif(PDFTOTEXT is None, reason="needs pdftotext (poppler-utils)")
def test_a_plan_prints_as_a_pdf_with_chinese_text(client, planner):
    client.force_login(planner)

    response = client.get(_export_url(), {**CUSTOMER, "plan": _best_key(), "format": "pdf"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    text = subprocess.run(
        [PDFTOTEXT, "-layout", "-", "-"], input=response.content, capture_output=True, check=True
    ).stdout.decode()
    assert "舒畅 贷款方案" in text
    assert "王先生" in text
    assert re.search(r"贷款方案\s+工商银行\s+组合贷款", text)
    assert "¥8,718.69" in text and "¥1,038,727.59" in text
    assert "第30年" in text and "360" in text
    entry = AuditEntry.objects.get(action="loans.plan.exported")
    assert entry.actor == planner
    assert entry.data["format"] == "pdf" and entry.data["plan"] == _best_key()


def test_a_plan_exports_to_excel_with_numbers_not_text(client, planner):
    client.force_login(planner)

    response = client.get(_export_url(), {**CUSTOMER, "plan": _best_key(), "format": "xlsx"})

    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["方案概要", "还款计划"]
    summary = {row[0]: row[1] for row in workbook["方案概要"].iter_rows(min_row=2, values_only=True) if row[0]}
    # Amounts are number cells (openpyxl reads them back as floats; their repr is the exact fen).
    assert Decimal(str(summary["首月月供"])) == Decimal("8718.69")
    assert summary["客户"] == "王先生"
    table = workbook["还款计划"]
    assert table.max_row == 361
    first = [cell.value for cell in table[2]]
    assert first[0] == 1 and Decimal(str(first[1])) == Decimal("8718.69")
    assert table["B2"].number_format == "#,##0.00"
    assert table.cell(row=361, column=6).value == 0


def test_an_unknown_plan_or_format_goes_back_with_a_message(client, planner):
    client.force_login(planner)

    unknown_plan = client.get(_export_url(), {**CUSTOMER, "plan": "commercial-0-30-x", "format": "pdf"}, follow=True)
    unknown_format = client.get(_export_url(), {**CUSTOMER, "plan": _best_key(), "format": "doc"}, follow=True)

    assert "该方案已不在可选方案中，请重新生成后再导出" in unknown_plan.content.decode()
    assert "导出格式只能是PDF或Excel" in unknown_format.content.decode()
    assert unknown_plan.redirect_chain[0][0].startswith(_plans_url())
    assert not AuditEntry.objects.filter(action="loans.plan.exported").exists()
