"""When a signalling question is asked, as data.

The guidance states these as “If Y/PY/NI to 2.1 or 2.2: …” (RoB 2 guidance 2019, each domain's table of
signalling questions). A tool file writes the same thing as
``{"any": [{"question": "2.1", "in": ["Y", "PY", "NI"]}, {"question": "2.2", "in": ["Y", "PY", "NI"]}]}``;
``{"all": [...]}`` joins conditions with “and”. A condition only reads questions asked before it, whose
answers have already been set to NA when they do not apply, so “2.4 if Y/PY to 2.3” is false whenever 2.3
itself was not asked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Condition:
    """One test (``question`` in ``values``) or a combination of conditions (``any``/``all``)."""

    question: str | None = None
    values: frozenset[str] = frozenset()
    any_of: tuple[Condition, ...] = ()
    all_of: tuple[Condition, ...] = ()

    def holds(self, answers: Mapping[str, str]) -> bool:
        if self.question is not None:
            return answers.get(self.question) in self.values
        if self.any_of:
            return any(part.holds(answers) for part in self.any_of)
        return all(part.holds(answers) for part in self.all_of)

    def questions(self) -> set[str]:
        """Every question the condition reads."""
        if self.question is not None:
            return {self.question}
        return set().union(*(part.questions() for part in self.any_of + self.all_of))

    def describe(self) -> str:
        """In the guidance's words: “2.1 is Y/PY/NI or 2.2 is Y/PY/NI”."""
        if self.question is not None:
            return f"{self.question} is {'/'.join(_ordered(self.values))}"
        if self.any_of:
            return " or ".join(part.describe() for part in self.any_of)
        return " and ".join(part.describe() for part in self.all_of)

    def tests(self) -> list[tuple[str, frozenset[str]]]:
        """Every (question, answers) test, for checking the answers are ones the question allows."""
        if self.question is not None:
            return [(self.question, self.values)]
        return [test for part in self.any_of + self.all_of for test in part.tests()]


_ORDER = ("Y", "PY", "SY", "WY", "WN", "SN", "N", "PN", "NI", "NA")


def _ordered(values: frozenset[str]) -> list[str]:
    return sorted(values, key=lambda value: _ORDER.index(value) if value in _ORDER else len(_ORDER))


def parse_condition(data: Any, where: str, errors: list[str]) -> Condition | None:
    """A Condition from its JSON form, or None with the problems appended to ``errors``."""
    if not isinstance(data, dict):
        errors.append(f"{where}: a condition is an object with “question” and “in”, or “any”/“all”.")
        return None
    if set(data) == {"question", "in"}:
        values = data["in"]
        if not isinstance(data["question"], str) or not isinstance(values, list) or not values:
            errors.append(f"{where}: “question” must name a question and “in” list its answers.")
            return None
        return Condition(question=data["question"], values=frozenset(values))
    if len(data) == 1 and next(iter(data)) in ("any", "all"):
        combinator, parts = next(iter(data.items()))
        if not isinstance(parts, list) or len(parts) < 2:
            errors.append(f"{where}.{combinator}: must list at least two conditions.")
            return None
        parsed = [parse_condition(part, f"{where}.{combinator}[{i}]", errors) for i, part in enumerate(parts)]
        if None in parsed:
            return None
        if combinator == "any":
            return Condition(any_of=tuple(parsed))
        return Condition(all_of=tuple(parsed))
    errors.append(f"{where}: expected {{“question”, “in”}}, {{“any”: […]}} or {{“all”: […]}}.")
    return None
