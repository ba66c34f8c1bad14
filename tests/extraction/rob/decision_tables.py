"""Checking an algorithm against a decision table written from the official guidance.

A table has one column per signalling question, in the tool's order, or one column for a group of
questions the guidance reads together (“2.1/2.2 both N/PN”). A cell for one question is a set of answers
written as the guidance writes them (“Y/PY/NI”), ``ANY`` for every answer the question takes, ``"NA"`` for
a question not asked on that path, or ``"*"`` for no constraint. A cell for a group is a predicate on the
group's answers (``both``, ``either`` or a function). Each row ends with the judgement the guidance gives.

``check_domain`` runs every combination of answers the tool allows (each question answered with every
permitted answer whenever it is asked, NA otherwise) and asserts that exactly one row of each table matches
(so the table is complete and unambiguous) and that the algorithm suggests the guidance's judgement, having
read only questions that are asked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from itertools import product
from typing import Any

from extraction.rob import NOT_APPLICABLE, Judgement, Question, load_tool, trace_domain

ANY = "any"
EVERYTHING = "*"
Row = tuple[Any, ...]
Table = tuple[Sequence[Any], Sequence[Row]]


def both(spec: str) -> Callable[[tuple[str, ...]], bool]:
    """Every question of the group answered within ``spec`` (the guidance's “Both N/PN”, “All N/PN”)."""
    allowed = set(spec.split("/"))
    return lambda answers: all(answer in allowed for answer in answers)


def either(spec: str) -> Callable[[tuple[str, ...]], bool]:
    """At least one question of the group answered within ``spec`` (the guidance's “Either Y/PY/NI”)."""
    allowed = set(spec.split("/"))
    return lambda answers: any(answer in allowed for answer in answers)


def answer_space(questions: Sequence[Question]) -> Iterator[tuple[dict[str, str], frozenset[str]]]:
    """Every combination of answers, with the questions asked: each asked question takes each answer it
    allows (and NA when the guidance asks it only if applicable); a question not asked is NA."""

    def walk(
        index: int, answers: dict[str, str], asked: frozenset[str]
    ) -> Iterator[tuple[dict[str, str], frozenset[str]]]:
        if index == len(questions):
            yield dict(answers), asked
            return
        question = questions[index]
        if question.asked_if is None or question.asked_if.holds(answers):
            options, asked = (
                list(question.answers) + ([NOT_APPLICABLE] if question.optional else []),
                asked | {question.id},
            )
        else:
            options = [NOT_APPLICABLE]
        for option in options:
            answers[question.id] = option
            yield from walk(index + 1, answers, asked)
        del answers[question.id]

    return walk(0, {}, frozenset())


def _matcher(column: Any, cell: Any, questions: dict[str, Question]) -> Callable[[dict[str, str]], bool]:
    if isinstance(column, tuple):
        return lambda answers: cell(tuple(answers[q] for q in column))
    if cell == EVERYTHING:
        return lambda answers: True
    allowed = set(questions[column].answers) if cell == ANY else set(cell.split("/"))
    return lambda answers: answers[column] in allowed


def _compiled(table: Table, questions: dict[str, Question]) -> list[tuple[list[Callable], Any]]:
    columns, rows = table
    compiled = []
    for row in rows:
        assert len(row) == len(columns) + 1, f"row {row} does not fit columns {columns}"
        compiled.append(
            ([_matcher(col, cell, questions) for col, cell in zip(columns, row, strict=False)], row[-1])
        )
    return compiled


def _flatten(columns: Sequence[Any]) -> list[str]:
    return [q for column in columns for q in (column if isinstance(column, tuple) else (column,))]


def check_domain(
    tool_key: str,
    domain: str,
    tables: Sequence[Table],
    combine: Callable[..., Judgement] | None = None,
    *,
    preliminary: dict[str, str] | None = None,
) -> int:
    """Assert the algorithm agrees with the tables on every combination; returns how many were checked.
    Several tables (the parts of RoB 2 domain 2, the panels of ROBINS-I V2 domain 3) are combined by
    ``combine``, written from the guidance's rule for combining them."""
    tool = load_tool(tool_key)
    questions = tool.domain(domain).questions_for(preliminary)
    by_id = {question.id: question for question in questions}
    assert [c for table in tables for c in _flatten(table[0])] == list(by_id), (
        "the tables must cover every question, in order"
    )
    compiled = [_compiled(table, by_id) for table in tables]
    checked = 0
    for answers, asked in answer_space(questions):
        parts = []
        for rows in compiled:
            matches = [result for matchers, result in rows if all(match(answers) for match in matchers)]
            assert len(matches) == 1, f"{answers} matches {len(matches)} rows of a table"
            parts.append(matches[0])
        expected = combine(*parts) if combine else parts[0]
        suggestion = trace_domain(tool, domain, answers, preliminary=preliminary)
        assert suggestion.judgement == expected, (
            f"{tool_key} {domain} {answers}: {suggestion.judgement} != {expected}"
        )
        assert set(suggestion.path) <= asked, f"{answers}: the algorithm read a question not asked"
        checked += 1
    return checked


def check_overall(
    tool_key: str, criteria: Sequence[tuple[str, Callable[[list[Judgement]], bool], Judgement]]
) -> None:
    """Every combination of domain judgements meets exactly one of the guidance's criteria, and the
    overall suggestion is that criterion's judgement."""
    from extraction.rob import suggest_overall

    tool = load_tool(tool_key)
    for combination in product(tool.judgements, repeat=len(tool.domains)):
        met = [result for _, test, result in criteria if test(list(combination))]
        assert len(met) == 1, f"{combination} meets {len(met)} criteria"
        assert suggest_overall(tool, dict(zip(tool.domain_keys, combination, strict=True))) == met[0]
