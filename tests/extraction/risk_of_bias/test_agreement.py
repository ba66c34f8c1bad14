"""Agreement on domain judgements: Cohen's kappa and linearly weighted kappa, against a hand count and
scikit-learn's cohen_kappa_score on the same data."""

from __future__ import annotations

import random

import pytest
from sklearn.metrics import cohen_kappa_score

from extraction.models import ExtractionCopy
from extraction.risk_of_bias import services
from extraction.risk_of_bias.agreement import domain_agreement, weighted_kappa

from .conftest import CROSSOVER_LOW


def test_weighted_kappa_by_hand():
    # Two raters, five results, judgements 0 = Low, 1 = Some concerns, 2 = High.
    a, b = [0, 0, 1, 2, 2], [0, 1, 1, 2, 1]
    # Linear disagreement weights |i − j| / 2: observed 0.2; expected 0.44 from the margins (A: .4 .2 .4,
    # B: .2 .6 .2); kappa = 1 − 0.2 / 0.44 = 6/11.
    assert weighted_kappa(a, b, 3) == pytest.approx(6 / 11)
    # Unweighted: p_o = 0.6, p_e = 0.28, kappa = 0.32 / 0.72 = 4/9.
    assert weighted_kappa(a, b, 3, weighted=False) == pytest.approx(4 / 9)
    assert weighted_kappa([], [], 3) is None
    assert weighted_kappa([1, 1], [1, 1], 3) is None  # chance agreement already perfect: undefined


@pytest.mark.parametrize("seed", range(20))
def test_weighted_kappa_equals_scikit_learn(seed):
    rng = random.Random(seed)
    categories = rng.choice([3, 4])
    n = rng.randint(2, 60)
    a = [rng.randrange(categories) for _ in range(n)]
    b = [x if rng.random() < 0.6 else rng.randrange(categories) for x in a]
    labels = list(range(categories))  # the whole scale, even a judgement nobody gave
    ours, theirs = weighted_kappa(a, b, categories), cohen_kappa_score(a, b, weights="linear", labels=labels)
    assert (ours is None and theirs != theirs) or ours == pytest.approx(theirs)
    plain, reference = (
        weighted_kappa(a, b, categories, weighted=False),
        cohen_kappa_score(a, b, labels=labels),
    )
    assert (plain is None and reference != reference) or plain == pytest.approx(reference)


@pytest.mark.django_db
def test_the_review_agreement_counts_every_submitted_domain_judgement(
    review, assessed, make_study, reviewer, reviewer2, adjudicator, assess
):
    plans = [
        # (reviewer's changes, reviewer2's changes) to the all-Low crossover answers, and the domain
        # judgements (D1, S, D2, D3, D4, D5; 0 Low, 1 Some concerns, 2 High) the guidance gives them.
        ({}, {"D5": {"5.1": "PN"}}),  # D5 (5.2, 5.3 N; 5.1 not Y/PY): Some concerns
        ({"D1": {"1.2": "N"}}, {"D1": {"1.3": "PY"}}),  # D1: 1.2 N → High; 1.3 PY → Some concerns
        ({"D3": {"3.1": "N", "3.2": "N", "3.3": "PY", "3.4": "Y"}}, {}),  # D3: 3.4 Y → High
    ]
    xs = [0, 0, 0, 0, 0, 0] + [2, 0, 0, 0, 0, 0] + [0, 0, 0, 2, 0, 0]
    ys = [0, 0, 0, 0, 0, 1] + [1, 0, 0, 0, 0, 0] + [0, 0, 0, 0, 0, 0]
    for number, changes in enumerate(plans):
        assessed(f"Trial {number}, A", changes=changes)
    # A fourth study with only one submitted copy does not count.
    result = services.add_result(
        study=make_study("Trial 9, A", 2020),
        outcome="MADRS",
        time_point="",
        tool="rob2-crossover",
        user=adjudicator,
    )
    services.assign_study(study=result.study, reviewers=[reviewer, reviewer2])
    assess(ExtractionCopy.objects.get(study=result.study, reviewer=reviewer), reviewer, result, CROSSOVER_LOW)

    [pair] = domain_agreement(review=review, form=services.get_form(review))
    assert (pair.scale, pair.assessor_a, pair.assessor_b, pair.judgements) == (
        "RoB 2",
        "reviewer",
        "reviewer2",
        18,
    )
    assert pair.percent_agreement == pytest.approx(100 * 15 / 18)
    assert pair.weighted_kappa == pytest.approx(cohen_kappa_score(xs, ys, weights="linear", labels=[0, 1, 2]))
    assert pair.kappa == pytest.approx(cohen_kappa_score(xs, ys, labels=[0, 1, 2]))
