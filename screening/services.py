"""Screening rules: the queue, votes, decisions, conflicts and their resolution. Views and commands call
these; nothing else writes votes or decisions. Who may see what is in screening.visibility."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from review.constants import Stage
from review.models import ExclusionReason, Record, Review
from review.services import ensure_study_for_report
from screening import queue_floor, tallies
from screening.constants import MAX_PDF_BYTES, RESOLVED, DecisionStatus, FinalVerdict, Verdict
from screening.models import FullText, ScreeningDecision, Vote
from screening.visibility import Sight


def parse_stage(value: str) -> str:
    if value not in Stage.values:
        raise ValidationError(f"Unknown stage “{value}”; use {' or '.join(Stage.values)}.")
    return value


# The queue ----------------------------------------------------------------------------------------------


def _id_range(field: str, above: int | None, below: int | None) -> Q:
    bounds = Q()
    if above is not None:
        bounds &= Q(**{f"{field}__gt": above})
    if below is not None:
        bounds &= Q(**{f"{field}__lt": below})
    return bounds


def queue(*, review: Review, stage: str, user, above: int | None = None, below: int | None = None):
    """Records the user has not voted on that still need votes at this stage, in id order. A record enters
    title/abstract screening when it is not a duplicate, and full text when its title/abstract decision is
    include (and its report was not marked as not retrieved).

    `above`/`below` bound the record ids (exclusive). The bound is repeated inside each subquery: PostgreSQL
    answers "the next two records" with merge anti-joins, and without it those read every vote and decision
    below the bound first, a cost that grows as the review progresses."""
    bounds = _id_range("record_id", above, below)
    records = (
        Record.objects.for_review(review).screenable(within=bounds).filter(_id_range("pk", above, below))
    )
    open_here = ScreeningDecision.objects.filter(bounds, record=OuterRef("pk"), stage=stage)
    if stage == Stage.TITLE_ABSTRACT:
        records = records.exclude(Exists(open_here.exclude(status=DecisionStatus.PENDING)))
    else:
        records = records.filter(Exists(open_here.filter(status=DecisionStatus.PENDING))).exclude(
            Exists(FullText.objects.filter(bounds, record=OuterRef("pk"), not_retrieved=True))
        )
    mine = Vote.objects.filter(bounds, record=OuterRef("pk"), stage=stage, reviewer=user)
    return records.exclude(Exists(mine)).order_by("pk")


def my_open_votes(*, review: Review, stage: str, user):
    """The user's votes at this stage on records not yet resolved: the ones they may still change."""
    return Vote.objects.filter(
        decision__review=review,
        stage=stage,
        reviewer=user,
        decision__status__in=[DecisionStatus.PENDING, DecisionStatus.CONFLICT],
    )


def my_votes(*, review: Review, stage: str, user, show: str = ""):
    """The user's votes at this stage, the latest cast or changed first: all of them, the `open` ones
    (record not decided yet, so the vote may still change) or the `decided` ones."""
    votes = Vote.objects.for_review(review).filter(stage=stage, reviewer=user)
    if show == "open":
        votes = votes.exclude(decision__status__in=RESOLVED)
    elif show == "decided":
        votes = votes.resolved_only()
    return votes.select_related("record", "decision", "reason").order_by("-updated_at", "-id")


RECORD_FIELDS = (
    "id",
    "review_id",
    "title",
    "abstract",
    "authors",
    "year",
    "journal",
    "keywords",
    "doi",
    "pmid",
)


def next_records(
    *, review: Review, stage: str, user, after: int | None = None, limit: int = 2
) -> list[Record]:
    """The next `limit` records of the user's queue after record id `after` (wrapping round): the one to
    show and the one to prefetch. One query, two when it wraps, plus the floor's read (and its raise when
    the walk started from it): no walk starts below the user's floor (screening.queue_floor), so none reads
    the records already settled."""
    floor = queue_floor.read(review=review, stage=stage, user=user)
    found = list(
        queue(review=review, stage=stage, user=user, above=_floor_or(after, floor)).only(*RECORD_FIELDS)[
            :limit
        ]
    )
    # The first record of the queue, when this walk started from the floor: the floor may rise to it.
    first = found[0].pk if found and (after is None or after < floor.below) else None
    if after is not None and len(found) < limit:
        wrapped = queue(review=review, stage=stage, user=user, above=_floor_or(None, floor), below=after + 1)
        from_start = list(wrapped.only(*RECORD_FIELDS)[: limit - len(found)])
        if from_start:
            first = from_start[0].pk
        found += [r for r in from_start if r not in found]
    if first is not None:
        queue_floor.raise_to(review=review, stage=stage, user=user, seen=floor, first=first)
    return found


def _floor_or(after: int | None, floor: queue_floor.Floor) -> int | None:
    """The walk's exclusive lower bound: `after`, or just under the floor when that is higher."""
    if floor.below <= 0:
        return after
    return max(after, floor.below - 1) if after is not None else floor.below - 1


def screenable_record(*, review: Review, stage: str, user, record_id: int) -> Record | None:
    """The record if the user may have it on screen: in their queue, or voted on by them and not yet
    resolved (so the vote may still change)."""
    bounded = {"above": record_id - 1, "below": record_id + 1}
    record = queue(review=review, stage=stage, user=user, **bounded).only(*RECORD_FIELDS).first()
    if (
        record is None
        and my_open_votes(review=review, stage=stage, user=user).filter(record_id=record_id).exists()
    ):
        record = Record.objects.for_review(review).only(*RECORD_FIELDS).filter(pk=record_id).first()
    return record


def previous_record(*, review: Review, stage: str, user, before: int) -> Record | None:
    """The record before `before` that the user may screen: the nearest of their latest changeable vote
    and the previous record in their queue. The vote is looked up first so that it bounds the queue's
    search (which otherwise walks back through every record already settled)."""
    voted_id = (
        my_open_votes(review=review, stage=stage, user=user)
        .filter(record_id__lt=before)
        .order_by("-record_id")
        .values_list("record_id", flat=True)
        .first()
    )
    floor = queue_floor.read(review=review, stage=stage, user=user)
    in_queue = queue(review=review, stage=stage, user=user, above=_floor_or(voted_id, floor), below=before)
    nearest = in_queue.only(*RECORD_FIELDS).order_by("-pk").first()
    if nearest is None and voted_id is not None:
        nearest = Record.objects.for_review(review).only(*RECORD_FIELDS).filter(pk=voted_id).first()
    return nearest


# Votes --------------------------------------------------------------------------------------------------


def _status_from_votes(
    votes: list[Vote], stage: str, needed: int, *, conflict_since: datetime | None
) -> tuple[str, str, ExclusionReason | None]:
    """(status, verdict, reason) from the votes: agreed exclude leaves, agreed include (or include/maybe at
    title and abstract) goes on, anything else is a conflict. At full text a "maybe" or two different
    exclusion reasons are a conflict too: PRISMA counts full-text exclusions per reason. A record that was
    once in conflict stays in conflict whatever its votes become: only adjudication settles it (else a
    reviewer could settle it alone by changing her vote to the other one's)."""
    if len(votes) < needed:
        return DecisionStatus.PENDING, "", None
    if conflict_since is not None:
        return DecisionStatus.CONFLICT, "", None
    verdicts = {v.verdict for v in votes}
    if verdicts == {Verdict.EXCLUDE}:
        reasons = {v.reason_id for v in votes}
        if stage == Stage.FULL_TEXT and len(reasons) > 1:
            return DecisionStatus.CONFLICT, "", None
        return DecisionStatus.EXCLUDED, FinalVerdict.EXCLUDE, votes[0].reason
    if Verdict.EXCLUDE not in verdicts and (stage == Stage.TITLE_ABSTRACT or verdicts == {Verdict.INCLUDE}):
        return DecisionStatus.INCLUDED, FinalVerdict.INCLUDE, None
    return DecisionStatus.CONFLICT, "", None


def _reason_for(review: Review, reason: ExclusionReason | int | None) -> ExclusionReason | None:
    if reason is None or reason == "":
        return None
    reason_id = reason.pk if isinstance(reason, ExclusionReason) else int(reason)
    found = ExclusionReason.objects.filter(review=review, pk=reason_id).first()
    if found is None:
        raise ValidationError("That exclusion reason is not in this review's list.")
    return found


def _check_verdict(*, review: Review, stage: str, verdict: str, reason) -> ExclusionReason | None:
    if verdict not in Verdict.values:
        raise ValidationError(f"Unknown verdict “{verdict}”; use include, exclude or maybe.")
    reason = _reason_for(review, reason)
    if verdict != Verdict.EXCLUDE:
        return None
    if stage == Stage.FULL_TEXT and reason is None:
        raise ValidationError("Excluding a full text needs a reason from the review's list.")
    return reason


def _locked_decision(*, record: Record, stage: str) -> ScreeningDecision | None:
    return ScreeningDecision.objects.select_for_update().filter(record=record, stage=stage).first()


def _settle(*, decision: ScreeningDecision, review: Review, record: Record) -> Counter[tallies.Key]:
    """What follows a final decision: an included title/abstract goes on to full text; an included full
    text gets its study, so extraction finds it. Returns the change to the tallies."""
    if decision.status != DecisionStatus.INCLUDED:
        return Counter()
    if decision.stage == Stage.TITLE_ABSTRACT:
        _, created = ScreeningDecision.objects.get_or_create(
            review=review, record=record, stage=Stage.FULL_TEXT
        )
        if not created:
            return Counter()
        queue_floor.lower(review=review, record_ids=[record.pk], stages=[Stage.FULL_TEXT])
        return tallies.keys_of(Stage.FULL_TEXT, DecisionStatus.PENDING, [])
    ensure_study_for_report(record=record)
    return Counter()


def cast_vote(
    *,
    review: Review,
    record: Record,
    stage: str,
    reviewer,
    verdict: str,
    reason: ExclusionReason | int | None = None,
    note: str = "",
    when: datetime | None = None,
    recorded_by=None,
    history_note: str = "",
) -> Vote:
    """Record or change the reviewer's vote. The decision row is locked first, so two reviewers voting at the
    same moment are serialised and the record never takes more than the review's N votes. `recorded_by`
    is who enters a vote cast elsewhere (an import), kept in the history with `history_note`; the vote's
    author stays its reviewer."""
    stage = parse_stage(stage)
    if record.review_id != review.pk or record.duplicate_of_id is not None:
        raise ValidationError("Only this review's unique records are screened.")
    if not reviewer.has_perm("review.screen", review):
        raise ValidationError(f"{reviewer.username} is not a reviewer in this review.")
    reason = _check_verdict(review=review, stage=stage, verdict=verdict, reason=reason)
    entry = (when, recorded_by or reviewer, history_note)
    try:
        return _cast_vote(review, record, stage, reviewer, verdict, reason, note, *entry)
    except _DecisionCreatedMeanwhile:
        # Another reviewer's first vote created the record's decision row a moment ago; now it exists, so
        # this attempt waits for their lock like any other.
        return _cast_vote(review, record, stage, reviewer, verdict, reason, note, *entry)


class _DecisionCreatedMeanwhile(Exception):
    pass


@transaction.atomic
def _cast_vote(
    review, record, stage, reviewer, verdict, reason, note, when, recorded_by, history_note
) -> Vote:
    decision = _locked_decision(record=record, stage=stage)
    if decision is None:
        if stage != Stage.TITLE_ABSTRACT:
            raise ValidationError("This record has not reached full-text screening.")
        # A record's first vote: its decision row is created below, already in its new state.
        decision, votes = ScreeningDecision(review=review, record=record, stage=stage), []
    else:
        votes = list(decision.votes.select_related("reason"))
    before = tallies.of_decision(decision, [v.reviewer_id for v in votes])
    vote = next((v for v in votes if v.reviewer_id == reviewer.pk), None)
    needed = review.reviewers_per_record(stage)
    if vote is None and len(votes) >= needed:
        raise ValidationError(f"This record already has its {needed} votes at this stage.")
    if decision.is_resolved:
        raise ValidationError(
            "This record is already resolved at this stage; its votes can no longer change."
        )
    if stage == Stage.FULL_TEXT and FullText.objects.filter(record=record, not_retrieved=True).exists():
        raise ValidationError("This report is marked as not retrieved; it cannot be assessed.")
    if vote is None:
        vote = Vote(record=record, stage=stage, reviewer=reviewer, created_at=when or timezone.now())
        votes.append(vote)
    vote.verdict, vote.reason, vote.note = verdict, reason, note.strip()
    first_vote = decision.pk is None
    if first_vote:
        try:
            with transaction.atomic():
                change = _update_decision(
                    decision=decision,
                    votes=votes,
                    review=review,
                    record=record,
                    user=recorded_by,
                    before=before,
                )
        except IntegrityError as error:
            raise _DecisionCreatedMeanwhile from error
    vote.decision = decision
    vote._history_user = recorded_by  # type: ignore[attr-defined]
    if history_note:
        vote._change_reason = history_note  # type: ignore[attr-defined]
    vote.save()
    if not first_vote:
        change = _update_decision(
            decision=decision, votes=votes, review=review, record=record, user=recorded_by, before=before
        )
    # Last, so that the review's shared tally rows stay locked only until the commit that follows.
    tallies.write(review.pk, change)
    return vote


def _update_decision(
    *,
    decision: ScreeningDecision,
    votes: list[Vote],
    review: Review,
    record: Record,
    user,
    before: Counter[tallies.Key],
) -> Counter[tallies.Key]:
    """Decide the record from its votes; returns the change to the tallies from `before` (the decision's
    keys before the change, screening.tallies)."""
    status, verdict, reason = _status_from_votes(
        votes,
        decision.stage,
        review.reviewers_per_record(decision.stage),
        conflict_since=decision.conflict_since,
    )
    decision.status, decision.verdict, decision.reason = status, verdict, reason
    decision.votes_count = len(votes)
    decision.resolved_by, decision.resolved_at = None, timezone.now() if status in RESOLVED else None
    if status == DecisionStatus.CONFLICT and decision.conflict_since is None:
        decision.conflict_since = timezone.now()
    decision._history_user = user  # type: ignore[attr-defined]
    decision.save()
    change = tallies.difference(
        before, tallies.keys_of(decision.stage, status, [v.reviewer_id for v in votes])
    )
    change.update(_settle(decision=decision, review=review, record=record))
    return change


@transaction.atomic
def decide_waiting_records(*, review: Review, user) -> int:
    """After the review's number of votes per record is lowered: records still waiting that already hold
    enough votes are decided by the same rule as a vote (else nobody could vote on them again). Raising
    the number leaves decided records as they are: a decision taken stands. Returns how many changed."""
    decided, change = 0, Counter()
    for stage in Stage.values:
        waiting = (
            ScreeningDecision.objects.for_review(review)
            .filter(
                stage=stage,
                status=DecisionStatus.PENDING,
                votes_count__gte=review.reviewers_per_record(stage),
            )
            .select_for_update(of=("self",))
            .select_related("record")
        )
        for decision in waiting:
            votes = list(decision.votes.select_related("reason"))
            before = tallies.of_decision(decision, [v.reviewer_id for v in votes])
            change.update(
                _update_decision(
                    decision=decision,
                    votes=votes,
                    review=review,
                    record=decision.record,
                    user=user,
                    before=before,
                )
            )
            decided += 1
    tallies.write(review.pk, change)  # once: rows locked in one order, whatever the decisions' order
    return decided


@transaction.atomic
def withdraw_last_vote(*, review: Review, stage: str, reviewer) -> Record | None:
    """Undo: take back the reviewer's most recent vote at this stage, if its record is not resolved yet.
    The deletion is kept in the vote's history. Returns the record, to put it back on screen. A conflict
    stays one: the record waits for her vote again, and then goes back to adjudication."""
    last = (
        Vote.objects.filter(decision__review=review, stage=stage, reviewer=reviewer)
        .order_by("-updated_at", "-id")
        .select_related("decision", "record")
        .first()
    )
    if last is None:
        raise ValidationError("You have no vote to undo at this stage.")
    decision = ScreeningDecision.objects.select_for_update().get(pk=last.decision_id)
    if decision.is_resolved:
        raise ValidationError("Your last vote is on a record that is already resolved; it cannot be undone.")
    last._history_user = reviewer  # type: ignore[attr-defined]
    last.delete()
    votes = list(decision.votes.select_related("reason"))
    before = tallies.of_decision(decision, [v.reviewer_id for v in votes] + [last.reviewer_id])
    change = _update_decision(
        decision=decision, votes=votes, review=review, record=last.record, user=reviewer, before=before
    )
    queue_floor.lower(review=review, record_ids=[last.record_id], stages=[stage], user=reviewer)
    tallies.write(review.pk, change)
    return last.record


# Conflicts ----------------------------------------------------------------------------------------------


@transaction.atomic
def resolve_conflict(
    *, review: Review, decision: ScreeningDecision, user, verdict: str, reason=None, note: str = ""
) -> ScreeningDecision:
    decision = ScreeningDecision.objects.select_for_update().select_related("record").get(pk=decision.pk)
    if decision.review_id != review.pk:
        raise ValidationError("That record is not in this review.")
    if decision.is_resolved:
        raise ValidationError("This record is not in conflict (it may have been resolved already).")
    voters = set(decision.votes.values_list("reviewer_id", flat=True))
    # One message whether the record waits for votes or is a conflict that is not hers to settle: which
    # one it is would tell a reviewer how the other voted.
    if not Sight.of(user, review).may_settle(decision, voters):
        raise ValidationError("You may not settle this conflict (or there is none to settle).")
    if verdict not in FinalVerdict.values:
        raise ValidationError("The final decision is include or exclude.")
    reason = _check_verdict(review=review, stage=decision.stage, verdict=verdict, reason=reason)
    if not note.strip() and reason is None:
        raise ValidationError("Give a reason for the decision (a note, or an exclusion reason).")
    before = tallies.of_decision(decision, voters)
    decision.status = DecisionStatus.INCLUDED if verdict == Verdict.INCLUDE else DecisionStatus.EXCLUDED
    decision.verdict, decision.reason, decision.note = verdict, reason, note.strip()
    decision.resolved_by, decision.resolved_at = user, timezone.now()
    decision._history_user = user  # type: ignore[attr-defined]
    decision.save()
    change = tallies.difference(before, tallies.keys_of(decision.stage, decision.status, voters))
    change.update(_settle(decision=decision, review=review, record=decision.record))
    tallies.write(review.pk, change)
    return decision


def conflicts_for(*, review: Review, user):
    """Open conflicts this user may settle."""
    return ScreeningDecision.objects.for_review(review).filter(Sight.of(user, review).conflicts())


CONFLICTS_PAGE = 50


@dataclass(frozen=True)
class ConflictPage:
    rows: list[ScreeningDecision]  # each with `record` and `visible_votes` (the votes the user may see)
    next_after: str  # the cursor of the next page ("" on the last one)


def conflict_page(
    *,
    review: Review,
    user,
    stage: str = "",
    reviewer_id: int | None = None,
    after: str = "",
    size: int = CONFLICTS_PAGE,
) -> ConflictPage:
    """One keyset page of the open conflicts this user may settle, by stage then record, with the votes she
    may see: `size` rows after the cursor `after` (from `next_after`; "" for the first page), read from the
    index of open conflicts (decision_conflict_idx), so a page costs the same at any size of the review. A
    cursor that does not parse starts from the first page. Four queries."""
    decisions = conflicts_for(review=review, user=user).select_related("record")
    if stage:
        decisions = decisions.filter(stage=stage)
    if reviewer_id is not None:
        decisions = decisions.filter(
            Exists(Vote.objects.filter(decision=OuterRef("pk"), reviewer_id=reviewer_id))
        )
    cursor_stage, _, cursor_record = after.partition(":")
    if cursor_stage in Stage.values and cursor_record.isdigit():
        decisions = decisions.filter(
            Q(stage__gt=cursor_stage) | Q(stage=cursor_stage, record_id__gt=int(cursor_record))
        )
    visible = Vote.objects.visible_to(user, review).select_related("reviewer", "reason")
    rows = list(
        decisions.prefetch_related(Prefetch("votes", queryset=visible, to_attr="visible_votes")).order_by(
            "stage", "record_id"
        )[: size + 1]
    )
    next_after = f"{rows[size - 1].stage}:{rows[size - 1].record_id}" if len(rows) > size else ""
    return ConflictPage(rows=rows[:size], next_after=next_after)


# Full text ----------------------------------------------------------------------------------------------

PDF_SIGNATURE = b"%PDF-"


def _check_pdf(upload: UploadedFile) -> None:
    """A PDF starts with %PDF- at its very first byte (a file that merely holds it further on, such as an
    HTML page with the string in a comment, is refused); sizes are given to the byte."""
    if not upload.size:
        raise ValidationError(f"“{upload.name}” is empty (0 bytes); choose the PDF again.")
    if upload.size > MAX_PDF_BYTES:
        raise ValidationError(
            f"“{upload.name}” is {upload.size:,} bytes; full texts may be at most {MAX_PDF_BYTES:,} bytes "
            f"({filesizeformat(MAX_PDF_BYTES)})."
        )
    upload.seek(0)
    head = upload.read(len(PDF_SIGNATURE))
    upload.seek(0)
    if head != PDF_SIGNATURE:
        raise ValidationError(f"“{upload.name}” is not a PDF (it does not start with %PDF-).")


@transaction.atomic
def attach_full_text(
    *,
    review: Review,
    record: Record,
    user,
    pdf: UploadedFile | None = None,
    not_retrieved: bool = False,
    note: str = "",
) -> FullText:
    if record.review_id != review.pk:
        raise ValidationError("That record is not in this review.")
    if pdf is None and not not_retrieved:
        raise ValidationError("Choose a PDF to upload, or mark the report as not retrieved.")
    if pdf is not None:
        _check_pdf(pdf)
    full_text, _ = FullText.objects.select_for_update().get_or_create(record=record)
    if pdf is not None and full_text.not_retrieved:
        # Found after all: the record is open for votes at full text again.
        queue_floor.lower(review=review, record_ids=[record.pk], stages=[Stage.FULL_TEXT])
    if pdf is not None:
        full_text.pdf.save(f"{record.pk}.pdf", pdf, save=False)
        full_text.file_name = pdf.name[:300]
        full_text.not_retrieved = False
    else:
        full_text.not_retrieved = True
    full_text.note, full_text.updated_by = note.strip(), user
    full_text._history_user = user  # type: ignore[attr-defined]
    full_text.save()
    return full_text
