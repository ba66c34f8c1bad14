"""Agreement between reviewers at a stage, on the votes as cast before any adjudication: every record all
its reviewers rated counts, conflicts included (counting only resolved records would hide every
disagreement still open). Per pair of reviewers, on the records both rated: percent agreement and Cohen's
kappa with its 95% confidence interval; over the records: percent agreement, Fleiss' kappa and
Krippendorff's alpha (nominal).

Whoever may not see every vote gets the figures over the records whose votes they may see (`scope_for`),
so no figure tells them anything about a vote still blinded to them.

The figures come from two aggregate queries per stage, never from the votes one by one: the votes of each
pair of reviewers cross-tabulated (`_pair_counts`) and, for records with three votes or more, how many
records had each mix of verdicts (`_record_mixes`). Both are cached until a vote or a decision changes (`screening.caching`)."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field

from django.db import connection
from django.db.models import Count, F, Q

from review.models import Review
from screening import caching
from screening.constants import DecisionStatus, Verdict
from screening.models import Vote
from screening.visibility import Sight

# Two-sided 95%, the normal quantile statsmodels' cohens_kappa uses.
Z_95 = 1.959963984540054

Table = dict[tuple[str, str], int]  # (category of reviewer a, category of reviewer b) -> records
Mix = dict[str, int]  # category -> votes on one record


@dataclass
class PairAgreement:
    reviewer_a: str
    reviewer_b: str
    n: int
    percent_agreement: float | None
    kappa: float | None
    kappa_ci: tuple[float, float] | None = None  # 95% confidence interval

    @property
    def kappa_ci_shown(self) -> tuple[float, float, bool] | None:
        """The interval as the page shows it: cut to kappa's range of -1 to 1 (the asymptotic interval, kept
        as statsmodels gives it in the exports, passes 1 on few records), and whether it was cut."""
        if self.kappa_ci is None:
            return None
        low, high = self.kappa_ci
        return max(low, -1.0), min(high, 1.0), low < -1.0 or high > 1.0


@dataclass
class StageAgreement:
    stage: str
    records: int  # records all their reviewers rated (at least two), in the person's scope
    agreed_records: int  # of those, the records on which every vote agrees
    percent_agreement: float | None
    fleiss_kappa: float | None
    votes_per_record: int  # the review's number of votes at this stage
    fleiss_records: int  # records with exactly that number of votes: Fleiss' kappa counts these
    krippendorff_alpha: float | None
    pairs: list[PairAgreement] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


# Who sees which records -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """The records whose votes the figures may count for someone: a filter on votes, a key for the cache
    and, for the page, what it counts in words (which depends on the role, never on the votes)."""

    key: str
    votes: Q
    description: str
    complete: bool = False  # every record all its reviewers rated


EVERY_VOTE = Scope(
    key="all",
    votes=Q(),
    description="every record all its reviewers rated at this stage, conflicts included",
    complete=True,
)


def scope_for(user, review: Review) -> Scope:
    """The records whose every vote the user may see (the blinding rule of screening.visibility)."""
    adjudicates = user.has_perm("review.adjudicate", review)
    if adjudicates and review.reviewers_resolve_conflicts:
        return EVERY_VOTE
    votes = Sight.of(user, review).decisions_open("decision")
    if adjudicates:
        return Scope(
            key=f"adjudicator-{user.pk}",
            votes=votes,
            description="resolved records and the open conflicts you may settle; a conflict you voted in "
            "counts once it is settled, as its other votes are hidden from you until then",
        )
    if review.reviewers_resolve_conflicts:
        return Scope(
            key=f"own-conflicts-{user.pk}",
            votes=votes,
            description="resolved records and the open conflicts you voted in; other open conflicts count "
            "once they are settled, as their votes are hidden from you until then",
        )
    return Scope(
        key="resolved",
        votes=votes,
        description="resolved records only; a record in conflict counts once it is settled, as its votes "
        "are hidden from you until then",
    )


# Statistics, from aggregated counts ------------------------------------------------------------------------


def category(verdict: str, *, maybe_counts_as_include: bool) -> str:
    if verdict == Verdict.MAYBE and maybe_counts_as_include:
        return Verdict.INCLUDE
    return verdict


def kappa_from_table(table: Table) -> tuple[float | None, tuple[float, float] | None]:
    """Cohen's kappa, (p_o - p_e) / (1 - p_e), and its 95% confidence interval from the asymptotic variance
    of Fleiss, Cohen and Everitt (1969), the one statsmodels' `cohens_kappa` gives. Undefined (None) with no
    records, or when p_e is 1 (both reviewers gave one and the same category to everything)."""
    n = sum(table.values())
    row_counts, col_counts = Counter(), Counter()
    for (a, b), records in table.items():
        row_counts[a] += records
        col_counts[b] += records
    if not n or sum(row_counts[c] * col_counts[c] for c in row_counts) == n * n:
        return None, None
    categories = sorted(row_counts | col_counts)
    rows = {c: row_counts[c] / n for c in categories}
    cols = {c: col_counts[c] / n for c in categories}
    p_e = sum(rows[c] * cols[c] for c in categories)
    kappa = (sum(table.get((c, c), 0) for c in categories) / n - p_e) / (1 - p_e)
    on_diagonal = sum(
        table.get((c, c), 0) / n * (1 - (rows[c] + cols[c]) * (1 - kappa)) ** 2 for c in categories
    )
    off_diagonal = (1 - kappa) ** 2 * sum(
        v / n * (cols[a] + rows[b]) ** 2 for (a, b), v in table.items() if a != b
    )
    variance = (on_diagonal + off_diagonal - (kappa - p_e * (1 - kappa)) ** 2) / (1 - p_e) ** 2 / n
    half_width = Z_95 * math.sqrt(max(variance, 0.0))
    return kappa, (kappa - half_width, kappa + half_width)


def cohen_kappa(a: list[str], b: list[str]) -> float | None:
    """Cohen's kappa of two reviewers' verdicts on the same records, in order."""
    return kappa_from_table(Counter(zip(a, b, strict=True)))[0]


def _fleiss(mixes: Iterable[tuple[Mix, int]]) -> float | None:
    """Fleiss' kappa from (verdicts on a record, how many records had them); every record must have the
    same number of votes (at least two). None when undefined (no records, or one category for all)."""
    mixes = [(mix, count) for mix, count in mixes if count]
    if not mixes:
        return None
    raters = sum(mixes[0][0].values())
    if raters < 2 or any(sum(mix.values()) != raters for mix, _ in mixes):
        return None
    n = sum(count for _, count in mixes)
    totals: Counter[str] = Counter()
    for mix, count in mixes:
        for c, votes in mix.items():
            totals[c] += votes * count
    if sum(1 for v in totals.values() if v) < 2:
        return None
    p_e = sum((v / (n * raters)) ** 2 for v in totals.values())
    agreeing = sum(count * (sum(v * v for v in mix.values()) - raters) for mix, count in mixes)
    p_bar = agreeing / (n * raters * (raters - 1))
    return (p_bar - p_e) / (1 - p_e)


def fleiss_kappa(table: list[dict[str, int]]) -> float | None:
    """Fleiss' kappa from per-record category counts."""
    return _fleiss((row, 1) for row in table)


def krippendorff_alpha(mixes: Iterable[tuple[Mix, int]]) -> float | None:
    """Krippendorff's alpha for nominal data from (verdicts on a record, how many records had them): any
    number of reviewers, any number of votes per record (a record with one vote cannot be paired and does
    not count). alpha = 1 - D_o / D_e from the coincidence matrix. None when undefined (one category)."""
    coincidences: dict[tuple[str, str], float] = defaultdict(float)
    for mix, count in mixes:
        votes = sum(mix.values())
        if votes < 2 or not count:
            continue
        for c, n_c in mix.items():
            for k, n_k in mix.items():
                coincidences[c, k] += count * n_c * (n_k - (c == k)) / (votes - 1)
    margins: Counter[str] = Counter()
    for (c, _), value in coincidences.items():
        margins[c] += value
    total = sum(margins.values())
    expected = sum(margins[c] * margins[k] for c in margins for k in margins if c != k) / (total - 1 or 1)
    if not expected:
        return None
    observed = sum(value for (c, k), value in coincidences.items() if c != k)
    return 1 - observed / expected


# The two aggregate queries -------------------------------------------------------------------------------


def _votes(review: Review, stage: str, scope: Scope):
    """The votes of records all their reviewers rated (conflicts included), in the scope."""
    return (
        Vote.objects.for_review(review)
        .filter(stage=stage)
        .exclude(decision__status=DecisionStatus.PENDING)
        .filter(scope.votes)
        .order_by()
    )


def _pair_counts(review: Review, stage: str, scope: Scope) -> list[tuple]:
    """(reviewer a, reviewer b, a's verdict, b's verdict, votes on the record, records), a's id below b's:
    each record's votes joined to the other votes on it, grouped."""
    columns = (
        "reviewer__username",
        "decision__votes__reviewer__username",
        "verdict",
        "decision__votes__verdict",
        "decision__votes_count",
    )
    return list(
        _votes(review, stage, scope)
        .filter(decision__votes__reviewer_id__gt=F("reviewer_id"))
        .values(*columns)
        .annotate(records=Count("pk"))
        .values_list(*columns, "records")
    )


def _record_mixes(review: Review, stage: str, scope: Scope) -> list[tuple[int, ...]]:
    """(votes for each verdict in `Verdict.values` order, records): how many records with three votes or
    more had each mix of votes (a record with two is one row of the pair counts already). The per-record
    counts are grouped again in the database, so no row per record reaches Python."""
    per_record = (
        _votes(review, stage, scope)
        .filter(decision__votes_count__gte=3)
        .values("decision_id")
        .annotate(**{f"n_{v}": Count("pk", filter=Q(verdict=v)) for v in Verdict.values})
    )
    sql, params = per_record.query.sql_with_params()
    columns = ", ".join(f"n_{v}" for v in Verdict.values)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns}, COUNT(*) FROM ({sql}) per_record GROUP BY {columns}",  # noqa: S608
            params,
        )
        return [tuple(row) for row in cursor.fetchall()]


def _counts(review: Review, stage: str, scope: Scope) -> tuple[list, list]:
    return caching.until_votes_change(
        review,
        f"agreement:{stage}:{scope.key}",
        lambda: (_pair_counts(review, stage, scope), _record_mixes(review, stage, scope)),
    )


def _pairs(pair_rows: list[tuple], cat: Callable[[str], str]) -> list[PairAgreement]:
    tables: dict[tuple[str, str], Table] = defaultdict(Counter)
    for a, b, verdict_a, verdict_b, _, records in pair_rows:
        if a > b:  # pairs are named in alphabetical order
            a, b, verdict_a, verdict_b = b, a, verdict_b, verdict_a
        tables[a, b][cat(verdict_a), cat(verdict_b)] += records
    pairs = []
    for (a, b), table in sorted(tables.items()):
        n = sum(table.values())
        kappa, ci = kappa_from_table(table)
        agreed = sum(v for (x, y), v in table.items() if x == y)
        pairs.append(PairAgreement(a, b, n, 100 * agreed / n, kappa, ci))
    return pairs


def _mixes(pair_rows: list[tuple], mix_rows: list[tuple], cat: Callable[[str], str]) -> list[tuple[Mix, int]]:
    """How many records had each mix of categories, over the records with at least two votes: those with
    exactly two from the pair counts, the others from the mixes counted for them."""
    counts: Counter[tuple[tuple[str, int], ...]] = Counter()
    for _, _, verdict_a, verdict_b, votes, records in pair_rows:
        if votes == 2:
            counts[tuple(sorted(Counter([cat(verdict_a), cat(verdict_b)]).items()))] += records
    for *votes, records in mix_rows:
        mix: Counter[str] = Counter()
        for verdict, n in zip(Verdict.values, votes, strict=True):
            mix[cat(verdict)] += n
        counts[tuple(sorted((c, n) for c, n in mix.items() if n))] += records
    return [(dict(mix), records) for mix, records in counts.items()]


def stage_agreement(*, review: Review, stage: str, scope: Scope = EVERY_VOTE) -> StageAgreement:
    """The figures at a stage over the records in `scope` (every vote, unless a person's scope is given)."""
    pair_rows, mix_rows = _counts(review, stage, scope)

    def cat(verdict: str) -> str:
        return category(verdict, maybe_counts_as_include=review.maybe_counts_as_include)

    rated = _mixes(pair_rows, mix_rows, cat)
    records = sum(count for _, count in rated)
    agreed = sum(count for mix, count in rated if len(mix) == 1)
    needed = review.reviewers_per_record(stage)
    with_all_votes = [(mix, count) for mix, count in rated if sum(mix.values()) == needed]
    return StageAgreement(
        stage=stage,
        records=records,
        agreed_records=agreed,
        percent_agreement=100 * agreed / records if records else None,
        fleiss_kappa=_fleiss(with_all_votes),
        votes_per_record=needed,
        fleiss_records=sum(count for _, count in with_all_votes),
        krippendorff_alpha=krippendorff_alpha(rated),
        pairs=_pairs(pair_rows, cat),
    )
