"""Middleware of the site itself."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.contrib.auth import SESSION_KEY
from django.http import HttpRequest, HttpResponse

LAST_ACTIVE = "_last_active"
# How stale the expiry may get: a logged-in session is saved (and its expiry pushed to SESSION_IDLE_TIMEOUT
# from now) at most once a minute, not on every request as SESSION_SAVE_EVERY_REQUEST would.
REFRESH_SECONDS = 60


def start_idle_clock(*, request: HttpRequest, **kwargs) -> None:
    """On log-in (user_logged_in; the log-in saves the session anyway), so the first request after it
    need not write."""
    request.session[LAST_ACTIVE] = int(time.time())


def idle_timeout(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    """Sessions end SESSION_COOKIE_AGE seconds after the last request, not after the log-in: a session
    is saved with a new expiry when it was last saved more than a minute ago. Put after SessionMiddleware."""

    def middleware(request: HttpRequest) -> HttpResponse:
        session = request.session
        now = int(time.time())
        if SESSION_KEY in session and session.get(LAST_ACTIVE, 0) <= now - REFRESH_SECONDS:
            session[LAST_ACTIVE] = now
        return get_response(request)

    return middleware
