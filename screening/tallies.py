"""Maintained screening counts (ScreeningTally): what the dashboard and the queue read instead of counting
every vote. Each change to a decision or its votes turns into the difference between the keys it counted
in before and after, written by one statement at the end of the same transaction (screening.services).

A key is (stage, status, voter, partner, voted):
- (stage, status, 0, 0, voted): one per decision; `voted` says whether it holds a vote;
- (stage, status, R, 0, True): one per vote of reviewer R;
- (stage, "conflict", R, P, True): one per conflict that both R and P voted in (both orders).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Q

from screening import queue_floor
from screening.constants import DecisionStatus
from screening.models import ScreeningDecision, ScreeningTally, Vote

if TYPE_CHECKING:
    from review.models import Review

Key = tuple[str, str, int, int, bool]


def keys_of(stage: str, status: str, voter_ids: Iterable[int]) -> Counter[Key]:
    """The keys one decision counts in, given its status and who voted on it."""
    voters = sorted(set(voter_ids))
    keys = Counter({(stage, status, 0, 0, bool(voters)): 1})
    for voter in voters:
        keys[(stage, status, voter, 0, True)] += 1
        if status == DecisionStatus.CONFLICT:
            for partner in voters:
                if partner != voter:
                    keys[(stage, status, voter, partner, True)] += 1
    return keys


def of_decision(decision: ScreeningDecision, voter_ids: Iterable[int]) -> Counter[Key]:
    """A saved decision's keys (none for one not saved yet)."""
    return keys_of(decision.stage, decision.status, voter_ids) if decision.pk else Counter()


def difference(before: Counter[Key], after: Counter[Key]) -> Counter[Key]:
    """after - before, negative counts kept."""
    change = Counter(after)
    change.subtract(before)
    return change


def write(review_id: int, change: Counter[Key]) -> None:
    """Add `change` to the review's tallies in one statement (an upsert: Django's bulk_create can only
    overwrite a count on conflict, not add to it). Rows are sorted, so two transactions lock them in
    the same order and never deadlock each other."""
    rows = sorted((key, n) for key, n in change.items() if n)
    if not rows:
        return
    table = connection.ops.quote_name(ScreeningTally._meta.db_table)
    values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * len(rows))
    params = [
        p
        for (stage, status, voter, partner, voted), n in rows
        for p in (review_id, stage, status, voter, partner, voted, n)
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (review_id, stage, status, voter, partner, voted, count) VALUES {values} "
            "ON CONFLICT (review_id, stage, status, voter, partner, voted) "
            f"DO UPDATE SET count = {table}.count + excluded.count",
            params,
        )


def read(review: Review, *, stage: str | None = None, voters: Iterable[int] | None = None) -> Counter[Key]:
    """The review's tallies (optionally one stage's, and only the decisions' and the given voters')."""
    rows = ScreeningTally.objects.filter(review=review).exclude(count=0)
    if stage is not None:
        rows = rows.filter(stage=stage)
    if voters is not None:
        rows = rows.filter(voter__in=[0, *voters], partner=0)
    return Counter(
        {
            (r.stage, r.status, r.voter, r.partner, r.voted): r.count
            for r in rows.only("stage", "status", "voter", "partner", "voted", "count")
        }
    )


def from_scratch(review: Review) -> Counter[Key]:
    """The tallies counted from the votes and decisions themselves, by aggregates independent of keys_of."""
    counts: Counter[Key] = Counter()
    has_vote = Exists(Vote.objects.filter(decision=OuterRef("pk")))
    for row in (
        ScreeningDecision.objects.for_review(review)
        .annotate(voted=has_vote)
        .values("stage", "status", "voted")
        .annotate(n=Count("id"))
        .order_by()
    ):
        counts[(row["stage"], row["status"], 0, 0, row["voted"])] += row["n"]
    votes = Vote.objects.for_review(review).order_by()
    for row in votes.values("stage", "decision__status", "reviewer_id").annotate(n=Count("id")):
        counts[(row["stage"], row["decision__status"], row["reviewer_id"], 0, True)] += row["n"]
    together = (
        votes.filter(decision__status=DecisionStatus.CONFLICT)
        .annotate(partner=F("decision__votes__reviewer_id"))
        .filter(~Q(partner=F("reviewer_id")))
        .values("stage", "reviewer_id", "partner")
        .annotate(n=Count("id"))
    )
    for row in together:
        counts[(row["stage"], DecisionStatus.CONFLICT, row["reviewer_id"], row["partner"], True)] += row["n"]
    return counts


def recount(review: Review) -> None:
    """Rebuild a review's tallies from its votes and decisions (after a change made in bulk, bypassing
    screening.services: a migration, a benchmark's set-up), and forget its queue floors, which such a
    change may have left too high."""

    queue_floor.forget(review)
    ScreeningTally.objects.filter(review=review).delete()
    write(review.pk, from_scratch(review))
