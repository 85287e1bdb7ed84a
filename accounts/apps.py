from django.apps import AppConfig


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"
    verbose_name = "用户与权限"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from accounts.middleware import stamp_login

        user_logged_in.connect(stamp_login, dispatch_uid="accounts.stamp_login")
