"""Agreement between assessors on domain judgements, per pair of assessors and judgement scale: percent
agreement, Cohen's kappa, and kappa weighted linearly for the judgements' order (Low < Some concerns < High;
Low < Moderate < Serious < Critical), where a Low/High disagreement counts twice a Low/Some concerns one:
the weights span the whole scale, even when a pair never used one of its judgements.

Only studies whose copies are all submitted count, so the figures never tell anyone about a judgement still
blinded; every submitted judgement counts, disagreements still open included (as screening agreement
does, BRIEF: counting only reconciled results would hide them). Equal to scikit-learn's
`cohen_kappa_score(weights="linear", labels=<the scale>)` on the same data (tests/extraction/risk_of_bias/test_agreement.py); written out
here because importing scikit-learn costs a page a second."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from itertools import combinations

from django.db.models import Exists, OuterRef, Q

from extraction.comparison import outcome_key
from extraction.constants import CopyStatus
from extraction.models import ExtractionCopy, ExtractionForm, Value
from extraction.risk_of_bias.kind import FAMILIES, OVERALL, TOOL_FIELD, family, judgement_key
from extraction.rob import NOT_APPLICABLE, load_tool
from review.models import Review


def weighted_kappa(a: list[int], b: list[int], categories: int, *, weighted: bool = True) -> float | None:
    """Cohen's kappa of two raters' ordinal ratings (0 … categories − 1), with linear weights
    |i − j| / (categories − 1) when `weighted`, else 0/1. None when undefined (no ratings, or chance
    agreement is already perfect)."""
    n = len(a)
    if n == 0 or categories < 2:
        return None
    span = categories - 1

    def weight(i: int, j: int) -> float:
        return abs(i - j) / span if weighted else float(i != j)

    row = [a.count(c) / n for c in range(categories)]
    column = [b.count(c) / n for c in range(categories)]
    observed = sum(weight(i, j) for i, j in zip(a, b, strict=True)) / n
    expected = sum(row[i] * column[j] * weight(i, j) for i in range(categories) for j in range(categories))
    if expected == 0:
        return None
    return 1 - observed / expected


@dataclass
class PairAgreement:
    scale: str  # “RoB 2” or “ROBINS-I”
    assessor_a: str
    assessor_b: str
    judgements: int  # domain judgements both gave (result × domain)
    percent_agreement: float
    kappa: float | None
    weighted_kappa: float | None


def domain_agreement(*, review: Review, form: ExtractionForm | None) -> list[PairAgreement]:
    if form is None:
        return []
    drafts = ExtractionCopy.objects.filter(form=form, study=OuterRef("copy__study"), status=CopyStatus.DRAFT)
    answers = Value.objects.filter(
        Q(field__key__startswith="judgement_") | Q(field__key=TOOL_FIELD),
        ~Exists(drafts),
        copy__form=form,
        copy__study__review=review,
    )
    tools: dict[tuple, str] = {}
    given: dict[tuple, dict[str, str]] = defaultdict(dict)  # (study, result, domain) → {assessor: judgement}
    for study_id, name, time_point, key, who, value in answers.values_list(
        "copy__study_id",
        "outcome__name",
        "outcome__time_point",
        "field__key",
        "copy__reviewer__username",
        "value",
    ):
        place = (study_id, outcome_key(name or "", time_point or ""))
        if key == TOOL_FIELD:
            tools[place] = value
        elif key != judgement_key(OVERALL) and value not in (None, "", NOT_APPLICABLE):
            given[(*place, key)][who] = value
    ratings: dict[tuple[str, str, str], list[tuple[int, int]]] = defaultdict(list)
    sizes: dict[str, int] = {}
    for (study_id, result, _domain), by_assessor in given.items():
        tool_key = tools.get((study_id, result))
        if tool_key is None:
            continue
        tool = load_tool(tool_key)
        scale = [j.value for j in tool.judgements]
        sizes[family(tool)] = len(scale)
        for a, b in combinations(sorted(by_assessor), 2):
            if by_assessor[a] in scale and by_assessor[b] in scale:
                ratings[family(tool), a, b].append((scale.index(by_assessor[a]), scale.index(by_assessor[b])))
    pairs = []
    for (scale_key, a, b), pairs_of in sorted(ratings.items()):
        xs, ys = [x for x, _ in pairs_of], [y for _, y in pairs_of]
        size = sizes[scale_key]
        pairs.append(
            PairAgreement(
                scale=FAMILIES[scale_key],
                assessor_a=a,
                assessor_b=b,
                judgements=len(pairs_of),
                percent_agreement=100 * sum(x == y for x, y in pairs_of) / len(pairs_of),
                kappa=weighted_kappa(xs, ys, size, weighted=False),
                weighted_kappa=weighted_kappa(xs, ys, size),
            )
        )
    return pairs
