"""``manage.py rob_judge --tool TOOL --answers FILE``: JSON in, JSON out, clear errors."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

# Tiger 2020 (parallel, ketamine against saline), answered as in RoB 2 guidance 2019 Tables 4–14:
# D1 low, D2 part 1 low and part 2 some concerns, D3 high, D4 low, D5 some concerns.
TIGER = {
    "id": "Tiger 2020",
    "D1": {"1.1": "Y", "1.2": "PY", "1.3": "N"},
    "D2": {"2.1": "N", "2.2": "N", "2.3": "NA", "2.6": "N", "2.7": "PN"},
    "D3": {"3.1": "N", "3.2": "N", "3.3": "Y", "3.4": "PY"},
    "D4": {"4.1": "N", "4.2": "N", "4.3": "N"},
    "D5": {"5.1": "NI", "5.2": "N", "5.3": "N"},
}
# Williams 2018 (crossover): domains given in part; skipped questions left out.
WILLIAMS = {
    "id": "Williams 2018",
    "D1": {"1.1": "PY", "1.2": "NI", "1.3": "N"},
    "S": {"S.1": "N", "S.2": "Y", "S.3": "Y"},
    "D5": {"5.1": "Y", "5.2": "N", "5.3": "N", "5.4": "N"},
}


def run(tmp_path, tool: str, data) -> str:
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    out = io.StringIO()
    call_command("rob_judge", "--tool", tool, "--answers", str(path), stdout=out)
    return out.getvalue()


def test_one_assessment_gives_each_domain_and_the_overall_judgement(tmp_path):
    assert json.loads(run(tmp_path, "rob2", TIGER)) == {
        "id": "Tiger 2020",
        "D1": "low",
        "D2": "some_concerns",
        "D3": "high",
        "D4": "low",
        "D5": "some_concerns",
        "overall": "high",
    }


def test_a_list_gives_a_list_and_overall_only_when_every_domain_is_given(tmp_path):
    partial = {"D1": {"1.1": "Y", "1.2": "Y"}}  # 1.3 missing: no suggestion yet
    assert json.loads(run(tmp_path, "rob2-crossover", [WILLIAMS, partial])) == [
        {"id": "Williams 2018", "D1": "some_concerns", "S": "low", "D5": "low"},
        {"D1": None},
    ]


def test_robins_i_takes_preliminary_answers(tmp_path):
    stopped = {"id": "cohort", "preliminary": {"B1": "N", "B2": "Y"}}
    per_protocol = {"preliminary": {"B1": "Y", "C4": "Y"}, "D1": {"1.1": "N", "1.4": "N", "1.5": "N"}}
    assert json.loads(run(tmp_path, "robins-i", [stopped, per_protocol])) == [
        {"id": "cohort", "overall": "critical"},
        {"D1": "serious"},
    ]


def test_unknown_question_names_the_assessment_and_question(tmp_path):
    bad = {"id": "Jelen", "D2": {"2.1": "N", "2.9": "Y"}}
    with pytest.raises(CommandError) as raised:
        run(tmp_path, "rob2", [TIGER, bad])
    assert str(raised.value) == (
        "Assessment 2 (“Jelen”): D2 question 2.9: no such question in D2; its questions are 2.1, 2.2, 2.3, 2.4, 2.5, 2.6, 2.7."
    )


def test_answer_not_allowed_names_the_assessment_and_question(tmp_path):
    with pytest.raises(CommandError) as raised:
        run(tmp_path, "rob2", {"D3": {"3.1": "N", "3.2": "NI"}})
    assert str(raised.value) == (
        "The assessment: D3 question 3.2: “NI” is not an answer to this question (allowed: Y, PY, PN, N)."
    )
    with pytest.raises(CommandError, match=r"Assessment 1: D2 question 2\.4: is asked only if 2\.3 is Y/PY"):
        run(tmp_path, "rob2", [{"D2": {"2.1": "N", "2.2": "N", "2.4": "Y"}}])


def test_unreadable_input_and_unknown_tool_are_clear(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("rob_judge", "--tool", "rob2", "--answers", str(tmp_path / "missing.json"))
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    with pytest.raises(CommandError, match="is not valid JSON"):
        call_command("rob_judge", "--tool", "rob2", "--answers", str(tmp_path / "broken.json"))
    with pytest.raises(CommandError, match="Expected one assessment"):
        run(tmp_path, "rob2", "D1")
    with pytest.raises(CommandError, match="invalid choice"):
        call_command("rob_judge", "--tool", "rob3", "--answers", "-")


def test_answers_can_come_on_standard_input(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(TIGER)))
    out = io.StringIO()
    call_command("rob_judge", "--tool", "rob2", "--answers", "-", stdout=out)
    assert json.loads(out.getvalue())["overall"] == "high"
