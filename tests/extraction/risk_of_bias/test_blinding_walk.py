"""Blinding by difference for risk-of-bias assessments: whatever Rita can reach while her assessment of a
study is a draft looks the same whether Raj has not started, has answered differently, or has submitted.
Every URL of the site is walked (tests/blinding.py), the risk-of-bias exports included."""

from __future__ import annotations

import pytest

from extraction.models import ExtractionCopy
from extraction.risk_of_bias import services
from tests.blinding import Walk, assert_same, small_review, world

from .conftest import CROSSOVER_LOW, with_changes

pytestmark = pytest.mark.django_db

EXPORTS = [
    ("rob.table", "csv"),
    ("rob.answers", "csv"),
    ("rob.answers", "xlsx"),
    ("rob.robvis-rob2-crossover", "csv"),
]


def test_an_assessor_sees_the_same_everywhere_whatever_the_other_assessor_does(exported):
    demo = small_review(export=exported)
    review, users = demo.review, demo.users
    rita, raj = users["rita"], users["raj"]
    record = demo.record("Antidepressant effects of ketamine in depressed")
    from review.services import ensure_study_for_report

    study = ensure_study_for_report(record=record)
    result = services.add_result(
        study=study, outcome="HDRS", time_point="3 days", tool="rob2-crossover", user=users["ada"]
    )
    services.assign_study(study=study, reviewers=[rita, raj])
    ritas = ExtractionCopy.objects.get(study=study, reviewer=rita, form__kind="rob")
    rajs = ExtractionCopy.objects.get(study=study, reviewer=raj, form__kind="rob")
    services.answer(copy=ritas, user=rita, result=result, answers=CROSSOVER_LOW)  # her draft
    theirs = with_changes(CROSSOVER_LOW, {"D5": {"5.1": "PN"}, "D1": {"1.2": "N"}})

    def raj_answers():
        services.answer(
            copy=rajs, user=raj, result=result, answers=theirs, judgements={"D4": ("high", "Raters knew")}
        )

    def raj_submits():
        raj_answers()
        services.submit_assessment(copy=rajs, user=raj)

    walk = Walk(
        user=rita,
        ids={**demo.ids, "study_id": [study.pk], "copy_id": [ritas.pk, rajs.pk], "result_id": [result.pk]},
        exports=EXPORTS,
        export=lambda client, kind, file_format: exported(client, review, kind, file_format),
    )
    before = world(walk)
    assert_same(before, world(walk, change=raj_answers), what="Rita how Raj answered")
    assert_same(before, world(walk, change=raj_submits), what="Rita whether Raj submitted")
