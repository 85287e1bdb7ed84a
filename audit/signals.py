"""Login, logout and failed logins go to the login log (auth events, not business logic)."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from audit.models import LoginEvent
from audit.services import login_record


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    login_record(user=user, username=user.get_username(), event=LoginEvent.LOGIN)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        login_record(user=user, username=user.get_username(), event=LoginEvent.LOGOUT)


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    login_record(user=None, username=str(credentials.get("username", "")), event=LoginEvent.FAILED)
