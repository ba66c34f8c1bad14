"""The team's screening progress at each stage, as one member may see it (screening.visibility says what
she may see; this module only counts it). A fixed number of queries, whatever the size of the review or
its team: a reviewer's queue is the stage's open records less those she already voted on."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from review.constants import Stage
from review.records import review_record_counts
from screening import tallies
from screening.constants import RESOLVED, DecisionStatus
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


def _not_retrieved_records(review) -> QuerySet:
    """Records of the review whose report could not be retrieved: a few, read live (a report's state is
    not in the tallies); they take no votes, so the counts of records open for votes leave them out."""
    return FullText.objects.filter(not_retrieved=True, record__review=review).values("record_id")


@dataclass(frozen=True)
class _Tally:
    """One stage's tallies (screening.tallies) and the sums of the blinding rule over them, for one member:
    the same numbers screening.visibility's filters give when they count the votes and decisions."""

    keys: Counter
    stage: str
    sight: Sight

    def decisions(self, status: str, *, voted: bool | None = None) -> int:
        return sum(
            self.keys[(self.stage, status, 0, 0, v)]
            for v in ((voted,) if voted is not None else (False, True))
        )

    def votes(self, voter: int, status: str) -> int:
        return self.keys[(self.stage, status, voter, 0, True)]

    def settleable(self, voter: int) -> int:
        """`voter`'s votes on the conflicts the member may settle (Sight.conflicts), her own included."""
        me = self.sight.user.pk
        conflict = DecisionStatus.CONFLICT
        both = self.votes(me, conflict) if voter == me else self.keys[(self.stage, conflict, voter, me, True)]
        return self.sight.adjudicates * (self.votes(voter, conflict) - both) + self.sight.pair_settles * both

    def conflicts_seen(self) -> int:
        """Conflicts she may settle: those she did not vote in if she adjudicates, those she did if the pair
        settles their own."""
        me, conflict = self.sight.user.pk, DecisionStatus.CONFLICT
        mine = self.votes(me, conflict)
        return self.sight.adjudicates * (self.decisions(conflict) - mine) + self.sight.pair_settles * mine

    def open_records(self, *, unique: int, held_back: int) -> int:
        """Records open for votes at the stage, as they are; `held_back` of them are pending but their report
        was not retrieved."""
        if self.stage == Stage.TITLE_ABSTRACT:
            # Records without a decision row have no vote yet: they are open too.
            decided = sum(self.decisions(s) for s in RESOLVED)
            return unique - decided - self.decisions(DecisionStatus.CONFLICT)
        return self.decisions(DecisionStatus.PENDING) - held_back


def stage_progress(*, sight: Sight, unique: int | None = None) -> list[StageProgress]:
    """Per stage: counts by status and each reviewer's votes and records left, as `sight` may see them.
    `unique` is the review's number of unique records, when the caller has it already. Counts come from
    the tallies; only the records whose report was not retrieved are counted live."""
    review = sight.review
    me = sight.user.pk
    keys = tallies.read(review)
    not_retrieved = Q(record_id__in=_not_retrieved_records(review))
    unseen = sight.undecided_unseen()
    # Among the records not retrieved: those that would be open for votes, as they are and as she sees them.
    held_back = {
        row["stage"]: row
        for row in ScreeningDecision.objects.for_review(review)
        .filter(not_retrieved)
        .values("stage")
        .annotate(
            open=Count("id", filter=Q(status=DecisionStatus.PENDING)), open_seen=Count("id", filter=unseen)
        )
        .order_by()
    }
    held_back_votes = {
        (row["stage"], row["reviewer_id"]): row
        for row in Vote.objects.for_review(review)
        .filter(not_retrieved, sight.counted_votes())
        .values("stage", "reviewer_id")
        .annotate(
            open=Count("id", filter=Q(decision__status=DecisionStatus.PENDING)),
            open_seen=Count("id", filter=sight.undecided_unseen("decision")),
        )
        .order_by()
    }
    if unique is None:
        unique = review_record_counts(review).to_screen
    members = list(review.memberships.reviewers().select_related("user"))
    result = []
    for stage, label in Stage.choices:
        tally = _Tally(keys=keys, stage=stage, sight=sight)
        included = tally.decisions(DecisionStatus.INCLUDED)
        excluded = tally.decisions(DecisionStatus.EXCLUDED)
        any_conflict = tally.decisions(DecisionStatus.CONFLICT)
        conflict = tally.conflicts_seen()
        pending_all = tally.decisions(DecisionStatus.PENDING)
        unseen_all = pending_all + any_conflict - conflict
        # A conflict always holds votes: it needs the review's number of them (one at least).
        if sight.blinded:
            mine = tally.votes(me, DecisionStatus.CONFLICT)
            unseen_voted = tally.votes(me, DecisionStatus.PENDING) + mine - sight.pair_settles * mine
        else:
            unseen_voted = tally.decisions(DecisionStatus.PENDING, voted=True) + any_conflict - conflict
        row = held_back.get(stage, {})
        decided = included + excluded
        open_records = tally.open_records(unique=unique, held_back=row.get("open", 0))
        if stage == Stage.TITLE_ABSTRACT:
            open_seen = unique - decided - conflict
            pending = unseen_voted
            not_started = open_seen - pending
        else:
            open_seen = unseen_all - row.get("open_seen", 0)
            pending, not_started = unseen_all, None
        reviewers = []
        for m in members:
            held = held_back_votes.get((stage, m.user_id), {})
            if sight.blinded and m.user_id != me:
                # Another reviewer's votes count once she may see them: decided, or a conflict she may settle.
                done = sum(tally.votes(m.user_id, s) for s in RESOLVED) + tally.settleable(m.user_id)
                open_votes = open_seen_votes = 0
            else:
                done = sum(tally.votes(m.user_id, s) for s in DecisionStatus.values)
                open_votes = tally.votes(m.user_id, DecisionStatus.PENDING)
                open_seen_votes = (
                    open_votes + tally.votes(m.user_id, DecisionStatus.CONFLICT) - tally.settleable(m.user_id)
                )
            # Her own queue is shown as it is (it holds no record she voted on); others' as she may see them.
            if sight.blinded and m.user_id != me:
                left = open_seen - (open_seen_votes - held.get("open_seen", 0))
            else:
                left = open_records - (open_votes - held.get("open", 0))
            reviewers.append(ReviewerProgress(user=m.user, done=done, left=left))
        counts = StageCounts(
            not_started=not_started,
            pending=pending,
            conflict=conflict if sight.settles_any else None,
            included=included,
            excluded=excluded,
            blinded=sight.blinded,
        )
        result.append(StageProgress(stage=stage, label=label, counts=counts, reviewers=reviewers))
    return result


def records_left(*, sight: Sight, stage: str) -> int:
    """The records left in her own queue at `stage`, as her row of stage_progress counts them: from the
    tallies, in three queries at most whatever the size of the review."""
    review, me = sight.review, sight.user.pk
    tally = _Tally(keys=tallies.read(review, stage=stage, voters=[me]), stage=stage, sight=sight)
    mine = Exists(Vote.objects.filter(decision=OuterRef("pk"), reviewer_id=me))
    held_back = (
        ScreeningDecision.objects.for_review(review)
        .filter(record_id__in=_not_retrieved_records(review), stage=stage, status=DecisionStatus.PENDING)
        .aggregate(open=Count("id"), mine=Count("id", filter=Q(mine)))
    )
    unique = review_record_counts(review).to_screen if stage == Stage.TITLE_ABSTRACT else 0
    open_records = tally.open_records(unique=unique, held_back=held_back["open"])
    return open_records - (tally.votes(me, DecisionStatus.PENDING) - held_back["mine"])


def queue_progress(*, sight: Sight, stage: str) -> ReviewerProgress:
    """Her own progress at `stage`, for the queue's counter and bar: the records she voted on (`done`) and
    those left in her queue, as her row of stage_progress counts them. From the tallies, a few queries."""
    me = sight.user.pk
    keys = tallies.read(sight.review, stage=stage, voters=[me])
    done = sum(keys[(stage, status, me, 0, True)] for status in DecisionStatus.values)
    return ReviewerProgress(user=sight.user, done=done, left=records_left(sight=sight, stage=stage))
