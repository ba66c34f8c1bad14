"""The team's screening progress at each stage, as one member may see it (screening.visibility says what
she may see; this module only counts it). A fixed number of queries, whatever the size of the review or
its team: a reviewer's queue is the stage's open records less those she already voted on."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q

from review.constants import Stage
from review.models import Record
from screening.constants import DecisionStatus
from screening.models import FullText, ScreeningDecision, Vote
from screening.visibility import Sight


@dataclass(frozen=True)
class StageCounts:
    """Records at a stage by where they stand, for one member. `not_started` is None at full text (every
    record there has passed title and abstract); `conflict` is None for a member who may settle no
    conflict, whose open conflicts count as `pending`. For a `blinded` member (she screens), `not_started`
    and `pending` count the records without and with a vote she may see: her own, until they are decided."""

    not_started: int | None
    pending: int
    conflict: int | None
    included: int
    excluded: int
    blinded: bool


@dataclass(frozen=True)
class ReviewerProgress:
    user: object
    done: int
    left: int

    @property
    def percent(self) -> int:
        total = self.done + self.left
        return round(100 * self.done / total) if total else 100


@dataclass(frozen=True)
class StageProgress:
    stage: str
    label: str
    counts: StageCounts
    reviewers: list[ReviewerProgress]

    def reviewer(self, user) -> ReviewerProgress | None:
        return next((p for p in self.reviewers if p.user.pk == user.pk), None)


def _not_retrieved() -> Exists:
    return Exists(FullText.objects.filter(record=OuterRef("record"), not_retrieved=True))


def stage_progress(*, sight: Sight) -> list[StageProgress]:
    """Per stage: counts by status and each reviewer's votes and records left, as `sight` may see them."""
    review = sight.review
    unseen = sight.undecided_unseen()
    counted = Exists(Vote.objects.filter(sight.counted_votes(), decision=OuterRef("pk")))
    by_stage = {
        row["stage"]: row
        for row in ScreeningDecision.objects.for_review(review)
        .values("stage")
        .annotate(
            included=Count("id", filter=Q(status=DecisionStatus.INCLUDED)),
            excluded=Count("id", filter=Q(status=DecisionStatus.EXCLUDED)),
            conflict=Count("id", filter=sight.conflicts()),
            any_conflict=Count("id", filter=Q(status=DecisionStatus.CONFLICT)),
            unseen=Count("id", filter=unseen),
            unseen_voted=Count("id", filter=unseen & Q(counted)),
            # Records open for votes (a report not retrieved takes none): as they are, and as she sees them.
            open=Count("id", filter=Q(status=DecisionStatus.PENDING) & ~Q(_not_retrieved())),
            open_seen=Count("id", filter=unseen & ~Q(_not_retrieved())),
        )
    }
    unique = Record.objects.for_review(review).screenable().count()
    members = list(review.memberships.reviewers().select_related("user"))
    votes = {
        (row["stage"], row["reviewer_id"]): row
        for row in Vote.objects.for_review(review)
        .filter(sight.counted_votes())
        .values("stage", "reviewer_id")
        .annotate(
            cast=Count("id"),
            open=Count("id", filter=Q(decision__status=DecisionStatus.PENDING) & ~Q(_not_retrieved())),
            open_seen=Count("id", filter=sight.undecided_unseen("decision") & ~Q(_not_retrieved())),
        )
    }
    result = []
    for stage, label in Stage.choices:
        row = by_stage.get(stage, {})
        decided = row.get("included", 0) + row.get("excluded", 0)
        if stage == Stage.TITLE_ABSTRACT:
            # Records without a decision row have no vote yet: they are open too.
            open_records = unique - decided - row.get("any_conflict", 0)
            open_seen = unique - decided - row.get("conflict", 0)
            pending = row.get("unseen_voted", 0)
            not_started = open_seen - pending
        else:
            open_records, open_seen = row.get("open", 0), row.get("open_seen", 0)
            pending, not_started = row.get("unseen", 0), None
        reviewers = []
        for m in members:
            mine = votes.get((stage, m.user_id), {})
            # Her own queue is shown as it is (it holds no record she voted on); others' as she may see them.
            if sight.blinded and m.user_id != sight.user.pk:
                left = open_seen - mine.get("open_seen", 0)
            else:
                left = open_records - mine.get("open", 0)
            reviewers.append(ReviewerProgress(user=m.user, done=mine.get("cast", 0), left=left))
        counts = StageCounts(
            not_started=not_started,
            pending=pending,
            conflict=row.get("conflict", 0) if sight.settles_any else None,
            included=row.get("included", 0),
            excluded=row.get("excluded", 0),
            blinded=sight.blinded,
        )
        result.append(StageProgress(stage=stage, label=label, counts=counts, reviewers=reviewers))
    return result
