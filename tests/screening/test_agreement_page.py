"""The agreement page: figures over the records whose votes the person may see (and it says so), a fixed
number of aggregate queries whatever the size of the review, and a cache that a vote invalidates."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from review import services as review_services
from screening import services

pytestmark = pytest.mark.django_db


def page(client, review) -> str:
    response = client.get(reverse("screening:agreement", args=[review.slug]))
    assert response.status_code == 200
    return response.content.decode()


def without_csrf(html: str) -> str:
    html = re.sub(r'"X-CSRFToken": "[^"]+"', "", html)
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def stat(html: str, name: str) -> str:
    return re.search(rf'data-stat="{name}">([^<]*)<', html).group(1)


@pytest.fixture
def open_conflicts(reviewer, reviewer2, make_records, vote, settle):
    """Ten records both reviewers rated: six agreed, one disagreement settled, three still open."""
    records = make_records(10)
    for i, record in enumerate(records):
        vote(record, reviewer, "include" if i < 3 else "exclude")
        vote(record, reviewer2, "include" if i < 3 or i >= 6 else "exclude")
    # records 6..9 disagree (exclude/include); settle record 6.
    settle(records[6])
    return records


def test_who_may_see_every_vote_sees_every_record(review, open_conflicts, adjudicator, client_for):
    html = page(client_for(adjudicator), review)
    assert stat(html, "records-title_abstract") == "10"
    assert stat(html, "agreement-title_abstract") == "60.0%"  # 6 of 10, by hand
    assert "the open conflicts you may settle" in html


def test_a_reviewer_sees_the_records_whose_votes_are_open_to_her_and_is_told_so(
    review, open_conflicts, reviewer, viewer, client_for
):
    for user in (reviewer, viewer):
        html = page(client_for(user), review)
        assert stat(html, "records-title_abstract") == "7"  # resolved: the three open conflicts are blinded
        assert stat(html, "agreement-title_abstract") == "85.7%"  # 6 of 7
        assert 'data-scope="partial"' in html and "resolved records only" in html


def test_when_reviewers_settle_their_own_conflicts_an_owner_sees_everything(
    review, open_conflicts, owner, reviewer, client_for
):
    review.reviewers_resolve_conflicts = True
    review.save()
    html = page(client_for(owner), review)
    assert stat(html, "records-title_abstract") == "10" and 'data-scope="all"' in html
    html = page(client_for(reviewer), review)
    assert stat(html, "records-title_abstract") == "10"  # her own conflicts are open to her
    assert "the open conflicts you voted in" in html


def test_a_reviewer_cannot_tell_a_missing_vote_from_an_opposite_one(
    review, reviewer, reviewer2, client_for, make_records, vote
):
    a, b = make_records(2)
    vote(a, reviewer, "include")
    vote(a, reviewer2, "include")
    vote(b, reviewer, "include")
    client = client_for(reviewer)
    before = without_csrf(page(client, review))
    vote(b, reviewer2, "exclude")
    assert without_csrf(page(client, review)) == before


def test_a_vote_invalidates_the_cached_figures(
    review, reviewer, reviewer2, adjudicator, client_for, make_records, vote
):
    a, b = make_records(2)
    vote(a, reviewer, "include")
    vote(a, reviewer2, "include")
    client = client_for(adjudicator)
    assert stat(page(client, review), "records-title_abstract") == "1"
    vote(b, reviewer, "include")
    vote(b, reviewer2, "exclude")
    html = page(client, review)
    assert stat(html, "records-title_abstract") == "2" and stat(html, "agreement-title_abstract") == "50.0%"
    services.withdraw_last_vote(review=review, stage="title_abstract", reviewer=reviewer2)
    assert stat(page(client, review), "records-title_abstract") == "1"


def test_the_page_runs_a_fixed_number_of_aggregate_queries(
    review, reviewer, reviewer2, owner, adjudicator, client_for, make_records, vote, make_user
):
    """Never one row per vote: the same queries for 4 records and 2 reviewers as for 40 and 4, and on a
    second view only the check that nothing changed."""
    from django.core.cache import cache

    def grow(records, voters):
        for i, record in enumerate(records):
            for j, user in enumerate(voters[i % len(voters) :] + voters[: i % len(voters)][:2]):
                if j < 2:
                    vote(record, user, "include" if (i + j) % 3 else "exclude")

    client = client_for(adjudicator)
    grow(make_records(4), [reviewer, reviewer2])
    cache.clear()
    with CaptureQueriesContext(connection) as small:
        page(client, review)
    extra = [make_user("reviewer3"), owner]
    for user in extra:
        review_services.add_member(review=review, user=user, role="reviewer")
    grow(make_records(40)[4:], [reviewer, reviewer2, *extra])
    cache.clear()
    with CaptureQueriesContext(connection) as large:
        html = page(client, review)
    assert len(large.captured_queries) == len(small.captured_queries)
    assert stat(html, "records-title_abstract") == "40"
    vote_queries = [q["sql"] for q in large.captured_queries if '"screening_vote"' in q["sql"]]
    assert vote_queries and all("GROUP BY" in sql for sql in vote_queries), vote_queries
    with CaptureQueriesContext(connection) as cached:
        page(client, review)
    assert not any("GROUP BY" in q["sql"] for q in cached.captured_queries)
    assert len(cached.captured_queries) == len(small.captured_queries) - 4  # two aggregates per stage
