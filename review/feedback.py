"""How a view tells the person what their write did. The domain refuses a write with a ValidationError whose
sentences are meant for people; a view shows them as one error message, or its own success message."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest


def refusal(error: ValidationError) -> str:
    """The refusal's sentences as one message."""
    return " ".join(error.messages)


def report_write(request: HttpRequest, write: Callable[[], object], *, done: str) -> bool:
    """Run `write`; show `done` if it went through, else why it was refused. True if it went through."""
    try:
        write()
    except ValidationError as error:
        messages.error(request, refusal(error))
        return False
    messages.success(request, done)
    return True
