app_name = "syndication"
urlpatterns: list = []
