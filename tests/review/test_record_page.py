"""The record page: its history in words (who, when, what), its removal and labels, with actions for the
roles that may take them, in a number of queries that does not grow with its history."""

from __future__ import annotations

import pytest
from django.urls import reverse

from review import curation, duplicates
from review.models import DuplicatePair, Label, Record, Search

pytestmark = pytest.mark.django_db


def page_of(client, record) -> str:
    response = client.get(reverse("review:record", args=[record.review.slug, record.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_history_tells_what_happened_in_words(review, owner, reviewer, client_for):
    search = Search.objects.create(
        review=review, source_name="Embase", file_name="embase.ris", created_by=reviewer
    )
    Record.objects.bulk_create(
        [Record(review=review, search=search, title=f"Ketamine trial {i}", year=2018) for i in range(2)]
    )
    original, record = Record.objects.for_review(review).order_by("id")
    pair = DuplicatePair.objects.create(
        review=review, record=record, original=original, reason="similar title"
    )
    duplicates.confirm_pair(pair=pair, user=reviewer)
    duplicates.unmerge(record=record, user=owner)
    record.refresh_from_db()
    record.title = "Ketamine trial, corrected"
    record.year = 2019
    record._history_user = owner
    record.save()
    curation.remove_records(
        review=review, record_ids=[record.pk], user=owner, kind="other", reason="retracted"
    )
    curation.restore_records(review=review, record_ids=[record.pk], user=owner)
    label = Label.objects.create(review=review, name="check PDF")
    curation.label_records(review=review, record_ids=[record.pk], label=label, user=reviewer)
    curation.unlabel_records(review=review, record_ids=[record.pk], label=label, user=owner)
    curation.label_records(review=review, record_ids=[record.pk], label=label, user=reviewer)

    page = page_of(client_for(owner), record)
    history = page.split('id="history-heading"', 1)[1]
    expected_newest_first = [
        "<strong>reviewer</strong>: Labelled “check PDF”",
        "<strong>owner</strong>: Label “check PDF” taken off",
        "<strong>reviewer</strong>: Labelled “check PDF”",
        "<strong>owner</strong>: Restored: back among the records to screen",
        "<strong>owner</strong>: Removed before screening: removed for other reasons",
        "<strong>owner</strong>: Edited title and year",
        f"<strong>owner</strong>: Merge undone: no longer a duplicate of #{original.pk}",
        # The first change of a record imported in bulk is told by the change's own words.
        f"<strong>reviewer</strong>: Merged into #{original.pk}",
        "<strong>reviewer</strong>: Imported from Embase (file embase.ris)",
    ]
    position = 0
    for text in expected_newest_first:
        assert text in history[position:], (text, history)
        position = history.index(text, position) + len(text)
    assert "(“retracted”)" in history
    assert "doi_key" not in history and "title_key" not in history


def test_owner_removes_and_restores_from_the_page_reviewer_labels_viewer_only_reads(
    review, owner, reviewer, viewer, client_for
):
    record = Record.objects.create(review=review, title="Ketamine trial")
    Label.objects.create(review=review, name="background")
    owner_page = page_of(client_for(owner), record)
    assert "Remove before screening…" in owner_page and 'value="label"' in owner_page
    reviewer_page = page_of(client_for(reviewer), record)
    assert "Remove before screening…" not in reviewer_page and 'value="label"' in reviewer_page
    viewer_page = page_of(client_for(viewer), record)
    assert "Remove before screening…" not in viewer_page and 'value="label"' not in viewer_page

    client = client_for(owner)
    url = reverse("review:record", args=[review.slug, record.pk])
    response = client.post(
        reverse("review:record_action", args=[review.slug]),
        {
            "action": "remove",
            "records": record.pk,
            "removal_kind": "automation",
            "reason": "RobotSearch",
            "next": url,
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == url
    page = response.content.decode()
    assert (
        "Removed before screening: <strong>marked ineligible by automation tools</strong>: RobotSearch"
        in page
    )
    assert 'value="restore"' in page


@pytest.mark.parametrize("changes", [1, 12])
def test_the_page_takes_the_same_queries_however_long_its_history(
    review, owner, client_for, django_assert_num_queries, changes
):
    search = Search.objects.create(review=review, source_name="PubMed", created_by=owner)
    record = Record.objects.create(review=review, search=search, title="Trial")
    label = Label.objects.create(review=review, name="background")
    for _ in range(changes):
        curation.label_records(review=review, record_ids=[record.pk], label=label, user=owner)
        curation.unlabel_records(review=review, record_ids=[record.pk], label=label, user=owner)
        curation.remove_records(review=review, record_ids=[record.pk], user=owner, kind="other", reason="x")
        curation.restore_records(review=review, record_ids=[record.pk], user=owner)
    client = client_for(owner)
    # Session, user, membership, record; its labels and removal; history of the record, its removals and
    # labels; the duplicates list; the action form's labels.
    with django_assert_num_queries(11):
        page_of(client, record)
