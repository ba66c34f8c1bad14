"""Risk of bias: the tools (RoB 2 and its variants, ROBINS-I V2) as versioned data, and their official
algorithms. Framework-independent: no models, no views; the extraction form kinds and the plots call this.

    tool = load_tool("rob2-crossover")
    applicable_questions(tool, answers)            # which questions are asked; the rest are NA
    suggest_domain(tool, "S", answers["S"])        # Judgement.LOW, … or None while incomplete
    suggest_overall(tool, {"D1": "low", …})        # by the tool's rule
    judge_assessments("rob2", data)                # what ``manage.py rob_judge`` prints
"""

from __future__ import annotations

from extraction.rob.answers import (
    AnswerError,
    Problem,
    answer_problems,
    applicable_questions,
    normalise_answers,
    validate_answers,
)
from extraction.rob.judge import AssessmentError, judge_assessment, judge_assessments
from extraction.rob.judgements import ANSWER_LABELS, NOT_APPLICABLE, Judgement
from extraction.rob.library import ToolFileError, load_tool, parse_tool, tool_keys
from extraction.rob.model import Domain, Question, Tool, Variant
from extraction.rob.suggest import Suggestion, suggest_domain, suggest_overall, trace_domain

__all__ = [
    "ANSWER_LABELS",
    "NOT_APPLICABLE",
    "AnswerError",
    "AssessmentError",
    "Domain",
    "Judgement",
    "Problem",
    "Question",
    "Suggestion",
    "Tool",
    "ToolFileError",
    "Variant",
    "answer_problems",
    "applicable_questions",
    "judge_assessment",
    "judge_assessments",
    "load_tool",
    "normalise_answers",
    "parse_tool",
    "suggest_domain",
    "suggest_overall",
    "tool_keys",
    "trace_domain",
    "validate_answers",
]
