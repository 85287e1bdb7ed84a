"""Customers (客户管理): registration, who sees whom, follow-ups, assignment, masked data."""

from datetime import date

import pytest
from django.http import Http404

from audit.models import AuditEntry
from sales import selectors, services
from sales.exceptions import CustomerInvalid
from sales.models import Customer, FollowUp
from sales.tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def second_consultant(sales_roles):
    return factories.staff("consultant2", ["consultant"])


def _customer(project, actor, mobile="13600136000", **fields):
    return services.customer_create(project=project, actor=actor, name=fields.pop("name", "陈小明"), mobile=mobile,
                                    **fields)  # fmt: skip


def test_a_consultant_registers_a_customer_who_becomes_theirs(project, consultant):
    customer = _customer(project, consultant, id_number="11010519491231002X")

    assert customer.consultant == consultant and customer.created_by == consultant
    entry = AuditEntry.objects.get(action="sales.customer.created")
    assert entry.after["mobile"] == "136****6000" and entry.after["id_number"] == "110105********002X"


def test_the_same_mobile_is_one_customer_per_project(project, other_project, consultant):
    _customer(project, consultant)

    with pytest.raises(CustomerInvalid) as refusal:
        _customer(project, consultant, name="陈大明")
    _customer(other_project, consultant)

    assert refusal.value.message == "该手机号已登记为本楼盘客户，请在原客户下添加跟进记录"
    assert Customer.objects.filter(project=project).count() == 1


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"mobile": "12345"}, "请输入正确的11位中国大陆手机号码"),
        ({"id_number": "110105194912310021"}, "身份证号码校验位不正确，请核对"),
        ({"name": " "}, "请填写客户姓名"),
    ],
)
def test_bad_customer_data_is_refused_with_a_clear_message(project, consultant, fields, message):
    with pytest.raises(CustomerInvalid) as refusal:
        _customer(project, consultant, **fields)

    assert refusal.value.message == message
    assert not Customer.objects.exists()


def test_consultants_see_only_their_own_customers_managers_see_all(project, consultant, second_consultant,
                                                                    sales_manager):  # fmt: skip
    mine = _customer(project, consultant, mobile="13600136001")
    theirs = _customer(project, second_consultant, mobile="13600136002")

    assert list(selectors.customer_list_for_user(consultant)) == [mine]
    assert set(selectors.customer_list_for_user(sales_manager)) == {mine, theirs}
    with pytest.raises(Http404):
        selectors.customer_get_for_user(consultant, theirs.pk)


def test_staff_outside_the_project_see_none_of_its_customers(project, other_project, consultant, sales_roles):
    _customer(project, consultant)
    outsider = factories.staff("outside-manager", ["sales_manager"], project_ids=[other_project.pk])

    assert not selectors.customer_list_for_user(outsider).exists()


def test_search_finds_by_name_or_mobile(project, consultant):
    customer = _customer(project, consultant, name="林晓峰", mobile="13911112222")
    _customer(project, consultant, name="周杰", mobile="13933334444")

    assert list(selectors.customer_list_for_user(consultant, search="晓峰")) == [customer]
    assert list(selectors.customer_list_for_user(consultant, search="1111")) == [customer]


def test_follow_ups_are_appended_by_the_customers_consultant(project, consultant, second_consultant):
    customer = _customer(project, consultant)

    services.customer_add_follow_up(customer=customer, actor=consultant, content="客户关注3号楼高层",
                                    method="visit", next_follow_up_on=date(2026, 12, 20))  # fmt: skip
    with pytest.raises(CustomerInvalid):
        services.customer_add_follow_up(customer=customer, actor=second_consultant, content="越权跟进")
    with pytest.raises(CustomerInvalid) as empty:
        services.customer_add_follow_up(customer=customer, actor=consultant, content="  ")

    assert list(FollowUp.objects.values_list("content", flat=True)) == ["客户关注3号楼高层"]
    assert empty.value.message == "请填写跟进内容"
    assert selectors.customer_detail(customer)["follow_ups"][0].author == consultant


def test_only_managers_assign_customers(project, consultant, second_consultant, sales_manager):
    customer = _customer(project, consultant)

    with pytest.raises(CustomerInvalid):
        services.customer_assign(customer=customer, consultant=second_consultant, actor=consultant)
    services.customer_assign(customer=customer, consultant=second_consultant, actor=sales_manager)

    customer.refresh_from_db()
    assert customer.consultant == second_consultant
    assert list(selectors.customer_list_for_user(second_consultant)) == [customer]


def test_customers_are_shown_masked(project, consultant):
    customer = _customer(project, consultant, name="欧阳娜娜", id_number="11010519491231002X")

    assert str(customer) == "欧**娜（136****6000）"
    assert customer.masked_id_number == "110105********002X"
