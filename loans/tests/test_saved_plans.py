"""Saving a plan to a customer in the admin, and the buyer seeing it in their account."""

from decimal import Decimal

import pytest
from django.urls import reverse

from audit.models import AuditEntry
from loans import plans, services
from loans.exceptions import LoanInputError
from loans.models import LoanPlan, LoanProduct
from sales.models import Customer
from sales.services import customer_create

pytestmark = [pytest.mark.django_db, pytest.mark.urls("loans.tests.urls")]

FIGURES = {
    "price": "3000000",
    "down_payment": "900000",
    "monthly_income": "60000",
    "age": "35",
    "home_type": "first",
    "provident_eligible": "on",
    "provident_ceiling": "800000",
    "terms": ["20", "30"],
    "contract_on": "2025-06-01",
    "rank_by": "monthly",
}


def _best_key():
    commercial = LoanProduct.objects.get(bank__name="工商银行", name="首套住房商业贷款")
    provident = LoanProduct.objects.get(bank__name="工商银行", name="住房公积金贷款（首套）")
    return f"combined-{commercial.pk}-{provident.pk}-30-equal_instalment"


@pytest.fixture
def customer(reserved_order):
    """The buyer became a customer of the project when the deposit was paid."""
    return Customer.objects.get(pk=reserved_order.customer_id)


def _save(client, customer, key):
    query = {**FIGURES, "customer": customer.pk}
    url = reverse("admin:loans_loanproduct_plans_save")
    from urllib.parse import urlencode

    return client.post(f"{url}?{urlencode(query, doseq=True)}", {"plan": key}, follow=True)


def test_a_sales_manager_saves_a_plan_to_the_customer(client, sales_manager, customer):
    client.force_login(sales_manager)

    page = client.get(reverse("admin:loans_loanproduct_plans"), {**FIGURES, "customer": customer.pk})
    response = _save(client, customer, _best_key())

    assert "保存到客户" in page.content.decode()
    plan = LoanPlan.objects.get(customer=customer)
    assert (plan.bank_name, plan.kind, plan.term_years, plan.method) == ("工商银行", "combined", 30, "equal_instalment")
    assert (plan.commercial_amount, plan.provident_amount) == (Decimal("1300000.00"), Decimal("800000.00"))
    assert (plan.first_payment_amount, plan.total_interest_amount) == (Decimal("8718.69"), Decimal("1038727.59"))
    assert plan.created_by == sales_manager
    assert "购房者可在“我的贷款方案”中查看" in response.content.decode()
    assert AuditEntry.objects.get(action="loans.plan.saved").object_id == str(plan.pk)


def test_saving_the_same_plan_twice_keeps_one(client, sales_manager, customer):
    client.force_login(sales_manager)
    _save(client, customer, _best_key())

    response = _save(client, customer, _best_key())

    assert LoanPlan.objects.filter(customer=customer).count() == 1
    assert "该方案已保存过" in response.content.decode()


def test_without_a_customer_there_is_nothing_to_save_to(client, sales_manager, customer):
    client.force_login(sales_manager)

    page = client.get(reverse("admin:loans_loanproduct_plans"), FIGURES)

    assert "保存到客户" not in page.content.decode()


def test_a_consultant_cannot_save_for_a_customer_assigned_to_someone_else(client, consultant, customer):
    client.force_login(consultant)

    response = _save(client, customer, _best_key())

    assert not LoanPlan.objects.exists()
    assert "请先选择客户并填写正确的客户信息" in response.content.decode()


def test_the_service_refuses_a_customer_outside_the_actors_reach(consultant, customer):
    result = services.loan_plans_generate(
        actor=consultant,
        request=plans.PlanRequest(
            price=Decimal("3000000"), down_payment=Decimal("900000"), monthly_income=Decimal("60000"), age=35,
            home_type="first",
        ),
        contract_on=customer.created_at.date(),
        rank_by="monthly",
    )  # fmt: skip

    with pytest.raises(LoanInputError) as error:
        services.loan_plan_save(
            actor=consultant,
            customer=customer,
            result=result,
            key=result.options[0].key,
            contract_on=customer.created_at.date(),
        )

    assert error.value.message == "无权为该客户保存贷款方案"
    assert not LoanPlan.objects.exists()
    assert not AuditEntry.objects.filter(action="loans.plan.saved").exists()


def test_the_buyer_sees_the_saved_plan_in_their_account(client, sales_manager, customer, buyer):
    client.force_login(sales_manager)
    _save(client, customer, _best_key())
    plan = LoanPlan.objects.get()
    client.force_login(buyer)

    listing = client.get(reverse("loans:plan_list"))
    detail = client.get(reverse("loans:plan_detail", args=[plan.pk]))

    assert "工商银行 · 组合贷款" in listing.content.decode()
    html = detail.content.decode()
    assert 'data-testid="first-payment">¥8,718.69<' in html
    assert "第30年" in html and "<svg" in html
    schedule = detail.context["schedule"]
    assert schedule.first_payment == plan.first_payment_amount
    assert schedule.total_interest == plan.total_interest_amount


def test_another_buyer_neither_lists_nor_opens_the_plan(client, sales_manager, customer, other_buyer):
    client.force_login(sales_manager)
    _save(client, customer, _best_key())
    plan = LoanPlan.objects.get()
    client.force_login(other_buyer)

    listing = client.get(reverse("loans:plan_list"))
    detail = client.get(reverse("loans:plan_detail", args=[plan.pk]))

    assert "工商银行 · 组合贷款" not in listing.content.decode()
    assert detail.status_code == 404


def test_a_staff_member_sees_only_plans_of_their_projects(client, sales_manager, customer, roles):
    from listings.tests.factories import ProjectFactory
    from sales.tests.factories import staff

    client.force_login(sales_manager)
    _save(client, customer, _best_key())
    plan = LoanPlan.objects.get()
    elsewhere = staff("manager-elsewhere", ["sales_manager"], project_ids=[ProjectFactory().pk])
    client.force_login(elsewhere)

    assert client.get(reverse("loans:plan_detail", args=[plan.pk])).status_code == 404


def test_plans_list_needs_a_login(client):
    response = client.get(reverse("loans:plan_list"))

    assert response.status_code == 302 and "login" in response["Location"]


def test_a_customer_without_an_account_keeps_plans_for_the_sales_team(sales_manager, project):
    walk_in = customer_create(project=project, actor=sales_manager, name="赵六", mobile="13600136000")
    result = services.loan_plans_generate(
        actor=sales_manager,
        request=plans.PlanRequest(
            price=Decimal("2000000"), down_payment=Decimal("600000"), monthly_income=Decimal("50000"), age=30,
            home_type="first",
        ),
        contract_on=walk_in.created_at.date(),
        rank_by="interest",
    )  # fmt: skip

    plan, created = services.loan_plan_save(
        actor=sales_manager,
        customer=walk_in,
        result=result,
        key=result.options[0].key,
        contract_on=walk_in.created_at.date(),
    )

    assert created and plan.customer == walk_in
    assert plans.schedule_from_snapshot(plan.snapshot).total_interest == plan.total_interest_amount
