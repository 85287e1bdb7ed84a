from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.static import serve

admin.site.site_header = "舒畅 房产网络销售平台 · 管理后台"
admin.site.site_title = "舒畅管理后台"
admin.site.index_title = "后台首页"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("office/system/", include("audit.urls")),
    path("news/", include("developers.urls")),
    path("loans/", include("loans.urls")),
    path("office/reports/", include("reports.urls")),
    path("", include("sales.urls")),
    path("", include("payments.urls")),
    path("", include("listings.urls")),
]

if settings.DEBUG or getattr(settings, "SERVE_MEDIA", False):
    from django.contrib.auth.decorators import login_not_required

    urlpatterns += [
        path("media/<path:path>", login_not_required(serve), {"document_root": settings.MEDIA_ROOT}),
    ]

handler404 = "shuchang.core.views.page_not_found"
handler500 = "shuchang.core.views.server_error"
handler403 = "shuchang.core.views.permission_denied"
