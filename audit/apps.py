from django.apps import AppConfig


class AuditConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "audit"
    verbose_name = "日志与备份"

    def ready(self):
        from django.db.models.signals import post_migrate

        from audit import signals  # noqa: F401

        post_migrate.connect(_reinstall_sqlite_triggers, sender=self)


def _reinstall_sqlite_triggers(using, **kwargs):
    """SQLite loses a table's triggers when a migration rebuilds it; put them back after every migrate."""
    from django.db import connections

    from audit.triggers import install_sqlite_triggers

    if connections[using].vendor == "sqlite":
        install_sqlite_triggers(connections[using])
