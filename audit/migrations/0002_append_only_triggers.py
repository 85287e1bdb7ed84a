"""The operation and login logs are append-only, enforced by PostgreSQL for every database user.
SQLite (the one-machine run) gets equivalent triggers. The SQL lives in audit/triggers.py.
"""

from django.db import migrations

from audit.triggers import PG_REVERSE, PG_SQL, SQLITE_REVERSE, SQLITE_SQL


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_SQL, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_SQL:
            schema_editor.execute(statement)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_REVERSE, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_REVERSE:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
