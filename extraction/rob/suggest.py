"""Suggested judgements: each domain's by the tool's official algorithm, the overall one by its rule.

A suggestion is only a proposal: the guidance lets the assessor override a domain or the overall judgement
with a written justification (RoB 2 guidance 2019, “Risk-of-bias judgements”), which is the form's business,
not this module's. A domain whose algorithm still needs an answer has no suggestion yet (None).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from extraction.rob.algorithms import DOMAIN_ALGORITHMS, OVERALL_ALGORITHMS, Answers, Unanswered
from extraction.rob.answers import (
    AnswerError,
    Problem,
    domain_label,
    resolve_tool,
    section_problems,
    unknown_domain,
)
from extraction.rob.judgements import Judgement
from extraction.rob.model import PRELIMINARY, Domain, Tool


@dataclass(frozen=True)
class Suggestion:
    """The algorithm's judgement for one domain, the questions it read on its way (in order), and, when it
    could not finish, the question it is waiting for."""

    judgement: Judgement | None
    path: tuple[str, ...]
    waiting_for: str | None = None


def _domain(tool: Tool, key: str) -> Domain:
    try:
        return tool.domain(key)
    except KeyError:
        raise AnswerError([unknown_domain(tool, key)]) from None


def _preliminary(tool: Tool, preliminary: Mapping[str, Any] | None) -> dict[str, str]:
    preliminary = preliminary or {}
    if tool.preliminary:
        problems = section_problems(PRELIMINARY, tool.preliminary, preliminary)
        if problems:
            raise AnswerError(problems)
    return {qid: value.strip().upper() for qid, value in preliminary.items() if isinstance(value, str)}


def trace_domain(
    tool: Tool | str, domain: str, answers: Mapping[str, Any], *, preliminary: Mapping[str, Any] | None = None
) -> Suggestion:
    """Run the domain's algorithm on ``answers`` (``{question number: code}``) after checking them.
    ``preliminary`` holds ROBINS-I V2's preliminary answers (C4 chooses the domain 1 variant)."""
    tool = resolve_tool(tool)
    chosen = _preliminary(tool, preliminary)
    spec = _domain(tool, domain)
    problems = section_problems(domain, spec.questions_for(chosen), answers, label=domain_label(spec, chosen))
    if problems:
        raise AnswerError(problems)
    given = Answers({qid: value.strip().upper() for qid, value in answers.items()})
    try:
        judgement = DOMAIN_ALGORITHMS[spec.algorithm_for(chosen)](given)
    except Unanswered as missing:
        return Suggestion(None, tuple(given.read), missing.question)
    return Suggestion(judgement, tuple(given.read))


def suggest_domain(
    tool: Tool | str, domain: str, answers: Mapping[str, Any], *, preliminary: Mapping[str, Any] | None = None
) -> Judgement | None:
    """The official algorithm's judgement for one domain, or None while an answer it needs is missing.
    Raises AnswerError for an unknown domain or question or an answer the question does not allow."""
    return trace_domain(tool, domain, answers, preliminary=preliminary).judgement


def stops_early(tool: Tool | str, preliminary: Mapping[str, Any] | None) -> bool:
    """ROBINS-I V2: a result whose preliminary answers make it critical needs no domain assessed."""
    tool = resolve_tool(tool)
    return tool.stop_if is not None and tool.stop_if.holds(_preliminary(tool, preliminary))


def suggest_overall(
    tool: Tool | str,
    domain_judgements: Mapping[str, Judgement | str | None],
    *,
    preliminary: Mapping[str, Any] | None = None,
) -> Judgement | None:
    """The overall judgement by the tool's rule (RoB 2: the worst domain; ROBINS-I V2: the worst domain,
    critical at once when the preliminary answers say so), or None until every domain has a judgement."""
    tool = resolve_tool(tool)
    problems: list[Problem] = []
    judgements: list[Judgement] = []
    for key, value in domain_judgements.items():
        if key not in tool.domain_keys:
            problems.append(unknown_domain(tool, key))
        elif value is not None and value not in tool.judgements:
            allowed = ", ".join(judgement.value for judgement in tool.judgements)
            problems.append(Problem(key, None, f"“{value}” is not a judgement of {tool.key} ({allowed})."))
        elif value is not None:
            judgements.append(Judgement(value))
    if problems:
        raise AnswerError(problems)
    if stops_early(tool, preliminary):
        return tool.stop_judgement
    if len(judgements) < len(tool.domains) or set(domain_judgements) != set(tool.domain_keys):
        return None
    return OVERALL_ALGORITHMS[tool.overall_algorithm](judgements)
