from django.urls import path

from audit import views

app_name = "audit"
urlpatterns = [
    path("log/", views.audit_log, name="audit_log"),
    path("logins/", views.login_log, name="login_log"),
    path("permissions/", views.permissions_matrix, name="permission_matrix"),
    path("backups/", views.backup_list, name="backup_list"),
    path("backups/<int:pk>/restore/", views.backup_restore, name="backup_restore"),
]
