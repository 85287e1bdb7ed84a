"""The site's URLs with the reports pages included as the lead will include them in shuchang/urls.py
(`path("office/reports/", include("reports.urls"))`); used by the tests until then."""

from django.urls import URLResolver, include, path

from shuchang.urls import handler403, handler404, handler500
from shuchang.urls import urlpatterns as site_urlpatterns

_included = any(
    isinstance(entry, URLResolver) and getattr(entry.urlconf_module, "__name__", "") == "reports.urls"
    for entry in site_urlpatterns
)

urlpatterns = (
    list(site_urlpatterns) if _included else [path("office/reports/", include("reports.urls")), *site_urlpatterns]
)

__all__ = ["handler403", "handler404", "handler500", "urlpatterns"]
