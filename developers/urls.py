from django.urls import path

from developers import views

app_name = "developers"
urlpatterns = [
    path("", views.news_list, name="news_list"),
    path("<int:pk>/", views.news_detail, name="news_detail"),
]
