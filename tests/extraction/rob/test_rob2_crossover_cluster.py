"""The crossover and cluster versions of RoB 2 against their decision tables.

Crossover: “RoB 2 for crossover trials” (Higgins, Li, Sterne; version of 18 March 2021): domain S (period
and carryover effects) and domain 5 with question 5.4; domains 1–4 “as for parallel group trials” are
checked with the parallel tables in test_rob2_algorithms. Cluster: “RoB 2 for cluster-randomized trials”
(Eldridge et al.; version of 18 March 2021): domain 1b, and domains 1–4 with their cluster questions
(1a.x, 2.1a/2.1b, 3.1a/3.1b, 4.3a/4.3b); domain 5 is as for individually randomised trials.
"""

from __future__ import annotations

from extraction.rob import Judgement
from tests.extraction.rob.decision_tables import ANY, both, check_domain, either
from tests.extraction.rob.test_rob2_algorithms import (
    DOMAIN_1,
    DOMAIN_2_PART_2,
    TWO_PARTS,
    no_yes_but_some_ni,
)

LOW, SOME, HIGH = Judgement.LOW, Judgement.SOME_CONCERNS, Judgement.HIGH

# RoB 2 for crossover trials (2021), domain S algorithm: S.3 (time for carry-over to disappear) N/PN is
# high; low needs S.3 Y/PY and period effects dealt with (S.1 equal sequences, or S.2 accounted for).
DOMAIN_S = (
    ("S.1", "S.2", "S.3"),
    (
        ("Y/PY", "NA", "Y/PY", LOW),
        ("N/PN/NI", "Y/PY", "Y/PY", LOW),
        ("N/PN/NI", "N/PN/NI", "Y/PY", SOME),
        ("Y/PY", "NA", "NI", SOME),
        ("N/PN/NI", ANY, "NI", SOME),
        ("Y/PY", "NA", "N/PN", HIGH),
        ("N/PN/NI", ANY, "N/PN", HIGH),
    ),
)

# RoB 2 for crossover trials (2021), domain 5: 5.4 (first-period result reported because carry-over was
# found) is a further way a result can be selected, read with 5.2 and 5.3.
CROSSOVER_DOMAIN_5 = (
    ("5.1", ("5.2", "5.3", "5.4")),
    (
        ("Y/PY", both("N/PN"), LOW),
        ("N/PN/NI", both("N/PN"), SOME),
        (ANY, no_yes_but_some_ni, SOME),
        (ANY, either("Y/PY"), HIGH),
    ),
)


def test_crossover_domain_s_period_and_carryover():
    assert check_domain("rob2-crossover", "S", [DOMAIN_S]) == 2 * 5 + 3 * 5 * 5


def test_crossover_domain_5_adds_question_5_4():
    assert check_domain("rob2-crossover", "D5", [CROSSOVER_DOMAIN_5]) == 5**4


def test_cluster_domain_1a_randomization_as_table_4():
    columns, rows = DOMAIN_1
    renamed = tuple(column.replace("1.", "1a.") for column in columns)
    assert check_domain("rob2-cluster", "D1", [(renamed, rows)]) == 5**3


# RoB 2 for cluster-randomized trials (2021), domain 1b algorithm (timing of identification or
# recruitment of participants).
DOMAIN_1B = (
    ("1b.1", "1b.2", "1b.3"),
    (
        ("Y/PY", "NA", ANY, LOW),
        ("N/PN/NI", "N/PN", "N/PN/NI", LOW),
        ("N/PN/NI", "N/PN", "Y/PY", SOME),
        ("N/PN/NI", "Y/PY", ANY, HIGH),
        ("N/PN/NI", "NI", "N/PN/NI", SOME),
        ("N/PN/NI", "NI", "Y/PY", HIGH),
    ),
)


def test_cluster_domain_1b_identification_or_recruitment():
    assert check_domain("rob2-cluster", "D1b", [DOMAIN_1B]) == 2 * 5 + 3 * 5 * 5


def nobody_aware(answers: tuple[str, ...]) -> bool:
    """Cluster domain 2: participants unaware they are in a trial (2.1a N/PN) or of their assignment
    (2.1b N/PN), and carers and deliverers unaware (2.2 N/PN)."""
    in_trial, assignment, carers = answers
    return (in_trial in {"N", "PN"} or assignment in {"N", "PN"}) and carers in {"N", "PN"}


def someone_aware(answers: tuple[str, ...]) -> bool:
    return not nobody_aware(answers)


# RoB 2 for cluster-randomized trials (2021), domain 2 (effect of assignment), part 1: as Table 6 part 1,
# with participants' awareness asked as 2.1a (aware of being in a trial) and 2.1b.
CLUSTER_DOMAIN_2_PART_1 = (
    (("2.1a", "2.1b", "2.2"), "2.3", "2.4", "2.5"),
    (
        (nobody_aware, "NA", "NA", "NA", LOW),
        (someone_aware, "N/PN", "NA", "NA", LOW),
        (someone_aware, "NI", "NA", "NA", SOME),
        (someone_aware, "Y/PY", "N/PN", "NA", SOME),
        (someone_aware, "Y/PY", "Y/PY/NI", "Y/PY", SOME),
        (someone_aware, "Y/PY", "Y/PY/NI", "N/PN/NI", HIGH),
    ),
)


def test_cluster_domain_2_effect_of_assignment():
    tables = [CLUSTER_DOMAIN_2_PART_1, DOMAIN_2_PART_2]
    assert check_domain("rob2-cluster", "D2", tables, lambda a, b: TWO_PARTS[a, b]) > 10_000


# RoB 2 for cluster-randomized trials (2021), domain 3: as Table 10, with 3.1 asked for clusters (3.1a)
# and for participants within clusters (3.1b).
CLUSTER_DOMAIN_3 = (
    (("3.1a", "3.1b"), "3.2", "3.3", "3.4"),
    (
        (both("Y/PY"), "NA", "NA", "NA", LOW),
        (either("N/PN/NI"), "Y/PY", "NA", "NA", LOW),
        (either("N/PN/NI"), "N/PN", "N/PN", "NA", LOW),
        (either("N/PN/NI"), "N/PN", "Y/PY/NI", "N/PN", SOME),
        (either("N/PN/NI"), "N/PN", "Y/PY/NI", "Y/PY/NI", HIGH),
    ),
)


def test_cluster_domain_3_missing_outcome_data():
    assert check_domain("rob2-cluster", "D3", [CLUSTER_DOMAIN_3]) > 500


# RoB 2 for cluster-randomized trials (2021), domain 4: as Table 12, with 4.3 asked as 4.3a (assessors
# aware that a trial was taking place) and 4.3b (aware of the intervention received).
CLUSTER_DOMAIN_4 = (
    ("4.1", "4.2", "4.3a", "4.3b", "4.4", "4.5"),
    (
        ("Y/PY", ANY, "NA", "NA", "NA", "NA", HIGH),
        ("N/PN/NI", "Y/PY", "NA", "NA", "NA", "NA", HIGH),
        ("N/PN/NI", "N/PN", "N/PN", "NA", "NA", "NA", LOW),
        ("N/PN/NI", "N/PN", "Y/PY/NI", "N/PN", "NA", "NA", LOW),
        ("N/PN/NI", "N/PN", "Y/PY/NI", "Y/PY/NI", "N/PN", "NA", LOW),
        ("N/PN/NI", "N/PN", "Y/PY/NI", "Y/PY/NI", "Y/PY/NI", "N/PN", SOME),
        ("N/PN/NI", "N/PN", "Y/PY/NI", "Y/PY/NI", "Y/PY/NI", "Y/PY/NI", HIGH),
        ("N/PN/NI", "NI", "N/PN", "NA", "NA", "NA", SOME),
        ("N/PN/NI", "NI", "Y/PY/NI", "N/PN", "NA", "NA", SOME),
        ("N/PN/NI", "NI", "Y/PY/NI", "Y/PY/NI", "N/PN", "NA", SOME),
        ("N/PN/NI", "NI", "Y/PY/NI", "Y/PY/NI", "Y/PY/NI", "N/PN", SOME),
        ("N/PN/NI", "NI", "Y/PY/NI", "Y/PY/NI", "Y/PY/NI", "Y/PY/NI", HIGH),
    ),
)


def test_cluster_domain_4_measurement_of_the_outcome():
    assert check_domain("rob2-cluster", "D4", [CLUSTER_DOMAIN_4]) > 500
