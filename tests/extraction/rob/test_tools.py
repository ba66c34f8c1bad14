"""The tool files: loading and checking them, which questions are asked, and the rules answers keep."""

from __future__ import annotations

import copy
import json

import pytest

from extraction.rob import (
    AnswerError,
    Judgement,
    ToolFileError,
    applicable_questions,
    load_tool,
    normalise_answers,
    parse_tool,
    suggest_domain,
    suggest_overall,
    tool_keys,
    trace_domain,
    validate_answers,
)
from extraction.rob.library import TOOLS_DIR


def messages(error: AnswerError) -> list[str]:
    return [str(problem) for problem in error.problems]


def test_the_five_tools_ship_with_their_source_version_and_licence():
    assert tool_keys() == ["rob2", "rob2-adherence", "rob2-cluster", "rob2-crossover", "robins-i"]
    for key in tool_keys():
        tool = load_tool(key)
        for field in ("document", "version", "date", "url", "licence", "terms"):
            assert tool.source[field].strip(), (key, field)
        assert "CC BY-NC-ND 4.0" in tool.source["licence"]
        assert "paraphrased" in tool.source["terms"]


def test_domains_are_keyed_as_robvis_reads_them():
    assert load_tool("rob2").domain_keys == ("D1", "D2", "D3", "D4", "D5")
    assert load_tool("rob2-crossover").domain_keys == ("D1", "S", "D2", "D3", "D4", "D5")
    assert load_tool("rob2-cluster").domain_keys == ("D1", "D1b", "D2", "D3", "D4", "D5")
    # ROBINS-I V2 has six domains: version 1's deviations domain was removed.
    assert load_tool("robins-i").domain_keys == ("D1", "D2", "D3", "D4", "D5", "D6")
    assert load_tool("robins-i").judgements == (
        Judgement.LOW,
        Judgement.MODERATE,
        Judgement.SERIOUS,
        Judgement.CRITICAL,
    )


def test_questions_carry_official_numbers_and_allowed_answers():
    d3 = load_tool("rob2").domain("D3")
    assert [q.id for q in d3.questions] == ["3.1", "3.2", "3.3", "3.4"]
    assert d3.questions[1].answers == ("Y", "PY", "PN", "N")  # the guidance gives 3.2 no NI
    assert d3.questions[1].asked_if.describe() == "3.1 is N/PN/NI"
    d2 = load_tool("rob2-adherence").domain("D2")
    assert [q.optional for q in d2.questions] == [False, False, True, True, True, False]


def test_an_unknown_tool_is_a_key_error():
    with pytest.raises(KeyError):
        load_tool("rob3")


def shipped(key: str = "rob2") -> dict:
    return json.loads((TOOLS_DIR / f"{key}.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["source"].pop("licence"), "rob2.json: source: “licence” must be a non-empty string."),
        (lambda d: d.update(colour="red"), "rob2.json: unknown field “colour”."),
        (
            lambda d: d["domains"][0].update(algorithm="rob2.guess"),
            "domains[0]: algorithm “rob2.guess” is not one",
        ),
        (
            lambda d: d["domains"][1]["questions"][2]["answers"].append("NA"),
            "domains[1].questions[2]: “answers” must list",
        ),
        (
            lambda d: d["domains"][1]["questions"][2].update(asked_if={"question": "2.5", "in": ["Y"]}),
            "domains[1].questions[2].asked_if: question 2.5 is not asked before 2.3.",
        ),
        (
            lambda d: d["domains"][2]["questions"][2].update(asked_if={"question": "3.2", "in": ["NI"]}),
            "domains[2].questions[2].asked_if: 3.2 cannot be answered NI.",
        ),
        (lambda d: d.update(judgements=["low", "dire"]), "judgements: unknown judgement(s) dire."),
        (lambda d: d["domains"][1].update(key="D1"), "domains[1]: “D1” cannot be a domain key"),
    ],
)
def test_a_broken_tool_file_names_each_problem_and_its_place(change, message):
    data = copy.deepcopy(shipped())
    change(data)
    with pytest.raises(ToolFileError) as raised:
        parse_tool(data, expected_key="rob2")
    assert any(message in problem for problem in raised.value.problems), raised.value.problems


def test_questions_apply_as_the_guidance_says():
    asked = applicable_questions("rob2", {"D2": {"2.1": "N", "2.2": "PN", "2.6": "N"}})
    assert asked["D2"] == ["2.1", "2.2", "2.6", "2.7"]
    asked = applicable_questions("rob2", {"D2": {"2.1": "NI", "2.3": "Y", "2.4": "NI"}})
    assert asked["D2"] == ["2.1", "2.2", "2.3", "2.4", "2.5", "2.6"]
    # A question whose condition reads a question not asked is not asked either (2.4 after 2.3 NA).
    asked = applicable_questions("rob2", {"D2": {"2.1": "N", "2.2": "N", "2.3": "Y"}})
    assert "2.4" not in asked["D2"]
    asked = applicable_questions("rob2-crossover", {"S": {"S.1": "PY"}})
    assert asked["S"] == ["S.1", "S.3"]
    asked = applicable_questions("rob2-cluster", {"D2": {"2.1a": "N", "2.2": "Y"}})
    assert asked["D2"][:3] == ["2.1a", "2.2", "2.3"]


def test_robins_i_preliminary_answers_choose_domain_1_and_can_end_the_assessment():
    asked = applicable_questions("robins-i", {"preliminary": {"B1": "N", "C4": "Y"}, "D1": {"1.1": "N"}})
    assert asked["preliminary"] == ["B1", "B2", "B3", "C4"]
    assert asked["D1"] == ["1.1", "1.4", "1.5"]  # variant B: no method for time-varying confounding
    asked = applicable_questions("robins-i", {"D1": {"1.1": "SN"}})
    assert asked["D1"] == ["1.1", "1.4"]  # variant A by default


def test_answers_that_break_the_rules_are_named_by_domain_and_question():
    with pytest.raises(AnswerError) as raised:
        validate_answers(
            "rob2",
            {
                "D7": {},
                "D1": {"1.1": "Y", "1.2": "maybe", "1.3": "NA"},
                "D2": {"2.1": "N", "2.2": "N", "2.4": "Y", "2.8": "Y"},
                "D3": {"3.1": "N", "3.2": "NI"},
            },
        )
    assert messages(raised.value) == [
        "D7: no such section in rob2 (expected D1, D2, D3, D4, D5).",
        "D1 question 1.2: “MAYBE” is not an answer to this question (allowed: Y, PY, PN, N, NI).",
        "D1 question 1.3: is asked here, so NA is not allowed (answer Y, PY, PN, N, NI).",
        "D2 question 2.8: no such question in D2; its questions are 2.1, 2.2, 2.3, 2.4, 2.5, 2.6, 2.7.",
        "D2 question 2.4: is asked only if 2.3 is Y/PY; give NA or leave it out.",
        "D3 question 3.2: “NI” is not an answer to this question (allowed: Y, PY, PN, N).",
    ]


def test_a_wrong_answer_does_not_cascade_into_questions_that_depend_on_it():
    with pytest.raises(AnswerError) as raised:
        validate_answers("rob2", {"D4": {"4.1": "X", "4.2": "N", "4.3": "Y"}})
    assert messages(raised.value) == [
        "D4 question 4.1: “X” is not an answer to this question (allowed: Y, PY, PN, N, NI)."
    ]


def test_na_is_an_answer_only_where_the_guidance_makes_a_question_conditional():
    validate_answers("rob2", {"D2": {"2.1": "N", "2.2": "N", "2.3": "NA", "2.6": "Y", "2.7": "na"}})
    # Effect of adhering: 2.3–2.5 are asked only if the review addresses those deviations.
    validate_answers(
        "rob2-adherence", {"D2": {"2.1": "Y", "2.2": "N", "2.3": "NA", "2.4": "NA", "2.5": "NA"}}
    )
    with pytest.raises(AnswerError):
        validate_answers("robins-i", {"D1": {"1.1": "Y", "1.4": "NI"}})  # 1.4 has no NI answer


def test_robins_i_weak_and_strong_answers():
    with pytest.raises(AnswerError) as raised:
        validate_answers("robins-i", {"D1": {"1.1": "N"}, "D5": {"5.1": "N", "5.2": "Y", "5.3": "Y"}})
    assert messages(raised.value) == [
        "D1 question 1.1: “N” is not an answer to this question (allowed: Y, PY, WN, SN, NI).",
        "D5 question 5.3: “Y” is not an answer to this question (allowed: SY, WY, PN, N, NI).",
    ]
    with pytest.raises(AnswerError) as raised:
        validate_answers("robins-i", {"D1": {"1.5": "N"}})
    assert "no such question in D1 variant A (chosen by preliminary C4)" in str(raised.value)


def test_normalising_sets_questions_no_longer_asked_to_na():
    answers = {"D3": {"3.1": "py", "3.2": "N", "3.3": "Y"}}
    assert normalise_answers("rob2", answers) == {"D3": {"3.1": "PY", "3.2": "NA", "3.3": "NA", "3.4": "NA"}}
    with pytest.raises(AnswerError):
        normalise_answers("rob2", {"D3": {"3.1": "N", "3.2": "NI"}})


def test_a_domain_waits_for_the_answers_its_algorithm_needs():
    assert suggest_domain("rob2", "D3", {"3.1": "N"}) is None
    suggestion = trace_domain("rob2", "D3", {"3.1": "N", "3.2": "N"})
    assert (suggestion.judgement, suggestion.path, suggestion.waiting_for) == (None, ("3.1", "3.2"), "3.3")
    assert suggest_domain("rob2", "D1", {"1.2": "N"}) is Judgement.HIGH  # concealment decides alone
    with pytest.raises(AnswerError, match="no such domain in rob2"):
        suggest_domain("rob2", "S", {})


def test_overall_needs_every_domain_and_the_tools_judgements():
    low = {key: "low" for key in ("D1", "D2", "D3", "D4")}
    assert suggest_overall("rob2", low) is None
    assert suggest_overall("rob2", low | {"D5": None}) is None
    assert suggest_overall("rob2", low | {"D5": "some_concerns"}) is Judgement.SOME_CONCERNS
    with pytest.raises(AnswerError) as raised:
        suggest_overall("rob2", low | {"D5": "serious", "D9": "low"})
    assert messages(raised.value) == [
        "D5: “serious” is not a judgement of rob2 (low, some_concerns, high).",
        "D9: no such domain in rob2; its domains are D1, D2, D3, D4, D5.",
    ]


def test_judgements_have_the_labels_robvis_reads():
    assert [j.label for j in load_tool("rob2").judgements] == ["Low", "Some concerns", "High"]
    assert Judgement.NO_INFORMATION.label == "No information"
