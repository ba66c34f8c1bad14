"""RoB 2 algorithms: individually randomised parallel-group trials, and the crossover and cluster versions.

Each function follows the guidance's algorithm figure for its domain and the table mapping signalling
questions to judgements (RoB 2 guidance of 22 August 2019: Table 4 domain 1, Table 6 domain 2 effect of
assignment, Table 8 domain 2 effect of adhering, Table 10 domain 3, Table 12 domain 4, Table 14 domain 5,
each with its “Algorithm for suggested judgement” figure). The crossover version (18 March 2021) adds
domain S and question 5.4; the cluster version (18 March 2021) adds domain 1b and splits a few questions
(2.1a/2.1b, 3.1a/3.1b, 4.3a/4.3b) without changing the shape of the algorithms.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial

from extraction.rob.algorithms.base import Answers
from extraction.rob.judgements import NO, NOT_APPLICABLE, YES, Judgement, worst

LOW, SOME, HIGH = Judgement.LOW, Judgement.SOME_CONCERNS, Judgement.HIGH
SCALE = (LOW, SOME, HIGH)


def randomisation(
    a: Answers, *, random: str = "1.1", concealed: str = "1.2", baseline: str = "1.3"
) -> Judgement:
    """Domain 1 (Table 4): concealment decides first; a non-random but concealed sequence, or baseline
    imbalance suggesting a problem, gives some concerns."""
    concealment = a[concealed]
    if concealment in NO:
        return HIGH
    if concealment == "NI":
        return HIGH if a[baseline] in YES else SOME
    if a[random] in NO:
        return SOME
    return SOME if a[baseline] in YES else LOW


def _aware_individual(a: Answers) -> bool:
    """2.1 or 2.2 Y/PY/NI: participants or those delivering the interventions knew the assignment."""
    return any(a[q] not in NO for q in ("2.1", "2.2"))


def _aware_cluster(a: Answers) -> bool:
    """Cluster trials: participants can only know their assignment (2.1b) if they know they are in a trial
    (2.1a); carers and deliverers (2.2) as for individually randomised trials."""
    participants = a["2.1a"] not in NO and a["2.1b"] not in NO
    return participants or a["2.2"] not in NO


def _trial_context(a: Answers) -> Judgement:
    """Domain 2 part 1, questions 2.3–2.5, once someone was aware of the assignment."""
    deviations = a["2.3"]
    if deviations in NO:
        return LOW
    if deviations == "NI":
        return SOME
    if a["2.4"] in NO:
        return SOME
    return SOME if a["2.5"] in YES else HIGH


def _itt_analysis(a: Answers) -> Judgement:
    """Domain 2 part 2, questions 2.6–2.7: was the analysis appropriate for the effect of assignment?"""
    if a["2.6"] in YES:
        return LOW
    return SOME if a["2.7"] in NO else HIGH


def _deviations_assignment(a: Answers, *, aware: Callable[[Answers], bool]) -> Judgement:
    """Domain 2, effect of assignment (Table 6): low only if both parts are low, high if either is high."""
    part1 = _trial_context(a) if aware(a) else LOW
    return worst((part1, _itt_analysis(a)), SCALE)


def deviations_adhering(a: Answers) -> Judgement:
    """Domain 2, effect of adhering (Table 8). 2.3–2.5 may be NA when the review does not address that
    kind of deviation; the figure routes NA with the answers that raise no concern."""
    if _aware_individual(a) and a["2.3"] in {"N", "PN", "NI"}:
        return _adhering_analysis(a)
    if all(a[q] in NO | {NOT_APPLICABLE} for q in ("2.4", "2.5")):
        return LOW
    return _adhering_analysis(a)


def _adhering_analysis(a: Answers) -> Judgement:
    return SOME if a["2.6"] in YES else HIGH


def _missing_outcome_data(a: Answers, *, complete: tuple[str, ...]) -> Judgement:
    """Domain 3 (Table 10). The cluster version asks 3.1 for clusters (3.1a) and participants (3.1b)."""
    if all(a[q] in YES for q in complete):
        return LOW
    if a["3.2"] in YES or a["3.3"] in NO:
        return LOW
    return SOME if a["3.4"] in NO else HIGH


def _measurement(a: Answers, *, aware: tuple[str, ...]) -> Judgement:
    """Domain 4 (Table 12). When 4.2 is NI the best this domain can be is some concerns. The cluster
    version first asks whether assessors knew a trial was under way (4.3a)."""
    if a["4.1"] in YES or a["4.2"] in YES:
        return HIGH
    best = LOW if a["4.2"] in NO else SOME
    if any(a[q] in NO for q in aware) or a["4.4"] in NO:
        return best
    return SOME if a["4.5"] in NO else HIGH


def _reported_result(a: Answers, *, selection: tuple[str, ...]) -> Judgement:
    """Domain 5 (Table 14): any result selected on the basis of the results is high; when none was,
    a pre-specified plan (5.1) makes it low. The crossover version adds 5.4 to the selection questions."""
    picks = [a[q] for q in selection]
    if any(pick in YES for pick in picks):
        return HIGH
    if all(pick in NO for pick in picks):
        return LOW if a["5.1"] in YES else SOME
    return SOME


def period_carryover(a: Answers) -> Judgement:
    """Crossover domain S: carry-over not given time to disappear (S.3 N/PN) is high; low needs enough
    time (S.3 Y/PY) and period effects dealt with (balanced sequences S.1, or accounted for S.2)."""
    carryover = a["S.3"]
    if carryover in NO:
        return HIGH
    period_effects_handled = a["S.1"] in YES or a["S.2"] in YES
    return LOW if carryover in YES and period_effects_handled else SOME


def recruitment_timing(a: Answers) -> Judgement:
    """Cluster domain 1b: identification or recruitment of participants after clusters were randomised."""
    if a["1b.1"] in YES:
        return LOW
    selection = a["1b.2"]
    if selection in YES:
        return HIGH
    imbalance = a["1b.3"] in YES
    if selection in NO:
        return SOME if imbalance else LOW
    return HIGH if imbalance else SOME


def overall(judgements: Iterable[Judgement]) -> Judgement:
    """Overall (guidance “Reaching an overall risk-of-bias judgement”): low if every domain is low, high if
    any is high, some concerns otherwise. The guidance lets an assessor judge high when several domains
    have some concerns: that is an override with a justification, not part of the algorithm."""
    return worst(judgements, SCALE)


deviations_assignment = partial(_deviations_assignment, aware=_aware_individual)
missing_outcome_data = partial(_missing_outcome_data, complete=("3.1",))
measurement = partial(_measurement, aware=("4.3",))
reported_result = partial(_reported_result, selection=("5.2", "5.3"))

ALGORITHMS: dict[str, Callable[[Answers], Judgement]] = {
    "rob2.randomisation": randomisation,
    "rob2.deviations_assignment": deviations_assignment,
    "rob2.deviations_adhering": deviations_adhering,
    "rob2.missing_outcome_data": missing_outcome_data,
    "rob2.measurement": measurement,
    "rob2.reported_result": reported_result,
    "rob2_crossover.period_carryover": period_carryover,
    "rob2_crossover.reported_result": partial(_reported_result, selection=("5.2", "5.3", "5.4")),
    "rob2_cluster.randomisation": partial(randomisation, random="1a.1", concealed="1a.2", baseline="1a.3"),
    "rob2_cluster.recruitment_timing": recruitment_timing,
    "rob2_cluster.deviations_assignment": partial(_deviations_assignment, aware=_aware_cluster),
    "rob2_cluster.missing_outcome_data": partial(_missing_outcome_data, complete=("3.1a", "3.1b")),
    "rob2_cluster.measurement": partial(_measurement, aware=("4.3a", "4.3b")),
}
