"""The risk-of-bias form kind: its form made from the tool files, which questions a result asks, the
judgements it proposes and the rules it keeps. Expected judgements come from the guidance's algorithms
(RoB 2 guidance of 22 August 2019; RoB 2 for crossover trials, 18 March 2021; ROBINS-I V2), cited at each
test; the algorithms themselves are tested path by path in tests/extraction/rob/."""

from __future__ import annotations

import pytest

from extraction.definitions import validate_definition
from extraction.kinds import Agreement, get_kind
from extraction.risk_of_bias.kind import (
    RISK_OF_BIAS,
    TOOL_FIELD,
    form_definition,
    judgement_key,
    question_fields,
    question_key,
    tool_questions,
)
from extraction.risk_of_bias.services import tool_variants
from extraction.rob import load_tool, tool_keys

from .conftest import CROSSOVER_LOW, with_changes


def field_answers(tool: str, answers: dict, judgements: dict | None = None) -> dict:
    """Answers in rob_judge's shape as the form's fields hold them at one result."""
    found = {TOOL_FIELD: tool}
    variants = tool_variants(load_tool(tool), answers.get("preliminary", {}))
    for section, given in answers.items():
        for qid, code in given.items():
            found[question_key(tool, section, variants.get(section, ""), qid)] = code
    for domain, value in (judgements or {}).items():
        found[judgement_key(domain)] = value
    return found


class Field:
    def __init__(self, key: str):
        self.key = key


def asked(answers: dict, tool: str = "rob2-crossover") -> set[str]:
    keys = [TOOL_FIELD, *(qf.key for qf in tool_questions(load_tool(tool)))]
    keys += [judgement_key(d) for d in ("D1", "D1b", "S", "D2", "D3", "D4", "D5", "D6", "overall")]
    keys += [qf.key for qf in question_fields().values() if qf.tool != tool][:5]
    return {f.key for f in RISK_OF_BIAS.applicable_fields([Field(k) for k in keys], answers)}


def test_the_kind_is_registered_with_pages_and_tables_of_its_own():
    assert get_kind("rob") is RISK_OF_BIAS
    assert RISK_OF_BIAS.own_pages and not RISK_OF_BIAS.generic_exports
    assert RISK_OF_BIAS.home_url("ketamine") == "/reviews/ketamine/rob/"


def test_the_form_of_every_shipped_tool_is_a_valid_form_with_one_field_per_signalling_question():
    definition = form_definition(tool_keys())
    fields = validate_definition(definition)  # raises on any problem
    keys = [f["key"] for f in fields]
    assert len(keys) == len(set(keys))
    for key in tool_keys():
        tool = load_tool(key)
        questions = [
            f for f in fields if f["key"] in question_fields() and question_fields()[f["key"]].tool == key
        ]
        expected = (
            len(tool.preliminary)
            + sum(len(v.questions) for d in tool.domains for v in d.variants)
            + sum(len(d.questions) for d in tool.domains if not d.variants)
        )
        assert len(questions) == expected
    crossover = {f["key"]: f for f in fields}["rob2_crossover_s_s_1"]
    assert crossover["label"].startswith("S.1 Was the number of participants allocated")
    assert crossover["choices"] == ["Y", "PY", "PN", "N", "NI"] and crossover["level"] == "outcome"
    # RoB 2 effect of adhering: 2.3–2.5 are asked “if applicable” (guidance, domain 2 for adhering), so
    # they may be answered NA.
    assert {f["key"]: f for f in fields}["rob2_adherence_d2_2_3"]["choices"][-1] == "NA"


def test_a_result_asks_only_its_tools_questions_that_apply_given_the_earlier_answers():
    assert asked({}) == {TOOL_FIELD}  # no tool yet: nothing else is asked
    answers = field_answers("rob2-crossover", {"S": {"S.1": "Y"}, "D2": {"2.1": "N", "2.2": "N"}})
    shown = asked(answers)
    # Crossover guidance, domain S: S.2 only if S.1 is N/PN/NI. RoB 2, domain 2: 2.3 only if 2.1 or 2.2
    # is Y/PY/NI, 2.4 only if 2.3 is Y/PY, 2.5 only if 2.4 is Y/PY/NI; 2.7 only if 2.6 is N/PN/NI.
    assert "rob2_crossover_s_s_1" in shown and "rob2_crossover_s_s_2" not in shown
    assert "rob2_crossover_d2_2_3" not in shown and "rob2_crossover_d2_2_6" in shown
    assert "rob2_crossover_d2_2_7" not in shown  # 2.6 not answered yet
    assert {judgement_key(d) for d in ("D1", "S", "D2", "D3", "D4", "D5", "overall")} <= shown
    assert judgement_key("D6") not in shown and judgement_key("D1b") not in shown
    assert not {k for k in shown if k.startswith("rob2_d") or k.startswith("robins")}
    answers[question_key("rob2-crossover", "D2", "", "2.1")] = "PY"
    assert "rob2_crossover_d2_2_3" in asked(answers)


def test_robins_i_asks_the_domain_1_variant_the_preliminary_answer_chooses_and_stops_when_critical():
    # ROBINS-I V2: C4 “Y” (the analysis accounts for switches: per-protocol effect) chooses domain 1
    # variant B; “N” variant A. B2 (asked when B1 is N/PN) or B3 Y/PY make the result critical without
    # assessing the domains (section B).
    per_protocol = field_answers("robins-i", {"preliminary": {"B1": "Y", "B3": "N", "C4": "Y"}})
    shown = asked(per_protocol, "robins-i")
    assert "robins_i_d1_b_1_5" in shown and "robins_i_d1_a_1_1" not in shown
    critical = field_answers("robins-i", {"preliminary": {"B1": "N", "B2": "Y", "B3": "N", "C4": "N"}})
    shown = asked(critical, "robins-i")
    assert not {k for k in shown if k.startswith("robins_i_d")} and judgement_key("D1") not in shown
    assert RISK_OF_BIAS.suggest(critical) == {judgement_key("overall"): "critical"}


@pytest.mark.parametrize(
    ("changes", "domain", "expected"),
    [
        # RoB 2 guidance, domain 1 algorithm (Table 4 and its figure): 1.2 N/PN → High.
        ({"D1": {"1.2": "N"}}, "D1", "high"),
        # 1.2 Y/PY, 1.1 Y/PY, 1.3 N/PN → Low; 1.3 Y/PY → Some concerns.
        ({"D1": {"1.3": "PY"}}, "D1", "some_concerns"),
        # Crossover guidance, domain S: S.1 N, S.2 N (period effects not accounted for) → Some concerns
        # when S.3 is Y (enough washout).
        ({"S": {"S.1": "N", "S.2": "N"}}, "S", "some_concerns"),
        # Domain 2, part A: 2.3 Y, 2.4 Y, 2.5 N → High; part B 2.6 Y → Low; the domain is the worse.
        ({"D2": {"2.1": "Y", "2.3": "Y", "2.4": "Y", "2.5": "N"}}, "D2", "high"),
        # Crossover domain 5: 5.4 Y/PY (a result from both periods sought but unavailable) → High.
        ({"D5": {"5.4": "PY"}}, "D5", "high"),
    ],
)
def test_the_kind_proposes_each_domains_judgement_by_the_official_algorithm(changes, domain, expected):
    answers = field_answers("rob2-crossover", with_changes(CROSSOVER_LOW, changes))
    proposals = RISK_OF_BIAS.suggest(answers)
    assert proposals[judgement_key(domain)] == expected
    # RoB 2 guidance, “Reaching an overall risk-of-bias judgement”: the worst domain.
    assert proposals[judgement_key("overall")] == expected


def test_no_judgement_is_proposed_while_an_answer_the_algorithm_needs_is_missing():
    answers = field_answers("rob2-crossover", {"D1": {"1.1": "Y", "1.3": "N"}})
    assert judgement_key("D1") not in RISK_OF_BIAS.suggest(answers)
    assert judgement_key("overall") not in RISK_OF_BIAS.suggest(answers)


def test_the_overall_judgement_may_rise_one_step_above_several_some_concerns_and_never_fall():
    several = with_changes(CROSSOVER_LOW, {"D1": {"1.3": "PY"}, "S": {"S.1": "N", "S.2": "N"}})
    raised = field_answers("rob2-crossover", several, {"overall": "high"})
    assert RISK_OF_BIAS.suggest(raised)[judgement_key("overall")] == "some_concerns"
    assert RISK_OF_BIAS.submit_problems(raised) == []
    one = field_answers(
        "rob2-crossover", with_changes(CROSSOVER_LOW, {"D1": {"1.3": "PY"}}), {"overall": "high"}
    )
    [problem] = RISK_OF_BIAS.submit_problems(one)
    assert "only replace “Some concerns” when several domains are “Some concerns”" in problem
    lowered = field_answers("rob2-crossover", several, {"overall": "low"})
    [problem] = RISK_OF_BIAS.submit_problems(lowered)
    assert "cannot be lower" in problem
    # A domain overridden to High makes the worst domain High: the overall proposal follows the override.
    overridden = field_answers("rob2-crossover", CROSSOVER_LOW, {"D3": "high"})
    assert RISK_OF_BIAS.suggest(overridden)[judgement_key("overall")] == "high"
    off_scale = field_answers("rob2-crossover", CROSSOVER_LOW, {"D3": "moderate"})
    assert RISK_OF_BIAS.submit_problems(off_scale) == ["D3: “moderate” is not a judgement of rob2-crossover."]


def test_answers_of_the_same_direction_differ_in_wording_and_opposite_ones_more_strongly():
    question = Field("rob2_crossover_d1_1_1")
    assert RISK_OF_BIAS.compare(question, ["Y", "Y"]) == Agreement(True)
    assert RISK_OF_BIAS.compare(question, ["Y", "PY"]) == Agreement(
        False, "same direction, different wording"
    )
    assert RISK_OF_BIAS.compare(question, ["PN", "N"]).strong is False
    assert RISK_OF_BIAS.compare(question, ["PY", "PN"]) == Agreement(
        False, "different directions", strong=True
    )
    assert RISK_OF_BIAS.compare(question, ["NI", "N"]).strong is True
    judgement = Field(judgement_key("D2"))
    assert RISK_OF_BIAS.compare(judgement, ["low", "some_concerns"]).strong is True
