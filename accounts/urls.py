from django.contrib.auth.views import LogoutView
from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("register/", views.register, name="register"),
    path("login/", views.AccountLoginView.as_view(), name="login"),
    # Django's LogoutView accepts POST only: a link (or a prefetching browser) cannot sign anyone out.
    path("logout/", LogoutView.as_view(), name="logout"),
    path("verify/", views.verify, name="verify"),
    path("me/", views.me, name="me"),
]
