"""The conflicts list in keyset pages (services.conflict_page): every open conflict the user may settle
once, in order, whatever the page size; the same queries for a few conflicts and for many."""

from __future__ import annotations

import pytest
from django.urls import reverse

from screening import services

pytestmark = pytest.mark.django_db


def conflicts(make_records, vote, reviewer, reviewer2, n: int, stage: str = "title_abstract"):
    records = make_records(n)
    for record in records:
        vote(record, reviewer, "include")
        vote(record, reviewer2, "exclude", note=f"note {record.pk}")
    return records


def walk(review, user, size: int, **filters) -> list[tuple[str, int]]:
    seen, after = [], ""
    while True:
        page = services.conflict_page(review=review, user=user, size=size, after=after, **filters)
        seen += [(d.stage, d.record_id) for d in page.rows]
        if not page.next_after:
            return seen
        after = page.next_after


def test_pages_hold_every_conflict_once_in_order(
    review, reviewer, reviewer2, adjudicator, make_records, vote
):
    records = conflicts(make_records, vote, reviewer, reviewer2, 7)
    agreed = make_records(2)
    for record in agreed:  # not conflicts: never listed
        vote(record, reviewer, "exclude")
        vote(record, reviewer2, "exclude")
    expected = [("title_abstract", r.pk) for r in records]
    for size in (1, 3, 7, 50):
        assert walk(review, adjudicator, size) == expected
    assert walk(review, adjudicator, 3, stage="full_text") == []
    assert walk(review, adjudicator, 3, reviewer_id=reviewer.pk) == expected
    # A reviewer who voted in every one of them may settle none (the review does not let the pair settle).
    assert walk(review, reviewer, 3) == []
    # A damaged cursor starts from the first page.
    assert [
        d.record_id for d in services.conflict_page(review=review, user=adjudicator, after="x:y").rows
    ] == [r.pk for r in records]


def test_the_adjudicator_sees_both_votes_on_every_row(
    review, reviewer, reviewer2, adjudicator, make_records, vote
):
    conflicts(make_records, vote, reviewer, reviewer2, 3)
    page = services.conflict_page(review=review, user=adjudicator)
    assert [sorted(v.reviewer.username for v in d.visible_votes) for d in page.rows] == [
        sorted([reviewer.username, reviewer2.username])
    ] * 3


def test_the_conflicts_page_costs_the_same_queries_for_few_and_many(
    review, reviewer, reviewer2, adjudicator, make_records, vote, client_for, django_assert_num_queries
):
    client = client_for(adjudicator)
    url = reverse("screening:conflicts", args=[review.slug]) + "?stage=title_abstract"
    counts = []
    for n in (3, 60):
        conflicts(make_records, vote, reviewer, reviewer2, n)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            html = client.get(url).content.decode()
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
    assert html.count('data-record="') == services.CONFLICTS_PAGE
    next_link = html.split('<a href="?', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    with django_assert_num_queries(counts[0]):
        second = client.get(
            reverse("screening:conflicts", args=[review.slug]) + "?" + next_link
        ).content.decode()
    assert second.count('data-record="') == 63 - services.CONFLICTS_PAGE
