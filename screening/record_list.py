"""Screening's part in the review's record list: filters by the screening status at each stage, and which
records screening has started on (those can no longer be removed "before screening"). The review app asks
through ScreeningConfig's hooks, so it never imports the screening models."""

from __future__ import annotations

from functools import partial

from django.db.models import Exists, OuterRef, QuerySet

from review.constants import Stage
from review.records import RecordFilter
from screening.constants import OutcomeStatus
from screening.models import RecordStage

NOT_STARTED = "not_started"


def record_filters(*, review, user) -> list[RecordFilter]:
    """One filter per stage. Someone who may not tell an open conflict from a record still waiting for
    votes (a reviewer would learn the other reviewer disagreed) gets no "in conflict" choice, and conflicts
    count as waiting for them."""
    sees_conflicts = user.has_perm("review.see_conflicts", review)
    filters = []
    for stage, label in Stage.choices:
        choices = [(NOT_STARTED, "Not screened yet")] if stage == Stage.TITLE_ABSTRACT else []
        choices.append((OutcomeStatus.PENDING, "Waiting for votes"))
        if sees_conflicts:
            choices.append((OutcomeStatus.CONFLICT, "In conflict"))
        choices += [(OutcomeStatus.INCLUDED, "Included"), (OutcomeStatus.EXCLUDED, "Excluded")]
        filters.append(
            RecordFilter(
                name=stage,
                label=label,
                choices=choices,
                apply=partial(_at_stage, stage=stage, sees_conflicts=sees_conflicts),
            )
        )
    return filters


def _at_stage(records: QuerySet, value: str, *, stage: str, sees_conflicts: bool) -> QuerySet:
    outcomes = RecordStage.objects.filter(record=OuterRef("pk"), stage=stage)
    if value == NOT_STARTED:
        return records.exclude(Exists(outcomes))
    statuses = [value]
    if value == OutcomeStatus.PENDING and not sees_conflicts:
        statuses.append(OutcomeStatus.CONFLICT)
    return records.filter(Exists(outcomes.filter(status__in=statuses)))


def records_in_screening(records: QuerySet) -> QuerySet:
    """Those of the records with a vote or decision at any stage."""
    return records.filter(Exists(RecordStage.objects.filter(record=OuterRef("pk"))))
