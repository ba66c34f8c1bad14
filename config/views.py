"""Pages of the site itself rather than of a review: errors inside the site's frame, and the log-in lockout."""

from __future__ import annotations

from axes.helpers import get_cool_off
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone


def _message(exception: Exception | None) -> str:
    # Views raise Http404/PermissionDenied with a sentence for the reader; the resolver's own 404 carries
    # a dict of the patterns tried, which is for developers only.
    message = exception.args[0] if exception is not None and exception.args else ""
    return message if isinstance(message, str) else ""


def _context(request: HttpRequest, exception: Exception | None) -> dict:
    # Inside a review the member passed (review/access.py keeps their membership on the request), the
    # page keeps the review's title and menu, so the way back is at hand.
    membership = getattr(request, "membership", None)
    return {"message": _message(exception), "review": membership.review if membership else None}


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", _context(request, exception), status=404)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", _context(request, exception), status=403)


def locked_out(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """django-axes' answer to a log-in from a locked-out username or address. The cool-off runs from the
    last failed attempt, which is this one."""
    cool_off = get_cool_off(request)
    return render(
        request,
        "registration/locked_out.html",
        {"retry_at": timezone.now() + cool_off, "minutes": round(cool_off.total_seconds() / 60)},
        status=429,
    )
