from django.urls import path

from listings import views

app_name = "storefront"
urlpatterns = [
    path("", views.home, name="home"),
    path("projects/", views.project_list, name="project_list"),
    path("projects/<slug:slug>/", views.project_detail, name="project_detail"),
    path("projects/<slug:slug>/buildings/<str:number>/", views.building_detail, name="building_detail"),
    path("projects/<slug:slug>/buildings/<str:number>/grid/", views.building_grid, name="building_grid"),
    path("projects/<slug:slug>/units/<str:code>/", views.unit_detail, name="unit_detail"),
]
