"""What screening does when something it depends on changes in the review app."""

from __future__ import annotations

from screening import queue_floor, services, tallies

VOTES_NEEDED = {"reviewers_per_record_title_abstract", "reviewers_per_record_full_text"}


def decide_records_with_enough_votes(*, review, user, changed, **kwargs) -> None:
    if VOTES_NEEDED & set(changed):
        services.decide_waiting_records(review=review, user=user)


def lower_queue_floors(*, review, record_ids, **kwargs) -> None:
    """Records back among those to screen may be below a reviewer's queue floor, at either stage."""
    queue_floor.lower(review=review, record_ids=record_ids)


def recount_restored_review(*, review, **kwargs) -> None:
    """The backup leaves the tallies out (their voters are the other instance's user ids): count afresh."""
    tallies.recount(review)
