from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("", views.report_index, name="index"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("centre/", views.centre, name="centre"),
    path("centre/<int:pk>/progress/", views.centre_progress, name="centre_progress"),
    path("centre/<int:pk>/download/", views.centre_download, name="centre_download"),
    path("<slug:code>/", views.report_page, name="report"),
]
