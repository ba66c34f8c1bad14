"""The demo's risk-of-bias assessments: crossover RoB 2 for Williams 2018 and Jelen, parallel for Tiger 2020,
by rita and raj; one domain disagreement waits for ada."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from extraction.constants import Provenance
from extraction.models import ConsensusValue
from extraction.risk_of_bias import services
from extraction.risk_of_bias.results import review_results
from review.demo import load_demo

pytestmark = pytest.mark.django_db


def test_the_demo_has_assessments_reconciled_and_one_disagreement_waiting_for_ada():
    review, _ = load_demo()
    rows = {
        row.result.study.label.split()[0]: row
        for row in review_results(review=review, form=services.get_form(review))
    }
    assert {name: row.tool.key for name, row in rows.items()} == {
        "Williams": "rob2-crossover",
        "Jelen": "rob2-crossover",
        "Tiger": "rob2",
    }
    assert all(row.assessors == ["raj", "rita"] for row in rows.values())
    assert rows["Tiger"].complete and rows["Jelen"].complete
    assert rows["Jelen"].judgements["D3"] == "some_concerns"
    williams = rows["Williams"]
    assert williams.status == "reconciling"
    waiting = ConsensusValue.objects.filter(
        consensus__study=williams.result.study, provenance=Provenance.PENDING
    )
    assert sorted(waiting.values_list("field__key", flat=True)) == [
        "judgement_d5",
        "judgement_overall",
        "rob2_crossover_d1_1_1",
        "rob2_crossover_d5_5_1",
    ]
    ada = Client()
    ada.force_login(review.memberships.get(user__username="ada").user)
    dashboard = ada.get(reverse("review:dashboard", args=[review.slug])).content.decode()
    assert "Risk of bias: studies to reconcile</a>: 1" in dashboard
    assert ada.get(reverse("rob:plot", args=[review.slug, "traffic-light", "png"])).status_code == 200
