"""The record tallies the database keeps by triggers (migration 0012_record_tally): after any mix of imports
(COPY on PostgreSQL, batched INSERTs on SQLite), records saved one at a time, merges and their undoing,
removals and restorations, updates in bulk and deletions, they equal a count from the records themselves."""

from __future__ import annotations

import random

import pytest
from django.db.models import Count, Q

from review import curation, merging
from review.constants import RemovalKind, SourceKind
from review.importers.bulk import bulk_insert
from review.managers import removed_now
from review.models import DuplicatePair, Record, Review, Search
from review.records import RecordCounts, record_counts, review_record_counts

pytestmark = pytest.mark.django_db


def from_scratch(review) -> dict:
    rows = (
        Record.objects.for_review(review)
        .values("search_id")
        .annotate(
            records=Count("pk"),
            duplicates=Count("duplicate_of_id"),
            removed=Count("pk", filter=Q(duplicate_of__isnull=True) & removed_now()),
        )
        .order_by()
    )
    return {r["search_id"]: RecordCounts(r["records"], r["duplicates"], r["removed"]) for r in rows}


def kept(review) -> dict:
    return {search: counts for search, counts in record_counts(review).items() if counts != RecordCounts()}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_tallies_equal_a_count_of_the_records(review, owner, seed):
    rng = random.Random(seed)
    searches = [Search.objects.create(review=review, source_name=n, kind=SourceKind.DATABASE) for n in "AB"]
    other = Review.objects.create(slug=f"other-{seed}", title="Another review")

    def records() -> list[Record]:
        return list(Record.objects.for_review(review).order_by("pk"))

    for made in range(60):
        action = rng.choice(
            ["import", "save", "merge", "unmerge", "remove", "restore", "bulk", "delete", "other"]
        )
        if action == "import":
            search = rng.choice([*searches, None])
            rows = [
                {"title": f"Imported {made}.{i}", "abstract": "", "authors": []}
                for i in range(rng.randint(1, 5))
            ]
            bulk_insert(Record, rows, fields=["title", "abstract", "authors"], review=review, search=search)
        elif action == "save":
            Record.objects.create(review=review, title=f"Saved {made}", search=rng.choice([*searches, None]))
        elif action == "other":  # another review's records are counted apart
            Record.objects.create(review=other, title=f"Elsewhere {made}")
        elif len(present := records()) >= 2:
            record, target = rng.sample(present, 2)
            if action == "merge" and record.duplicate_of_id is None and target.duplicate_of_id is None:
                pair = DuplicatePair.objects.create(
                    review=review, record=record, original=target, reason="same DOI"
                )
                merging.confirm_pair(pair=pair, user=owner)
            elif action == "unmerge" and record.duplicate_of_id is not None:
                merging.unmerge(record=record, user=owner)
            elif action == "remove":
                curation.remove_records(
                    review=review,
                    record_ids=[record.pk],
                    user=owner,
                    kind=RemovalKind.OTHER,
                    reason="Retracted",
                )
            elif action == "restore":
                curation.restore_records(review=review, record_ids=[record.pk], user=owner)
            elif action == "bulk":  # around every service: the database still counts it
                chosen = [r.pk for r in rng.sample(present, min(3, len(present)))]
                Record.objects.filter(pk__in=chosen).update(
                    search=rng.choice([*searches, None]), duplicate_of=rng.choice([None, target])
                )
                Record.objects.filter(pk=target.pk).update(duplicate_of=None)
            elif action == "delete" and not record.duplicates.exists():
                record.removals.all().delete()
                record.duplicate_pairs.all().delete()
                record.delete()
        assert kept(review) == from_scratch(review), (made, action)
    assert review_record_counts(review) == sum(from_scratch(review).values(), RecordCounts())
    assert kept(other) == from_scratch(other)


def test_a_deleted_review_leaves_its_tallies_at_zero(review, owner):
    Record.objects.create(review=review, title="One")
    review_id = review.pk
    review.delete()
    assert all(counts == RecordCounts() for counts in record_counts(Review(pk=review_id)).values())
