"""Destructive actions ask first and, where it is cheap, can be taken back.

`confirmation()`: the first POST of a destructive form answers with a page that says what will happen and
repeats the form's fields in a POST form of its own (with `confirmed=yes`); nothing is written until that
second POST. No JavaScript needed, and nothing is written on GET.

`undo_message()`: the success message carries a small POST form that undoes the action, so "undo" works
from the page the action returns to, whichever that is."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

CONFIRMED = "confirmed"


def confirmation(
    request: HttpRequest,
    *,
    review,
    question: str,
    explanation: str,
    button: str,
    cancel_url: str,
) -> HttpResponse | None:
    """The confirmation page for this POST, or None once it was confirmed (then the view acts)."""
    if request.POST.get(CONFIRMED) == "yes":
        return None
    fields = [
        (name, value)
        for name, values in request.POST.lists()
        if name not in {"csrfmiddlewaretoken", CONFIRMED}
        for value in values
    ]
    context = {
        "review": review,
        "question": question,
        "explanation": explanation,
        "button": button,
        "cancel_url": cancel_url,
        "fields": fields,
        "action": request.get_full_path(),
    }
    return render(request, "review/confirm.html", context)


def undo_message(
    request: HttpRequest, text: str, *, url: str, button: str, fields: dict[str, object]
) -> None:
    """A success message with an "Undo" button posting `fields` to `url`."""
    html = render_to_string(
        "review/fragments/undo_message.html",
        {
            "text": text,
            "url": url,
            "button": button,
            "fields": fields.items(),
            "csrf_token": get_token(request),
        },
    )
    # Rendered by the template engine above, every value escaped there; messages keep it marked safe.
    messages.success(request, mark_safe(html))
