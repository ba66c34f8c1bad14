"""What every domain algorithm reads: the answers of one domain, noting which questions it consulted."""

from __future__ import annotations

from collections.abc import Mapping


class Unanswered(LookupError):
    """The algorithm needs an answer that has not been given yet: no judgement can be suggested."""

    def __init__(self, question: str) -> None:
        super().__init__(question)
        self.question = question


class Answers:
    """Read-only answers of one domain. Reading a missing answer raises Unanswered; every read is
    recorded, in order, so a suggestion can show the path the algorithm took."""

    def __init__(self, values: Mapping[str, str]) -> None:
        self._values = dict(values)
        self.read: list[str] = []

    def __getitem__(self, question: str) -> str:
        value = self._values.get(question)
        if value is None:
            raise Unanswered(question)
        if question not in self.read:
            self.read.append(question)
        return value
