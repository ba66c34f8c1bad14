"""Each reviewer's screening at each stage, for the review's owners: votes cast, include rate, conflicts she
is part of, and the median time per record.

The time per record is the gap between a reviewer's vote and her previous vote at the same stage; a gap
over `BREAK_AFTER` is a break, not time spent on a record, and is left out (the first vote of a stage has
no gap). The gaps come from a window function (LAG) and the median from a second one (ROW_NUMBER and
COUNT over each reviewer's gaps in order): the database returns at most two gaps per reviewer and stage,
on SQLite and PostgreSQL alike, never the votes one by one.

Blinding: everything is counted over the votes the owner may see (screening.visibility), the gaps
included, so the figures are a function of what she may see and tell her nothing about a vote still
blinded to her. Cached like agreement's figures, until a vote or a decision changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import connection
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Window
from django.db.models.functions import Lag

from review.constants import Stage
from screening import caching
from screening.constants import DecisionStatus, Verdict
from screening.models import Vote
from screening.visibility import Sight

# A longer gap between two votes is a pause (a meeting, lunch, the next day), not time spent on a record.
BREAK_AFTER = timedelta(minutes=10)


@dataclass(frozen=True)
class ReviewerStats:
    username: str
    votes: int
    included: int  # include votes (and maybe votes, when the review counts maybe as include)
    conflicts: int  # records she voted on whose votes disagreed, open or since settled
    median_seconds: float | None  # None without two votes less than BREAK_AFTER apart

    @property
    def include_rate(self) -> float | None:
        return 100 * self.included / self.votes if self.votes else None

    @property
    def median_text(self) -> str:
        """ "45 s", "2 min 5 s"; a dash without a gap to measure."""
        if self.median_seconds is None:
            return "—"
        if self.median_seconds < 1:
            return "under 1 s"
        minutes, seconds = divmod(round(self.median_seconds), 60)
        return f"{minutes} min {seconds} s" if minutes else f"{seconds} s"


@dataclass(frozen=True)
class StageStats:
    stage: str
    label: str
    reviewers: list[ReviewerStats]


def _seen_votes(sight: Sight):
    return Vote.objects.for_review(sight.review).filter(sight.votes())


def _medians(sight: Sight) -> dict[tuple[int, str], float]:
    """(reviewer id, stage) -> the median gap in seconds between her consecutive votes, breaks left out."""
    previous = Window(
        Lag("created_at"), partition_by=[F("reviewer_id"), F("stage")], order_by=[F("created_at"), F("id")]
    )
    gaps = (
        _seen_votes(sight)
        .annotate(gap=ExpressionWrapper(F("created_at") - previous, output_field=DurationField()))
        .filter(gap__lte=BREAK_AFTER)  # the first vote's gap is NULL and drops out too
        .values("reviewer_id", "stage", "gap")
    )
    sql, params = gaps.query.sql_with_params()
    # Middle one or two gaps of each reviewer's ordered gaps: (n+1)/2 and (n+2)/2 in integer division.
    middle = f"""
        SELECT reviewer_id, stage, gap FROM (
            SELECT reviewer_id, stage, gap,
                   ROW_NUMBER() OVER (PARTITION BY reviewer_id, stage ORDER BY gap) AS position,
                   COUNT(*) OVER (PARTITION BY reviewer_id, stage) AS n
            FROM ({sql}) gaps
        ) ranked
        WHERE position IN ((n + 1) / 2, (n + 2) / 2)
    """  # noqa: S608 (the inner query is Django's, its values passed as parameters)
    halves: dict[tuple[int, str], list[float]] = {}
    with connection.cursor() as cursor:
        cursor.execute(middle, params)
        for reviewer_id, stage, gap in cursor.fetchall():
            halves.setdefault((reviewer_id, stage), []).append(_seconds(gap))
    return {key: sum(values) / len(values) for key, values in halves.items()}


def _seconds(gap) -> float:
    # PostgreSQL returns an interval (a timedelta); SQLite Django's difference in microseconds.
    return gap.total_seconds() if isinstance(gap, timedelta) else gap / 1_000_000


def _compute(sight: Sight) -> list[tuple]:
    review = sight.review
    include = [Verdict.INCLUDE, Verdict.MAYBE] if review.maybe_counts_as_include else [Verdict.INCLUDE]
    counts = (
        _seen_votes(sight)
        .values("reviewer_id", "reviewer__username", "stage")
        .annotate(
            votes=Count("id"),
            included=Count("id", filter=Q(verdict__in=include)),
            # Only conflicts she may know of: settled ones and those hers to settle. Her own vote on a record
            # is always hers to see; whether the other vote disagrees is not, until then.
            conflicts=Count(
                "id",
                filter=(
                    Q(decision__conflict_since__isnull=False) | Q(decision__status=DecisionStatus.CONFLICT)
                )
                & sight.decisions_open("decision"),
            ),
        )
        .order_by("reviewer__username")
    )
    medians = _medians(sight)
    return [
        (
            row["stage"],
            row["reviewer__username"],
            row["votes"],
            row["included"],
            row["conflicts"],
            medians.get((row["reviewer_id"], row["stage"])),
        )
        for row in counts
    ]


def reviewer_stats(*, sight: Sight) -> list[StageStats]:
    """Per stage, each reviewer's figures over the votes `sight` may see. Only owners are shown them (the
    view checks); a stage without a vote she may see is left out."""
    review = sight.review
    who = f"{sight.user.pk}:{sight.screens:d}{sight.adjudicates:d}{sight.pair_settles:d}{review.maybe_counts_as_include:d}"
    rows = caching.until_votes_change(review, f"reviewer-stats:{who}", lambda: _compute(sight))
    stages = []
    for stage, label in Stage.choices:
        reviewers = [ReviewerStats(*row[1:]) for row in rows if row[0] == stage]
        if reviewers:
            stages.append(StageStats(stage=stage, label=label, reviewers=reviewers))
    return stages
