"""Removal before screening and labels, as rules: what screening sees, what PRISMA counts, what history
keeps, and bad input refused with nothing changed."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from review import curation
from review.models import Label, Record, RecordLabel, RecordRemoval
from screening import services as screening
from screening.progress import stage_progress
from screening.visibility import Sight

pytestmark = pytest.mark.django_db


def make(review, n: int) -> list[Record]:
    return [Record.objects.create(review=review, title=f"Record {i}") for i in range(n)]


def title_abstract_counts(review, user):
    return stage_progress(sight=Sight.of(user, review))[0].counts


def ids(records) -> list[int]:
    return [r.pk for r in records]


def test_removed_records_leave_the_screening_queue_and_progress_until_restored(review, owner, reviewer):
    a, b, c = make(review, 3)
    curation.remove_records(review=review, record_ids=[a.pk], user=owner, kind="other", reason="retracted")
    queue = screening.queue(review=review, stage="title_abstract", user=reviewer)
    assert list(queue) == [b, c]
    assert title_abstract_counts(review, owner).not_started == 2
    curation.restore_records(review=review, record_ids=[a.pk], user=owner)
    assert list(screening.queue(review=review, stage="title_abstract", user=reviewer)) == [a, b, c]
    assert title_abstract_counts(review, owner).not_started == 3


def test_prisma_counts_both_kinds_in_one_aggregate(review, owner, django_assert_num_queries):
    """Counted by hand: automation a, b, c; other reasons d, e. Not counted: f (restored), g (removed,
    then merged as a duplicate: PRISMA counts it among duplicates), h (never removed)."""
    a, b, c, d, e, f, g, h = make(review, 8)
    curation.remove_records(
        review=review, record_ids=ids([a, b, c]), user=owner, kind="automation", reason="RCT classifier"
    )
    curation.remove_records(
        review=review, record_ids=ids([d, e, f, g]), user=owner, kind="other", reason="retracted"
    )
    curation.restore_records(review=review, record_ids=[f.pk], user=owner)
    Record.objects.filter(pk=g.pk).update(duplicate_of=h)
    with django_assert_num_queries(1):
        counts = RecordRemoval.objects.prisma_counts(review)
    assert counts == {"excluded_automatic": 3, "excluded_other": 2}
    assert set(Record.objects.for_review(review).removed()) == {a, b, c, d, e, g}
    assert set(Record.objects.for_review(review).screenable()) == {f, h}


def test_removing_again_restoring_twice_and_bad_input_change_nothing(review, owner):
    (a,) = make(review, 1)
    first = curation.remove_records(review=review, record_ids=[a.pk], user=owner, kind="other", reason="x")
    again = curation.remove_records(review=review, record_ids=[a.pk], user=owner, kind="other", reason="y")
    assert (first.removed, again.removed, again.already_removed) == ([a.pk], [], [a.pk])
    assert curation.restore_records(review=review, record_ids=[a.pk], user=owner) == [a.pk]
    assert curation.restore_records(review=review, record_ids=[a.pk], user=owner) == []
    with pytest.raises(ValidationError, match="Choose why"):
        curation.remove_records(review=review, record_ids=[a.pk], user=owner, kind="bored", reason="x")
    with pytest.raises(ValidationError, match="Say why"):
        curation.remove_records(review=review, record_ids=[a.pk], user=owner, kind="other", reason="  ")
    # A second removal after restoring is a new row; the first stays as history.
    curation.remove_records(review=review, record_ids=[a.pk], user=owner, kind="automation", reason="tool")
    rows = RecordRemoval.objects.filter(record=a).order_by("id")
    assert [(r.reason, r.is_active) for r in rows] == [("x", False), ("tool", True)]


def test_bulk_actions_take_the_same_queries_for_2_and_40_records(review, owner, django_assert_num_queries):
    label = Label.objects.create(review=review, name="background")
    for n in (2, 40):
        records = ids(make(review, n))
        # A savepoint; lock the records, read those removed now and those in screening (the hook); insert
        # the removals and their history rows; release.
        with django_assert_num_queries(7):
            curation.remove_records(review=review, record_ids=records, user=owner, kind="other", reason="x")
        # Restoring also lowers the screening queues' floors (screening.queue_floor): one UPDATE more, and
        # on PostgreSQL the advisory lock taken first.
        with django_assert_num_queries(7 + (connection.vendor == "postgresql")):
            curation.restore_records(review=review, record_ids=records, user=owner)
        with django_assert_num_queries(7):
            curation.label_records(review=review, record_ids=records, label=label, user=owner)
        with django_assert_num_queries(6):
            curation.unlabel_records(review=review, record_ids=records, label=label, user=owner)


def test_labels_are_put_on_once_taken_off_and_put_on_again_with_history(review, owner, reviewer):
    a, b = make(review, 2)
    label = Label.objects.create(review=review, name="check PDF")
    assert curation.label_records(review=review, record_ids=[a.pk, b.pk], label=label, user=reviewer) == [
        a.pk,
        b.pk,
    ]
    assert curation.label_records(review=review, record_ids=[a.pk], label=label, user=owner) == []
    assert curation.unlabel_records(review=review, record_ids=[a.pk], label=label, user=owner) == [a.pk]
    assert curation.label_records(review=review, record_ids=[a.pk], label=label, user=owner) == [a.pk]
    assert set(Record.objects.for_review(review).labelled(label)) == {a, b}
    rows = RecordLabel.objects.filter(record=a).order_by("id")
    assert [(r.added_by, r.removed_by) for r in rows] == [(reviewer, owner), (owner, None)]
    history = RecordLabel.history.filter(record_id=a.pk).order_by("history_id")
    assert [(h.history_type, h.history_user) for h in history] == [
        ("+", reviewer),
        ("~", owner),
        ("+", owner),
    ]


def test_a_label_of_another_review_is_refused(review, owner):
    from review import services

    other = services.create_review(slug="other", title="Other", owner=owner)
    (a,) = make(review, 1)
    theirs = Label.objects.create(review=other, name="theirs")
    with pytest.raises(ValidationError, match="not in this review"):
        curation.label_records(review=review, record_ids=[a.pk], label=theirs, user=owner)
    assert not RecordLabel.objects.exists()
