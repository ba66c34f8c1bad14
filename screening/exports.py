"""The votes as a table for a background export job (review/exports/); apps.py registers it."""

from __future__ import annotations

from review.exports import Progress, Stream, Table
from review.models import Review
from screening.models import Vote

VOTE_COLUMNS = ["record", "reviewer", "stage", "verdict", "reason", "note", "time", "record_id", "title"]


def votes_tables(*, review: Review, user, progress: Progress) -> list[Table]:
    """Every vote `user` may see when the job runs, blinded exactly like the pages. The `record` column
    names the record as `import_votes` finds it again: DOI, else PMID, else id."""
    votes = Stream(
        Vote.objects.for_review(review).visible_to(user, review).order_by("record_id", "stage", "id"),
        "record__doi",
        "record__pmid",
        "record_id",
        "reviewer__username",
        "stage",
        "verdict",
        "reason__label",
        "note",
        "created_at",
        "record__title",
    )
    rows = (
        (doi or pmid or str(record_id), reviewer, stage, verdict, reason, note, time, record_id, title)
        for doi, pmid, record_id, reviewer, stage, verdict, reason, note, time, title in votes
    )
    return [Table(name="votes", columns=VOTE_COLUMNS, rows=rows, count=votes.count(), requester=user)]
