"""The review's results and their consensus judgements, as the risk-of-bias page, the plots and the
exports read them: one pass over the consensus in a fixed number of queries, whatever the number of
results. Only the consensus is read here (and, for the support of an agreed judgement, the justifications
the assessors wrote beside it, which every assessor may see once all have submitted), so nothing here is
blinded."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q

from extraction.comparison import outcome_key
from extraction.constants import Provenance
from extraction.models import ConsensusValue, ExtractionCopy, ExtractionForm, Value
from extraction.risk_of_bias.kind import DOMAIN_ORDER, OVERALL, family
from extraction.risk_of_bias.models import AssessedResult
from extraction.rob import NOT_APPLICABLE, Judgement, Tool, load_tool
from extraction.rob.plots import RobResult
from review.models import Review

JUDGEMENT_PREFIX = "judgement_"


class Status:
    NOT_ASSIGNED = "not assigned"
    ASSESSING = "being assessed"
    RECONCILING = "reconciling"
    RECONCILED = "reconciled"


@dataclass
class ResultRow:
    """A result with its consensus judgements (None where not settled) and where each came from."""

    result: AssessedResult
    tool: Tool
    assessors: list[str] = field(default_factory=list)
    started: bool = False  # a consensus exists (every copy was submitted)
    pending: int = 0  # consensus values still to reconcile
    judgements: dict[str, str | None] = field(default_factory=dict)  # domain key or "overall"
    support: dict[str, str] = field(default_factory=dict)
    reconciled_by: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return self.started and self.pending == 0

    @property
    def status(self) -> str:
        if self.complete:
            return Status.RECONCILED
        if self.started:
            return Status.RECONCILING
        return Status.ASSESSING if self.assessors else Status.NOT_ASSIGNED

    @property
    def overall(self) -> str | None:
        return self.judgements.get(OVERALL)

    @property
    def overall_label(self) -> str:
        return Judgement(self.overall).label if self.overall else ""

    def judgement_label(self, domain: str) -> str:
        value = self.judgements.get(domain)
        return Judgement(value).label if value else ""

    def plotted(self) -> RobResult:
        weight = float(self.result.weight) if self.result.weight is not None else None
        domains = {key: self.judgements.get(key) for key in self.tool.domain_keys}
        return RobResult(self.result.label, domains, self.overall, weight)


def _support(cell: dict, comments: dict[tuple, dict[str, str]]) -> str:
    """Why a consensus judgement is what it is: the reconciler's note for a value they entered, the chosen
    assessor's justification, or every assessor's when they agreed."""
    written = comments.get((cell["consensus__study_id"], cell["outcome_key"], cell["field__key"]), {})
    if cell["provenance"] == Provenance.ENTERED:
        return cell["note"]
    if cell["provenance"] == Provenance.REVIEWER:
        text = written.get(cell["source_copy__reviewer__username"], "")
        return f"{text} ({cell['note']})" if cell["note"] and text else text or cell["note"]
    return "; ".join(f"{who}: {text}" for who, text in sorted(written.items()))


def review_results(*, review: Review, form: ExtractionForm | None) -> list[ResultRow]:
    """Every result of the review, in study order, with its consensus judgements."""
    rows = {
        (r.study_id, r.key): ResultRow(r, load_tool(r.tool))
        for r in AssessedResult.objects.for_review(review).select_related("study")
    }
    if form is None or not rows:
        return list(rows.values())
    by_study: dict[int, list[ResultRow]] = defaultdict(list)
    for row in rows.values():
        by_study[row.result.study_id].append(row)
    for study_id, username in (
        ExtractionCopy.objects.filter(form=form, study__review=review)
        .order_by("reviewer__username")
        .values_list("study_id", "reviewer__username")
    ):
        for row in by_study[study_id]:
            row.assessors.append(username)
    comments: dict[tuple, dict[str, str]] = defaultdict(dict)
    for study_id, name, time_point, key, who, text in (
        Value.objects.filter(
            copy__form=form,
            copy__study__review=review,
            copy__study__consensus_records__form=form,  # every copy submitted: nothing blinded
            field__key__startswith=JUDGEMENT_PREFIX,
        )
        .exclude(comment="")
        .values_list(
            "copy__study_id",
            "outcome__name",
            "outcome__time_point",
            "field__key",
            "copy__reviewer__username",
            "comment",
        )
    ):
        comments[study_id, outcome_key(name, time_point), key][who] = text
    cells = (
        ConsensusValue.objects.filter(consensus__form=form, consensus__study__review=review)
        .filter(
            Q(field__key__startswith=JUDGEMENT_PREFIX)
            | Q(provenance=Provenance.PENDING)
            | Q(decided_by__isnull=False)
        )
        .values(
            "consensus__study_id",
            "consensus__created_by__username",
            "outcome_key",
            "field__key",
            "value",
            "provenance",
            "note",
            "source_copy__reviewer__username",
            "decided_by__username",
        )
    )
    for cell in cells:
        row = rows.get((cell["consensus__study_id"], cell["outcome_key"]))
        if row is None:
            continue
        row.started = True
        if cell["provenance"] == Provenance.PENDING:
            row.pending += 1
        who = cell["decided_by__username"] or cell["consensus__created_by__username"]
        if who and who not in row.reconciled_by:
            row.reconciled_by.append(who)
        if cell["field__key"].startswith(JUDGEMENT_PREFIX) and cell["provenance"] != Provenance.PENDING:
            domain = cell["field__key"].removeprefix(JUDGEMENT_PREFIX)
            domain = OVERALL if domain == OVERALL else _domain_key(domain)
            value = cell["value"]
            row.judgements[domain] = None if value in (None, "", NOT_APPLICABLE) else value
            row.support[domain] = _support(cell, comments)
    return list(rows.values())


def _domain_key(lowered: str) -> str:
    return next(key for key in DOMAIN_ORDER if key.lower() == lowered)


def plot_domains(rows: list[ResultRow]) -> list[tuple[str, str]]:
    """The domains of the tools these results use, in robvis's order, each named as its first tool names it
    (the crossover domain S beside RoB 2's five, for a review with parallel and crossover trials)."""
    names: dict[str, str] = {}
    for row in rows:
        for domain in row.tool.domains:
            # As robvis names them: “Bias due to deviations from intended interventions”, without the
            # effect of interest the tool files add (which would leave the summary's bars no room).
            names.setdefault(domain.key, domain.name.split(" (")[0])
    return [(key, names[key]) for key in DOMAIN_ORDER if key in names]


def reconciled_in(rows: list[ResultRow], scale: str) -> list[ResultRow]:
    """The reconciled results whose tool uses this judgement scale (“rob2” or “robins-i”)."""
    return [row for row in rows if row.complete and family(row.tool) == scale]
