"""Agreement statistics against the reference implementations in scikit-learn and statsmodels."""

from __future__ import annotations

import random

import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import aggregate_raters
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss_kappa

from review import services as review_services
from screening import services
from screening.agreement import cohen_kappa, fleiss_kappa, stage_agreement
from screening.models import ScreeningDecision

CATEGORIES = ["include", "exclude", "maybe"]


@pytest.mark.parametrize("seed", range(20))
def test_cohen_kappa_equals_sklearn(seed):
    rng = random.Random(seed)
    n = rng.randint(2, 60)
    a = [rng.choice(CATEGORIES[: rng.randint(2, 3)]) for _ in range(n)]
    b = [rng.choice(CATEGORIES) for _ in range(n)]
    expected = cohen_kappa_score(a, b)
    assert cohen_kappa(a, b) == pytest.approx(expected)


@pytest.mark.parametrize("seed", range(20))
@pytest.mark.parametrize("raters", [2, 3])
def test_fleiss_kappa_equals_statsmodels(seed, raters):
    rng = np.random.default_rng(seed)
    data = rng.choice(CATEGORIES, size=(int(rng.integers(2, 80)), raters))
    table, _ = aggregate_raters(data)
    ours = fleiss_kappa([{c: int((row == c).sum()) for c in CATEGORIES if (row == c).any()} for row in data])
    assert ours == pytest.approx(sm_fleiss_kappa(table, method="fleiss"))


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_kappa_is_undefined_when_everything_is_one_category():
    assert cohen_kappa(["include"] * 5, ["include"] * 5) is None
    assert np.isnan(cohen_kappa_score(["include"] * 5, ["include"] * 5))
    assert fleiss_kappa([{"exclude": 2}] * 4) is None
    assert cohen_kappa([], []) is None and fleiss_kappa([]) is None


@pytest.mark.django_db
@pytest.mark.parametrize("maybe_counts_as_include", [True, False])
def test_stage_agreement_on_random_votes(
    review, reviewer, reviewer2, owner, adjudicator, make_records, maybe_counts_as_include
):
    """Three reviewers (N = 3) vote at random; conflicts are settled so every record is resolved; the
    review's statistics equal sklearn's and statsmodels' on the same votes."""
    review_services.add_member(review=review, user=owner, role="reviewer")
    review.reviewers_per_record_title_abstract = 3
    review.maybe_counts_as_include = maybe_counts_as_include
    review.save()
    rng = random.Random(7)
    records = make_records(40)
    raters = [reviewer, reviewer2, owner]
    ratings = []
    for record in records:
        row = [rng.choice(CATEGORIES) for _ in raters]
        ratings.append(row)
        for user, verdict in zip(raters, row, strict=True):
            services.cast_vote(
                review=review, record=record, stage="title_abstract", reviewer=user, verdict=verdict
            )
    for o in ScreeningDecision.objects.filter(review=review, status="conflict"):
        services.resolve_conflict(
            review=review, decision=o, user=adjudicator, verdict="exclude", note="settled"
        )
    mapped = [
        [("include" if v == "maybe" and maybe_counts_as_include else v) for v in row] for row in ratings
    ]
    result = stage_agreement(review=review, stage="title_abstract")
    assert result.records == 40
    table, _ = aggregate_raters(np.array(mapped))
    assert result.fleiss_kappa == pytest.approx(sm_fleiss_kappa(table))
    names = [u.username for u in raters]
    by_pair = {(p.reviewer_a, p.reviewer_b): p for p in result.pairs}
    for i in range(3):
        for j in range(i + 1, 3):
            a, b = sorted([(names[i], i), (names[j], j)])
            pair = by_pair[(a[0], b[0])]
            xs, ys = [r[a[1]] for r in mapped], [r[b[1]] for r in mapped]
            assert pair.n == 40
            assert pair.kappa == pytest.approx(cohen_kappa_score(xs, ys))
            assert pair.percent_agreement == pytest.approx(
                100 * np.mean([x == y for x, y in zip(xs, ys, strict=True)])
            )


@pytest.mark.django_db
def test_agreement_command_prints_json_with_nulls(review, reviewer, reviewer2, make_records):
    import json
    from io import StringIO

    from django.core.management import call_command

    for record in make_records(3):
        for user in (reviewer, reviewer2):
            services.cast_vote(
                review=review, record=record, stage="title_abstract", reviewer=user, verdict="exclude"
            )
    out = StringIO()
    call_command("agreement", review.slug, "--stage", "title_abstract", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["percent_agreement"] == 100.0
    assert data["fleiss_kappa"] is None
    assert data["pairs"] == [
        {
            "reviewer_a": "reviewer",
            "reviewer_b": "reviewer2",
            "n": 3,
            "percent_agreement": 100.0,
            "kappa": None,
        }
    ]
    out = StringIO()
    call_command("agreement", review.slug, "--stage", "full_text", "--json", stdout=out)
    assert json.loads(out.getvalue())["pairs"] == []
