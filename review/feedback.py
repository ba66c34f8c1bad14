"""What a page says after one service call: the service's refusal in its own words, or what was done. Every
app's views call this, so a refusal reads the same everywhere and is never swallowed."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest


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
        messages.error(request, refused + " ".join(error.messages))
        return None
    messages.success(request, success(done))
    return done
