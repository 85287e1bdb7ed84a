import pytest
import time_machine
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from audit.models import LoginEntry, LoginEvent

PASSWORD = "Test-pass-2026"


@pytest.mark.django_db
def test_an_account_is_locked_after_five_failed_logins(client, sales_manager):
    for _ in range(5):
        client.post("/accounts/login/", {"username": "manager", "password": "wrong-password-1"})

    response = client.post("/accounts/login/", {"username": "manager", "password": PASSWORD})

    assert response.status_code == 429
    assert "账户已临时锁定" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert LoginEntry.objects.filter(username="manager", event=LoginEvent.FAILED).count() >= 5


@pytest.mark.django_db
def test_a_locked_account_opens_again_after_the_cool_off(client, sales_manager):
    with time_machine.travel("2026-12-03 10:00 +0800", tick=False):
        for _ in range(5):
            client.post("/accounts/login/", {"username": "manager", "password": "wrong-password-1"})

    with time_machine.travel("2026-12-03 10:16 +0800", tick=False):
        client.post("/accounts/login/", {"username": "manager", "password": PASSWORD})

        assert "_auth_user_id" in client.session


@pytest.mark.django_db
def test_other_accounts_are_not_locked_by_someone_elses_failures(client, sales_manager, finance):
    for _ in range(5):
        client.post("/accounts/login/", {"username": "manager", "password": "wrong-password-1"})

    client.post("/accounts/login/", {"username": "finance", "password": PASSWORD})

    assert "_auth_user_id" in client.session


@pytest.mark.django_db
def test_staff_are_signed_out_after_thirty_idle_minutes(client, sales_manager):
    with time_machine.travel("2026-12-03 09:00 +0800", tick=False):
        client.post("/accounts/login/", {"username": "manager", "password": PASSWORD})
        assert client.get("/admin/").status_code == 200

    with time_machine.travel("2026-12-03 09:29 +0800", tick=False):
        assert client.get("/admin/").status_code == 200

    with time_machine.travel("2026-12-03 10:00 +0800", tick=False):
        response = client.get("/admin/")

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_buyers_stay_signed_in_for_an_hour_of_idleness(client, buyer):
    with time_machine.travel("2026-12-03 09:00 +0800", tick=False):
        client.post("/accounts/login/", {"username": "13800138000", "password": PASSWORD})

    with time_machine.travel("2026-12-03 10:00 +0800", tick=False):
        response = client.get("/accounts/me/")

    assert response.status_code == 200


@pytest.mark.parametrize("password", ["abcdefghij", "short1", "12345678901"])
def test_the_password_policy_refuses_weak_passwords(password):
    with pytest.raises(ValidationError):
        validate_password(password)


def test_the_password_policy_asks_for_letters_and_digits_in_chinese():
    with pytest.raises(ValidationError, match="字母和数字"):
        validate_password("onlyletterslong")


@pytest.mark.django_db
def test_the_first_page_after_login_does_not_write_the_session(client, buyer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.post("/accounts/login/", {"username": "13800138000", "password": PASSWORD})

    with CaptureQueriesContext(connection) as queries:
        client.get("/accounts/me/")

    assert not [q for q in queries.captured_queries if "django_session" in q["sql"] and "UPDATE" in q["sql"]]


@pytest.mark.django_db
def test_a_deactivated_account_is_signed_out_on_its_next_request(client, buyer):
    client.force_login(buyer)
    assert client.get("/accounts/me/").status_code == 200

    buyer.is_active = False
    buyer.save(update_fields=["is_active"])
    response = client.get("/accounts/me/")

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_the_signed_in_user_is_read_whole_and_a_bad_session_user_id_is_nobody(client, buyer):
    from accounts.backends import MobileOrUsernameBackend

    backend = MobileOrUsernameBackend()
    user = backend.get_user(str(buyer.pk))

    assert (user.pk, user.mobile, user.password, user.last_login) == (
        buyer.pk,
        buyer.mobile,
        buyer.password,
        buyer.last_login,
    )
    assert backend.get_user("not-a-number") is None
    assert backend.get_user(str(buyer.pk + 10_000)) is None
