"""Judging whole assessments made elsewhere (imports of legacy assessments, checks of the algorithm).

An assessment is ``{"D1": {"1.1": "Y", ...}, "D2": {...}, ...}`` with the tool's domain keys, optionally an
``"id"`` (echoed back and used in messages) and, for ROBINS-I V2, ``"preliminary"`` answers. The result
has the same shape: each given domain's suggested judgement (None while an answer it needs is missing), and
``"overall"`` once every domain of the tool is given.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from extraction.rob.answers import AnswerError, answer_problems, resolve_tool
from extraction.rob.model import PRELIMINARY, Tool
from extraction.rob.suggest import stops_early, suggest_domain, suggest_overall

IDENTIFIER = "id"


class AssessmentError(ValueError):
    """Assessments that break the tool's rules: one line per problem, naming assessment, domain and
    question."""


def judge_assessment(tool: Tool | str, assessment: Mapping[str, Any]) -> dict[str, Any]:
    """Suggested judgements for one assessment. Raises AnswerError if its answers break the tool's rules."""
    tool = resolve_tool(tool)
    answers = {key: value for key, value in assessment.items() if key != IDENTIFIER}
    problems = answer_problems(tool, answers)
    if problems:
        raise AnswerError(problems)
    preliminary = answers.get(PRELIMINARY)
    result: dict[str, Any] = {IDENTIFIER: assessment[IDENTIFIER]} if IDENTIFIER in assessment else {}
    for domain in tool.domains:
        if domain.key in answers:
            judgement = suggest_domain(tool, domain.key, answers[domain.key], preliminary=preliminary)
            result[domain.key] = judgement.value if judgement else None
    if set(tool.domain_keys) <= set(result) or stops_early(tool, preliminary):
        judgements = {key: result[key] for key in tool.domain_keys if key in result}
        overall = suggest_overall(tool, judgements, preliminary=preliminary)
        result["overall"] = overall.value if overall else None
    return result


def judge_assessments(tool: Tool | str, data: Any) -> dict[str, Any] | list[dict[str, Any]]:
    """Judge one assessment (an object) or several (a list), keeping the shape. Raises AssessmentError
    listing the problems of every assessment, each named by its position and its id."""
    tool = resolve_tool(tool)
    single = isinstance(data, Mapping)
    assessments = [data] if single else data
    if not isinstance(assessments, list):
        raise AssessmentError("Expected one assessment (a JSON object) or a list of them.")
    results: list[dict[str, Any]] = []
    errors: list[str] = []
    for position, assessment in enumerate(assessments, start=1):
        name = _name(assessment, None if single else position)
        if not isinstance(assessment, Mapping):
            errors.append(f"{name}: expected an object with a key per domain.")
            continue
        try:
            results.append(judge_assessment(tool, assessment))
        except AnswerError as error:
            errors += [f"{name}: {problem}" for problem in error.problems]
    if errors:
        raise AssessmentError("\n".join(errors))
    return results[0] if single else results


def _name(assessment: Any, position: int | None) -> str:
    name = "The assessment" if position is None else f"Assessment {position}"
    if isinstance(assessment, Mapping) and IDENTIFIER in assessment:
        name += f" (“{assessment[IDENTIFIER]}”)"
    return name
