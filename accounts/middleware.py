"""Sessions end after idle time: the last activity is written at most once a minute, not on every request."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect, resolve_url
from django.utils.http import urlencode

_LAST_SEEN = "last_seen"
_WRITE_EVERY_SECONDS = 60


def stamp_login(sender, request, user, **kwargs) -> None:
    """Start the idle clock at login, in the session write login does anyway (not on the next request)."""
    if request is not None and hasattr(request, "session"):
        request.session[_LAST_SEEN] = int(time.time())


class IdleTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            last_seen = request.session.get(_LAST_SEEN, now)
            limit = settings.SESSION_IDLE_SECONDS_STAFF if user.is_staff else settings.SESSION_IDLE_SECONDS_BUYER
            if now - last_seen > limit:
                logout(request)
                messages.info(request, "您已长时间未操作，为保护账户安全已自动退出，请重新登录")
                return redirect(f"{resolve_url(settings.LOGIN_URL)}?{urlencode({'next': request.get_full_path()})}")
            if now - last_seen >= _WRITE_EVERY_SECONDS or _LAST_SEEN not in request.session:
                request.session[_LAST_SEEN] = now
        return self.get_response(request)
