"""Agreement between reviewers at a stage: percent agreement and Cohen's kappa per pair, Fleiss' kappa over
all records that have the same number of votes. Only resolved records count, so the statistics never tell a
reviewer anything about a record that is still blinded."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from itertools import combinations

from review.models import Review
from screening.constants import Verdict
from screening.models import Vote


@dataclass
class PairAgreement:
    reviewer_a: str
    reviewer_b: str
    n: int
    percent_agreement: float | None
    kappa: float | None


@dataclass
class StageAgreement:
    stage: str
    records: int
    percent_agreement: float | None
    fleiss_kappa: float | None
    pairs: list[PairAgreement] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def cohen_kappa(a: list[str], b: list[str]) -> float | None:
    """kappa = (p_o - p_e) / (1 - p_e); undefined (None) with no items or when p_e is 1 (both reviewers
    gave one and the same category to everything)."""
    n = len(a)
    if n == 0:
        return None
    p_o = sum(x == y for x, y in zip(a, b, strict=True)) / n
    categories = set(a) | set(b)
    p_e = sum((a.count(c) / n) * (b.count(c) / n) for c in categories)
    if p_e >= 1:
        return None
    return (p_o - p_e) / (1 - p_e)


def fleiss_kappa(table: list[dict[str, int]]) -> float | None:
    """Fleiss' kappa from per-record category counts; every record must have the same number of ratings
    (at least two). None when undefined (no records, or every rating in one category)."""
    if not table:
        return None
    raters = sum(table[0].values())
    if raters < 2 or any(sum(row.values()) != raters for row in table):
        return None
    n = len(table)
    categories = {c for row in table for c in row}
    p_j = {c: sum(row.get(c, 0) for row in table) / (n * raters) for c in categories}
    p_i = [(sum(v * v for v in row.values()) - raters) / (raters * (raters - 1)) for row in table]
    p_bar = sum(p_i) / n
    p_e = sum(p * p for p in p_j.values())
    if p_e >= 1:
        return None
    return (p_bar - p_e) / (1 - p_e)


def category(verdict: str, *, maybe_counts_as_include: bool) -> str:
    if verdict == Verdict.MAYBE and maybe_counts_as_include:
        return Verdict.INCLUDE
    return verdict


def stage_agreement(*, review: Review, stage: str) -> StageAgreement:
    votes = (
        Vote.objects.for_review(review)
        .filter(stage=stage)
        .resolved_only()
        .values_list("record_id", "reviewer__username", "verdict")
    )
    by_record: dict[int, dict[str, str]] = defaultdict(dict)
    for record_id, username, verdict in votes:
        by_record[record_id][username] = category(
            verdict, maybe_counts_as_include=review.maybe_counts_as_include
        )
    reviewers = sorted({u for ratings in by_record.values() for u in ratings})
    pairs = []
    for a, b in combinations(reviewers, 2):
        both = [(r[a], r[b]) for r in by_record.values() if a in r and b in r]
        if not both:
            continue
        xs, ys = [x for x, _ in both], [y for _, y in both]
        pairs.append(
            PairAgreement(
                reviewer_a=a,
                reviewer_b=b,
                n=len(both),
                percent_agreement=100 * sum(x == y for x, y in both) / len(both),
                kappa=cohen_kappa(xs, ys),
            )
        )
    needed = review.reviewers_per_record(stage)
    complete = [r for r in by_record.values() if len(r) == needed]
    table = []
    for ratings in complete:
        counts: dict[str, int] = defaultdict(int)
        for verdict in ratings.values():
            counts[verdict] += 1
        table.append(dict(counts))
    agreed = [r for r in complete if len(set(r.values())) == 1]
    return StageAgreement(
        stage=stage,
        records=len(complete),
        percent_agreement=100 * len(agreed) / len(complete) if complete else None,
        fleiss_kappa=fleiss_kappa(table) if needed >= 2 else None,
        pairs=pairs,
    )
