"""What the management commands share: finding what their arguments name, and stopping with the domain's
own sentences when it refuses a change."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.db.models import Model, QuerySet

from review.feedback import refusal
from review.models import Review


def first_or_error[M: Model](rows: QuerySet[M], message: str) -> M:
    """The first of `rows`, else the command stops with `message`."""
    found = rows.first()
    if found is None:
        raise CommandError(message)
    return found


def named_review(slug: str) -> Review:
    return first_or_error(Review.objects.filter(slug=slug), f"No review with the short name “{slug}”.")


def named_user(username: str, *, missing: str):
    return first_or_error(get_user_model().objects.filter(username=username), missing)


@contextmanager
def refusal_stops_command() -> Iterator[None]:
    """A change the domain refuses (ValidationError) ends the command with the refusal's sentences."""
    try:
        yield
    except ValidationError as error:
        raise CommandError(refusal(error)) from error
