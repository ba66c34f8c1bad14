"""A test-only page whose htmx buttons are refused in each way a server can refuse, beside the site's own
addresses (tests/browser/test_frame.py uses it through `@pytest.mark.urls`)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.template import engines
from django.urls import path

from config.urls import handler403, handler404  # noqa: F401
from config.urls import urlpatterns as site_urlpatterns

PAGE = """{% extends "base.html" %}{% block content %}
<h1>Refusals</h1>
<p><button hx-post="/htmx-errors/forbidden/" hx-target="#answer">Forbidden</button></p>
<p><button hx-post="/htmx-errors/missing/" hx-target="#answer">Missing</button></p>
<p><button hx-post="/htmx-errors/broken/" hx-target="#answer">Broken</button></p>
<p><button hx-get="/htmx-errors/plain/" hx-target="#answer">Plain</button></p>
<p><button hx-get="/htmx-errors/back/" hx-target="#answer">Offline</button></p>
<table><tbody><tr><td>A row</td><td><button hx-post="/htmx-errors/forbidden/" hx-target="closest tr">Row</button></td></tr></tbody></table>
<form id="stale" hx-post="/htmx-errors/stale/" hx-swap="outerHTML"><button type="submit">Save</button></form>
<p id="answer"></p>
{% endblock %}"""


def page(request: HttpRequest) -> HttpResponse:
    return HttpResponse(engines["django"].from_string(PAGE).render({}, request))


def forbidden(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied("Your role in this review does not allow this.")


def missing(request: HttpRequest) -> HttpResponse:
    raise Http404("No such record in this review.")


def broken(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug, on purpose")


def plain(request: HttpRequest) -> HttpResponse:
    return HttpResponse("Down for maintenance until 14:00.", status=503, content_type="text/plain")


def back(request: HttpRequest) -> HttpResponse:
    return HttpResponse("Back online.")


def stale(request: HttpRequest) -> HttpResponse:
    # As a reconcile save does: the form again, with what is wrong, and a 409.
    fragment = (
        '<form id="stale" hx-post="/htmx-errors/stale/" hx-swap="outerHTML">'
        '<p class="error" role="alert">Someone saved this value after you opened the page. Theirs: 2.5. '
        'Yours: 3.</p><button type="submit">Save</button></form>'
    )
    return HttpResponse(fragment, status=409)


urlpatterns = [
    path("htmx-errors/", page),
    path("htmx-errors/forbidden/", forbidden),
    path("htmx-errors/missing/", missing),
    path("htmx-errors/broken/", broken),
    path("htmx-errors/plain/", plain),
    path("htmx-errors/back/", back),
    path("htmx-errors/stale/", stale),
    *site_urlpatterns,
]
