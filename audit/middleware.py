from audit.context import RequestMeta, client_ip, reset_request_meta, set_request_meta


class AuditContextMiddleware:
    """Makes the request's IP and user agent available to audit_record without passing them around."""

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
