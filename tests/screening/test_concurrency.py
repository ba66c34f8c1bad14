"""Real threads against PostgreSQL's row locks: reviewers voting at the same moment lose nothing, and a
record never takes more than the review's N votes."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from review import services as review_services
from screening import services
from screening.models import ScreeningDecision, Vote

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")


def run_at_once(jobs):
    barrier = threading.Barrier(len(jobs))
    results = [None] * len(jobs)

    def worker(i, job):
        try:
            barrier.wait()
            results[i] = job()
        except Exception as error:  # collected and checked by the test
            results[i] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def test_three_reviewers_race_for_two_places(review, reviewer, reviewer2, owner, make_records):
    review_services.add_member(review=review, user=owner, role="reviewer")
    records = make_records(15)
    users = [reviewer, reviewer2, owner]
    for record in records:
        results = run_at_once(
            [
                lambda u=u, r=record: services.cast_vote(
                    review=review, record=r, stage="title_abstract", reviewer=u, verdict="include"
                )
                for u in users
            ]
        )
        refused = [r for r in results if isinstance(r, Exception)]
        assert len(refused) == 1, results
        assert isinstance(refused[0], ValidationError) and "already has its 2 votes" in refused[0].messages[0]
        decision = ScreeningDecision.objects.get(record=record, stage="title_abstract")
        assert decision.votes_count == Vote.objects.filter(record=record).count() == 2
        assert decision.status == "included"


def test_two_reviewers_at_the_same_moment_lose_nothing(review, reviewer, reviewer2, make_records):
    records = make_records(20)
    for record in records:
        results = run_at_once(
            [
                lambda u=u, v=v, r=record: services.cast_vote(
                    review=review, record=r, stage="title_abstract", reviewer=u, verdict=v
                )
                for u, v in ((reviewer, "include"), (reviewer2, "exclude"))
            ]
        )
        assert not [r for r in results if isinstance(r, Exception)], results
    assert Vote.objects.count() == 40
    assert ScreeningDecision.objects.filter(status="conflict", votes_count=2).count() == 20
