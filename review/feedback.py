"""What a page says after one service call: the service's refusal in its own words, or what was done. The
domain refuses a write with a ValidationError whose sentences are meant for people; every app's views show
it through here, so a refusal reads the same everywhere and is never swallowed."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest


def refusal(error: ValidationError) -> str:
    """The refusal's sentences as one message."""
    return " ".join(error.messages)


def attempt[Done](
    request: HttpRequest,
    action: Callable[[], Done],
    success: Callable[[Done], str],
    *,
    refused: str = "",
) -> Done | None:
    """Run `action`; on a ValidationError show its messages (after `refused`, which may say what did not
    happen) and return None, else show `success(result)` and return the result."""
    try:
        done = action()
    except ValidationError as error:
        messages.error(request, refused + refusal(error))
        return None
    messages.success(request, success(done))
    return done


def report_write(request: HttpRequest, write: Callable[[], object], *, done: str) -> bool:
    """`attempt` for a write whose result the view does not need: True if it went through."""
    return attempt(request, lambda: write() or True, lambda _: done) is not None
