"""The buyer's calculator page: full page without JavaScript, the htmx partial while typing."""

from decimal import Decimal

import pytest
from django.urls import reverse

pytestmark = [pytest.mark.django_db, pytest.mark.urls("loans.tests.urls")]

ONE_MILLION_AT_4_90 = {
    "loan_type": "commercial",
    "commercial_amount": "1000000",
    "commercial_rate": "4.9",
    "years": "30",
    "method": "equal_instalment",
}


def _url():
    return reverse("loans:calculator")


def test_anyone_can_open_the_calculator_and_sees_an_example_at_the_current_lpr(client):
    response = client.get(_url())

    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html and "房贷计算器" in html
    assert response.context["form"]["commercial_rate"].value() == "3.5"  # the seeded 5-year LPR, in percent
    # 100万, 30年, 3.50% 等额本息: the annuity formula gives 4,490.4470…
    assert response.context["quote"].original.first_payment == Decimal("4490.45")
    assert "2025年5月20日起 1年期LPR 3.00%、5年期以上LPR 3.50%" in html


def test_the_form_submitted_without_javascript_shows_the_published_figures(client):
    response = client.get(_url(), ONE_MILLION_AT_4_90)

    html = response.content.decode()
    assert "<html" in html
    assert 'data-testid="first-payment">¥5,307.27<' in html
    assert 'data-testid="total-interest">¥910,615.12<' in html
    assert "第30年" in html and "<svg" in html
    assert html.count("<rect") >= 60  # 30 years × principal and interest


def test_typing_with_htmx_returns_only_the_results_partial(client):
    response = client.get(_url(), {**ONE_MILLION_AT_4_90, "method": "equal_principal"}, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and "<form" not in html
    assert html.lstrip().startswith('<section id="results"')
    assert 'data-testid="first-payment">¥6,861.11<' in html
    assert "每月递减" in html and "¥11.34" in html
    assert "HX-Request" in response["Vary"]


def test_a_history_restore_gets_the_whole_page(client):
    response = client.get(_url(), ONE_MILLION_AT_4_90, HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true")

    assert "<html" in response.content.decode()


def test_a_combined_loan_shows_both_parts(client):
    response = client.get(
        _url(),
        {
            "loan_type": "combined",
            "commercial_amount": "1300000",
            "commercial_rate": "3.05",
            "provident_amount": "800000",
            "provident_rate": "2.6",
            "years": "30",
            "method": "equal_instalment",
        },
        HTTP_HX_REQUEST="true",
    )

    html = response.content.decode()
    assert "组合贷款分项" in html
    assert 'data-testid="first-payment">¥8,718.69<' in html
    assert "¥5,515.97" in html and "¥3,202.72" in html


def test_a_prepayment_shows_the_interest_saved(client):
    response = client.get(
        _url(),
        {**ONE_MILLION_AT_4_90, "prepay_after": "12", "prepay_amount": "200000", "prepay_mode": "shorten_term"},
        HTTP_HX_REQUEST="true",
    )

    html = response.content.decode()
    assert "节省利息 <strong>¥439,154.37</strong>" in html
    assert "提前 120 期还清" in html
    assert "chart__prepayment" in html


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"commercial_amount": "0"}, "贷款金额必须大于0"),
        ({"commercial_amount": "-5"}, "金额不能为负数"),
        ({"commercial_amount": "abc"}, "请输入金额（数字，最多两位小数）"),
        ({"commercial_rate": "30"}, "年利率不能超过24%"),
        ({"commercial_rate": ""}, "请填写商业贷款年利率"),
        ({"years": "31"}, "贷款年限最长30年"),
        ({"years": "12.5"}, "贷款年限应为整数"),
        ({"prepay_after": "12"}, "提前还款需同时填写期数和金额"),
        (
            {"prepay_after": "400", "prepay_amount": "1000", "prepay_mode": "shorten_term"},
            "提前还款应在第1期至第359期还款之后",
        ),
    ],
)
def test_bad_input_gets_a_chinese_message_and_no_result(client, changes, message):
    response = client.get(_url(), {**ONE_MILLION_AT_4_90, **changes}, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert response.status_code == 200
    assert message in html
    assert 'role="alert"' in html
    assert 'data-testid="first-payment"' not in html and "<svg" not in html


def test_the_calculator_needs_a_handful_of_queries(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        client.get(_url(), ONE_MILLION_AT_4_90)
