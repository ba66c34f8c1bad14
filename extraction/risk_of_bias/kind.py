"""Risk of bias as a form kind of extraction's dual-coding layer (extraction/kinds.py).

What is assessed is a result (RoB 2 assesses results, not studies): an outcome of a study at a time point.
In the layer's terms each result is an outcome place of the study's copies, so every copy holds one set of
answers per result, compared and reconciled result by result. The form is made from the tool files
(extraction/rob/tools): one field per signalling question of each tool the review uses, a judgement per
domain and overall, and `tool`, which says which tool's questions a result asks. The kind asks only the
questions of a result's tool that apply given the earlier answers (the others hold NA), proposes each
domain's judgement by the tool's official algorithm and the overall one by its rule, and compares answers
by direction (Y and PY agree in direction, not in wording)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from functools import cache
from typing import Any

from extraction.comparison import is_empty
from extraction.constants import FieldLevel, FieldType
from extraction.kinds import Agreement, FormKind
from extraction.rob import (
    NOT_APPLICABLE,
    AnswerError,
    Judgement,
    Question,
    Tool,
    applicable_questions,
    load_tool,
    suggest_domain,
    suggest_overall,
    tool_keys,
)
from extraction.rob.model import PRELIMINARY
from extraction.rob.suggest import stops_early

TOOL_FIELD = "tool"
OVERALL = "overall"
# Every domain key of the shipped tools, in the order robvis draws them (cluster trials' D1b after D1, the
# crossover domain S before D2).
DOMAIN_ORDER = ("D1", "D1b", "S", "D2", "D3", "D4", "D5", "D6", "D7")
# The ordinal scales whose judgements are compared by weighted kappa and drawn by robvis; plots and the
# robvis CSV name them as extraction/rob/plots.py does.
FAMILIES = {"rob2": "RoB 2", "robins-i": "ROBINS-I"}
# An answer's direction: Y and PY (and ROBINS-I's weak and strong yes) say the same about bias.
DIRECTIONS = {"Y": "yes", "PY": "yes", "WY": "yes", "SY": "yes"}
DIRECTIONS |= {"N": "no", "PN": "no", "WN": "no", "SN": "no", "NI": "no information"}


def family(tool: Tool) -> str:
    """The judgement scale a tool uses, as the plots name it: "rob2" or "robins-i"."""
    return "robins-i" if Judgement.MODERATE in tool.judgements else "rob2"


def judgement_key(domain: str) -> str:
    """The field holding a domain's judgement (or the overall one): judgement_d1, judgement_overall."""
    return f"judgement_{domain.lower()}"


@dataclass(frozen=True)
class QuestionField:
    """Where a question field's answer belongs: its tool, section (a domain key or "preliminary"), the
    domain's variant (ROBINS-I V2 domain 1) and the question."""

    key: str
    tool: str
    section: str
    variant: str
    question: Question


def question_key(tool: str, section: str, variant: str, question_id: str) -> str:
    """rob2_crossover_s_s_1 for question S.1 of the crossover tool; robins_i_d1_a_1_1 for ROBINS-I 1.1 of
    domain 1 variant A; robins_i_p_c4 for the preliminary question C4."""
    parts = [tool, "p" if section == PRELIMINARY else section, variant, question_id]
    return "_".join(p for p in parts if p).lower().replace("-", "_").replace(".", "_")


def tool_questions(tool: Tool) -> list[QuestionField]:
    """Every question of a tool in its order: preliminary questions, then each domain's (each variant's)."""
    found = [
        QuestionField(question_key(tool.key, PRELIMINARY, "", q.id), tool.key, PRELIMINARY, "", q)
        for q in tool.preliminary
    ]
    for domain in tool.domains:
        for variant in domain.variants or (None,):
            questions = variant.questions if variant else domain.questions
            name = variant.key if variant else ""
            found += [
                QuestionField(question_key(tool.key, domain.key, name, q.id), tool.key, domain.key, name, q)
                for q in questions
            ]
    return found


@cache
def question_fields() -> dict[str, QuestionField]:
    """Every question field of every shipped tool, by field key."""
    return {qf.key: qf for key in tool_keys() for qf in tool_questions(load_tool(key))}


def form_definition(tools: Sequence[str]) -> dict:
    """The form for these tools (keys of extraction/rob/tools), in the JSON of extraction/definitions.py.
    Every field is asked per outcome: a result is an outcome place of the study's copies."""
    loaded = [load_tool(key) for key in tools]
    outcome = FieldLevel.OUTCOME
    sections: list[dict] = [
        {
            "title": "Result",
            "fields": [
                {
                    "key": TOOL_FIELD,
                    "label": "Tool (design and effect of interest)",
                    "type": FieldType.CHOICE,
                    "level": outcome,
                    "choices": [tool.key for tool in loaded],
                    "required": True,
                    "help_text": "Set when the result is named on the risk-of-bias page.",
                }
            ],
        }
    ]
    for tool in loaded:
        by_section: dict[str, list[QuestionField]] = {}
        for qf in tool_questions(tool):
            by_section.setdefault(qf.section, []).append(qf)
        for section, fields in by_section.items():
            title = "Preliminary considerations" if section == PRELIMINARY else tool.domain(section).name
            sections.append(
                {
                    "title": f"{tool.key} · {section if section != PRELIMINARY else 'P'} · {title}"[:200],
                    "fields": [
                        {
                            "key": qf.key,
                            "label": f"{qf.variant + ' ' if qf.variant else ''}{qf.question.id} {qf.question.text}"[
                                :300
                            ],
                            "type": FieldType.CHOICE,
                            "level": outcome,
                            "choices": list(qf.question.answers)
                            + ([NOT_APPLICABLE] if qf.question.optional else []),
                            "required": True,
                            "help_text": qf.question.help,
                        }
                        for qf in fields
                    ],
                }
            )
    domains = [key for key in DOMAIN_ORDER if any(key in tool.domain_keys for tool in loaded)]
    scale = [j.value for j in Judgement if any(j in tool.judgements for tool in loaded)]
    sections.append(
        {
            "title": "Judgements",
            "fields": [
                {
                    "key": judgement_key(key),
                    "label": f"{key} judgement" if key != OVERALL else "Overall judgement",
                    "type": FieldType.CHOICE,
                    "level": outcome,
                    "choices": scale,
                    "required": True,
                    "help_text": "Proposed by the tool's algorithm; departing from it needs a justification.",
                }
                for key in [*domains, OVERALL]
            ],
        }
    )
    names = ", ".join(tools)
    return {"name": f"Risk of bias ({names})"[:200], "sections": sections}


@dataclass
class Place:
    """The answers of one result, read for its tool: answers by section, the preliminary answers, and which
    questions are asked."""

    tool: Tool
    sections: dict[str, dict[str, Any]]
    asked: dict[str, list[str]]
    stopped: bool  # ROBINS-I V2: the preliminary answers make the result critical; no domain is assessed

    @property
    def preliminary(self) -> dict[str, Any]:
        return self.sections.get(PRELIMINARY, {})

    def variant(self, section: str) -> str:
        if section == PRELIMINARY:
            return ""
        chosen = self.tool.domain(section).variant(_codes(self.preliminary))
        return chosen.key if chosen else ""

    def given(self, section: str) -> dict[str, str]:
        """A section's answers as the algorithm reads them: asked questions only, and NA only where the
        question allows it (an answer stored NA while the question was skipped means unanswered now)."""
        questions = {q.id: q for q in self._questions(section)}
        return {
            qid: value
            for qid, value in self.sections.get(section, {}).items()
            if qid in self.asked.get(section, [])
            and isinstance(value, str)
            and (value != NOT_APPLICABLE or questions[qid].optional)
        }

    def _questions(self, section: str) -> tuple[Question, ...]:
        if section == PRELIMINARY:
            return self.tool.preliminary
        return self.tool.domain(section).questions_for(_codes(self.preliminary))

    def suggestion(self, domain: str) -> Judgement | None:
        if self.stopped:
            return None
        try:
            return suggest_domain(self.tool, domain, self.given(domain), preliminary=self.given(PRELIMINARY))
        except AnswerError:
            return None

    def final_judgements(self, answers: Mapping[str, Any]) -> dict[str, str | None]:
        """Each domain's judgement as the assessor leaves it: theirs where given, else the proposal."""
        final: dict[str, str | None] = {}
        for domain in self.tool.domain_keys:
            given = answers.get(judgement_key(domain))
            if is_empty(given) or given == NOT_APPLICABLE:
                proposal = self.suggestion(domain)
                given = proposal.value if proposal else None
            final[domain] = given
        return final

    def overall(self, answers: Mapping[str, Any]) -> Judgement | None:
        try:
            return suggest_overall(
                self.tool, self.final_judgements(answers), preliminary=self.given(PRELIMINARY)
            )
        except AnswerError:
            return None


def _codes(answers: Mapping[str, Any]) -> dict[str, str]:
    return {qid: value for qid, value in answers.items() if isinstance(value, str)}


def read_place(answers: Mapping[str, Any]) -> Place | None:
    """The result's answers for its tool, or None while the result has no (known) tool."""
    key = answers.get(TOOL_FIELD)
    if key not in tool_keys():
        return None
    tool = load_tool(key)
    fields = question_fields()
    stored: dict[str, dict[tuple[str, str], Any]] = defaultdict(dict)
    for field_key, value in answers.items():
        qf = fields.get(field_key)
        if qf is not None and qf.tool == tool.key:
            stored[qf.section][qf.question.id, qf.variant] = value
    preliminary = {qid: value for (qid, _), value in stored[PRELIMINARY].items()}
    by_section: dict[str, dict[str, Any]] = {PRELIMINARY: preliminary} if tool.preliminary else {}
    for domain in tool.domains:
        chosen = domain.variant(_codes(preliminary))
        variant = chosen.key if chosen else ""
        by_section[domain.key] = {qid: v for (qid, var), v in stored[domain.key].items() if var == variant}
    place = Place(tool, by_section, applicable_questions(tool, by_section), stopped=False)
    with suppress(AnswerError):  # answers that break the rules propose nothing
        place.stopped = stops_early(tool, place.given(PRELIMINARY))
    return place


def overall_problem(place: Place, answers: Mapping[str, Any]) -> str | None:
    """The overall judgement is the worst domain's (RoB 2 guidance 2019, “Reaching an overall judgement”;
    ROBINS-I V2, p. 49). An assessor may go one step further when several domains share that worst
    judgement (several “Some concerns” to High; several Moderate to Serious, several Serious to Critical),
    with a justification; never lower."""
    chosen = answers.get(judgement_key(OVERALL))
    proposal = place.overall(answers)
    if is_empty(chosen) or proposal is None or chosen == proposal.value:
        return None
    scale = place.tool.judgements
    if chosen not in scale:
        return None  # reported as a judgement off the tool's scale
    step = scale.index(Judgement(chosen)) - scale.index(proposal)
    if step < 0:
        return (
            f"Overall: “{Judgement(chosen).label}” is less severe than the worst domain "
            f"(“{proposal.label}”); the overall judgement cannot be lower."
        )
    several = sum(value == proposal.value for value in place.final_judgements(answers).values()) >= 2
    if step > 1 or proposal == Judgement.LOW or not several:
        return (
            f"Overall: “{Judgement(chosen).label}” can only replace “{proposal.label}” when several domains "
            f"are “{proposal.label}”, and only by one step."
        )
    return None


class RiskOfBias(FormKind):
    slug = "rob"
    label = "Risk of bias"
    noun = "risk-of-bias assessment"
    verb = "assess"
    coder = "assessor"
    default_coders = 2
    not_applicable = NOT_APPLICABLE
    home_view = "rob:home"
    generic_exports = False  # risk_of_bias/exports.py: the RoB table, robvis CSVs, the assessors' answers

    def applicable_fields(self, fields: Sequence, answers: Mapping[str, Any]) -> list:
        place = read_place(answers)
        if place is None:
            return [f for f in fields if f.key == TOOL_FIELD]
        questions = question_fields()
        asked = []
        for f in fields:
            qf = questions.get(f.key)
            if f.key == TOOL_FIELD or f.key == judgement_key(OVERALL):
                asked.append(f)
            elif qf is not None:
                if (
                    qf.tool == place.tool.key
                    and not (place.stopped and qf.section != PRELIMINARY)
                    and qf.variant == place.variant(qf.section)
                    and qf.question.id in place.asked.get(qf.section, [])
                ):
                    asked.append(f)
            elif f.key in {judgement_key(d) for d in place.tool.domain_keys} and not place.stopped:
                asked.append(f)
        return asked

    def suggest(self, answers: Mapping[str, Any]) -> dict[str, Any]:
        place = read_place(answers)
        if place is None:
            return {}
        proposals = {}
        for domain in place.tool.domain_keys:
            if (judgement := place.suggestion(domain)) is not None:
                proposals[judgement_key(domain)] = judgement.value
        if (overall := place.overall(answers)) is not None:
            proposals[judgement_key(OVERALL)] = overall.value
        return proposals

    def submit_problems(self, answers: Mapping[str, Any]) -> list[str]:
        """Judgements on the tool's scale, the overall rule, and no NA where a question is asked. (A
        departure from a proposal needs a justification: risk_of_bias/services.py checks that, since it is
        written beside the judgement.)"""
        place = read_place(answers)
        if place is None:
            return []
        problems = []
        scale = {j.value for j in place.tool.judgements}
        for domain in [*([] if place.stopped else place.tool.domain_keys), OVERALL]:
            value = answers.get(judgement_key(domain))
            if not is_empty(value) and value != NOT_APPLICABLE and value not in scale:
                problems.append(f"{domain}: “{value}” is not a judgement of {place.tool.key}.")
        for section, asked in place.asked.items():
            if place.stopped and section != PRELIMINARY:
                continue
            # Still NA from when an earlier answer skipped it (empty answers are the layer's to report).
            stale = [qid for qid in asked if place.sections[section].get(qid) == NOT_APPLICABLE]
            if stale := [qid for qid in stale if qid not in place.given(section)]:
                problems.append(f"{section}: answer {', '.join(stale)}; it applies now.")
        if problem := overall_problem(place, answers):
            problems.append(problem)
        return problems

    def compare(self, field, values: Sequence[Any]) -> Agreement:
        first, *others = values
        if all(value == first for value in others):
            return Agreement(True)
        if field.key in question_fields():
            directions = {DIRECTIONS.get(value, value) for value in values}
            if len(directions) == 1:
                return Agreement(False, "same direction, different wording")
            return Agreement(False, "different directions", strong=True)
        if field.key.startswith("judgement_"):
            return Agreement(False, "different judgements", strong=True)
        return super().compare(field, values)


RISK_OF_BIAS = RiskOfBias()
