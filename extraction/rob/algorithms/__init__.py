"""The official algorithms, by the names tool files use for them."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from extraction.rob.algorithms import rob2, robins_i
from extraction.rob.algorithms.base import Answers, Unanswered
from extraction.rob.judgements import Judgement

DOMAIN_ALGORITHMS: dict[str, Callable[[Answers], Judgement]] = {**rob2.ALGORITHMS, **robins_i.ALGORITHMS}
OVERALL_ALGORITHMS: dict[str, Callable[[Iterable[Judgement]], Judgement]] = {
    "rob2.overall": rob2.overall,
    "robins_i_v2.overall": robins_i.overall,
}

__all__ = ["DOMAIN_ALGORITHMS", "OVERALL_ALGORITHMS", "Answers", "Unanswered"]
