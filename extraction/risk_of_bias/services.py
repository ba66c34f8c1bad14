"""Risk of bias, the business rules: which tools the review's form holds, which results are assessed, who
assesses each study, and submitting an assessment. Copies, answers and the consensus are extraction's
(coding.py, reconciliation.py); this module keeps a study's results and its copies' outcome places in step,
under the same lock as assignment and the start of a consensus (the study's row)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from simple_history.utils import bulk_create_with_history

from extraction import coding, versions
from extraction.comparison import is_empty, outcome_key
from extraction.models import ExtractionCopy, ExtractionForm, FormVersion, Outcome, Value
from extraction.risk_of_bias.kind import (
    OVERALL,
    RISK_OF_BIAS,
    TOOL_FIELD,
    form_definition,
    judgement_key,
    question_key,
)
from extraction.risk_of_bias.models import AssessedResult
from extraction.rob import NOT_APPLICABLE, Judgement, load_tool, tool_keys
from extraction.rob.model import PRELIMINARY
from review.models import Review, Study


def get_form(review: Review) -> ExtractionForm | None:
    return versions.get_form(review=review, kind=RISK_OF_BIAS)


def version_tools(version: FormVersion | None) -> list[str]:
    """The tools a form version asks about (its `tool` field's choices)."""
    if version is None:
        return []
    field = version.fields.filter(key=TOOL_FIELD).first()
    return list(field.choices) if field else []


@transaction.atomic
def install_tools(*, review: Review, tools: Sequence[str], user) -> FormVersion:
    """Publish the review's risk-of-bias form for these tools. Copies keep the version they were made on;
    a tool that results already use cannot be left out."""
    unknown = [key for key in tools if key not in tool_keys()]
    if not tools or unknown:
        raise ValidationError(f"Choose among the shipped tools: {', '.join(tool_keys())}.")
    chosen = [key for key in tool_keys() if key in tools]
    in_use = set(AssessedResult.objects.for_review(review).values_list("tool", flat=True))
    if missing := sorted(in_use - set(chosen)):
        raise ValidationError(f"Results are assessed with {', '.join(missing)}: keep those tools.")
    current = versions.published_version(get_form(review))
    if version_tools(current) == chosen and versions.draft_version(get_form(review)) is None:
        return current
    return versions.import_definition(
        review=review, kind=RISK_OF_BIAS, data=form_definition(chosen), user=user, publish=True
    )


def _lock(study: Study) -> list[ExtractionCopy]:
    """Lock the study (as assignment and the start of a consensus do) and return its copies."""
    Study.objects.select_for_update().filter(pk=study.pk).first()
    return list(
        ExtractionCopy.objects.filter(study=study, form__kind=RISK_OF_BIAS.slug).select_related("version")
    )


def _refuse_once_submitted(copies: list[ExtractionCopy], what: str) -> None:
    # Not who submitted: a reconciler asks, and reconcilers may see progress (extraction/visibility.py).
    if any(copy.is_locked for copy in copies):
        raise ValidationError(f"{what}: an assessor has already submitted this study's assessment.")


def _add_places(copies: list[ExtractionCopy], results: list[AssessedResult], user) -> None:
    """Give every copy an outcome place for each result it lacks, with the result's tool set."""
    tool_fields = {
        copy.version_id: field for copy in copies for field in copy.version.fields.filter(key=TOOL_FIELD)
    }
    existing = {
        (o.copy_id, outcome_key(o.name, o.time_point)): o for o in Outcome.objects.filter(copy__in=copies)
    }
    places, tools = [], []
    for copy in copies:
        position = sum(1 for copy_id, _ in existing if copy_id == copy.pk)
        for result in results:
            if (copy.pk, result.key) in existing:
                continue
            place = Outcome(copy=copy, name=result.outcome, time_point=result.time_point, position=position)
            position += 1
            places.append(place)
            tools.append((copy, place, result.tool))
    if not places:
        return
    bulk_create_with_history(places, Outcome, default_user=user)
    bulk_create_with_history(
        [
            Value(copy=copy, field=tool_fields[copy.version_id], outcome=place, value=tool)
            for copy, place, tool in tools
        ],
        Value,
        default_user=user,
    )


@transaction.atomic
def add_result(
    *, study: Study, outcome: str, time_point: str, tool: str, user, weight: Decimal | None = None
) -> AssessedResult:
    """Name a result of `study` to assess with `tool`. Its assessors' copies get it at once; refused once
    one of them has submitted (their assessment would change under them)."""
    version = versions.published_version(get_form(study.review))
    if tool not in version_tools(version):
        raise ValidationError(
            f"Choose one of the review's tools: {', '.join(version_tools(version)) or 'none yet'}."
        )
    copies = _lock(study)
    _refuse_once_submitted(copies, "No result can be added")
    if lacking := [c for c in copies if tool not in version_tools(c.version)]:
        raise ValidationError(
            f"The assessors of {study} work on form version {lacking[0].version.number}, which has no "
            f"{tool}; choose another tool."
        )
    result = AssessedResult(
        study=study, outcome=outcome.strip(), time_point=time_point.strip(), tool=tool, weight=weight
    )
    result.created_by = user
    if not result.outcome:
        raise ValidationError("Name the outcome.")
    result.key = outcome_key(result.outcome, result.time_point)
    if AssessedResult.objects.filter(study=study, key=result.key).exists():
        raise ValidationError(f"{result.label} is already assessed.")
    result._history_user = user
    result.save()
    _add_places(copies, [result], user)
    return result


@transaction.atomic
def remove_result(*, result: AssessedResult, user) -> None:
    copies = _lock(result.study)
    _refuse_once_submitted(copies, f"{result.label} cannot be removed")
    for place in Outcome.objects.filter(copy__in=copies):
        if outcome_key(place.name, place.time_point) == result.key:
            place._history_user = user
            place.delete()
    result._history_user = user
    result.delete()


def set_weight(*, result: AssessedResult, weight: Decimal | None, user) -> AssessedResult:
    result.weight = weight
    result._history_user = user
    result.save(update_fields=["weight"])
    return result


@transaction.atomic
def assign_study(*, study: Study, reviewers: list) -> list[ExtractionCopy]:
    """Give each assessor a copy of the study holding its results (idempotent)."""
    results = list(AssessedResult.objects.filter(study=study))
    if not results:
        raise ValidationError(f"Name the results to assess in {study} first.")
    copies = coding.assign_study(study=study, kind=RISK_OF_BIAS, reviewers=reviewers)
    _add_places(
        list(ExtractionCopy.objects.filter(pk__in=[c.pk for c in copies]).select_related("version")),
        results,
        reviewers[0] if reviewers else None,
    )
    return copies


@transaction.atomic
def assign_unassigned(*, review: Review, reviewers: list) -> int:
    """Assign every study with results that nobody assesses yet. Returns how many were assigned."""
    form = get_form(review)
    if form is None:
        raise ValidationError("Choose the review's tools before assigning studies.")
    coding.check_coder_count(form=form, reviewers=reviewers)
    studies = (
        Study.objects.for_review(review)
        .filter(rob_results__isnull=False)
        .exclude(extraction_copies__form=form)
        .distinct()
    )
    count = 0
    for study in studies:
        assign_study(study=study, reviewers=reviewers)
        count += 1
    return count


def justification_problems(data: coding.CopyData) -> list[str]:
    """Every judgement that departs from the proposal without a justification (RoB 2 guidance 2019: the
    algorithm's judgement may be overridden, saying why). The justification is the comment written beside
    the judgement."""
    judgement = data.judge()
    key_of = {f.pk: f.key for f in data.fields}
    places = {o.pk: o for o in data.outcomes}
    problems = []
    for cell, stored in data.values.items():
        field_key = key_of.get(cell[0])
        if not (field_key or "").startswith("judgement_") or cell in judgement.skipped:
            continue
        proposal = judgement.proposals.get(cell)
        value = stored.value
        if is_empty(value) or proposal is None or value in (NOT_APPLICABLE, proposal):
            continue
        if not stored.comment.strip():
            domain = (
                "Overall"
                if field_key == judgement_key(OVERALL)
                else field_key.removeprefix("judgement_").upper()
            )
            where = places.get(cell[2], "")
            problems.append(
                f"{where}, {domain}: say why you judge “{_label(value)}” rather than the proposed "
                f"“{_label(proposal)}”."
            )
    return problems


def _label(value: str) -> str:
    try:
        return Judgement(value).label
    except ValueError:
        return value


@transaction.atomic
def submit_assessment(*, copy: ExtractionCopy, user) -> ExtractionCopy:
    """Lock an assessor's copy: refused while a result is unanswered, a departure from a proposed
    judgement has no justification, or the overall judgement breaks the tool's rule (nothing is stored)."""
    ExtractionCopy.objects.select_for_update(of=("self",)).filter(pk=copy.pk).first()
    data = coding.load_copy(copy)
    if not data.outcomes:
        raise ValidationError("This study has no result to assess yet.")
    if problems := justification_problems(data):
        raise ValidationError(problems)
    return coding.submit_copy(copy=copy, user=user)


def answer(
    *,
    copy: ExtractionCopy,
    user,
    result: AssessedResult,
    answers: Mapping[str, Mapping[str, str]],
    judgements: Mapping[str, tuple[str, str]] | None = None,
) -> dict:
    """Answer a result in an assessor's copy as the page would: `answers` as `rob_judge` reads them
    ({"D1": {"1.1": "Y", …}, "preliminary": {…}}), `judgements` as {domain or "overall": (judgement,
    justification)}. For imports, the demo and tests; returns the messages by cell, as save_copy does."""
    data = coding.load_copy(copy)
    place = next((o for o in data.outcomes if outcome_key(o.name, o.time_point) == result.key), None)
    if place is None:
        raise ValidationError(f"{result.label} is not in this assessment.")
    tool = load_tool(result.tool)
    chosen = tool_variants(tool, answers.get(PRELIMINARY, {}))
    fields = {f.key: f for f in data.fields}
    entries: dict = {}
    for section, given in answers.items():
        for qid, code in given.items():
            key = question_key(tool.key, section, chosen.get(section, ""), qid)
            if key not in fields:
                raise ValidationError(f"{tool.key} has no question {qid} in {section}.")
            entries[coding.cell_key(fields[key].pk, None, place.pk)] = {"value": code}
    for domain, (value, justification) in (judgements or {}).items():
        field = fields[judgement_key(domain)]
        entries[coding.cell_key(field.pk, None, place.pk)] = {"value": value, "comment": justification}
    return coding.save_copy(copy=copy, user=user, entries=entries)


def tool_variants(tool, preliminary: Mapping[str, str]) -> dict[str, str]:
    """The variant of each domain that has them, as the preliminary answers choose it."""
    return {
        domain.key: chosen.key
        for domain in tool.domains
        if (chosen := domain.variant({q: v for q, v in preliminary.items() if isinstance(v, str)}))
    }
