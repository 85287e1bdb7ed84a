app_name = "developers"
urlpatterns: list = []
