from django.apps import AppConfig


class AuditConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "audit"
    verbose_name = "操作日志"

    def ready(self):
        from audit import signals  # noqa: F401
