"""The site's URLs with the payments pages included, as the lead will include them in shuchang/urls.py
(`path("", include("payments.urls"))`); used by the payments tests until then, and harmless after."""

from django.urls import URLResolver, include, path

from shuchang.urls import handler403, handler404, handler500
from shuchang.urls import urlpatterns as site_urlpatterns

_included = any(
    isinstance(entry, URLResolver) and entry.urlconf_module.__name__ == "payments.urls"
    for entry in site_urlpatterns
    if hasattr(getattr(entry, "urlconf_module", None), "__name__")
)

urlpatterns = list(site_urlpatterns) if _included else [path("", include("payments.urls")), *site_urlpatterns]

__all__ = ["handler403", "handler404", "handler500", "urlpatterns"]
