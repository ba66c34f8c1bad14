"""Which signalling questions apply given earlier answers, and whether answers keep the tool's rules.

An assessment's answers are a mapping from domain key (and ``"preliminary"`` for ROBINS-I V2) to
``{question number: answer code}``. A question whose condition does not hold is not asked: its answer is NA,
given as "NA" or left out. Codes are read without regard to case or surrounding spaces.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from extraction.rob.judgements import NOT_APPLICABLE
from extraction.rob.library import load_tool
from extraction.rob.model import PRELIMINARY, Domain, Question, Tool

AssessmentAnswers = Mapping[str, Mapping[str, Any]]


@dataclass(frozen=True)
class Problem:
    """One broken rule, placed by section (domain key or "preliminary") and question."""

    section: str
    question: str | None
    message: str

    def __str__(self) -> str:
        place = f"{self.section} question {self.question}" if self.question else self.section
        return f"{place}: {self.message}"


class AnswerError(ValueError):
    """Answers that break the tool's rules; ``problems`` names each domain and question."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(problem) for problem in problems))
        self.problems = problems


def resolve_tool(tool: Tool | str) -> Tool:
    return tool if isinstance(tool, Tool) else load_tool(tool)


def unknown_domain(tool: Tool, key: str) -> Problem:
    return Problem(
        str(key), None, f"no such domain in {tool.key}; its domains are {', '.join(tool.domain_keys)}."
    )


def code(answer: Any) -> str | None:
    """An answer as its code (“py ” → “PY”), or None if it is not text."""
    return answer.strip().upper() if isinstance(answer, str) else None


def applicable_in(questions: Sequence[Question], answers: Mapping[str, Any]) -> list[str]:
    """The numbers of the questions asked, in order, given these answers to one domain. A condition reads
    earlier answers, with NA for those not asked; an unanswered question satisfies no condition."""
    effective: dict[str, str | None] = {}
    asked: list[str] = []
    for question in questions:
        if question.asked_if is None or question.asked_if.holds(effective):
            asked.append(question.id)
            effective[question.id] = code(answers.get(question.id))
        else:
            effective[question.id] = NOT_APPLICABLE
    return asked


def applicable_questions(tool: Tool | str, answers: AssessmentAnswers) -> dict[str, list[str]]:
    """For each section of the tool (“preliminary” first when it has one, then every domain in order), the
    questions asked given ``answers``; the others are NA."""
    tool = resolve_tool(tool)
    preliminary = _section(answers, PRELIMINARY)
    asked: dict[str, list[str]] = {}
    if tool.preliminary:
        asked[PRELIMINARY] = applicable_in(tool.preliminary, preliminary)
    for domain in tool.domains:
        asked[domain.key] = applicable_in(
            domain.questions_for(_codes(preliminary)), _section(answers, domain.key)
        )
    return asked


def section_problems(
    section: str, questions: Sequence[Question], given: Any, *, label: str = ""
) -> list[Problem]:
    """Every broken rule in one section's answers: unknown questions, answers not allowed, NA where a
    question is asked, an answer where it is not. ``label`` names the section in messages (a variant)."""
    if not isinstance(given, Mapping):
        return [Problem(section, None, "expected an object of question number: answer.")]
    known = {question.id: question for question in questions}
    problems = [
        Problem(
            section,
            str(qid),
            f"no such question in {label or section}; its questions are {', '.join(known)}.",
        )
        for qid in given
        if qid not in known
    ]
    effective: dict[str, str | None] = {}
    broken: set[str] = set()
    for question in questions:
        if question.asked_if and question.asked_if.questions() & broken:
            broken.add(question.id)  # whether it is asked depends on an answer already reported wrong
            continue
        applies = question.asked_if is None or question.asked_if.holds(effective)
        answer = code(given.get(question.id)) if question.id in given else None
        problem = _answer_problem(question, given.get(question.id), answer, applies)
        if problem:
            problems.append(Problem(section, question.id, problem))
            broken.add(question.id)
        effective[question.id] = answer if applies else NOT_APPLICABLE
    return problems


def _answer_problem(question: Question, raw: Any, answer: str | None, applies: bool) -> str | None:
    allowed = ", ".join(question.answers + ((NOT_APPLICABLE,) if question.optional else ()))
    if raw is None:
        return None
    if answer is None:
        return f"the answer must be a code ({allowed}), not {raw!r}."
    if question.accepts(answer, applies=applies):
        return None
    if not applies:
        return f"is asked only if {question.asked_if.describe()}; give NA or leave it out."
    if answer == NOT_APPLICABLE:
        return f"is asked here, so NA is not allowed (answer {allowed})."
    return f"“{answer}” is not an answer to this question (allowed: {allowed})."


def answer_problems(tool: Tool | str, answers: Any) -> list[Problem]:
    """Every broken rule in an assessment's answers (empty when they keep the tool's rules)."""
    tool = resolve_tool(tool)
    if not isinstance(answers, Mapping):
        return [Problem("assessment", None, "expected an object with a key per domain.")]
    sections = ([PRELIMINARY] if tool.preliminary else []) + list(tool.domain_keys)
    problems = [
        Problem(str(key), None, f"no such section in {tool.key} (expected {', '.join(sections)}).")
        for key in answers
        if key not in sections
    ]
    if PRELIMINARY in answers and tool.preliminary:
        problems += section_problems(PRELIMINARY, tool.preliminary, answers[PRELIMINARY])
    preliminary = _codes(_section(answers, PRELIMINARY))
    for domain in tool.domains:
        if domain.key in answers:
            questions, label = domain.questions_for(preliminary), domain_label(domain, preliminary)
            problems += section_problems(domain.key, questions, answers[domain.key], label=label)
    return problems


def domain_label(domain: Domain, preliminary: Mapping[str, str]) -> str:
    """“D1 variant A (chosen by preliminary C4)” for a domain with variants, else its key."""
    variant = domain.variant(preliminary)
    if variant is None:
        return domain.key
    return f"{domain.key} variant {variant.key} (chosen by preliminary {domain.variant_question})"


def validate_answers(tool: Tool | str, answers: Any) -> None:
    """Raise AnswerError naming every domain and question whose answer breaks the tool's rules."""
    problems = answer_problems(tool, answers)
    if problems:
        raise AnswerError(problems)


def normalise_answers(tool: Tool | str, answers: AssessmentAnswers) -> dict[str, Any]:
    """The sections given, as codes, with NA for every question not asked given the other answers (what a
    form stores after an earlier answer changes). Raises AnswerError for answers that break other rules."""
    tool = resolve_tool(tool)
    asked = applicable_questions(tool, answers)
    sections = _sections(tool, _codes(_section(answers, PRELIMINARY)))
    # Unknown sections and questions are kept so that validation names them.
    result: dict[str, Any] = {key: value for key, value in answers.items() if key not in asked}
    for section, questions in sections:
        if section not in answers:
            continue
        given = {qid: code(value) or value for qid, value in _section(answers, section).items()}
        known = {question.id for question in questions}
        values = {qid: value for qid, value in given.items() if qid not in known or qid in asked[section]}
        result[section] = values | {q.id: NOT_APPLICABLE for q in questions if q.id not in asked[section]}
    validate_answers(tool, result)
    return result


def _sections(tool: Tool, preliminary: Mapping[str, str]) -> list[tuple[str, Sequence[Question]]]:
    sections: list[tuple[str, Sequence[Question]]] = (
        [(PRELIMINARY, tool.preliminary)] if tool.preliminary else []
    )
    return sections + [(domain.key, domain.questions_for(preliminary)) for domain in tool.domains]


def _section(answers: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    section = answers.get(key) if isinstance(answers, Mapping) else None
    return section if isinstance(section, Mapping) else {}


def _codes(answers: Mapping[str, Any]) -> dict[str, str]:
    return {qid: answer for qid, value in answers.items() if (answer := code(value)) is not None}
