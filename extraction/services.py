"""The dual-coding workflow: forms and their versions, assignment, reviewers' copies, comparison and the
consensus. Views and commands call these; every write that matters is atomic and locks what it changes."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from extraction import definitions
from extraction.comparison import (
    display_value,
    is_empty,
    normalise_name,
    outcome_key,
    parse_value,
    values_equal,
)
from extraction.constants import CopyStatus, FieldLevel, FormKind, Provenance
from extraction.models import (
    Arm,
    Consensus,
    ConsensusValue,
    ExtractionCopy,
    ExtractionForm,
    FormField,
    FormVersion,
    Outcome,
    Value,
)
from review.models import Record, Review, Study

# ---------------------------------------------------------------- forms and versions


def get_form(*, review: Review, kind: str = FormKind.EXTRACTION) -> ExtractionForm | None:
    return ExtractionForm.objects.filter(review=review, kind=kind).first()


def published_version(form: ExtractionForm | None) -> FormVersion | None:
    if form is None:
        return None
    return form.versions.filter(published_at__isnull=False).order_by("-number").first()


def draft_version(form: ExtractionForm | None) -> FormVersion | None:
    if form is None:
        return None
    return form.versions.filter(published_at__isnull=True).order_by("-number").first()


def _lock_form(*, review: Review, kind: str, name: str = "") -> ExtractionForm:
    form, _ = ExtractionForm.objects.get_or_create(
        review=review, kind=kind, defaults={"name": name or FormKind(kind).label}
    )
    return ExtractionForm.objects.select_for_update().get(pk=form.pk)


def _new_draft(form: ExtractionForm, user) -> FormVersion:
    number = (form.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    return FormVersion.objects.create(form=form, number=number, created_by=user)


@transaction.atomic
def import_definition(
    *, review: Review, data: Any, user, kind: str = FormKind.EXTRACTION, publish: bool = False
) -> FormVersion:
    """Make the JSON definition the form's draft (replacing an unpublished draft), and publish it if asked.
    A definition that does not validate raises ValidationError and changes nothing."""
    fields = definitions.validate_definition(data)
    form = _lock_form(review=review, kind=kind, name=data["name"])
    if form.name != data["name"].strip():
        form.name = data["name"].strip()
        form.save(update_fields=["name"])
    draft = draft_version(form) or _new_draft(form, user)
    draft.fields.all().delete()
    FormField.objects.bulk_create(FormField(version=draft, **f) for f in fields)
    if publish:
        draft = publish_version(version=draft, user=user)
    return draft


@transaction.atomic
def start_draft(*, form: ExtractionForm, user) -> FormVersion:
    """A new draft holding a copy of the latest published version; editing happens there, never in place."""
    form = ExtractionForm.objects.select_for_update().get(pk=form.pk)
    if existing := draft_version(form):
        return existing
    source = published_version(form)
    draft = _new_draft(form, user)
    if source is not None:
        FormField.objects.bulk_create(
            FormField(
                version=draft,
                **{
                    f.name: getattr(source_field, f.attname)
                    for f in FormField._meta.concrete_fields
                    if f.name not in ("id", "version")
                },
            )
            for source_field in source.fields.all()
        )
    return draft


def _editable(version: FormVersion) -> FormVersion:
    version = FormVersion.objects.select_for_update().get(pk=version.pk)
    if version.is_published:
        raise ValidationError(
            f"Version {version.number} is published and cannot change; start a new draft to edit the form."
        )
    return version


FIELD_EDIT_ATTRIBUTES = (
    "key",
    "label",
    "section",
    "position",
    "field_type",
    "level",
    "help_text",
    "required",
    "min_value",
    "max_value",
    "unit",
    "choices",
)


@transaction.atomic
def save_field(*, version: FormVersion, data: dict, field: FormField | None = None) -> FormField:
    """Add a field to a draft, or change one of its fields. The result must still validate as a form."""
    version = _editable(version)
    current = list(version.fields.in_order())
    if field is not None and field.version_id != version.pk:
        raise ValidationError("That field belongs to another version.")
    target = field or FormField(version=version)
    for attr in FIELD_EDIT_ATTRIBUTES:
        if attr in data:
            setattr(target, attr, data[attr])
    others = [f for f in current if f.pk != target.pk]
    candidate = sorted([*others, target], key=lambda f: (f.position, f.pk or 10**12))
    definitions.validate_definition(definitions.export_definition(name=version.form.name, fields=candidate))
    target.save()
    return target


@transaction.atomic
def remove_field(*, field: FormField) -> None:
    _editable(field.version)
    field.delete()


@transaction.atomic
def publish_version(*, version: FormVersion, user) -> FormVersion:
    version = _editable(version)
    if not version.fields.exists():
        raise ValidationError("A form needs at least one field before it is published.")
    version.published_at = timezone.now()
    version.save(update_fields=["published_at"])
    return version


def version_changes(version: FormVersion) -> dict | None:
    """What changed from the previous version to this one (None for the first)."""
    previous = version.form.versions.filter(number__lt=version.number).order_by("-number").first()
    if previous is None:
        return None
    result = definitions.diff_fields(list(previous.fields.in_order()), list(version.fields.in_order()))
    result["previous"] = previous
    return result


# ---------------------------------------------------------------- assignment and copies


@transaction.atomic
def assign_study(*, study: Study, reviewers: list, kind: str = FormKind.EXTRACTION) -> list[ExtractionCopy]:
    """Give each reviewer a blank copy of the form's published version for this study (idempotent)."""
    form = get_form(review=study.review, kind=kind)
    version = published_version(form)
    if version is None:
        raise ValidationError("Publish the extraction form before assigning studies.")
    copies = []
    for reviewer in reviewers:
        if not reviewer.has_perm("review.write", study.review):
            raise ValidationError(
                f"{reviewer.username} cannot extract: they need a writing role in the review."
            )
        copy, _ = ExtractionCopy.objects.get_or_create(
            study=study, form=form, reviewer=reviewer, defaults={"version": version}
        )
        copies.append(copy)
    return copies


def check_extractor_count(*, review: Review, reviewers: list) -> None:
    wanted = review.reviewers_per_study_extraction
    if len(reviewers) != wanted:
        raise ValidationError(
            f"Choose {wanted} extractors: this review has each study extracted by {wanted} people independently."
        )


@transaction.atomic
def assign_unassigned(*, review: Review, reviewers: list, kind: str = FormKind.EXTRACTION) -> int:
    """Assign every study that nobody extracts yet to `reviewers`. Returns how many studies were assigned."""
    check_extractor_count(review=review, reviewers=reviewers)
    form = get_form(review=review, kind=kind)
    studies = Study.objects.for_review(review).exclude(extraction_copies__form=form) if form else []
    count = 0
    for study in studies:
        assign_study(study=study, reviewers=reviewers, kind=kind)
        count += 1
    return count


def _locked_copy(copy: ExtractionCopy, user) -> ExtractionCopy:
    copy = ExtractionCopy.objects.select_for_update(of=("self",)).select_related("study").get(pk=copy.pk)
    if copy.reviewer_id != user.pk:
        raise PermissionDenied("Only the assigned reviewer fills this copy.")
    if copy.is_locked:
        raise ValidationError("This copy is submitted and locked; it can no longer change.")
    return copy


@transaction.atomic
def set_arms(*, copy: ExtractionCopy, user, names: list[str]) -> None:
    """Make the copy's arms exactly `names` in order; arms kept by (normalised) name keep their values."""
    copy = _locked_copy(copy, user)
    _set_rows(
        copy.arms.all(),
        [(normalise_name(n), {"name": n.strip()}) for n in names if n.strip()],
        key=lambda arm: normalise_name(arm.name),
        create=lambda position, attrs: Arm(copy=copy, position=position, **attrs),
        what="arm",
    )


@transaction.atomic
def set_outcomes(*, copy: ExtractionCopy, user, rows: list[tuple[str, str, str]]) -> None:
    """Make the copy's outcomes exactly `rows` of (name, time point, measure); matched by name and time."""
    copy = _locked_copy(copy, user)
    _set_rows(
        copy.outcomes.all(),
        [
            (outcome_key(n, t), {"name": n.strip(), "time_point": t.strip(), "measure": m.strip()})
            for n, t, m in rows
            if n.strip()
        ],
        key=lambda o: outcome_key(o.name, o.time_point),
        create=lambda position, attrs: Outcome(copy=copy, position=position, **attrs),
        what="outcome",
    )


def _set_rows(existing_qs, wanted, *, key, create, what: str) -> None:
    keys = [k for k, _ in wanted]
    if duplicate := next((k for k in keys if keys.count(k) > 1), None):
        raise ValidationError(f"The same {what} is listed twice: “{duplicate.replace('|', ' at ')}”.")
    existing = {key(row): row for row in existing_qs}
    for position, (k, attrs) in enumerate(wanted):
        row = existing.pop(k, None)
        if row is None:
            create(position, attrs).save()
        else:
            for name, value in {**attrs, "position": position}.items():
                setattr(row, name, value)
            row.save()
    for row in existing.values():
        row.delete()


@dataclass
class CopyData:
    """A copy with everything its page needs, loaded in a fixed number of queries."""

    copy: ExtractionCopy
    fields: list[FormField]
    arms: list[Arm]
    outcomes: list[Outcome]
    values: dict[tuple[int, int, int], Value]
    reports: list[Record]

    def cells(self):
        """(field, arm, outcome) of every answer the copy asks for, in form order."""
        for f in self.fields:
            if f.level == FieldLevel.ARM:
                for arm in self.arms:
                    yield f, arm, None
            elif f.level == FieldLevel.OUTCOME:
                for outcome in self.outcomes:
                    yield f, None, outcome
            elif f.level == FieldLevel.ARM_OUTCOME:
                for outcome in self.outcomes:
                    for arm in self.arms:
                        yield f, arm, outcome
            else:
                yield f, None, None


def cell_key(field_id: int, arm_id: int | None, outcome_id: int | None) -> tuple[int, int, int]:
    return (field_id, arm_id or 0, outcome_id or 0)


def load_copy(copy: ExtractionCopy) -> CopyData:
    fields = list(copy.version.fields.in_order())
    arms = list(copy.arms.all())
    outcomes = list(copy.outcomes.all())
    values = {cell_key(v.field_id, v.arm_id, v.outcome_id): v for v in copy.values.all()}
    reports = list(Record.objects.filter(study_id=copy.study_id).only("id", "title", "authors", "year"))
    return CopyData(copy, fields, arms, outcomes, values, reports)


@transaction.atomic
def save_copy(*, copy: ExtractionCopy, user, entries: dict[tuple[int, int, int], dict]) -> dict[tuple, str]:
    """Save a reviewer's draft. `entries` maps (field id, arm id or 0, outcome id or 0) to the raw "value"
    (str, or list for multi-choice), "comment", "report" (record id) and "page". Valid cells are saved;
    invalid ones keep their previous value and come back as {cell: message}."""
    copy = _locked_copy(copy, user)
    data = load_copy(copy)
    allowed = {cell_key(f.pk, a and a.pk, o and o.pk): f for f, a, o in data.cells()}
    report_ids = {r.pk for r in data.reports}
    errors: dict[tuple, str] = {}
    to_create, to_update = [], []
    for key, entry in entries.items():
        field = allowed.get(key)
        if field is None:
            continue
        try:
            value = parse_value(field, entry.get("value"))
        except ValidationError as error:
            errors[key] = " ".join(error.messages)
            continue
        report_id = entry.get("report") or None
        report_id = int(report_id) if report_id and str(report_id).isdigit() else None
        if report_id is not None and report_id not in report_ids:
            errors[key] = "That report does not belong to this study."
            continue
        comment = (entry.get("comment") or "").strip()
        page = (entry.get("page") or "").strip()[:50]
        existing = data.values.get(key)
        if existing is None:
            if is_empty(value) and not comment and not page and report_id is None:
                continue
            to_create.append(
                Value(
                    copy=copy,
                    field=field,
                    arm_id=key[1] or None,
                    outcome_id=key[2] or None,
                    value=value,
                    comment=comment,
                    report_id=report_id,
                    page=page,
                )
            )
        elif (existing.value, existing.comment, existing.report_id, existing.page) != (
            value,
            comment,
            report_id,
            page,
        ):
            existing.value, existing.comment, existing.report_id, existing.page = (
                value,
                comment,
                report_id,
                page,
            )
            existing.updated_at = timezone.now()  # bulk_update does not touch auto_now fields
            to_update.append(existing)
    # One history row per changed value, written in bulk.
    from simple_history.utils import bulk_create_with_history, bulk_update_with_history

    if to_create:
        bulk_create_with_history(to_create, Value, default_user=user)
    if to_update:
        bulk_update_with_history(
            to_update, Value, ["value", "comment", "report", "page", "updated_at"], default_user=user
        )
    if to_create or to_update:
        copy.save(update_fields=["updated_at"])
    return errors


def missing_required(data: CopyData) -> list[str]:
    missing = []
    for f, arm, outcome in data.cells():
        value = data.values.get(cell_key(f.pk, arm and arm.pk, outcome and outcome.pk))
        if f.required and (value is None or is_empty(value.value)):
            missing.append(f"{f.label}{f' ({arm})' if arm else ''}{f' ({outcome})' if outcome else ''}")
    return missing


@transaction.atomic
def submit_copy(*, copy: ExtractionCopy, user) -> ExtractionCopy:
    """Lock a reviewer's copy. Refused while a required answer is missing."""
    copy = _locked_copy(copy, user)
    if missing := missing_required(load_copy(copy)):
        raise ValidationError(f"Answer the required questions first: {', '.join(missing)}.")
    copy.status = CopyStatus.SUBMITTED
    copy.submitted_at = timezone.now()
    copy.save(update_fields=["status", "submitted_at", "updated_at"])
    return copy


# ---------------------------------------------------------------- blinding


def all_submitted(copies: list[ExtractionCopy]) -> bool:
    return bool(copies) and all(c.is_locked for c in copies)


def can_see_copy(*, user, copy: ExtractionCopy, study_copies: list[ExtractionCopy]) -> bool:
    """Blinding: your own copy always; someone else's only once every assigned copy is submitted, and only
    for people who work on the review (viewers see the consensus, never the copies)."""
    if copy.reviewer_id == user.pk:
        return True
    return all_submitted(study_copies) and user.has_perm("review.write", copy.study.review)


# ---------------------------------------------------------------- comparison


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
    agree: bool
    consensus: ConsensusValue | None = None

    @property
    def where(self) -> str:
        outcome = " · ".join(p for p in (self.outcome_name, self.time_point, self.measure) if p)
        return " — ".join(p for p in (outcome, self.arm_name) if p)


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


def build_comparison(
    *, study: Study, form: ExtractionForm, copies: list[ExtractionCopy] | None = None
) -> Comparison:
    """Every answer of every copy side by side, field by field, arm by arm and outcome by outcome. Fields
    are matched by key (copies may be on different versions), arms by normalised name and outcomes by
    normalised name and time point. Queries do not depend on the number of fields, arms or outcomes."""
    copies = copies if copies is not None else study_copies(study=study, form=form)
    if not copies:
        raise ValidationError("Nobody is assigned to this study yet.")
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
        if f.level == FieldLevel.ARM:
            places = [(k, e["name"], "", "", "", "") for k, e in arm_list.items()]
        elif f.level == FieldLevel.OUTCOME:
            places = [("", "", k, e["name"], e["time_point"], e["measure"]) for k, e in outcome_list.items()]
        elif f.level == FieldLevel.ARM_OUTCOME:
            places = [
                (a_key, a["name"], o_key, o["name"], o["time_point"], o["measure"])
                for o_key, o in outcome_list.items()
                for a_key, a in arm_list.items()
            ]
        else:
            places = [("", "", "", "", "", "")]
        for a_key, a_name, o_key, o_name, time_point, measure in places:
            cells = [Cell(c, values.get((c.pk, f.key, a_key, o_key))) for c in copies]
            raw = [cell.value.value if cell.value else None for cell in cells]
            agree = all(values_equal(f.field_type, raw[0], other) for other in raw[1:])
            rows.append(Row(f, a_key, a_name, o_key, o_name, time_point, measure, cells, agree))
    comparison = Comparison(study, form, version, copies, rows, differences)
    consensus = Consensus.objects.filter(study=study, form=form).first()
    if consensus is not None:
        attach_consensus(comparison, consensus)
    return comparison


def attach_consensus(comparison: Comparison, consensus: Consensus) -> None:
    comparison.consensus = consensus
    cells = {
        (cv.field.key, cv.arm_key, cv.outcome_key): cv
        for cv in consensus.values.select_related("field", "source_copy__reviewer", "decided_by")
    }
    for row in comparison.rows:
        row.consensus = cells.get((row.field.key, row.arm_key, row.outcome_key))


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
                field=row.field,
                arm_key=row.arm_key,
                arm_name=row.arm_name,
                outcome_key=row.outcome_key,
                outcome_name=row.outcome_name,
                time_point=row.time_point,
                measure=row.measure,
                position=position,
                value=agreed_value,
                provenance=Provenance.AGREED if row.agree else Provenance.PENDING,
            )
        )
    from simple_history.utils import bulk_create_with_history

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
        attempted = value
        provenance, source_copy = Provenance.REVIEWER, copy
    elif source == "entered":
        value = parse_value(cv.field, raw)
        attempted = value
        provenance, source_copy = Provenance.ENTERED, None
        if not note.strip():
            raise ValidationError("Say in a note why you entered another value.")
    else:
        raise ValidationError("Choose one of the reviewers' values or enter another.")
    if cv.revision != revision:
        raise StaleConsensus(cv, attempted)
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
