from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def floor(request: HttpRequest) -> HttpResponse:
    """A bare Django view: what a request costs on this server before any of our work."""
    return HttpResponse("ok")


urlpatterns = [path("bench/floor/", floor), path("", include("config.urls"))]
