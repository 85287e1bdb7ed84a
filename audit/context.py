"""Who is acting and from where, for the request being served (set by AuditContextMiddleware)."""

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestMeta:
    ip: str | None = None
    user_agent: str = ""


_NO_REQUEST = RequestMeta()
_current: ContextVar[RequestMeta | None] = ContextVar("audit_request_meta", default=None)


def current_request_meta() -> RequestMeta:
    return _current.get() or _NO_REQUEST


def set_request_meta(meta: RequestMeta):
    return _current.set(meta)


def reset_request_meta(token) -> None:
    _current.reset(token)


def client_ip(request) -> str | None:
    """The client address; X-Forwarded-For is trusted only behind our own proxy (TRUST_X_FORWARDED_FOR)."""
    from django.conf import settings

    if getattr(settings, "TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR") or None
