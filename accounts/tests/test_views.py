"""Account pages: register, sign in and out, real-name verification, 我的."""

import pytest

from accounts.models import BuyerProfile, User
from accounts.services import buyer_register
from audit.models import AuditEntry, LoginEntry, LoginEvent
from shuchang.core.validators import id_number_check_char

pytestmark = pytest.mark.django_db

PASSWORD = "Shuchang-2026"


def _valid_id(first17: str = "51010719880808123") -> str:
    return first17 + id_number_check_char(first17)


@pytest.fixture
def new_buyer(roles):
    """A registered buyer who has not verified their identity yet."""
    return buyer_register(mobile="13700137000", password=PASSWORD)


def _register(client, mobile="13600136000", password1=PASSWORD, password2=PASSWORD):
    return client.post("/accounts/register/", {"mobile": mobile, "password1": password1, "password2": password2})


# ---- register ---------------------------------------------------------------------------------


def test_register_page_is_public_and_in_chinese(client):
    response = client.get("/accounts/register/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "注册购房账号" in page
    assert "手机号" in page
    assert "确认密码" in page


def test_register_creates_the_buyer_signs_them_in_and_asks_for_verification(client, roles):
    response = _register(client)

    user = User.objects.get(mobile="13600136000")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/verify/"
    assert client.session["_auth_user_id"] == str(user.pk)
    assert user.check_password(PASSWORD)
    assert not user.is_staff
    assert BuyerProfile.objects.filter(user=user, verified_at__isnull=True).exists()
    assert LoginEntry.objects.filter(user=user, event=LoginEvent.LOGIN).exists()
    assert "注册成功" in client.get("/accounts/verify/").content.decode()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"mobile": "12345"}, "请输入正确的11位中国大陆手机号码"),
        ({"mobile": "23800138000"}, "请输入正确的11位中国大陆手机号码"),
        ({"mobile": ""}, "请输入手机号"),
        ({"password2": "Shuchang-2027"}, "两次输入的密码不一致"),
        ({"password1": "Ab1", "password2": "Ab1"}, "密码太短，至少需要 8 位"),
        ({"password1": "12345678", "password2": "12345678"}, "这个密码太常见了"),
        ({"password1": "73920581", "password2": "73920581"}, "密码只包含数字"),
        ({"password1": "13600136000a", "password2": "13600136000a"}, "密码与手机号太相似"),
        ({"password1": "", "password2": ""}, "请设置密码"),
    ],
)
def test_bad_registration_input_gets_its_chinese_message_and_creates_no_user(client, roles, fields, message):
    data = {"mobile": "13600136000", "password1": PASSWORD, "password2": PASSWORD} | fields

    response = client.post("/accounts/register/", data)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.filter(username__in=["13600136000", data["mobile"]]).exclude(username="").exists()
    assert "_auth_user_id" not in client.session


def test_registering_a_taken_mobile_is_refused_and_creates_nothing(client, buyer):
    users_before = User.objects.count()
    log_before = AuditEntry.objects.count()

    response = _register(client, mobile=buyer.mobile)

    assert response.status_code == 200
    assert "该手机号已注册，请直接登录" in response.content.decode()
    assert User.objects.count() == users_before
    assert AuditEntry.objects.count() == log_before
    assert "_auth_user_id" not in client.session


def test_signed_in_user_visiting_register_goes_to_mine(client, buyer):
    client.force_login(buyer)

    response = client.get("/accounts/register/")

    assert response["Location"] == "/accounts/me/"


# ---- login and logout ----------------------------------------------------------------------------


def test_buyer_signs_in_with_mobile_and_returns_to_the_storefront(client, buyer):
    response = client.post("/accounts/login/", {"username": "13800138000", "password": "Test-pass-2026"})

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.session["_auth_user_id"] == str(buyer.pk)


def test_buyer_is_sent_back_to_the_page_that_asked_for_login(client, buyer):
    response = client.post(
        "/accounts/login/?next=/accounts/me/", {"username": "13800138000", "password": "Test-pass-2026"}
    )

    assert response["Location"] == "/accounts/me/"


def test_staff_sign_in_with_username_and_go_to_the_back_office(client, sales_manager):
    response = client.post("/accounts/login/", {"username": "manager", "password": "Test-pass-2026"})

    assert response.status_code == 302
    assert response["Location"] == "/admin/"


def test_wrong_password_gets_a_chinese_message_and_is_logged(client, buyer):
    response = client.post("/accounts/login/", {"username": "13800138000", "password": "wrong-password"})

    assert response.status_code == 200
    assert "手机号（用户名）或密码不正确" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert LoginEntry.objects.filter(username="13800138000", event=LoginEvent.FAILED).count() == 1


def test_login_page_is_in_chinese(client):
    page = client.get("/accounts/login/").content.decode()

    assert "手机号 / 用户名" in page
    assert "立即注册" in page


def test_logout_is_post_only_and_signs_out(client, buyer):
    client.force_login(buyer)

    refused = client.get("/accounts/logout/")
    response = client.post("/accounts/logout/")

    assert refused.status_code == 405
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert "_auth_user_id" not in client.session
    assert LoginEntry.objects.filter(user=buyer, event=LoginEvent.LOGOUT).exists()


# ---- real-name verification ------------------------------------------------------------------------


def test_verify_needs_a_signed_in_user(client):
    response = client.get("/accounts/verify/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/accounts/verify/")


def test_buyer_verifies_identity_and_sees_it_masked(client, new_buyer):
    client.force_login(new_buyer)
    id_number = _valid_id()

    response = client.post("/accounts/verify/", {"real_name": "王小明", "id_number": id_number.lower()})

    profile = BuyerProfile.objects.get(user=new_buyer)
    assert response["Location"] == "/accounts/me/"
    assert profile.verified_at is not None
    assert profile.real_name == "王小明"
    assert profile.id_number == id_number.upper()
    page = client.get("/accounts/me/").content.decode()
    assert "实名认证成功" in page
    assert "已认证" in page
    assert f"{id_number[:6]}********{id_number[-4:]}" in page
    assert id_number not in page
    assert "137****7000" in page


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"id_number": "510107198808081230"}, "身份证号码校验位不正确，请核对"),
        ({"id_number": "51010719880808123"}, "身份证号码应为18位"),
        ({"id_number": "510107198813081234"}, "身份证号码中的出生日期无效"),
        ({"real_name": "王"}, "姓名至少2个字"),
        ({"real_name": ""}, "请输入身份证上的姓名"),
    ],
)
def test_bad_identity_gets_its_chinese_message_and_verifies_nothing(client, new_buyer, fields, message):
    client.force_login(new_buyer)
    data = {"real_name": "王小明", "id_number": _valid_id()} | fields
    if fields.get("id_number") == "510107198808081230":
        # make sure the test's "wrong" check digit really is wrong
        assert id_number_check_char("51010719880808123") != "0"

    response = client.post("/accounts/verify/", data)

    assert response.status_code == 200
    assert message in response.content.decode()
    profile = BuyerProfile.objects.get(user=new_buyer)
    assert profile.verified_at is None
    assert profile.id_number == ""


def test_an_id_number_verified_by_another_account_is_refused(client, buyer, new_buyer):
    client.force_login(new_buyer)

    taken = BuyerProfile.objects.get(user=buyer).id_number

    response = client.post("/accounts/verify/", {"real_name": "张三", "id_number": taken})

    assert response.status_code == 200
    assert "该身份证号已被其他账号实名认证" in response.content.decode()
    assert BuyerProfile.objects.get(user=new_buyer).verified_at is None


def test_verified_buyer_visiting_verify_goes_to_mine(client, buyer):
    client.force_login(buyer)

    response = client.get("/accounts/verify/")

    assert response["Location"] == "/accounts/me/"


def test_staff_have_no_verify_page(client, consultant):
    client.force_login(consultant)

    response = client.get("/accounts/verify/")

    assert response.status_code == 404


# ---- 我的 ---------------------------------------------------------------------------------------


def test_mine_needs_a_signed_in_user(client):
    response = client.get("/accounts/me/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_unverified_buyer_sees_a_prompt_to_verify(client, new_buyer):
    client.force_login(new_buyer)

    page = client.get("/accounts/me/").content.decode()

    assert "未认证" in page
    assert 'href="/accounts/verify/"' in page


def test_verified_buyer_sees_masked_name_mobile_and_id(client, buyer):
    client.force_login(buyer)

    page = client.get("/accounts/me/").content.decode()

    assert "138****8000" in page
    assert "110105********002X" in page
    assert "张*" in page
    assert "13800138000" not in page
    assert "11010519491231002X" not in page


def test_staff_visiting_mine_go_to_the_back_office(client, finance):
    client.force_login(finance)

    response = client.get("/accounts/me/")

    assert response["Location"] == "/admin/"
