"""ROBINS-I V2 against its decision tables.

Rows are transcribed from the algorithm figures of the ROBINS-I V2 assessment tool for follow-up studies
(release of 20 November 2025, riskofbias.info): domain 1 variant A (cribsheet p. 20) and variant B (p. 24),
domain 2 (p. 28), 3 (p. 32), 4 (p. 38), 5 (p. 41), 6 (p. 47), and the overall judgement (p. 49). Domain 1's
best judgement, “low risk of bias except for concerns about uncontrolled confounding”, is ``low`` here.
"""

from __future__ import annotations

from extraction.rob import Judgement, suggest_overall
from tests.extraction.rob.decision_tables import ANY, EVERYTHING, both, check_domain, check_overall, either

LOW, MODERATE, SERIOUS, CRITICAL = Judgement.LOW, Judgement.MODERATE, Judgement.SERIOUS, Judgement.CRITICAL
SEVERITY = {LOW: 0, MODERATE: 1, SERIOUS: 2, CRITICAL: 3}

# Domain 1 variant A (analysis estimating the effect of assignment), figure on p. 20.
# 1.1 confounders controlled; 1.2 measured validly; 1.3 post-intervention variables controlled; 1.4 negative
# controls etc. suggest serious uncontrolled confounding.
DOMAIN_1_A = (
    ("1.1", "1.2", "1.3", "1.4"),
    (
        ("Y/PY", "Y/PY", "N/PN/NI", "N/PN", LOW),
        ("Y/PY", "Y/PY", "N/PN/NI", "Y/PY", SERIOUS),
        ("Y/PY", "WN", "N/PN/NI", "N/PN", MODERATE),
        ("Y/PY", "WN", "N/PN/NI", "Y/PY", SERIOUS),
        ("WN", "Y/PY/WN", "N/PN/NI", "N/PN", MODERATE),
        ("WN", "Y/PY/WN", "N/PN/NI", "Y/PY", SERIOUS),
        ("Y/PY/WN", "SN/NI", "N/PN/NI", ANY, SERIOUS),
        ("Y/PY/WN", ANY, "Y/PY", "Y/PY", CRITICAL),
        ("Y/PY/WN", "Y/PY", "Y/PY", "N/PN", SERIOUS),
        ("Y/PY/WN", "WN/SN/NI", "Y/PY", "N/PN", CRITICAL),
        ("SN/NI", "NA", "NA", "N/PN", SERIOUS),
        ("SN/NI", "NA", "NA", "Y/PY", CRITICAL),
    ),
)

# Domain 1 variant B (per-protocol effect), figure on p. 24. 1.1 method for time-varying confounding;
# 1.2 confounders controlled; 1.3 measured validly; 1.4 post-baseline variables controlled; 1.5 as 1.4 in A.
DOMAIN_1_B = (
    ("1.1", "1.2", "1.3", "1.4", "1.5"),
    (
        ("Y/PY", "Y/PY", "Y/PY", "NA", "N/PN", LOW),
        ("Y/PY", "Y/PY", "Y/PY", "NA", "Y/PY", SERIOUS),
        ("Y/PY", "Y/PY", "WN", "NA", "N/PN", MODERATE),
        ("Y/PY", "Y/PY", "WN", "NA", "Y/PY", SERIOUS),
        ("Y/PY", "WN", "Y/PY/WN", "NA", "N/PN", MODERATE),
        ("Y/PY", "WN", "Y/PY/WN", "NA", "Y/PY", SERIOUS),
        ("Y/PY", "Y/PY/WN", "SN/NI", "NA", ANY, SERIOUS),
        ("Y/PY", "SN/NI", "NA", "NA", ANY, SERIOUS),
        ("N/PN/NI", "NA", "NA", "Y/PY", ANY, CRITICAL),
        ("N/PN/NI", "NA", "NA", "N/PN/NI", "N/PN", SERIOUS),
        ("N/PN/NI", "NA", "NA", "N/PN/NI", "Y/PY", CRITICAL),
    ),
)


def distinguishable(answers: tuple[str, ...]) -> bool:
    """Domain 2 top track: strategies distinguishable at the start (2.1) or before the events (2.2), or an
    analysis that fully avoids the problem (2.3 SY)."""
    at_start, before_events, analysis = answers
    return at_start in {"Y", "PY"} or before_events in {"Y", "PY"} or analysis == "SY"


def partly_handled(answers: tuple[str, ...]) -> bool:
    return answers[2] in {"WY", "NI"}


def not_handled(answers: tuple[str, ...]) -> bool:
    return answers[2] in {"N", "PN"}


# Domain 2 (classification of interventions), figure on p. 28: three tracks through 2.4 and 2.5.
DOMAIN_2 = (
    (("2.1", "2.2", "2.3"), "2.4", "2.5"),
    (
        (distinguishable, "N/PN", "N/PN", LOW),
        (distinguishable, "N/PN", "Y/PY/NI", MODERATE),
        (distinguishable, "WY/NI", "N/PN", MODERATE),
        (distinguishable, "WY/NI", "Y/PY/NI", SERIOUS),
        (distinguishable, "SY", "N/PN", SERIOUS),
        (distinguishable, "SY", "Y/PY/NI", CRITICAL),
        (partly_handled, "N/PN", "N/PN", MODERATE),
        (partly_handled, "N/PN", "Y/PY/NI", SERIOUS),
        (partly_handled, "WY/NI", "N/PN", SERIOUS),
        (partly_handled, "WY/NI", "Y/PY/NI", CRITICAL),
        (partly_handled, "SY", ANY, CRITICAL),
        (not_handled, "N/PN", "N/PN", SERIOUS),
        (not_handled, "N/PN", "Y/PY/NI", CRITICAL),
        (not_handled, "WY/NI/SY", ANY, CRITICAL),
    ),
)

# Domain 3 (selection of participants), figure on p. 32: part A (3.1–3.2) and part B (3.3–3.5) judged
# separately; when the worse is serious, 3.6–3.8 decide (otherwise they are not asked).
DOMAIN_3_A = (
    ("3.1", "3.2"),
    (
        ("Y/PY", "N/PN/NI", LOW),
        ("Y/PY", "Y/PY", MODERATE),
        ("WN/NI", "NA", MODERATE),
        ("SN", "NA", SERIOUS),
    ),
)
DOMAIN_3_B = (
    ("3.3", "3.4", "3.5"),
    (
        ("N/PN", "NA", "NA", LOW),
        ("NI", "NA", "NA", MODERATE),
        ("Y/PY", "N/PN", "NA", LOW),
        ("Y/PY", "NI", "NA", MODERATE),
        ("Y/PY", "Y/PY", "N/PN/NI", MODERATE),
        ("Y/PY", "Y/PY", "Y/PY", SERIOUS),
    ),
)
NOT_ENTERED = None
DOMAIN_3_C = (
    ("3.6", "3.7", "3.8"),
    (
        ("NA", "NA", "NA", NOT_ENTERED),
        ("Y/PY", "NA", "NA", MODERATE),
        ("N/PN/NI", "Y/PY", "NA", MODERATE),
        ("N/PN/NI", "N/PN/NI", "N/PN/NI", SERIOUS),
        ("N/PN/NI", "N/PN/NI", "Y/PY", CRITICAL),
    ),
)


def domain_3(part_a: Judgement, part_b: Judgement, part_c: Judgement | None) -> Judgement:
    worse = max(part_a, part_b, key=SEVERITY.get)
    if worse is SERIOUS:
        assert part_c is not NOT_ENTERED
        return part_c
    assert part_c is NOT_ENTERED
    return worse


# Domain 4 (missing data), figure on p. 38. Columns after the first: 4.4 complete-case analysis, 4.5
# exclusion related to the outcome, 4.6 explained by the model, 4.7 imputation, 4.8 MAR reasonable, 4.9
# imputation appropriate, 4.10 other appropriate method, 4.11 evidence of no bias.
_ = "NA"
INCOMPLETE = either("N/PN/NI")
DOMAIN_4 = (
    (("4.1", "4.2", "4.3"), "4.4", "4.5", "4.6", "4.7", "4.8", "4.9", "4.10", "4.11"),
    (
        (both("Y/PY"), _, _, _, _, _, _, _, _, LOW),
        # complete-case analysis
        (INCOMPLETE, "Y/PY/NI", "N/PN", _, _, _, _, _, _, LOW),
        (INCOMPLETE, "Y/PY/NI", "Y/PY/NI", "Y/PY", _, _, _, _, "Y/PY", LOW),
        (INCOMPLETE, "Y/PY/NI", "Y/PY/NI", "Y/PY", _, _, _, _, "N/PN", MODERATE),
        (INCOMPLETE, "Y/PY/NI", "Y/PY/NI", "WN/NI", _, _, _, _, "Y/PY", MODERATE),
        (INCOMPLETE, "Y/PY/NI", "Y/PY/NI", "WN/NI", _, _, _, _, "N/PN", SERIOUS),
        (INCOMPLETE, "Y/PY/NI", "Y/PY/NI", "SN", _, _, _, _, "Y/PY", SERIOUS),
        (INCOMPLETE, "Y/PY/NI", "Y/PY/NI", "SN", _, _, _, _, "N/PN", CRITICAL),
        # imputation
        (INCOMPLETE, "N/PN", _, _, "Y/PY", "N/PN/NI", _, _, _, SERIOUS),
        (INCOMPLETE, "N/PN", _, _, "Y/PY", "Y/PY", "Y/PY", _, _, LOW),
        (INCOMPLETE, "N/PN", _, _, "Y/PY", "Y/PY", "WN/NI", _, "Y/PY", MODERATE),
        (INCOMPLETE, "N/PN", _, _, "Y/PY", "Y/PY", "WN/NI", _, "N/PN", SERIOUS),
        (INCOMPLETE, "N/PN", _, _, "Y/PY", "Y/PY", "SN", _, "Y/PY", SERIOUS),
        (INCOMPLETE, "N/PN", _, _, "Y/PY", "Y/PY", "SN", _, "N/PN", CRITICAL),
        # another method
        (INCOMPLETE, "N/PN", _, _, "N/PN/NI", _, _, "Y/PY", _, LOW),
        (INCOMPLETE, "N/PN", _, _, "N/PN/NI", _, _, "WN/NI", "Y/PY", MODERATE),
        (INCOMPLETE, "N/PN", _, _, "N/PN/NI", _, _, "WN/NI", "N/PN", SERIOUS),
        (INCOMPLETE, "N/PN", _, _, "N/PN/NI", _, _, "SN", "Y/PY", SERIOUS),
        (INCOMPLETE, "N/PN", _, _, "N/PN/NI", _, _, "SN", "N/PN", CRITICAL),
    ),
)

# Domain 5 (measurement of the outcome), figure on p. 41: no critical judgement; 5.1 NI makes moderate
# the best possible.
DOMAIN_5 = (
    ("5.1", "5.2", "5.3"),
    (
        ("Y/PY", ANY, EVERYTHING, SERIOUS),
        ("N/PN", "N/PN", "NA", LOW),
        ("N/PN", "Y/PY/NI", "N/PN", LOW),
        ("N/PN", "Y/PY/NI", "WY/NI", MODERATE),
        ("N/PN", "Y/PY/NI", "SY", SERIOUS),
        ("NI", "N/PN", "NA", MODERATE),
        ("NI", "Y/PY/NI", "WY/PN/N/NI", MODERATE),
        ("NI", "Y/PY/NI", "SY", SERIOUS),
    ),
)


def selected(answers: tuple[str, ...]) -> int:
    return sum(answer in {"Y", "PY"} for answer in answers)


# Domain 6 (selection of the reported result), p. 47, by bands over 6.2–6.4. “All NI” fits both the
# moderate band (at least one NI, none Y/PY) and the serious one (one Y/PY, or all NI): the serious band is
# the more specific and is the one that applies.
DOMAIN_6 = (
    ("6.1", ("6.2", "6.3", "6.4")),
    (
        ("Y/PY", both("NA"), LOW),
        ("N/PN/NI", both("N/PN"), LOW),
        ("N/PN/NI", lambda a: selected(a) == 0 and 0 < a.count("NI") < 3, MODERATE),
        ("N/PN/NI", lambda a: selected(a) == 1 or a.count("NI") == 3, SERIOUS),
        ("N/PN/NI", lambda a: selected(a) >= 2, CRITICAL),
    ),
)


def test_domain_1_variant_a_effect_of_assignment():
    # C4 = N (or not given): the analysis did not account for switches between strategies.
    assert check_domain("robins-i", "D1", [DOMAIN_1_A], preliminary={"C4": "N"}) > 100
    assert check_domain("robins-i", "D1", [DOMAIN_1_A]) > 100


def test_domain_1_variant_b_per_protocol_effect():
    assert check_domain("robins-i", "D1", [DOMAIN_1_B], preliminary={"C4": "Y"}) > 100


def test_domain_2_classification_of_interventions():
    assert check_domain("robins-i", "D2", [DOMAIN_2]) > 200


def test_domain_3_selection_of_participants():
    assert check_domain("robins-i", "D3", [DOMAIN_3_A, DOMAIN_3_B, DOMAIN_3_C], domain_3) > 1000


def test_domain_4_missing_data():
    assert check_domain("robins-i", "D4", [DOMAIN_4]) > 10_000


def test_domain_5_measurement_of_the_outcome():
    assert check_domain("robins-i", "D5", [DOMAIN_5]) > 50


def test_domain_6_selection_of_the_reported_result():
    assert check_domain("robins-i", "D6", [DOMAIN_6]) == 2 + 3 * 5**3


def test_overall_is_the_most_severe_domain():
    """p. 49: low if low in all domains; moderate if low or moderate in all, moderate in at least one;
    serious if serious in at least one but critical in none; critical if critical in at least one."""
    check_overall(
        "robins-i",
        (
            ("low in all domains", lambda js: set(js) == {LOW}, LOW),
            ("moderate at worst", lambda js: MODERATE in js and set(js) <= {LOW, MODERATE}, MODERATE),
            ("serious in one, critical in none", lambda js: SERIOUS in js and CRITICAL not in js, SERIOUS),
            ("critical in at least one", lambda js: CRITICAL in js, CRITICAL),
        ),
    )


def test_section_b_makes_the_result_critical_without_domains():
    """Section B: an unadjusted result that should not be considered further (B2), or an inappropriate
    outcome measure (B3), is critical; otherwise the domains are needed."""
    assert suggest_overall("robins-i", {}, preliminary={"B1": "N", "B2": "PY"}) is CRITICAL
    assert suggest_overall("robins-i", {}, preliminary={"B1": "Y", "B3": "Y"}) is CRITICAL
    assert suggest_overall("robins-i", {}, preliminary={"B1": "N", "B2": "N", "B3": "PN"}) is None
    assert suggest_overall("robins-i", {"D1": "low"}, preliminary={"B1": "Y", "B3": "N"}) is None
