app_name = "extraction"

urlpatterns: list = []
