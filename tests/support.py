"""Test-only database helpers."""

from audit import triggers as _triggers


def suspend_log_triggers(connection) -> None:
    """Let the harness's flush empty the log tables."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
        elif connection.vendor == "sqlite":
            for statement in _triggers.SQLITE_REVERSE:
                cursor.execute(statement)


def restore_log_triggers(connection) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = DEFAULT")
        elif connection.vendor == "sqlite":
            for statement in _triggers.SQLITE_REVERSE + _triggers.SQLITE_SQL:
                cursor.execute(statement)
