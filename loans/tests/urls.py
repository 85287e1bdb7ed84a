"""The root URLs plus the loan pages, until the lead adds `path("loans/", include("loans.urls"))` to
shuchang/urls.py (then this adds nothing)."""

from django.urls import include, path

from shuchang import urls as root

urlpatterns = list(root.urlpatterns)
if not any(getattr(pattern, "namespace", None) == "loans" for pattern in root.urlpatterns):
    urlpatterns.append(path("loans/", include("loans.urls")))

handler404 = root.handler404
handler500 = root.handler500
handler403 = root.handler403
