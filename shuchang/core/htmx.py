"""Small htmx helpers shared by views."""

from django.http import HttpResponse


def hx_redirect(url: str) -> HttpResponse:
    response = HttpResponse(status=204)
    response["HX-Redirect"] = url
    return response
