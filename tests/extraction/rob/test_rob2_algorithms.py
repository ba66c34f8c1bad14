"""RoB 2 (individually randomised parallel-group trials) against the official decision tables.

Every row below is transcribed from the RoB 2 guidance of 22 August 2019 (Higgins, Savović, Page, Sterne;
riskofbias.info): for each domain, the table mapping signalling questions to suggested judgements and the
“Algorithm for suggested judgement of risk of bias …” figure, which say the same thing. The checks run
every combination of answers the tool allows, so every path of every algorithm is exercised.
"""

from __future__ import annotations

import pytest

from extraction.rob import Judgement
from tests.extraction.rob.decision_tables import ANY, both, check_domain, check_overall, either

LOW, SOME, HIGH = Judgement.LOW, Judgement.SOME_CONCERNS, Judgement.HIGH

# RoB 2 guidance 2019, Table 4 / domain 1 algorithm figure (bias arising from the randomization process).
# 1.2 allocation concealed; 1.1 sequence random; 1.3 baseline differences suggest a problem.
DOMAIN_1 = (
    ("1.1", "1.2", "1.3"),
    (
        ("Y/PY/NI", "Y/PY", "N/PN/NI", LOW),
        ("Y/PY/NI", "Y/PY", "Y/PY", SOME),
        ("N/PN", "Y/PY", ANY, SOME),
        (ANY, "NI", "N/PN/NI", SOME),
        (ANY, "NI", "Y/PY", HIGH),
        (ANY, "N/PN", ANY, HIGH),
    ),
)

# RoB 2 guidance 2019, Table 6 / domain 2 algorithm figure, effect of assignment, part 1 (2.1–2.5).
DOMAIN_2_PART_1 = (
    (("2.1", "2.2"), "2.3", "2.4", "2.5"),
    (
        (both("N/PN"), "NA", "NA", "NA", LOW),
        (either("Y/PY/NI"), "N/PN", "NA", "NA", LOW),
        (either("Y/PY/NI"), "NI", "NA", "NA", SOME),
        (either("Y/PY/NI"), "Y/PY", "N/PN", "NA", SOME),
        (either("Y/PY/NI"), "Y/PY", "Y/PY/NI", "Y/PY", SOME),
        (either("Y/PY/NI"), "Y/PY", "Y/PY/NI", "N/PN/NI", HIGH),
    ),
)
# Same table, part 2 (2.6–2.7).
DOMAIN_2_PART_2 = (
    ("2.6", "2.7"),
    (
        ("Y/PY", "NA", LOW),
        ("N/PN/NI", "N/PN", SOME),
        ("N/PN/NI", "Y/PY/NI", HIGH),
    ),
)
# Criteria for the domain (same figure): low if both parts are low, high if either part is high,
# otherwise some concerns.
TWO_PARTS = {
    (LOW, LOW): LOW,
    (LOW, SOME): SOME,
    (SOME, LOW): SOME,
    (SOME, SOME): SOME,
    (LOW, HIGH): HIGH,
    (SOME, HIGH): HIGH,
    (HIGH, LOW): HIGH,
    (HIGH, SOME): HIGH,
    (HIGH, HIGH): HIGH,
}

# RoB 2 guidance 2019, Table 8 / domain 2 algorithm figure, effect of adhering to intervention.
# 2.3–2.5 are asked “if applicable” (the preliminary considerations), hence NA among their answers.
DOMAIN_2_ADHERING = (
    (("2.1", "2.2"), "2.3", ("2.4", "2.5"), "2.6"),
    (
        (both("N/PN"), "NA", both("NA/N/PN"), "NA", LOW),
        (both("N/PN"), "NA", either("Y/PY/NI"), "Y/PY", SOME),
        (both("N/PN"), "NA", either("Y/PY/NI"), "N/PN/NI", HIGH),
        (either("Y/PY/NI"), "NA/Y/PY", both("NA/N/PN"), "NA", LOW),
        (either("Y/PY/NI"), "NA/Y/PY", either("Y/PY/NI"), "Y/PY", SOME),
        (either("Y/PY/NI"), "NA/Y/PY", either("Y/PY/NI"), "N/PN/NI", HIGH),
        (either("Y/PY/NI"), "N/PN/NI", lambda _: True, "Y/PY", SOME),
        (either("Y/PY/NI"), "N/PN/NI", lambda _: True, "N/PN/NI", HIGH),
    ),
)

# RoB 2 guidance 2019, Table 10 / domain 3 algorithm figure (missing outcome data). 3.2 has no NI answer.
DOMAIN_3 = (
    ("3.1", "3.2", "3.3", "3.4"),
    (
        ("Y/PY", "NA", "NA", "NA", LOW),
        ("N/PN/NI", "Y/PY", "NA", "NA", LOW),
        ("N/PN/NI", "N/PN", "N/PN", "NA", LOW),
        ("N/PN/NI", "N/PN", "Y/PY/NI", "N/PN", SOME),
        ("N/PN/NI", "N/PN", "Y/PY/NI", "Y/PY/NI", HIGH),
    ),
)

# RoB 2 guidance 2019, Table 12 / domain 4 algorithm figure (measurement of the outcome).
DOMAIN_4 = (
    ("4.1", "4.2", "4.3", "4.4", "4.5"),
    (
        ("Y/PY", ANY, "NA", "NA", "NA", HIGH),
        ("N/PN/NI", "Y/PY", "NA", "NA", "NA", HIGH),
        ("N/PN/NI", "N/PN", "N/PN", "NA", "NA", LOW),
        ("N/PN/NI", "N/PN", "Y/PY/NI", "N/PN", "NA", LOW),
        ("N/PN/NI", "N/PN", "Y/PY/NI", "Y/PY/NI", "N/PN", SOME),
        ("N/PN/NI", "N/PN", "Y/PY/NI", "Y/PY/NI", "Y/PY/NI", HIGH),
        ("N/PN/NI", "NI", "N/PN", "NA", "NA", SOME),
        ("N/PN/NI", "NI", "Y/PY/NI", "N/PN", "NA", SOME),
        ("N/PN/NI", "NI", "Y/PY/NI", "Y/PY/NI", "N/PN", SOME),
        ("N/PN/NI", "NI", "Y/PY/NI", "Y/PY/NI", "Y/PY/NI", HIGH),
    ),
)


def no_yes_but_some_ni(answers: tuple[str, ...]) -> bool:
    """“At least one NI, but neither Y/PY” (domain 5 figure)."""
    return "NI" in answers and not either("Y/PY")(answers)


# RoB 2 guidance 2019, Table 14 / domain 5 algorithm figure (selection of the reported result).
DOMAIN_5 = (
    ("5.1", ("5.2", "5.3")),
    (
        ("Y/PY", both("N/PN"), LOW),
        ("N/PN/NI", both("N/PN"), SOME),
        (ANY, no_yes_but_some_ni, SOME),
        (ANY, either("Y/PY"), HIGH),
    ),
)


@pytest.mark.parametrize("tool", ["rob2", "rob2-adherence", "rob2-crossover"])
def test_domain_1_randomization(tool):
    assert check_domain(tool, "D1", [DOMAIN_1]) == 5**3


@pytest.mark.parametrize("tool", ["rob2", "rob2-crossover"])
def test_domain_2_effect_of_assignment(tool):
    assert check_domain(tool, "D2", [DOMAIN_2_PART_1, DOMAIN_2_PART_2], lambda a, b: TWO_PARTS[a, b]) > 10_000


def test_domain_2_effect_of_adhering():
    assert check_domain("rob2-adherence", "D2", [DOMAIN_2_ADHERING]) > 10_000


@pytest.mark.parametrize("tool", ["rob2", "rob2-adherence", "rob2-crossover"])
def test_domain_3_missing_outcome_data(tool):
    # 2 + 3 × (2 + 2 × (2 + 3 × 5)) combinations: 3.2 offers no NI.
    assert check_domain(tool, "D3", [DOMAIN_3]) == 2 + 3 * (2 + 2 * (2 + 3 * 5))


@pytest.mark.parametrize("tool", ["rob2", "rob2-adherence", "rob2-crossover"])
def test_domain_4_measurement_of_the_outcome(tool):
    assert check_domain(tool, "D4", [DOMAIN_4]) > 100


@pytest.mark.parametrize("tool", ["rob2", "rob2-adherence", "rob2-cluster"])
def test_domain_5_selection_of_the_reported_result(tool):
    assert check_domain(tool, "D5", [DOMAIN_5]) == 5**3


# RoB 2 guidance 2019, “Reaching an overall risk-of-bias judgement for a specific outcome”. The further
# option of judging high for some concerns in several domains is the assessor's, not the algorithm's.
OVERALL = (
    ("low for all domains", lambda js: all(j is LOW for j in js), LOW),
    ("some concerns in at least one domain, high in none", lambda js: SOME in js and HIGH not in js, SOME),
    ("high in at least one domain", lambda js: HIGH in js, HIGH),
)


@pytest.mark.parametrize("tool", ["rob2", "rob2-adherence", "rob2-crossover", "rob2-cluster"])
def test_overall_is_the_worst_domain(tool):
    check_overall(tool, OVERALL)
