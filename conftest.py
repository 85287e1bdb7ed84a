"""Personas with the real role groups, and the database plumbing the append-only log needs."""

import pytest
from django.db import connection

from accounts.roles import ADMINISTRATOR, AUDITOR, CONSULTANT, FINANCE, SALES_MANAGER


@pytest.fixture(autouse=True)
def _allow_log_flush_after_transactional_tests(request):
    """Transactional tests end with a flush (TRUNCATE), which the log's triggers rightly refuse.

    Only the test harness may lift that, and only for the flush: on PostgreSQL the session's
    replication role skips user triggers; SQLite's log triggers are dropped. Both are put back
    right after the flush, by pytest_runtest_teardown below.
    """
    marker = request.node.get_closest_marker("django_db")
    transactional = (marker is not None and marker.kwargs.get("transaction")) or bool(
        {"transactional_db", "live_server"} & set(request.fixturenames)
    )
    if not transactional:
        yield
        return
    from tests.support import suspend_log_triggers

    # Set the database up first, so that this teardown runs before the harness's flush.
    request.getfixturevalue("_django_db_helper")
    blocker = request.getfixturevalue("django_db_blocker")
    yield
    suspend_log_triggers(connection)
    request.node._restore_log_triggers_with = blocker


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    yield
    blocker = getattr(item, "_restore_log_triggers_with", None)
    if blocker is not None and nextitem is not None:  # after the last test the database is gone
        from tests.support import restore_log_triggers

        with blocker.unblock():
            restore_log_triggers(connection)


@pytest.fixture
def roles(db):
    from accounts.services import roles_sync

    roles_sync()


def _staff(username, role_codes, project_ids=()):
    from accounts.services import staff_create

    return staff_create(
        actor=None,
        username=username,
        password="Test-pass-2026",
        full_name=username,
        role_codes=role_codes,
        project_ids=project_ids,
    )


@pytest.fixture
def buyer(roles):
    from accounts.services import buyer_register, buyer_verify_identity

    user = buyer_register(mobile="13800138000", password="Test-pass-2026")
    buyer_verify_identity(user=user, real_name="张三", id_number="11010519491231002X")
    user.refresh_from_db()
    return user


@pytest.fixture
def other_buyer(roles):
    from accounts.services import buyer_register, buyer_verify_identity

    user = buyer_register(mobile="13900139000", password="Test-pass-2026")
    buyer_verify_identity(user=user, real_name="李四", id_number="440524198001010013")
    user.refresh_from_db()
    return user


@pytest.fixture
def consultant(roles):
    return _staff("consultant", [CONSULTANT])


@pytest.fixture
def sales_manager(roles):
    return _staff("manager", [SALES_MANAGER])


@pytest.fixture
def finance(roles):
    return _staff("finance", [FINANCE])


@pytest.fixture
def admin_user(roles):
    return _staff("sysadmin", [ADMINISTRATOR])


@pytest.fixture
def auditor(roles):
    return _staff("auditor", [AUDITOR])


@pytest.fixture(autouse=True, scope="session")
def _memory_cache_per_test_process():
    """Tests use an in-memory cache: parallel test processes each have their own database, and
    a shared file cache would mix their grid versions."""
    from django.test import override_settings

    with override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}):
        yield


@pytest.fixture(autouse=True)
def _empty_cache_between_tests():
    from django.core.cache import cache

    yield
    cache.clear()


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing():
    """PBKDF2 at full strength costs ~1 s per user created; tests don't need that strength."""
    from django.test import override_settings

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(autouse=True, scope="session")
def _files_outside_the_checkout(tmp_path_factory):
    """Uploads, private documents and backups written by tests go to a temporary folder, never var/:
    a restore test replaces those folders wholesale."""
    from django.test import override_settings

    root = tmp_path_factory.mktemp("files")
    with override_settings(
        MEDIA_ROOT=root / "media", PRIVATE_MEDIA_ROOT=root / "private", BACKUP_ROOT=root / "backups"
    ):
        yield
