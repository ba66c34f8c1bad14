"""The dashboard's "Your next task" card: one action per member, chosen for their role and what waits."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from review.models import DuplicatePair, Record
from screening import services

pytestmark = pytest.mark.django_db


def next_task(client, review) -> tuple[str, str]:
    """(button text, link) of the card, which comes before the numbers."""
    html = client.get(reverse("review:dashboard", args=[review.slug])).content.decode()
    assert html.index('id="next-task"') < html.index('id="numbers"')
    found = re.search(r'<a class="button primary" href="([^"]+)" data-next-task>([^<]+)</a>', html)
    assert found, html
    return found.group(2), found.group(1)


def records(review, n: int) -> list[Record]:
    return Record.objects.bulk_create(
        [Record(review=review, title=f"Trial {i} of ketamine", year=2020) for i in range(n)]
    )


def test_an_owner_without_records_imports_first(review, owner, client_for):
    assert next_task(client_for(owner), review) == (
        "Import your first search",
        reverse("review:imports", args=[review.slug]),
    )


def test_an_owner_checks_probable_duplicates_first(review, owner, client_for):
    first, second = records(review, 2)
    DuplicatePair.objects.create(review=review, record=second, original=first, reason="similar title")
    assert next_task(client_for(owner), review) == (
        "Check 1 probable duplicate",
        reverse("review:duplicates", args=[review.slug]),
    )


def test_a_reviewer_screens_and_the_plural_is_right(review, reviewer, client_for):
    one, *_ = records(review, 3)
    queue = reverse("screening:queue", args=[review.slug, "title_abstract"])
    assert next_task(client_for(reviewer), review) == ("Screen 3 records at title and abstract", queue)
    for record in Record.objects.exclude(pk=one.pk):
        services.cast_vote(
            review=review, record=record, stage="title_abstract", reviewer=reviewer, verdict="include"
        )
    assert next_task(client_for(reviewer), review) == ("Screen 1 record at title and abstract", queue)


def test_an_adjudicator_resolves_conflicts(review, reviewer, reviewer2, adjudicator, client_for):
    (record,) = records(review, 1)
    for user, verdict in ((reviewer, "include"), (reviewer2, "exclude")):
        services.cast_vote(
            review=review, record=record, stage="title_abstract", reviewer=user, verdict=verdict
        )
    assert next_task(client_for(adjudicator), review) == (
        "Resolve 1 conflict",
        reverse("screening:conflicts", args=[review.slug]),
    )


def test_a_viewer_and_a_reviewer_with_nothing_left_read_the_prisma_flow(review, reviewer, viewer, client_for):
    (record,) = records(review, 1)
    services.cast_vote(
        review=review, record=record, stage="title_abstract", reviewer=reviewer, verdict="include"
    )
    prisma = reverse("review:prisma", args=[review.slug])
    assert next_task(client_for(viewer), review) == ("Read the PRISMA flow", prisma)
    assert next_task(client_for(reviewer), review) == ("Read the PRISMA flow", prisma)
    html = client_for(reviewer).get(reverse("review:dashboard", args=[review.slug])).content.decode()
    assert "Nothing is waiting for you." in html


def test_the_owners_dashboard_does_not_grow_with_the_votes(
    review, owner, reviewer, reviewer2, client_for, django_assert_max_num_queries
):
    for record in records(review, 40):
        for user in (reviewer, reviewer2):
            services.cast_vote(
                review=review, record=record, stage="title_abstract", reviewer=user, verdict="include"
            )
    client = client_for(owner)
    # Reviewers' figures (three queries), next task and the dashboard's own counts, whatever the votes.
    with django_assert_max_num_queries(16):
        html = client.get(reverse("review:dashboard", args=[review.slug])).content.decode()
    assert 'data-reviewer-stats="reviewer2"' in html
