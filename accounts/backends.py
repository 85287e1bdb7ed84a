from django.contrib.auth.backends import ModelBackend

from accounts.models import User
from shuchang.core.validators import MOBILE_RE


class MobileOrUsernameBackend(ModelBackend):
    """Buyers sign in with their mobile number, staff with their username."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username and MOBILE_RE.match(username):
            user = User.objects.filter(mobile=username).first()
            if user is not None:
                username = user.get_username()
        return super().authenticate(request, username=username, password=password, **kwargs)
