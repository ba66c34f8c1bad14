"""Screening's part in the review's record list: filters by the screening status at each stage, by where a
full-text report stands (the PRISMA 2020 boxes after title and abstract) and by the reason a report was
excluded, and which records screening has started on (those can no longer be removed "before screening").
The review app asks through ScreeningConfig's hooks, so it never imports the screening models.

Every filter asks `Sight` what the member may know, so none tells a reviewer how another voted. The
report filter's states follow review.prisma.flow's counting exactly, so that each number of the PRISMA
diagram opens the records it counts."""

from __future__ import annotations

from functools import partial

from django.db.models import Exists, OuterRef, Q, QuerySet

from review.constants import Stage
from review.models import ExclusionReason, Record
from review.prisma.flow import NO_REASON
from review.records import RecordFilter
from screening.constants import DecisionStatus
from screening.models import FullText, ScreeningDecision, Vote
from screening.visibility import Sight

NOT_STARTED = "not_started"
UNDECIDED = "undecided"
REPORT = "report"
REASON = "reason"
REASON_NOT_RECORDED = "none"
# Where a report (a record included at title and abstract) stands at full text, as the PRISMA boxes say.
NOT_RETRIEVED = "not_retrieved"
AWAITING_RETRIEVAL = "awaiting_retrieval"
ASSESSED = "assessed"
AWAITING_ASSESSMENT = "awaiting_assessment"
INCLUDED_STUDIES = "included_studies"
REPORT_STATES = [
    (NOT_RETRIEVED, "Not retrieved"),
    (AWAITING_RETRIEVAL, "Awaiting retrieval"),
    (ASSESSED, "Assessed for eligibility"),
    (AWAITING_ASSESSMENT, "Assessed, awaiting a decision"),
    (INCLUDED_STUDIES, "Included: the first report of each study"),
]


def record_filters(*, review, user) -> list[RecordFilter]:
    """One filter per stage, as screening.visibility lets the member see statuses: a conflict she may not
    settle (a reviewer would learn the other reviewer disagreed) counts as waiting for votes, and someone
    who may settle none gets no "in conflict" choice."""
    sight = Sight.of(user, review)
    filters = []
    for stage, label in Stage.choices:
        choices = [(NOT_STARTED, "Not screened yet")] if stage == Stage.TITLE_ABSTRACT else []
        choices.append((DecisionStatus.PENDING, "Waiting for votes"))
        if sight.settles_any:
            choices.append((DecisionStatus.CONFLICT, "In conflict"))
        if stage == Stage.TITLE_ABSTRACT:
            choices.append((UNDECIDED, "Not decided yet"))
        choices += [(DecisionStatus.INCLUDED, "Included"), (DecisionStatus.EXCLUDED, "Excluded")]
        filters.append(
            RecordFilter(
                name=stage,
                label=label,
                choices=choices,
                apply=partial(_at_stage, stage=stage, sight=sight),
            )
        )
    filters.append(
        RecordFilter(
            name=REPORT,
            label="Full-text report",
            choices=REPORT_STATES,
            apply=partial(_report_state, sight=sight),
        )
    )
    filters.append(
        RecordFilter(
            name=REASON,
            label="Full-text exclusion reason",
            choices=partial(_reason_choices, review),
            apply=_excluded_for,
            narrows=(Stage.FULL_TEXT, DecisionStatus.EXCLUDED),
        )
    )
    return filters


def _at_stage(records: QuerySet, value: str, *, stage: str, sight: Sight) -> QuerySet:
    decisions = ScreeningDecision.objects.filter(record=OuterRef("pk"), stage=stage)
    if value == NOT_STARTED:
        return records.exclude(Exists(decisions))
    if value == UNDECIDED:  # not screened yet, waiting for votes or in conflict: "awaiting screening"
        return records.exclude(Exists(decisions.filter(sight.decided())))
    if value == DecisionStatus.PENDING:
        return records.filter(Exists(decisions.filter(sight.undecided_unseen())))
    if value == DecisionStatus.CONFLICT:
        return records.filter(Exists(decisions.filter(sight.conflicts())))
    return records.filter(Exists(decisions.filter(status=value)))


def _report_state(records: QuerySet, value: str, *, sight: Sight) -> QuerySet:
    """Records in one of REPORT_STATES, as review.prisma.flow counts them: a report is "sought" once included
    at title and abstract; "not retrieved" when marked so and not decided; "assessed" once decided, or
    when it has a PDF or a full-text vote (not marked "not retrieved"); undecided assessed reports await
    assessment. Only the votes the member's progress counts make a report assessed (Sight.counted_votes),
    so a reviewer never learns from this list that another reviewer has voted on a report."""
    full_text = ScreeningDecision.objects.filter(record=OuterRef("pk"), stage=Stage.FULL_TEXT)
    if value == INCLUDED_STUDIES:
        # The flow counts the distinct studies of reports included at full text: one report each.
        earlier = Record.objects.filter(
            study=OuterRef("study"),
            pk__lt=OuterRef("pk"),
            screening_decisions__stage=Stage.FULL_TEXT,
            screening_decisions__status=DecisionStatus.INCLUDED,
        )
        included = Exists(full_text.filter(status=DecisionStatus.INCLUDED))
        return records.filter(included, study__isnull=False).exclude(Exists(earlier))
    sought = Exists(
        ScreeningDecision.objects.filter(
            record=OuterRef("pk"), stage=Stage.TITLE_ABSTRACT, status=DecisionStatus.INCLUDED
        )
    )
    decided = Q(Exists(full_text.filter(sight.decided())))
    not_retrieved = Q(Exists(FullText.objects.filter(record=OuterRef("pk"), not_retrieved=True)))
    retrieved = Q(Exists(FullText.objects.filter(record=OuterRef("pk")).exclude(pdf=""))) | Q(
        Exists(Vote.objects.filter(sight.counted_votes(), record=OuterRef("pk"), stage=Stage.FULL_TEXT))
    )
    states = {
        NOT_RETRIEVED: ~decided & not_retrieved,
        AWAITING_RETRIEVAL: ~decided & ~not_retrieved & ~retrieved,
        ASSESSED: decided | (~not_retrieved & retrieved),
        AWAITING_ASSESSMENT: ~decided & ~not_retrieved & retrieved,
    }
    return records.filter(sought, states[value])


def _reason_choices(review) -> list[tuple[str, str]]:
    reasons = ExclusionReason.objects.filter(review=review).values_list("pk", "label")
    return [*((str(pk), label) for pk, label in reasons), (REASON_NOT_RECORDED, NO_REASON)]


def _excluded_for(records: QuerySet, value: str) -> QuerySet:
    """Records excluded at full text for one reason (a decision, seen by every member)."""
    excluded = ScreeningDecision.objects.filter(
        record=OuterRef("pk"), stage=Stage.FULL_TEXT, status=DecisionStatus.EXCLUDED
    )
    if value == REASON_NOT_RECORDED:
        return records.filter(Exists(excluded.filter(reason__isnull=True)))
    return records.filter(Exists(excluded.filter(reason_id=int(value))))


def records_in_screening(records: QuerySet) -> QuerySet:
    """Those of the records with a vote or decision at any stage."""
    return records.filter(Exists(ScreeningDecision.objects.filter(record=OuterRef("pk"))))
