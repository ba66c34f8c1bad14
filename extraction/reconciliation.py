"""Reconciliation: the submitted copies side by side, and the consensus built from them. Agreeing answers are
accepted by themselves (the form's kind says what agrees); a reconciler settles the others, and every
consensus value records where it came from, keeps its history and refuses a save based on a stale page."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from simple_history.utils import bulk_create_with_history

from extraction.coding import answers_at
from extraction.comparison import display_value, normalise_name, outcome_key, parse_value
from extraction.constants import CopyStatus, FieldLevel, Provenance
from extraction.kinds import Agreement
from extraction.models import Arm, Consensus, ConsensusValue, ExtractionCopy, Outcome, Value
from extraction.visibility import all_submitted
from review.models import Study

if TYPE_CHECKING:
    from extraction.models import ExtractionForm, FormField, FormVersion


@dataclass
class Cell:
    copy: ExtractionCopy
    value: Value | None

    @property
    def shown(self) -> str:
        return display_value(self.value.value) if self.value else ""


@dataclass
class Row:
    field: FormField
    arm_key: str
    arm_name: str
    outcome_key: str
    outcome_name: str
    time_point: str
    measure: str
    cells: list[Cell]
    agreement: Agreement
    consensus: ConsensusValue | None = None
    proposal: Any = None  # what the kind proposes from the consensus so far

    @property
    def agree(self) -> bool:
        return self.agreement.agree

    @property
    def where(self) -> str:
        outcome = " · ".join(p for p in (self.outcome_name, self.time_point, self.measure) if p)
        return " — ".join(p for p in (outcome, self.arm_name) if p)

    @property
    def proposal_shown(self) -> str:
        return display_value(self.proposal)

    def place(self) -> dict[str, Any]:
        """The consensus cell this row fills: field, arm and outcome, as ConsensusValue names them."""
        names = ("field", "arm_key", "arm_name", "outcome_key", "outcome_name", "time_point", "measure")
        return {name: getattr(self, name) for name in names}


@dataclass
class Comparison:
    study: Study
    form: ExtractionForm
    version: FormVersion
    copies: list[ExtractionCopy]
    rows: list[Row]
    differences: list[str] = field(default_factory=list)
    consensus: Consensus | None = None

    @property
    def disagreements(self) -> list[Row]:
        return [r for r in self.rows if not r.agree]

    @property
    def open_rows(self) -> list[Row]:
        return [
            r for r in self.rows if r.consensus is not None and r.consensus.provenance == Provenance.PENDING
        ]


def study_copies(*, study: Study, form: ExtractionForm) -> list[ExtractionCopy]:
    return list(
        ExtractionCopy.objects.filter(study=study, form=form).select_related(
            "reviewer", "version", "study__review"
        )
    )


def studies_to_reconcile(*, form: ExtractionForm) -> QuerySet[Study]:
    """Studies a reconciler has work on: every copy submitted and no consensus yet, or a consensus with
    values still to settle. One query, for the dashboard."""
    copies = ExtractionCopy.objects.filter(form=form, study=OuterRef("pk"))
    consensus = Consensus.objects.filter(form=form, study=OuterRef("pk"))
    pending = ConsensusValue.objects.filter(
        consensus__form=form, consensus__study=OuterRef("pk"), provenance=Provenance.PENDING
    )
    ready = Q(Exists(copies)) & ~Q(Exists(copies.filter(status=CopyStatus.DRAFT))) & ~Q(Exists(consensus))
    return Study.objects.filter(review_id=form.review_id).filter(ready | Q(Exists(pending)))


def _places(level: str, arms: dict[str, dict], outcomes: dict[str, dict]) -> list[tuple]:
    """(arm key, arm name, outcome key, outcome name, time point, measure) of every cell of a field."""
    if level == FieldLevel.ARM:
        return [(k, e["name"], "", "", "", "") for k, e in arms.items()]
    if level == FieldLevel.OUTCOME:
        return [("", "", k, e["name"], e["time_point"], e["measure"]) for k, e in outcomes.items()]
    if level == FieldLevel.ARM_OUTCOME:
        return [
            (a_key, a["name"], o_key, o["name"], o["time_point"], o["measure"])
            for o_key, o in outcomes.items()
            for a_key, a in arms.items()
        ]
    return [("", "", "", "", "", "")]


def build_comparison(
    *, study: Study, form: ExtractionForm, copies: list[ExtractionCopy] | None = None
) -> Comparison:
    """Every answer of every copy side by side, field by field, arm by arm and outcome by outcome. Fields
    are matched by key (copies may be on different versions), arms by normalised name and outcomes by
    normalised name and time point. Queries do not depend on the number of fields, arms or outcomes."""
    copies = copies if copies is not None else study_copies(study=study, form=form)
    if not copies:
        raise ValidationError("Nobody is assigned to this study yet.")
    kind = form.kind_rules
    version = max((c.version for c in copies), key=lambda v: v.number)
    fields = list(version.fields.in_order())
    copy_ids = [c.pk for c in copies]
    arms_by_copy: dict[int, list[Arm]] = defaultdict(list)
    for arm in Arm.objects.filter(copy_id__in=copy_ids):
        arms_by_copy[arm.copy_id].append(arm)
    outcomes_by_copy: dict[int, list[Outcome]] = defaultdict(list)
    for outcome in Outcome.objects.filter(copy_id__in=copy_ids):
        outcomes_by_copy[outcome.copy_id].append(outcome)
    arm_key_of = {a.pk: normalise_name(a.name) for arms in arms_by_copy.values() for a in arms}
    outcome_key_of = {
        o.pk: outcome_key(o.name, o.time_point) for outs in outcomes_by_copy.values() for o in outs
    }
    values: dict[tuple[int, str, str, str], Value] = {}
    for v in Value.objects.filter(copy_id__in=copy_ids).select_related("field", "report"):
        values[
            (v.copy_id, v.field.key, arm_key_of.get(v.arm_id, ""), outcome_key_of.get(v.outcome_id, ""))
        ] = v

    # Arms and outcomes in the order they first appear, with who listed them.
    arm_list: dict[str, dict] = {}
    outcome_list: dict[str, dict] = {}
    for c in copies:
        for arm in arms_by_copy[c.pk]:
            entry = arm_list.setdefault(arm_key_of[arm.pk], {"name": arm.name, "copies": []})
            entry["copies"].append(c)
        for o in outcomes_by_copy[c.pk]:
            entry = outcome_list.setdefault(
                outcome_key_of[o.pk],
                {"name": o.name, "time_point": o.time_point, "measure": o.measure, "copies": []},
            )
            entry["copies"].append(c)
            if (
                o.measure
                and entry["measure"]
                and normalise_name(o.measure) != normalise_name(entry["measure"])
            ):
                entry.setdefault("measures", set()).update({entry["measure"], o.measure})
    differences = []
    for what, listing in (("Arm", arm_list), ("Outcome", outcome_list)):
        for entry in listing.values():
            if len(entry["copies"]) < len(copies):
                label = entry["name"] + (f" at {entry['time_point']}" if entry.get("time_point") else "")
                who = ", ".join(c.reviewer.username for c in entry["copies"])
                differences.append(f"{what} “{label}” is only in the copy of {who}.")
            if entry.get("measures"):
                differences.append(
                    f"{what} “{entry['name']}” has different measures: {', '.join(sorted(entry['measures']))}."
                )

    rows = []
    for f in fields:
        for a_key, a_name, o_key, o_name, time_point, measure in _places(f.level, arm_list, outcome_list):
            cells = [Cell(c, values.get((c.pk, f.key, a_key, o_key))) for c in copies]
            raw = [cell.value.value if cell.value else None for cell in cells]
            agreement = kind.compare(f, raw)
            rows.append(Row(f, a_key, a_name, o_key, o_name, time_point, measure, cells, agreement))
    comparison = Comparison(study, form, version, copies, rows, differences)
    consensus = Consensus.objects.filter(study=study, form=form).first()
    if consensus is not None:
        attach_consensus(comparison, consensus)
    return comparison


def attach_consensus(comparison: Comparison, consensus: Consensus) -> None:
    """Each row's consensus value, and what the kind proposes from the consensus answers so far."""
    comparison.consensus = consensus
    cells = {
        (cv.field.key, cv.arm_key, cv.outcome_key): cv
        for cv in consensus.values.select_related("field", "source_copy__reviewer", "decided_by")
    }
    by_place: dict[tuple[str, str], dict[str, Any]] = defaultdict(dict)
    for (key, a_key, o_key), cv in cells.items():
        if cv.provenance != Provenance.PENDING:
            by_place[(a_key, o_key)][key] = cv.value
    proposals: dict[tuple[str, str], dict[str, Any]] = {}
    for row in comparison.rows:
        row.consensus = cells.get((row.field.key, row.arm_key, row.outcome_key))
        place = (row.arm_key, row.outcome_key)
        if place not in proposals:
            proposals[place] = comparison.form.kind_rules.suggest(answers_at(by_place, *place, ""))
        row.proposal = proposals[place].get(row.field.key)


@transaction.atomic
def start_consensus(*, study: Study, form: ExtractionForm, user) -> Consensus:
    """Once every assigned copy is submitted: the consensus, with agreeing values accepted by themselves and
    the others waiting for a reconciler. Idempotent."""
    Study.objects.select_for_update().filter(pk=study.pk).first()
    if existing := Consensus.objects.filter(study=study, form=form).first():
        return existing
    copies = study_copies(study=study, form=form)
    if not all_submitted(copies):
        raise ValidationError("The consensus starts once every assigned reviewer has submitted.")
    comparison = build_comparison(study=study, form=form, copies=copies)
    consensus = Consensus.objects.create(study=study, form=form, version=comparison.version, created_by=user)
    new_values = []
    for position, row in enumerate(comparison.rows):
        agreed_value = row.cells[0].value.value if row.agree and row.cells[0].value else None
        new_values.append(
            ConsensusValue(
                consensus=consensus,
                **row.place(),
                position=position,
                value=agreed_value,
                provenance=Provenance.AGREED if row.agree else Provenance.PENDING,
            )
        )
    bulk_create_with_history(new_values, ConsensusValue, default_user=user)
    return consensus


class StaleConsensus(Exception):
    """Someone saved this consensus value after the page was loaded."""

    def __init__(self, current: ConsensusValue, attempted: Any):
        self.current = current
        self.attempted = attempted
        who = current.decided_by.username if current.decided_by else "someone"
        super().__init__(
            f"{who} changed this value while you were editing it. Their version is shown next to yours; "
            "choose again to save."
        )


@transaction.atomic
def resolve_value(
    *,
    consensus_value: ConsensusValue,
    user,
    revision: int,
    source: str,
    raw: Any = None,
    note: str = "",
) -> ConsensusValue:
    """Set one consensus value: `source` is "copy:<id>" to take that reviewer's value, "entered" to use `raw`
    (parsed and range-checked like any answer). Refused with StaleConsensus when the stored revision is
    not the one the reconciler saw."""
    cv = (
        ConsensusValue.objects.select_for_update(of=("self",))
        .select_related("field", "consensus", "decided_by", "source_copy__reviewer")
        .get(pk=consensus_value.pk)
    )
    if source.startswith("copy:"):
        copy_id = int(source.split(":", 1)[1]) if source.split(":", 1)[1].isdigit() else 0
        copy = ExtractionCopy.objects.filter(
            pk=copy_id, study_id=cv.consensus.study_id, form_id=cv.consensus.form_id
        ).first()
        if copy is None:
            raise ValidationError("Choose one of the reviewers' values or enter another.")
        value = _copy_value(copy, cv)
        provenance, source_copy = Provenance.REVIEWER, copy
    elif source == "entered":
        value = parse_value(cv.field, raw)
        provenance, source_copy = Provenance.ENTERED, None
        if not note.strip():
            raise ValidationError("Say in a note why you entered another value.")
    else:
        raise ValidationError("Choose one of the reviewers' values or enter another.")
    if cv.revision != revision:
        raise StaleConsensus(cv, value)
    cv.value, cv.provenance, cv.source_copy = value, provenance, source_copy
    cv.decided_by, cv.note = user, note.strip()
    cv.revision += 1
    cv._history_user = user
    cv.save()
    return cv


def _copy_value(copy: ExtractionCopy, cv: ConsensusValue) -> Any:
    for v in Value.objects.filter(copy=copy, field__key=cv.field.key).select_related("arm", "outcome"):
        arm_key = normalise_name(v.arm.name) if v.arm else ""
        o_key = outcome_key(v.outcome.name, v.outcome.time_point) if v.outcome else ""
        if (arm_key, o_key) == (cv.arm_key, cv.outcome_key):
            return v.value
    return None
