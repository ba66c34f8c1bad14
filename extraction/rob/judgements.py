"""Judgements and answer codes shared by every risk-of-bias tool.

RoB 2 (guidance of 22 August 2019) judges each domain and the result Low, Some concerns or High; ROBINS-I V2
(20 November 2025) judges Low, Moderate, Serious or Critical. Signalling questions are answered Y, PY, PN, N
or NI; ROBINS-I V2 adds weak and strong forms (WN, SN, WY, SY) to some questions. NA marks a question that
does not apply.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class Judgement(StrEnum):
    LOW = "low"
    SOME_CONCERNS = "some_concerns"
    HIGH = "high"
    MODERATE = "moderate"
    SERIOUS = "serious"
    CRITICAL = "critical"
    NO_INFORMATION = "no_information"

    @property
    def label(self) -> str:
        """The full words robvis reads (it drops single letters)."""
        return _LABELS[self]


_LABELS = {
    Judgement.LOW: "Low",
    Judgement.SOME_CONCERNS: "Some concerns",
    Judgement.HIGH: "High",
    Judgement.MODERATE: "Moderate",
    Judgement.SERIOUS: "Serious",
    Judgement.CRITICAL: "Critical",
    Judgement.NO_INFORMATION: "No information",
}

NOT_APPLICABLE = "NA"
ANSWER_LABELS = {
    "Y": "Yes",
    "PY": "Probably yes",
    "PN": "Probably no",
    "N": "No",
    "NI": "No information",
    "WN": "No, but not substantially (weak no)",
    "SN": "No, substantially (strong no)",
    "WY": "Yes, but not substantially (weak yes)",
    "SY": "Yes, substantially (strong yes)",
    NOT_APPLICABLE: "Not applicable",
}
# The direction of an answer: Y and PY differ in wording, not in what they say about bias.
YES = frozenset({"Y", "PY"})
NO = frozenset({"N", "PN"})


def worst(judgements: Iterable[Judgement], scale: tuple[Judgement, ...]) -> Judgement:
    """The most severe judgement, severity being the position on the tool's scale (low first)."""
    return max(judgements, key=scale.index)
