"""A risk-of-bias set-up around the shared personas: the review's form with RoB 2 (parallel and crossover)
and ROBINS-I V2, a crossover study with one result, and its two assessors' copies."""

from __future__ import annotations

import pytest

from extraction.models import ExtractionCopy
from extraction.risk_of_bias import services
from review.models import Record
from review.services import ensure_study_for_report

# Reaches a judgement of Low in every domain of RoB 2 for crossover trials (guidance: D1 Table 4 path
# 1.2 Y/PY, 1.1 Y/PY, 1.3 N/PN; S: S.1 Y, S.3 Y; D2 2.1 and 2.2 N and 2.6 Y; D3 3.1 Y; D4 4.1, 4.2, 4.3 N;
# D5 5.1 Y and 5.2–5.4 N).
CROSSOVER_LOW = {
    "D1": {"1.1": "Y", "1.2": "Y", "1.3": "N"},
    "S": {"S.1": "Y", "S.3": "Y"},
    "D2": {"2.1": "N", "2.2": "N", "2.6": "Y"},
    "D3": {"3.1": "Y"},
    "D4": {"4.1": "N", "4.2": "N", "4.3": "N"},
    "D5": {"5.1": "Y", "5.2": "N", "5.3": "N", "5.4": "N"},
}
TOOLS = ["rob2", "rob2-crossover", "robins-i"]


def with_changes(base: dict, changes: dict) -> dict:
    answers = {domain: dict(given) for domain, given in base.items()}
    for domain, given in changes.items():
        answers.setdefault(domain, {}).update(given)
    return answers


@pytest.fixture
def rob_form(review, owner):
    return services.install_tools(review=review, tools=TOOLS, user=owner)


@pytest.fixture
def make_study(review):
    def make(author: str = "Williams, N", year: int = 2018):
        record = Record.objects.create(
            review=review, title=f"A trial by {author}", authors=[author], year=year
        )
        return ensure_study_for_report(record=record)

    return make


@pytest.fixture
def crossover_result(rob_form, make_study, adjudicator):
    return services.add_result(
        study=make_study(), outcome="HAM-D", time_point="1 day", tool="rob2-crossover", user=adjudicator
    )


@pytest.fixture
def rob_copies(crossover_result, reviewer, reviewer2):
    services.assign_study(study=crossover_result.study, reviewers=[reviewer, reviewer2])
    return list(
        ExtractionCopy.objects.filter(form__kind="rob", study=crossover_result.study).order_by(
            "reviewer__username"
        )
    )


@pytest.fixture
def assess():
    """Answer and submit a copy: `assess(copy, user, result, answers, judgements={...})`."""

    def run(copy, user, result, answers, judgements=None, *, submit=True):
        errors = services.answer(copy=copy, user=user, result=result, answers=answers, judgements=judgements)
        assert not errors, errors
        if submit:
            services.submit_assessment(copy=copy, user=user)
        return copy

    return run


@pytest.fixture
def reconciled(rob_copies, crossover_result, reviewer, reviewer2, adjudicator, assess):
    """Both assessors agree on every answer: the consensus starts complete."""
    from extraction import reconciliation

    for copy, user in zip(rob_copies, (reviewer, reviewer2), strict=True):
        assess(copy, user, crossover_result, CROSSOVER_LOW)
    return reconciliation.start_consensus(
        study=crossover_result.study, form=rob_copies[0].form, user=adjudicator
    )


@pytest.fixture
def assessed(rob_form, make_study, reviewer, reviewer2, adjudicator, assess):
    """Another study with one crossover result, assessed and submitted by both reviewers:
    `assessed("Jelen, E", changes=(reviewer's, reviewer2's), reconcile=True)`."""
    from extraction import reconciliation

    def make(author: str, *, changes: tuple[dict, dict] = ({}, {}), reconcile: bool = False):
        result = services.add_result(
            study=make_study(author, 2021),
            outcome="MADRS",
            time_point="1 day",
            tool="rob2-crossover",
            user=adjudicator,
        )
        services.assign_study(study=result.study, reviewers=[reviewer, reviewer2])
        copies = ExtractionCopy.objects.filter(study=result.study, form__kind="rob").order_by(
            "reviewer__username"
        )
        for copy, user, change in zip(copies, (reviewer, reviewer2), changes, strict=True):
            assess(copy, user, result, with_changes(CROSSOVER_LOW, change))
        if reconcile:
            reconciliation.start_consensus(study=result.study, form=copies[0].form, user=adjudicator)
        return result

    return make
