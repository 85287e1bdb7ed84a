from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "shuchang.core"
    label = "core"
    verbose_name = "公共"
