from __future__ import annotations

import pytest

from review.models import Record
from screening import services


@pytest.fixture
def make_records(review):
    def make(n: int, **extra) -> list[Record]:
        return Record.objects.bulk_create(
            [
                Record(
                    review=review,
                    title=f"Trial {i} of ketamine",
                    abstract="A randomised trial.",
                    year=2020,
                    authors=[f"Author{i}, A"],
                    doi=f"10.1000/trial.{i}",
                    **extra,
                )
                for i in range(n)
            ]
        )

    return make


@pytest.fixture
def vote(review):
    def cast(record, user, verdict, stage="title_abstract", **kwargs):
        return services.cast_vote(
            review=review, record=record, stage=stage, reviewer=user, verdict=verdict, **kwargs
        )

    return cast


@pytest.fixture
def settle(review, adjudicator):
    """The adjudicator settles a record's conflict at a stage."""
    from screening import services
    from screening.models import ScreeningDecision

    def do(record, decision: str = "exclude", stage: str = "title_abstract", note: str = "Not ketamine"):
        outcome = ScreeningDecision.objects.get(record=record, stage=stage)
        return services.resolve_conflict(
            review=review, decision=outcome, user=adjudicator, verdict=decision, note=note
        )

    return do
