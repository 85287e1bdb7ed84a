from django.core.exceptions import PermissionDenied

from audit.context import RequestMeta, client_ip, reset_request_meta, set_request_meta


class AuditContextMiddleware:
    """Makes the request's IP and user agent available to audit_record without passing them around,
    and logs every request refused for lack of permission (result 被拒绝)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = set_request_meta(
            RequestMeta(ip=client_ip(request), user_agent=request.META.get("HTTP_USER_AGENT", "")[:300])
        )
        try:
            return self.get_response(request)
        finally:
            reset_request_meta(token)

    def process_exception(self, request, exception):
        if isinstance(exception, PermissionDenied):
            from audit.services import audit_record_refusal

            user = getattr(request, "user", None)
            audit_record_refusal(
                actor=user if user is not None and user.is_authenticated else None,
                action="http.permission_denied",
                message=f"{request.method} {request.path} 无权访问"[:500],
                data={"method": request.method, "path": request.path[:300]},
            )
        return None
