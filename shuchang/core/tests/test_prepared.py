import pytest
from django.db import connection

from shuchang.core.prepared import execute_prepared

pytestmark = pytest.mark.django_db

SQL = "SELECT CAST(%s AS integer) + 1, CAST(%s AS text)"


def prepared_names() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements")
        return {name for (name,) in cursor.fetchall()}


def test_a_statement_answers_the_same_prepared_or_not():
    with connection.cursor() as cursor:
        execute_prepared(cursor, "test_plus_one", SQL, [41, "它's 100%"])
        first = cursor.fetchone()
        execute_prepared(cursor, "test_plus_one", SQL, [1, None])
        second = cursor.fetchone()
    assert first == (42, "它's 100%")
    assert second == (2, None)


@pytest.mark.django_db(transaction=True)  # the test closes its connection: not inside the test's transaction
def test_postgresql_prepares_it_once_per_connection():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: elsewhere the statement simply runs")
    with connection.cursor() as cursor:
        for number in range(3):
            execute_prepared(cursor, "test_prepared_once", SQL, [number, "x"])
    assert "test_prepared_once" in prepared_names()
    connection.close()  # a new connection has none of it and prepares it again
    assert "test_prepared_once" not in prepared_names()
    with connection.cursor() as cursor:
        execute_prepared(cursor, "test_prepared_once", SQL, [7, "x"])
        assert cursor.fetchone() == (8, "x")


def test_an_escaped_percent_is_refused_rather_than_misnumbered():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    with connection.cursor() as cursor, pytest.raises(ValueError):
        execute_prepared(cursor, "test_percent", "SELECT '100%%' || CAST(%s AS text)", ["x"])
