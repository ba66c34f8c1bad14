"""Agreement statistics against the reference implementations in scikit-learn and statsmodels."""

from __future__ import annotations

import random
from itertools import combinations

import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import aggregate_raters
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss_kappa

from review import services as review_services
from screening import services
from screening.agreement import (
    cohen_kappa,
    fleiss_kappa,
    kappa_from_table,
    krippendorff_alpha,
    stage_agreement,
)
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
            "kappa_ci": None,
        }
    ]
    out = StringIO()
    call_command("agreement", review.slug, "--stage", "full_text", "--json", stdout=out)
    assert json.loads(out.getvalue())["pairs"] == []


# Every record all its reviewers rated counts, conflicts included ------------------------------------------


def agreement_json(review, stage="title_abstract") -> dict:
    import json
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("agreement", review.slug, "--stage", stage, "--json", stdout=out)
    return json.loads(out.getvalue())


def mapped(verdict: str, maybe_counts_as_include: bool) -> str:
    return "include" if verdict == "maybe" and maybe_counts_as_include else verdict


@pytest.fixture
def votes_with_open_conflicts(reviewer, reviewer2, make_records, vote, settle):
    """The issue's review: the votes agreed on 18 of 22 records; one disagreement was adjudicated, three
    are still open. Counting resolved records only gave 94.7% (18 of 19)."""
    records = make_records(23)
    plan = [("include", "include")] * 7 + [("exclude", "exclude")] * 11 + [("include", "exclude")] * 3
    plan += [("maybe", "exclude")]
    for record, (a, b) in zip(records, plan, strict=False):
        vote(record, reviewer, a)
        vote(record, reviewer2, b)
    vote(records[22], reviewer, "include")  # waiting for reviewer2: not counted
    settle(records[21])
    return plan


@pytest.mark.django_db
def test_the_command_counts_open_conflicts(review, votes_with_open_conflicts):
    plan = votes_with_open_conflicts
    data = agreement_json(review)
    # By hand: 22 records rated by both; 18 agreed (maybe counts as include, so maybe/exclude disagrees).
    assert (data["records"], data["agreed_records"]) == (22, 18)
    assert data["percent_agreement"] == pytest.approx(100 * 18 / 22)
    (pair,) = data["pairs"]
    xs, ys = [mapped(a, True) for a, _ in plan], [mapped(b, True) for _, b in plan]
    assert (pair["n"], pair["percent_agreement"]) == (22, pytest.approx(100 * 18 / 22))
    assert pair["kappa"] == pytest.approx(cohen_kappa_score(xs, ys))


@pytest.mark.django_db
@pytest.mark.parametrize(("votes_per_record", "maybe_counts_as_include"), [(2, True), (2, False), (3, True)])
def test_agreement_json_equals_the_reference_libraries(
    review,
    reviewer,
    reviewer2,
    owner,
    adjudicator,
    make_user,
    make_records,
    votes_per_record,
    maybe_counts_as_include,
):
    """Four reviewers, each record rated by a random N of them (so every reviewer misses some records);
    some disagreements adjudicated, most left open, some records still waiting for votes. `agreement
    --json` equals scikit-learn's Cohen's kappa, statsmodels' confidence interval and Fleiss' kappa and the
    krippendorff package's alpha on the records all their reviewers rated."""
    import krippendorff
    from sklearn.metrics import confusion_matrix
    from statsmodels.stats.inter_rater import cohens_kappa

    reviewer3 = make_user("reviewer3")
    for user in (owner, reviewer3):
        review_services.add_member(review=review, user=user, role="reviewer")
    review.reviewers_per_record_title_abstract = votes_per_record
    review.maybe_counts_as_include = maybe_counts_as_include
    review.save()
    raters = [reviewer, reviewer2, owner, reviewer3]
    rng = random.Random(votes_per_record * 10 + maybe_counts_as_include)
    rated: list[dict[str, str]] = []  # per complete record: username -> category
    for i, record in enumerate(make_records(70)):
        who = rng.sample(raters, votes_per_record)
        if i % 10 == 9:
            who = who[:-1]  # still waiting for its last vote
        verdicts = {u.username: rng.choice(CATEGORIES) for u in who}
        for user in who:
            services.cast_vote(
                review=review,
                record=record,
                stage="title_abstract",
                reviewer=user,
                verdict=verdicts[user.username],
            )
        if len(who) == votes_per_record:
            rated.append({u: mapped(v, maybe_counts_as_include) for u, v in verdicts.items()})
    conflicts = list(ScreeningDecision.objects.filter(review=review, status="conflict"))
    assert len(conflicts) > 10
    for outcome in conflicts[:5]:
        services.resolve_conflict(
            review=review, decision=outcome, user=adjudicator, verdict="exclude", note="x"
        )

    data = agreement_json(review)

    agreed = sum(len(set(r.values())) == 1 for r in rated)
    assert (data["records"], data["agreed_records"]) == (len(rated), agreed)
    assert data["percent_agreement"] == pytest.approx(100 * agreed / len(rated))
    table, _ = aggregate_raters(np.array([list(r.values()) for r in rated]))
    assert data["fleiss_records"] == len(rated)
    assert data["fleiss_kappa"] == pytest.approx(sm_fleiss_kappa(table, method="fleiss"))
    names = sorted(u.username for u in raters)
    codes = {c: i for i, c in enumerate(CATEGORIES)}
    reliability = [[codes[r[name]] if name in r else np.nan for r in rated] for name in names]
    assert data["krippendorff_alpha"] == pytest.approx(
        krippendorff.alpha(reliability_data=reliability, level_of_measurement="nominal")
    )
    pairs = {(p["reviewer_a"], p["reviewer_b"]): p for p in data["pairs"]}
    assert len(pairs) == 6
    for a, b in combinations(names, 2):
        both = [r for r in rated if a in r and b in r]
        xs, ys = [r[a] for r in both], [r[b] for r in both]
        pair = pairs[a, b]
        assert pair["n"] == len(both)
        assert pair["percent_agreement"] == pytest.approx(
            100 * sum(x == y for x, y in zip(xs, ys, strict=True)) / len(both)
        )
        assert pair["kappa"] == pytest.approx(cohen_kappa_score(xs, ys))
        labels = sorted(set(xs) | set(ys))
        reference = cohens_kappa(confusion_matrix(xs, ys, labels=labels))
        assert pair["kappa_ci"] == pytest.approx([reference.kappa_low, reference.kappa_upp])


@pytest.mark.parametrize("seed", range(30))
def test_kappa_confidence_interval_equals_statsmodels(seed):
    from statsmodels.stats.inter_rater import cohens_kappa

    rng = random.Random(seed)
    categories = CATEGORIES[: rng.randint(2, 3)]
    table = {(a, b): rng.randint(0, 12) for a in categories for b in categories}
    table[categories[0], categories[0]] += 1  # never empty
    kappa, ci = kappa_from_table(table)
    reference = cohens_kappa([[table[a, b] for b in categories] for a in categories])
    assert kappa == pytest.approx(reference.kappa)
    assert ci == pytest.approx((reference.kappa_low, reference.kappa_upp))


@pytest.mark.parametrize("seed", range(30))
def test_krippendorff_alpha_equals_the_krippendorff_package(seed):
    """Any number of reviewers and votes per record, missing votes included."""
    import krippendorff

    rng = np.random.default_rng(seed)
    coders, units = int(rng.integers(2, 6)), int(rng.integers(3, 40))
    data = rng.integers(0, 3, size=(coders, units)).astype(float)
    data[rng.random((coders, units)) < 0.4] = np.nan
    data[:2, 0] = [0, 1]  # at least one pairable record with two categories
    mixes = []
    for unit in data.T:
        values = unit[~np.isnan(unit)]
        mixes.append(({str(int(v)): int((values == v).sum()) for v in set(values)}, 1))
    expected = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
    assert krippendorff_alpha(mixes) == pytest.approx(expected)


def test_krippendorff_alpha_is_undefined_for_one_category():
    assert krippendorff_alpha([({"exclude": 2}, 5)]) is None
    assert krippendorff_alpha([({"exclude": 1}, 5)]) is None
    assert kappa_from_table({("include", "include"): 4}) == (None, None)


@pytest.mark.django_db
def test_records_with_different_numbers_of_votes(review, reviewer, reviewer2, owner, make_records, vote):
    """Records decided with two votes before the review asked for three: Krippendorff's alpha and the pairs
    count them all, Fleiss' kappa only the records with three votes."""
    import krippendorff

    review_services.add_member(review=review, user=owner, role="reviewer")
    plan = [
        ("include", "include", None),
        ("exclude", "exclude", None),
        ("include", "exclude", None),
        ("exclude", "exclude", "exclude"),
        ("include", "include", "exclude"),
        ("include", "exclude", "maybe"),
        ("exclude", "include", "include"),
    ]
    records = make_records(len(plan))
    raters = [reviewer, reviewer2, owner]
    for record, verdicts in zip(records[:3], plan[:3], strict=True):
        vote(record, reviewer, verdicts[0])
        vote(record, reviewer2, verdicts[1])
    review.reviewers_per_record_title_abstract = 3
    review.save()
    for record, verdicts in zip(records[3:], plan[3:], strict=True):
        for user, verdict in zip(raters, verdicts, strict=True):
            vote(record, user, verdict)
    data = agreement_json(review)
    rows = [[mapped(v, True) if v else None for v in row] for row in plan]
    assert (data["records"], data["agreed_records"], data["fleiss_records"]) == (7, 3, 4)
    table, _ = aggregate_raters(np.array(rows[3:]))
    assert data["fleiss_kappa"] == pytest.approx(sm_fleiss_kappa(table))
    codes = {"include": 0, "exclude": 1}
    reliability = [[codes[row[i]] if row[i] else np.nan for row in rows] for i in range(3)]
    assert data["krippendorff_alpha"] == pytest.approx(
        krippendorff.alpha(reliability_data=reliability, level_of_measurement="nominal")
    )
    pairs = {(p["reviewer_a"], p["reviewer_b"]): p["n"] for p in data["pairs"]}
    assert pairs == {("owner", "reviewer"): 4, ("owner", "reviewer2"): 4, ("reviewer", "reviewer2"): 7}


@pytest.mark.django_db
def test_the_command_prints_a_table(review, votes_with_open_conflicts):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("agreement", review.slug, stdout=out)
    data = agreement_json(review)
    (pair,) = data["pairs"]
    low, high = pair["kappa_ci"]
    assert out.getvalue().splitlines() == [
        f"Title and abstract: 22 records; agreement 81.8%; Fleiss' kappa {data['fleiss_kappa']:.3f} "
        f"(22 records); Krippendorff's alpha {data['krippendorff_alpha']:.3f}",
        f"  reviewer / reviewer2: n=22, agreement 81.8%, Cohen's kappa {pair['kappa']:.3f} "
        f"(95% CI {low:.3f} to {high:.3f})",
    ]


def test_the_page_cuts_kappas_interval_at_its_bounds_and_says_so():
    """statsmodels' asymptotic interval for 8 records, 7 agreeing, passes 1 (kept so in the exports); the page
    shows it cut at 1 and marked."""
    from screening.agreement import PairAgreement

    passing = PairAgreement("rita", "raj", 8, 87.5, 0.78, (0.385, 1.176))
    assert passing.kappa_ci_shown == (0.385, 1.0, True)
    inside = PairAgreement("rita", "raj", 80, 90.0, 0.6, (0.4, 0.8))
    assert inside.kappa_ci_shown == (0.4, 0.8, False)
    assert PairAgreement("rita", "raj", 0, None, None).kappa_ci_shown is None
