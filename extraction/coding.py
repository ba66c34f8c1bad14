"""Independent coding: who codes a study, and each coder's copy of the form (a draft that saves as it goes,
then submitted and locked). The form's kind says which questions apply and what it proposes; every write
locks the copy it changes and leaves history."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from extraction.comparison import is_empty, normalise_name, outcome_key, parse_value
from extraction.constants import CopyStatus, FieldLevel
from extraction.kinds import FormKind
from extraction.models import Arm, Consensus, ExtractionCopy, ExtractionForm, FormField, Outcome, Value
from extraction.versions import get_form, published_version
from review.models import Record, Review, Study

CellKey = tuple[int, int, int]  # (field id, arm id or 0, outcome id or 0)
# What a cell holds besides its field: value, comment, report id, page.
Entry = tuple[Any, str, int | None, str]

# ---------------------------------------------------------------- who codes a study


def check_coder_count(*, form: ExtractionForm, reviewers: list) -> None:
    wanted = form.coders_per_study
    if len(reviewers) != wanted:
        kind = form.kind_rules
        raise ValidationError(
            f"Choose {wanted} {kind.coder}s: in this review each study is coded by {wanted} people "
            "independently."
        )


@transaction.atomic
def assign_study(*, study: Study, kind: FormKind, reviewers: list) -> list[ExtractionCopy]:
    """Give each reviewer a blank copy of the form's published version for this study (idempotent).
    Refused for a new coder once the study is reconciled: its consensus would be theirs to read before
    they coded it."""
    form = get_form(review=study.review, kind=kind)
    version = published_version(form)
    if version is None:
        raise ValidationError(f"Publish the {kind.noun} form before assigning studies.")
    # The same lock as starting the consensus, so an assignment and a start cannot cross.
    Study.objects.select_for_update().filter(pk=study.pk).first()
    reconciled = Consensus.objects.filter(study=study, form=form).exists()
    coding = set(ExtractionCopy.objects.filter(study=study, form=form).values_list("reviewer_id", flat=True))
    copies = []
    for reviewer in reviewers:
        if not reviewer.has_perm("review.write", study.review):
            raise ValidationError(
                f"{reviewer.username} cannot {kind.verb}: they need a writing role in the review."
            )
        if reconciled and reviewer.pk not in coding:
            raise ValidationError(
                f"{study} is already reconciled, so nobody can be added to it: {reviewer.username} would "
                f"read its consensus before doing their own {kind.noun}."
            )
        copy, _ = ExtractionCopy.objects.get_or_create(
            study=study, form=form, reviewer=reviewer, defaults={"version": version}
        )
        copies.append(copy)
    return copies


@transaction.atomic
def assign_unassigned(*, review: Review, kind: FormKind, reviewers: list) -> int:
    """Assign every study that nobody codes yet to `reviewers`. Returns how many studies were assigned."""
    form = get_form(review=review, kind=kind)
    if form is None:
        raise ValidationError(f"Publish the {kind.noun} form before assigning studies.")
    check_coder_count(form=form, reviewers=reviewers)
    count = 0
    for study in Study.objects.for_review(review).exclude(extraction_copies__form=form):
        assign_study(study=study, kind=kind, reviewers=reviewers)
        count += 1
    return count


# ---------------------------------------------------------------- arms and outcomes


def _locked_copy(copy: ExtractionCopy, user) -> ExtractionCopy:
    copy = (
        ExtractionCopy.objects.select_for_update(of=("self",))
        .select_related("study", "form", "version")
        .get(pk=copy.pk)
    )
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


# ---------------------------------------------------------------- a coder's copy


def cell_key(field_id: int, arm_id: int | None, outcome_id: int | None) -> CellKey:
    return (field_id, arm_id or 0, outcome_id or 0)


def answers_at(by_place: Mapping[tuple, Mapping[str, Any]], arm: Any, outcome: Any, nowhere: Any) -> dict:
    """The answers a question at (arm, outcome) sees: the study's, its arm's, its outcome's and its own.
    `by_place` maps (arm, outcome) to {field key: value}, `nowhere` standing for no arm or no outcome."""
    seen: dict[str, Any] = {}
    for place in ((nowhere, nowhere), (arm, nowhere), (nowhere, outcome), (arm, outcome)):
        seen.update(by_place.get(place, {}))
    return seen


@dataclass
class Judgement:
    """What the kind makes of a copy's answers: the cells whose question does not apply, its proposals by
    cell, and why the copy cannot be submitted yet."""

    skipped: set[CellKey] = field(default_factory=set)
    proposals: dict[CellKey, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


@dataclass
class CopyData:
    """A copy with everything its page needs, loaded in a fixed number of queries."""

    copy: ExtractionCopy
    kind: FormKind
    fields: list[FormField]
    arms: list[Arm]
    outcomes: list[Outcome]
    values: dict[CellKey, Value]
    reports: list[Record]

    def cells(self) -> Iterator[tuple[FormField, Arm | None, Outcome | None]]:
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

    def field_by_cell(self) -> dict[CellKey, FormField]:
        return {cell_key(f.pk, a and a.pk, o and o.pk): f for f, a, o in self.cells()}

    def judge(self, values: Mapping[CellKey, Any] | None = None) -> Judgement:
        """Ask the kind about `values` (canonical values by cell; the stored ones by default), place by place:
        the study, each arm, each outcome, each arm of each outcome."""
        if values is None:
            values = {key: v.value for key, v in self.values.items()}
        key_of = {f.pk: f.key for f in self.fields}
        by_place: dict[tuple[int, int], dict[str, Any]] = defaultdict(dict)
        for (field_id, arm_id, outcome_id), value in values.items():
            if field_id in key_of:
                by_place[(arm_id, outcome_id)][key_of[field_id]] = value
        fields_at: dict[tuple[int, int], list[FormField]] = defaultdict(list)
        for f, arm, outcome in self.cells():
            fields_at[(arm.pk if arm else 0, outcome.pk if outcome else 0)].append(f)
        judgement = Judgement()
        for (arm_id, outcome_id), fields in fields_at.items():
            answers = answers_at(by_place, arm_id, outcome_id, 0)
            asked = {f.pk for f in self.kind.applicable_fields(fields, answers)}
            proposed = self.kind.suggest(answers)
            for f in fields:
                key = cell_key(f.pk, arm_id, outcome_id)
                if f.pk not in asked:
                    judgement.skipped.add(key)
                elif f.key in proposed:
                    judgement.proposals[key] = proposed[f.key]
            seen = {**answers, **{k: v for k, v in proposed.items() if is_empty(answers.get(k))}}
            judgement.problems += [p for p in self.kind.submit_problems(seen) if p not in judgement.problems]
        return judgement


def load_copy(copy: ExtractionCopy) -> CopyData:
    fields = list(copy.version.fields.in_order())
    arms = list(copy.arms.all())
    outcomes = list(copy.outcomes.all())
    values = {cell_key(v.field_id, v.arm_id, v.outcome_id): v for v in copy.values.all()}
    reports = list(Record.objects.filter(study_id=copy.study_id).only("id", "title", "authors", "year"))
    return CopyData(copy, copy.form.kind_rules, fields, arms, outcomes, values, reports)


def _stored(value: Value | None) -> Entry:
    return (value.value, value.comment, value.report_id, value.page) if value else (None, "", None, "")


def _write(data: CopyData, wanted: dict[CellKey, Entry], user) -> None:
    """Store the `wanted` cells; then every question that no longer applies holds the kind's
    not-applicable value (an answer given before an earlier one changed does not linger)."""
    state = {key: _stored(v)[0] for key, v in data.values.items()} | {k: e[0] for k, e in wanted.items()}
    not_applicable = data.kind.not_applicable
    for key in data.judge(state).skipped:
        if state.get(key) != not_applicable:
            wanted[key] = (not_applicable, *(wanted.get(key) or _stored(data.values.get(key)))[1:])
    field_of = data.field_by_cell()
    to_create, to_update = [], []
    for key, entry in wanted.items():
        existing = data.values.get(key)
        if existing is None:
            value, comment, report_id, page = entry
            if is_empty(value) and not comment and not page and report_id is None:
                continue
            to_create.append(
                Value(
                    copy=data.copy,
                    field=field_of[key],
                    arm_id=key[1] or None,
                    outcome_id=key[2] or None,
                    value=value,
                    comment=comment,
                    report_id=report_id,
                    page=page,
                )
            )
        elif _stored(existing) != entry:
            existing.value, existing.comment, existing.report_id, existing.page = entry
            existing.updated_at = timezone.now()  # bulk_update does not touch auto_now fields
            to_update.append(existing)
    # One history row per changed value, written in bulk.
    if to_create:
        bulk_create_with_history(to_create, Value, default_user=user)
    if to_update:
        bulk_update_with_history(
            to_update, Value, ["value", "comment", "report", "page", "updated_at"], default_user=user
        )
    if to_create or to_update:
        data.copy.save(update_fields=["updated_at"])


@transaction.atomic
def save_copy(*, copy: ExtractionCopy, user, entries: dict[CellKey, dict]) -> dict[CellKey, str]:
    """Save a coder's draft. `entries` maps cell keys (field id, arm id or 0, outcome id or 0) to the raw
    "value" (str, or list for multi-choice), "comment", "report" (record id) and "page". Valid cells are
    saved; invalid ones keep their previous value and come back as {cell: message}."""
    copy = _locked_copy(copy, user)
    data = load_copy(copy)
    field_of = data.field_by_cell()
    report_ids = {r.pk for r in data.reports}
    errors: dict[CellKey, str] = {}
    wanted: dict[CellKey, Entry] = {}
    for key, entry in entries.items():
        if key not in field_of:
            continue
        try:
            value = parse_value(field_of[key], entry.get("value"))
        except ValidationError as error:
            errors[key] = " ".join(error.messages)
            continue
        report_id = entry.get("report") or None
        report_id = int(report_id) if report_id and str(report_id).isdigit() else None
        if report_id is not None and report_id not in report_ids:
            errors[key] = "That report does not belong to this study."
            continue
        wanted[key] = (
            value,
            (entry.get("comment") or "").strip(),
            report_id,
            (entry.get("page") or "").strip()[:50],
        )
    _write(data, wanted, user)
    return errors


@dataclass(frozen=True)
class MissingAnswer:
    """A required question the copy leaves empty, at its cell."""

    key: CellKey
    label: str


class MissingAnswers(ValidationError):
    """Submitting is refused while required answers are empty; `missing` says which, so a page can link to
    each of them."""

    def __init__(self, missing: list[MissingAnswer]):
        self.missing = missing
        super().__init__(f"Answer the required questions first: {', '.join(m.label for m in missing)}.")


def missing_required(data: CopyData, judgement: Judgement) -> list[MissingAnswer]:
    missing = []
    for f, arm, outcome in data.cells():
        key = cell_key(f.pk, arm and arm.pk, outcome and outcome.pk)
        value = data.values.get(key)
        if f.required and key not in judgement.skipped and (value is None or is_empty(value.value)):
            label = f"{f.label}{f' ({arm})' if arm else ''}{f' ({outcome})' if outcome else ''}"
            missing.append(MissingAnswer(key=key, label=label))
    return missing


@transaction.atomic
def submit_copy(*, copy: ExtractionCopy, user) -> ExtractionCopy:
    """Lock a coder's copy. Empty answers take the kind's proposals first; refused while a required answer
    is missing (MissingAnswers, naming each) or the kind finds a problem (nothing is stored then)."""
    copy = _locked_copy(copy, user)
    data = load_copy(copy)
    judgement = data.judge()
    proposed = {
        key: (value, *_stored(data.values.get(key))[1:])
        for key, value in judgement.proposals.items()
        if is_empty(_stored(data.values.get(key))[0])
    }
    if proposed:
        _write(data, proposed, user)
        data = load_copy(copy)
        judgement = data.judge()
    if missing := missing_required(data, judgement):
        # Raised inside the transaction, so the proposals written above are undone too: nothing changes.
        raise MissingAnswers(missing)
    if judgement.problems:
        raise ValidationError(judgement.problems)
    copy.status = CopyStatus.SUBMITTED
    copy.submitted_at = timezone.now()
    copy.save(update_fields=["status", "submitted_at", "updated_at"])
    return copy
