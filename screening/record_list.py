"""Screening's part in the review's record list: filters by the screening status at each stage, and which
records screening has started on (those can no longer be removed "before screening"). The review app asks
through ScreeningConfig's hooks, so it never imports the screening models."""

from __future__ import annotations

from functools import partial

from django.db.models import Exists, OuterRef, QuerySet

from review.constants import Stage
from review.records import RecordFilter
from screening.constants import DecisionStatus
from screening.models import ScreeningDecision
from screening.visibility import Sight

NOT_STARTED = "not_started"


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
        choices += [(DecisionStatus.INCLUDED, "Included"), (DecisionStatus.EXCLUDED, "Excluded")]
        filters.append(
            RecordFilter(
                name=stage,
                label=label,
                choices=choices,
                apply=partial(_at_stage, stage=stage, sight=sight),
            )
        )
    return filters


def _at_stage(records: QuerySet, value: str, *, stage: str, sight: Sight) -> QuerySet:
    decisions = ScreeningDecision.objects.filter(record=OuterRef("pk"), stage=stage)
    if value == NOT_STARTED:
        return records.exclude(Exists(decisions))
    if value == DecisionStatus.PENDING:
        return records.filter(Exists(decisions.filter(sight.undecided_unseen())))
    if value == DecisionStatus.CONFLICT:
        return records.filter(Exists(decisions.filter(sight.conflicts())))
    return records.filter(Exists(decisions.filter(status=value)))


def records_in_screening(records: QuerySet) -> QuerySet:
    """Those of the records with a vote or decision at any stage."""
    return records.filter(Exists(ScreeningDecision.objects.filter(record=OuterRef("pk"))))
