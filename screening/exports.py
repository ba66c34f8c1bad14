"""The votes as a file, made by a background export job (review/exports/); apps.py registers it."""

from __future__ import annotations

from typing import BinaryIO

from review.exports.tables import Progress, write_table
from review.models import Review
from screening.models import Vote
from screening.resources import VoteResource


def write_votes(*, review: Review, user, file_format: str, out: BinaryIO, progress: Progress) -> int:
    """Every vote `user` may see when the job runs, blinded exactly like the pages."""
    progress("Reading the votes you may see", 10)
    votes = list(
        Vote.objects.for_review(review)
        .visible_to(user, review)
        .select_related("record", "reviewer", "reason")
        .order_by("record_id", "stage", "id")
    )
    return write_table(
        out=out,
        file_format=file_format,
        resource=VoteResource(),
        rows=votes,
        title="votes",
        progress=progress,
    )
