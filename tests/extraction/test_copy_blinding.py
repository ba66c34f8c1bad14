"""Blinding by difference for extraction copies (issue 14): whatever Rita can reach while her copy of a
study is a draft looks the same whether Raj's copy is a draft too or already submitted. Every URL of the
site is walked (tests/blinding.py)."""

from __future__ import annotations

import pytest

from extraction import coding
from extraction.models import ExtractionCopy
from tests.blinding import Walk, assert_same, small_review, world

from .conftest import fill

pytestmark = pytest.mark.django_db

EXPORTS = [
    (kind, file_format)
    for kind in ("extraction.consensus-wide", "extraction.consensus-long", "extraction.raw-copies")
    for file_format in ("csv", "xlsx")
]


def test_an_extractor_sees_the_same_everywhere_whether_the_other_copy_is_a_draft_or_submitted(exported):
    demo = small_review(export=exported)
    review, rita, raj = demo.review, demo.users["rita"], demo.users["raj"]
    drafts = ExtractionCopy.objects.filter(
        study__review=review, reviewer=raj, status="draft", form__kind="extraction"
    )
    rajs = drafts.select_related("study").order_by("study_id").first()
    ritas = ExtractionCopy.objects.get(study=rajs.study, reviewer=rita, form__kind="extraction")
    fill(ritas, rita, {"design": "Crossover", "country": "UK"})  # her draft, saved but not submitted

    def raj_submits():
        fill(rajs, raj, {"design": "Parallel", "ketamine_dose": "0.5", "country": "USA"})
        coding.submit_copy(copy=rajs, user=raj)

    walk = Walk(
        user=rita,
        ids={**demo.ids, "study_id": [rajs.study_id], "copy_id": [ritas.pk, rajs.pk]},
        exports=EXPORTS,
        export=lambda client, kind, file_format: exported(client, review, kind, file_format),
    )
    assert_same(world(walk), world(walk, change=raj_submits), what="Rita whether Raj submitted his copy")
