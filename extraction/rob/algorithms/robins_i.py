"""ROBINS-I V2 algorithms (assessment tool for follow-up studies, release of 20 November 2025).

Each function follows the domain's algorithm figure in the cribsheet: domain 1 variant A (analysis
estimating the effect of assignment, p. 20) and variant B (per-protocol effect, p. 24), domain 2 (p. 28),
3 (p. 32), 4 (p. 38), 5 (p. 41) and 6 (p. 47), and the overall table (p. 49). Weak and strong answers
(WN/SN, WY/SY) say how much a problem is likely to matter; several domains are severity ladders where each
answer moves the judgement up by none, one or two steps.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from extraction.rob.algorithms.base import Answers
from extraction.rob.judgements import NO, YES, Judgement, worst

LOW, MODERATE, SERIOUS, CRITICAL = Judgement.LOW, Judgement.MODERATE, Judgement.SERIOUS, Judgement.CRITICAL
SCALE = (LOW, MODERATE, SERIOUS, CRITICAL)
UNCONTROLLED = frozenset({"SN", "NI"})


def _ladder(step: int) -> Judgement:
    return SCALE[min(step, len(SCALE) - 1)]


def confounding_assignment(a: Answers) -> Judgement:
    """Domain 1 variant A. Low here means “low except for concerns about uncontrolled confounding”.
    Controlling for post-intervention variables (1.3) is serious at best; important confounders left
    uncontrolled (1.1 SN/NI) likewise; 1.4 (negative controls suggesting serious confounding) raises both."""
    if a["1.1"] in UNCONTROLLED:
        return CRITICAL if a["1.4"] in YES else SERIOUS
    if a["1.3"] in YES:
        if a["1.4"] in YES:
            return CRITICAL
        return SERIOUS if a["1.2"] in YES else CRITICAL
    return _adjusted(a, control="1.1", measured="1.2", suggests_confounding="1.4")


def confounding_per_protocol(a: Answers) -> Judgement:
    """Domain 1 variant B: without a method for time-varying confounding (1.1 PN/N/NI) the result is
    serious, or critical when post-baseline variables were controlled (1.4) or 1.5 suggests serious
    confounding; with one, as variant A with 1.2 (control) and 1.3 (measurement)."""
    if a["1.1"] not in YES:
        if a["1.4"] in YES:
            return CRITICAL
        return CRITICAL if a["1.5"] in YES else SERIOUS
    return _adjusted(a, control="1.2", measured="1.3", suggests_confounding="1.5")


def _adjusted(a: Answers, *, control: str, measured: str, suggests_confounding: str) -> Judgement:
    """Both variants once the analysis could address confounding: important confounders uncontrolled or
    poorly measured (SN/NI) is serious, as is a sign of serious uncontrolled confounding; low needs full
    control and valid measurement (Y/PY to both), weak answers (WN) make it moderate."""
    controlled = a[control]
    if controlled in UNCONTROLLED:
        return SERIOUS
    validity = a[measured]
    if validity in UNCONTROLLED or a[suggests_confounding] in YES:
        return SERIOUS
    return LOW if controlled in YES and validity in YES else MODERATE


def classification(a: Answers) -> Judgement:
    """Domain 2, a ladder: strategies distinguishable at the start (2.1) or before the events (2.2), or an
    analysis that fully handles it (2.3 SY), start at low; WY/NI one step up, PN/N two. Classification
    influenced by the outcome (2.4) adds one step for WY/NI and two for SY; three steps are critical at
    once. Further classification errors (2.5 Y/PY/NI) add one step."""
    distinguishable = a["2.1"] in YES or a["2.2"] in YES
    step = 0 if distinguishable else {"SY": 0, "WY": 1, "NI": 1}.get(a["2.3"], 2)
    step += {"SY": 2, "WY": 1, "NI": 1}.get(a["2.4"], 0)
    if step >= 3:
        return CRITICAL
    return _ladder(step + (0 if a["2.5"] in NO else 1))


def selection(a: Answers) -> Judgement:
    """Domain 3: part A (follow-up from the start of the strategies, 3.1–3.2) and part B (selection on
    post-intervention characteristics, 3.3–3.5) are judged apart; the worse counts. A serious part is
    moderate when the analysis corrected for it (3.6) or sensitivity analyses show little impact (3.7), and
    critical when it is severe (3.8)."""
    start = a["3.1"]
    if start in YES:
        part_a = MODERATE if a["3.2"] in YES else LOW
    else:
        part_a = SERIOUS if start == "SN" else MODERATE
    judgement = worst((part_a, _selection_after_start(a)), SCALE)
    if judgement is not SERIOUS:
        return judgement
    if a["3.6"] in YES or a["3.7"] in YES:
        return MODERATE
    return CRITICAL if a["3.8"] in YES else SERIOUS


def _selection_after_start(a: Answers) -> Judgement:
    for question in ("3.3", "3.4"):
        answer = a[question]
        if answer in NO:
            return LOW
        if answer == "NI":
            return MODERATE
    return SERIOUS if a["3.5"] in YES else MODERATE


def missing_data(a: Answers) -> Judgement:
    """Domain 4: complete data (4.1–4.3) are low. Otherwise how missing data were handled (complete-case
    4.4–4.6, imputation 4.7–4.9, another method 4.10) sets a step — none for Y/PY, one for WN/NI, two for
    SN — and evidence that the result is not biased (4.11) keeps it there, its absence adds one step."""
    if all(a[q] in YES for q in ("4.1", "4.2", "4.3")):
        return LOW
    if a["4.4"] in NO:
        if a["4.7"] in YES:
            if a["4.8"] not in YES:
                return SERIOUS
            handling = a["4.9"]
        else:
            handling = a["4.10"]
        if handling in YES:
            return LOW
    else:
        if a["4.5"] in NO:
            return LOW
        handling = a["4.6"]
    step = 0 if handling in YES else 2 if handling == "SN" else 1
    return _ladder(step if a["4.11"] in YES else step + 1)


def outcome_measurement(a: Answers) -> Judgement:
    """Domain 5: measurement differing between groups (5.1 Y/PY) is serious; not knowing (5.1 NI) makes
    moderate the best possible. Assessors aware (5.2) whose knowledge could influence the assessment
    (5.3): WY/NI moderate, SY serious. This domain has no critical judgement."""
    differs = a["5.1"]
    if differs in YES:
        return SERIOUS
    best = LOW if differs in NO else MODERATE
    if a["5.2"] in NO:
        return best
    influence = a["5.3"]
    if influence == "SY":
        return SERIOUS
    return best if influence in NO else MODERATE


def reported_result(a: Answers) -> Judgement:
    """Domain 6: reported as pre-specified (6.1) is low; otherwise by how many of 6.2–6.4 (selected from
    outcome measurements, analyses, subgroups) are Y/PY: two or more critical, one serious; no information
    on all three is serious, on some moderate. The bands overlap on “all NI”; the serious band is the more
    specific and applies."""
    if a["6.1"] in YES:
        return LOW
    picks = [a[q] for q in ("6.2", "6.3", "6.4")]
    selected = sum(pick in YES for pick in picks)
    unknown = picks.count("NI")
    if selected >= 2:
        return CRITICAL
    if selected == 1 or unknown == len(picks):
        return SERIOUS
    return MODERATE if unknown else LOW


def overall(judgements: Iterable[Judgement]) -> Judgement:
    """Overall (p. 49): the most severe domain. The tool lets an assessor raise several moderate domains to
    serious, or several serious to critical: an override with a justification, not the algorithm."""
    return worst(judgements, SCALE)


ALGORITHMS: dict[str, Callable[[Answers], Judgement]] = {
    "robins_i_v2.confounding_assignment": confounding_assignment,
    "robins_i_v2.confounding_per_protocol": confounding_per_protocol,
    "robins_i_v2.classification": classification,
    "robins_i_v2.selection": selection,
    "robins_i_v2.missing_data": missing_data,
    "robins_i_v2.outcome_measurement": outcome_measurement,
    "robins_i_v2.reported_result": reported_result,
}
