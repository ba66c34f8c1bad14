"""The floor under each reviewer's queue (QueueFloor): "no record below this id is in her queue at this
stage", so that finding her next record is an index seek from the floor rather than a walk over every
record already settled, however far the review has gone.

Raising is optimistic: the walk reads the floor, finds the first record of the queue above it, and raises
the floor to that record only if the row has not been written since it was read (`version`). Lowering is
done by every change that can put a record below a floor back into a queue, in the change's own
transaction:

- an undo puts the record back into its reviewer's queue (`lower(..., user=...)`);
- a title/abstract include opens the record at full text, and a report found after it was marked as not
  retrieved opens it again there (every reviewer's full-text floor);
- a restored removal or an undone merge puts the record back at both stages (review.signals).

Nothing else adds a record to a queue: votes, decisions and removals only take records out, and an import's
records take ids above every record the review already has (floors are ids of existing records).

The only race is a floor row created while a lowering runs (the lowering would not see the new row): both
take the same lock on the review (an advisory one), so one waits for the other."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import F
from django.db.models.functions import Least

from review.constants import Stage
from review.models import Review
from screening.models import QueueFloor


@dataclass(frozen=True)
class Floor:
    below: int
    version: int | None  # None: no row yet (the floor is 0)


def read(*, review: Review, stage: str, user) -> Floor:
    row = (
        QueueFloor.objects.filter(review=review, stage=stage, user=user.pk).values("below", "version").first()
    )
    return Floor(**row) if row else Floor(below=0, version=None)


# The first key of the advisory locks below: says "queue floors" among whatever else takes such locks.
LOCK_CLASS = 0x51F1


def _lock_review(review_id: int) -> None:
    """Serialise floor rows being created with floors being lowered, per review, until the transaction
    ends (a no-op on SQLite, which runs one writer at a time). An advisory lock rather than a row lock on
    the review: nothing else takes it, so it cannot deadlock with a transaction that changed the review
    and then locks decisions (a lower number of votes per record decides records waiting)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s::integer, %s::integer)", [LOCK_CLASS, review_id])


def raise_to(*, review: Review, stage: str, user, seen: Floor, first: int) -> None:
    """The walk from `seen` found `first` to be the first record of the queue: raise the floor to it,
    unless the row changed since `seen` was read. A reviewer without a row gets one at 0 (raised next time):
    a floor computed before the row existed could miss a lowering that ran meanwhile."""
    if first <= seen.below:
        return
    if seen.version is None:
        with transaction.atomic():
            _lock_review(review.pk)
            QueueFloor.objects.bulk_create(
                [QueueFloor(review=review, stage=stage, user=user.pk)], ignore_conflicts=True
            )
        return
    QueueFloor.objects.filter(
        review=review, stage=stage, user=user.pk, version=seen.version, below=seen.below
    ).update(below=first, version=F("version") + 1)


def lower(
    *, review: Review, record_ids: Iterable[int], stages: Iterable[str] = Stage.values, user=None
) -> None:
    """Records `record_ids` may be back in a queue at `stages`: lower the floors of `user` (everyone's when
    None) to them. Call inside the transaction that makes the change."""
    ids = list(record_ids)
    if not ids:
        return
    _lock_review(review.pk)
    floors = QueueFloor.objects.filter(review=review, stage__in=list(stages))
    if user is not None:
        floors = floors.filter(user=user.pk)
    floors.update(below=Least(F("below"), min(ids)), version=F("version") + 1)


def forget(review: Review) -> None:
    """Drop the review's floors (after votes or decisions changed in bulk, around screening.services)."""
    QueueFloor.objects.filter(review=review).delete()
