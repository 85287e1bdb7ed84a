from django.urls import path

from loans import views

app_name = "loans"

urlpatterns = [
    path("calculator/", views.calculator_page, name="calculator"),
    path("plans/", views.plan_list, name="plan_list"),
    path("plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("applications/", views.application_list, name="application_list"),
    path("orders/<int:order_pk>/apply/", views.application_create, name="application_create"),
    path("applications/<int:pk>/", views.application_detail, name="application_detail"),
    path("applications/<int:pk>/documents/", views.document_upload, name="document_upload"),
    path("applications/<int:pk>/documents/<int:document_pk>/", views.document_download, name="document_download"),
    path("applications/<int:pk>/<slug:action>/", views.application_action, name="application_action"),
]
