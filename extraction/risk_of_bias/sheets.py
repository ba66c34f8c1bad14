"""An assessor's copy as the assessment page shows it: per result, the tool's preliminary questions, each
domain's signalling questions with whether they apply, the judgement the algorithm suggests (and the
answers it read on the way), the assessor's own judgement and justification, and the overall judgement.
Built from extraction's CopyData without further queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from extraction import coding, reconciliation
from extraction.comparison import is_empty
from extraction.forms import cell_name
from extraction.models import FormField, Outcome
from extraction.risk_of_bias.kind import (
    OVERALL,
    TOOL_FIELD,
    QuestionField,
    judgement_key,
    question_fields,
    read_place,
)
from extraction.rob import (
    ANSWER_LABELS,
    NOT_APPLICABLE,
    AnswerError,
    Judgement,
    Tool,
    load_tool,
    tool_keys,
    trace_domain,
)
from extraction.rob.model import PRELIMINARY


@dataclass
class QuestionRow:
    spec: QuestionField
    name: str  # the cell's part of its inputs' names (extraction.forms.cell_name)
    value: Any
    comment: str
    report_id: int | None
    page: str
    asked: bool
    error: str = ""

    @property
    def choices(self) -> list[tuple[str, str]]:
        codes = [*self.spec.question.answers, *([NOT_APPLICABLE] if self.spec.question.optional else [])]
        return [(code, ANSWER_LABELS[code]) for code in codes]

    @property
    def note(self) -> str:
        return "" if self.asked else "Does not apply given the answers above (stored as NA)."

    @property
    def shown(self) -> str:
        """“PY (Probably yes)”: an answer as a read-only page shows it."""
        if is_empty(self.value):
            return ""
        return (
            f"{self.value} ({ANSWER_LABELS[self.value]})" if self.value in ANSWER_LABELS else str(self.value)
        )


@dataclass
class JudgementBlock:
    """A domain's (or the overall) judgement: what the algorithm suggests and why, and the assessor's."""

    key: str  # D1, S, ..., or "overall"
    title: str
    name: str
    value: Any
    justification: str
    scale: tuple[Judgement, ...]
    suggestion: Judgement | None
    path: str  # “1.2 Y → 1.1 Y → 1.3 N”, the answers the algorithm read
    waiting_for: str | None
    applies: bool = True
    error: str = ""

    @property
    def departs(self) -> bool:
        return bool(self.suggestion and not is_empty(self.value) and self.value != self.suggestion.value)

    @property
    def suggestion_text(self) -> str:
        if not self.applies:
            return "Not assessed: the preliminary answers already make the result critical."
        if self.suggestion is not None:
            return f"Suggested: {self.suggestion.label}"
        if self.waiting_for:
            return f"No suggestion yet: answer {self.waiting_for}."
        return "No suggestion yet."


@dataclass
class DomainSection:
    key: str
    title: str
    questions: list[QuestionRow]
    judgement: JudgementBlock | None


@dataclass
class ResultSheet:
    outcome: Outcome
    tool: Tool | None
    sections: list[DomainSection] = field(default_factory=list)
    overall: JudgementBlock | None = None

    @property
    def anchor(self) -> str:
        return f"result-{self.outcome.pk}"


def _path(tool: Tool, domain: str, given: dict[str, str], preliminary: dict[str, str]):
    try:
        trace = trace_domain(tool, domain, given, preliminary=preliminary)
    except AnswerError:
        return None, "", None
    return trace.judgement, " → ".join(f"{qid} {given[qid]}" for qid in trace.path), trace.waiting_for


@dataclass
class _Copy:
    """What building a copy's sheets reads: its data, what the kind made of it, the messages by cell."""

    data: coding.CopyData
    judgement: coding.Judgement
    errors: dict
    fields: dict[str, FormField]

    def question(self, f: FormField, outcome: Outcome) -> QuestionRow:
        key = coding.cell_key(f.pk, None, outcome.pk)
        stored = self.data.values.get(key)
        return QuestionRow(
            spec=question_fields()[f.key],
            name=cell_name(f, None, outcome),
            value=stored.value if stored else None,
            comment=stored.comment if stored else "",
            report_id=stored.report_id if stored else None,
            page=stored.page if stored else "",
            asked=key not in self.judgement.skipped,
            error=self.errors.get(key, ""),
        )

    def block(self, outcome: Outcome, tool: Tool, domain: str, title: str, trace) -> JudgementBlock | None:
        f = self.fields.get(judgement_key(domain))
        if f is None:
            return None
        key = coding.cell_key(f.pk, None, outcome.pk)
        stored = self.data.values.get(key)
        suggestion, path, waiting = trace
        return JudgementBlock(
            key=domain,
            title=title,
            name=cell_name(f, None, outcome),
            value=None if stored is None or stored.value == NOT_APPLICABLE else stored.value,
            justification=stored.comment if stored else "",
            scale=tool.judgements,
            suggestion=suggestion,
            path=path,
            waiting_for=waiting,
            applies=key not in self.judgement.skipped,
            error=self.errors.get(key, ""),
        )


def result_sheets(data: coding.CopyData, errors: dict | None = None) -> list[ResultSheet]:
    copy = _Copy(data, data.judge(), errors or {}, {f.key: f for f in data.fields})
    specs = question_fields()
    sheets = []
    for outcome in data.outcomes:
        answers = {
            f.key: data.values[key].value
            for f in data.fields
            if (key := coding.cell_key(f.pk, None, outcome.pk)) in data.values
        }
        place = read_place(answers)
        sheet = ResultSheet(outcome, place.tool if place else None)
        sheets.append(sheet)
        if place is None:
            continue
        tool = place.tool
        questions = [
            copy.fields[k] for k, spec in specs.items() if spec.tool == tool.key and k in copy.fields
        ]
        preliminary = place.given(PRELIMINARY)
        if tool.preliminary:
            rows = [copy.question(f, outcome) for f in questions if specs[f.key].section == PRELIMINARY]
            sheet.sections.append(DomainSection(PRELIMINARY, "Preliminary considerations", rows, None))
        for domain in tool.domains:
            rows = [copy.question(f, outcome) for f in questions if specs[f.key].section == domain.key]
            trace = (
                (None, "", None)
                if place.stopped
                else _path(tool, domain.key, place.given(domain.key), preliminary)
            )
            title = f"{domain.key}: {domain.name}"
            judged = copy.block(outcome, tool, domain.key, title, trace)
            sheet.sections.append(DomainSection(domain.key, title, rows, judged))
        sheet.overall = copy.block(
            outcome, tool, OVERALL, "Overall risk of bias", (place.overall(answers), "", None)
        )
    return sheets


# ---------------------------------------------------------------- reconciliation, result by result


@dataclass
class ReconcileRow:
    """A row of extraction's comparison with what the reconciler may enter instead (the question's answers,
    or the tool's judgements)."""

    row: reconciliation.Row
    label: str
    choices: list[tuple[str, str]]
    judgement: bool = False
    domain: str = ""  # a judgement row's domain key, or "overall"
    support: str = ""  # why the consensus judgement is what it is (results.ResultRow.support)

    def shown(self, value: Any) -> str:
        return dict(self.choices).get(value, "" if is_empty(value) else str(value))


@dataclass
class ReconcileSection:
    key: str
    title: str
    rows: list[ReconcileRow]
    judgement: ReconcileRow | None = None


@dataclass
class ReconcileResult:
    name: str
    tool: Tool | None
    key: str
    sections: list[ReconcileSection] = field(default_factory=list)
    overall: ReconcileRow | None = None

    @property
    def judgements(self) -> list[ReconcileRow]:
        """Domain by domain, then overall: the summary at the top of the page."""
        found = [s.judgement for s in self.sections if s.judgement is not None]
        return found + ([self.overall] if self.overall else [])


def _all_not_applicable(row: reconciliation.Row) -> bool:
    values = [cell.value.value if cell.value else None for cell in row.cells]
    consensus = row.consensus.value if row.consensus else None
    return all(v in (None, NOT_APPLICABLE) for v in [*values, consensus])


def _judged(by_field: dict, domain: str, label: str, scale: list) -> ReconcileRow | None:
    row = by_field.get(judgement_key(domain))
    if row is None or _all_not_applicable(row):
        return None
    return ReconcileRow(row, label, scale, judgement=True, domain=domain)


def reconcile_results(comparison: reconciliation.Comparison) -> list[ReconcileResult]:
    """The comparison grouped by result, then by the result's tool: its preliminary questions and domains,
    each question's row and the domain's judgement row, then overall. Questions nobody was asked (another
    variant's, or skipped by both assessors) are left out; they agree as NA."""
    specs = question_fields()
    places: dict[str, list[reconciliation.Row]] = {}
    for row in comparison.rows:
        places.setdefault(row.outcome_key, []).append(row)
    results = []
    for key, rows in places.items():
        by_field = {row.field.key: row for row in rows}
        tool_row = by_field.get(TOOL_FIELD)
        tool_key = next((c.value.value for c in tool_row.cells if c.value), None) if tool_row else None
        name = ", ".join(p for p in (rows[0].outcome_name, rows[0].time_point) if p)
        tool = load_tool(tool_key) if tool_key in tool_keys() else None
        result = ReconcileResult(name, tool, key)
        results.append(result)
        if tool is None:
            continue
        scale = [(j.value, j.label) for j in tool.judgements]
        sections = [(PRELIMINARY, "Preliminary considerations")] if tool.preliminary else []
        sections += [(d.key, f"{d.key}: {d.name}") for d in tool.domains]
        for section, title in sections:
            question_rows = [
                ReconcileRow(
                    row,
                    f"{spec.variant + ' ' if spec.variant else ''}{spec.question.id} {spec.question.text}",
                    [(code, f"{code} ({ANSWER_LABELS[code]})") for code in row.field.choices],
                )
                for row in rows
                if (spec := specs.get(row.field.key))
                and spec.tool == tool.key
                and spec.section == section
                and not _all_not_applicable(row)
            ]
            judgement_row = (
                _judged(by_field, section, f"{section} judgement", scale) if section != PRELIMINARY else None
            )
            result.sections.append(ReconcileSection(section, title, question_rows, judgement_row))
        result.overall = _judged(by_field, OVERALL, "Overall judgement", scale)
    return results


def attach_support(results: list[ReconcileResult], rows: list) -> None:
    """Each consensus judgement's support (results.review_results), beside it on the consensus page."""
    support = {row.result.key: row.support for row in rows}
    for result in results:
        for item in result.judgements:
            item.support = support.get(result.key, {}).get(item.domain, "")


def find_row(results: list[ReconcileResult], consensus_value_id: int) -> ReconcileRow | None:
    rows = (
        row
        for result in results
        for section in result.sections
        for row in [*section.rows, section.judgement, result.overall]
        if row is not None and row.row.consensus is not None
    )
    return next((row for row in rows if row.row.consensus.pk == consensus_value_id), None)
