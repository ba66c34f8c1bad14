"""The tools shipped with the project, as JSON files in ``tools/``, loaded and checked.

A file says which document it transcribes (title, version, date, licence and terms), and for every domain
its signalling questions in order, with their official numbers, short paraphrased wording, help, allowed
answers and the condition under which the guidance asks them. Checking is plain code: every problem names
its place (“rob2.json: domains[1].questions[3].asked_if: …”).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from extraction.rob.algorithms import DOMAIN_ALGORITHMS, OVERALL_ALGORITHMS
from extraction.rob.conditions import Condition, parse_condition
from extraction.rob.judgements import ANSWER_LABELS, NOT_APPLICABLE, Judgement
from extraction.rob.model import PRELIMINARY, Domain, Question, Tool, Variant

FORMAT = "concord-rob-tool"
FORMAT_VERSION = 1
TOOLS_DIR = Path(__file__).resolve().parent / "tools"
RESERVED_KEYS = {PRELIMINARY, "id", "overall"}
SOURCE_FIELDS = ("document", "version", "date", "url", "licence", "terms")
TOOL_FIELDS = {"format", "format_version", "key", "name", "version", "source", "design", "effect"}
TOOL_FIELDS |= {"judgements", "preliminary", "domains", "overall"}
DOMAIN_FIELDS = {"key", "name", "short", "algorithm", "reference", "questions", "low_label"}
DOMAIN_FIELDS |= {"variants", "variant_question", "default_variant"}
VARIANT_FIELDS = {"key", "name", "when", "algorithm", "reference", "questions"}
QUESTION_FIELDS = {"id", "text", "help", "answers", "asked_if", "optional"}


class ToolFileError(ValueError):
    """A tool file that does not follow the format; ``problems`` lists each one with its place."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def tool_keys() -> list[str]:
    """The tools shipped with the project: rob2, rob2-adherence, rob2-crossover, rob2-cluster, robins-i."""
    return sorted(path.stem for path in TOOLS_DIR.glob("*.json"))


@cache
def load_tool(key: str) -> Tool:
    """The tool ``key`` from its file, checked. KeyError for a tool the project does not ship."""
    if key not in tool_keys():
        raise KeyError(key)
    path = TOOLS_DIR / f"{key}.json"
    return parse_tool(json.loads(path.read_text(encoding="utf-8")), expected_key=key)


def parse_tool(data: Any, *, expected_key: str | None = None) -> Tool:
    """A Tool from a file's JSON, or ToolFileError listing every problem."""
    errors: list[str] = []
    if not isinstance(data, dict):
        raise ToolFileError(["The file must hold a JSON object."])
    prefix = f"{expected_key or data.get('key', 'tool')}.json"
    _unknown(data, TOOL_FIELDS, prefix, errors)
    if data.get("format") != FORMAT or data.get("format_version") != FORMAT_VERSION:
        errors.append(f"{prefix}: expected format “{FORMAT}”, format_version {FORMAT_VERSION}.")
    if expected_key is not None and data.get("key") != expected_key:
        errors.append(f"{prefix}: key must be “{expected_key}”, the file's name.")
    for name in ("key", "name", "version", "design", "effect"):
        _text(data, name, prefix, errors)
    _check_source(data.get("source"), f"{prefix}: source", errors)
    judgements = _judgements(data.get("judgements"), f"{prefix}: judgements", errors)
    preliminary = _questions(data.get("preliminary", []), f"{prefix}: preliminary", errors, required=False)
    domains = _domains(data.get("domains"), preliminary, prefix, errors)
    overall = data.get("overall") if isinstance(data.get("overall"), dict) else {}
    if overall.get("algorithm") not in OVERALL_ALGORITHMS or not isinstance(overall.get("reference"), str):
        errors.append(f"{prefix}: overall: needs a known “algorithm” and the “reference” it follows.")
    stop_if, stop_judgement = _stop(
        overall.get("stop"), preliminary, judgements, f"{prefix}: overall.stop", errors
    )
    if errors:
        raise ToolFileError(errors)
    return Tool(
        key=data["key"],
        name=data["name"],
        version=data["version"],
        source=data["source"],
        design=data["design"],
        effect=data["effect"],
        judgements=judgements,
        domains=tuple(domains),
        overall_algorithm=overall["algorithm"],
        overall_reference=overall["reference"],
        preliminary=preliminary,
        stop_if=stop_if,
        stop_judgement=stop_judgement,
        data=data,
    )


def _stop(
    stop: Any,
    preliminary: tuple[Question, ...],
    judgements: tuple[Judgement, ...],
    where: str,
    errors: list[str],
) -> tuple[Condition | None, Judgement | None]:
    """An overall judgement reached from the preliminary answers alone (ROBINS-I V2 section B)."""
    if stop is None:
        return None, None
    if not isinstance(stop, dict) or set(stop) != {"if", "judgement", "reference"}:
        errors.append(
            f"{where}: needs “if” (a condition on preliminary answers), “judgement” and “reference”."
        )
        return None, None
    condition = parse_condition(stop["if"], f"{where}.if", errors)
    answers = {question.id: set(question.answers) for question in preliminary}
    for question, values in condition.tests() if condition else []:
        if not values <= answers.get(question, set()):
            errors.append(
                f"{where}.if: {question} is not a preliminary question answered {', '.join(sorted(values))}."
            )
    if stop["judgement"] not in judgements:
        errors.append(f"{where}.judgement: “{stop['judgement']}” is not one of the tool's judgements.")
        return None, None
    return condition, Judgement(stop["judgement"])


def _unknown(data: dict, allowed: set[str], where: str, errors: list[str]) -> None:
    for name in sorted(set(data) - allowed):
        errors.append(f"{where}: unknown field “{name}”.")


def _text(data: dict, name: str, where: str, errors: list[str]) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value.strip():
        errors.append(f"{where}: “{name}” must be a non-empty string.")
        return ""
    return value


def _check_source(source: Any, where: str, errors: list[str]) -> None:
    """Every tool names the document it transcribes, its version and date, and the terms of its licence."""
    if not isinstance(source, dict):
        errors.append(f"{where}: must be an object with {', '.join(SOURCE_FIELDS)}.")
        return
    for name in SOURCE_FIELDS:
        _text(source, name, where, errors)


def _judgements(value: Any, where: str, errors: list[str]) -> tuple[Judgement, ...]:
    known = {judgement.value for judgement in Judgement}
    if not isinstance(value, list) or len(value) < 2 or len(set(value)) != len(value):
        errors.append(f"{where}: list the tool's judgements, least severe first.")
        return ()
    if set(value) - known:
        errors.append(f"{where}: unknown judgement(s) {', '.join(sorted(set(value) - known))}.")
        return ()
    return tuple(Judgement(item) for item in value)


def _questions(value: Any, where: str, errors: list[str], *, required: bool = True) -> tuple[Question, ...]:
    if not isinstance(value, list) or (required and not value):
        errors.append(f"{where}: must be a{' non-empty' if required else ''} list of questions.")
        return ()
    questions: list[Question] = []
    for index, item in enumerate(value):
        question = _question(item, f"{where}[{index}]", questions, errors)
        if question is not None:
            questions.append(question)
    return tuple(questions)


def _question(item: Any, where: str, earlier: list[Question], errors: list[str]) -> Question | None:
    if not isinstance(item, dict):
        errors.append(f"{where}: must be an object.")
        return None
    _unknown(item, QUESTION_FIELDS, where, errors)
    qid, text, help_text = (_text(item, name, where, errors) for name in ("id", "text", "help"))
    if qid and qid in {question.id for question in earlier}:
        errors.append(f"{where}: question {qid} appears twice.")
    answers = item.get("answers")
    codes = set(ANSWER_LABELS) - {NOT_APPLICABLE}
    if (
        not isinstance(answers, list)
        or not answers
        or not set(answers) <= codes
        or len(set(answers)) < len(answers)
    ):
        # NA is never listed: it follows from asked_if (and optional), as the guidance's “If … to …” does.
        errors.append(f"{where}: “answers” must list distinct codes among {', '.join(sorted(codes))}.")
        answers = []
    optional = item.get("optional", False)
    if not isinstance(optional, bool):
        errors.append(f"{where}: “optional” must be true or false.")
    asked_if = None
    if "asked_if" in item:
        asked_if = parse_condition(item["asked_if"], f"{where}.asked_if", errors)
        before = {question.id: question for question in earlier}
        for question, values in asked_if.tests() if asked_if else []:
            if question not in before:
                errors.append(f"{where}.asked_if: question {question} is not asked before {qid}.")
            elif not values <= set(before[question].answers):
                errors.append(f"{where}.asked_if: {question} cannot be answered {', '.join(sorted(values))}.")
    if not (qid and answers):
        return None
    return Question(qid, text, help_text, tuple(answers), asked_if, bool(optional))


def _domains(value: Any, preliminary: tuple[Question, ...], prefix: str, errors: list[str]) -> list[Domain]:
    if not isinstance(value, list) or not value:
        errors.append(f"{prefix}: domains: must be a non-empty list.")
        return []
    domains: list[Domain] = []
    for index, item in enumerate(value):
        where = f"{prefix}: domains[{index}]"
        if not isinstance(item, dict):
            errors.append(f"{where}: must be an object.")
            continue
        _unknown(item, DOMAIN_FIELDS, where, errors)
        key, name, short, reference = (
            _text(item, field, where, errors) for field in ("key", "name", "short", "reference")
        )
        if key in RESERVED_KEYS or key in {domain.key for domain in domains}:
            errors.append(f"{where}: “{key}” cannot be a domain key (reserved or used twice).")
        if "variants" in item:
            variants = _variants(item, preliminary, where, errors)
            questions, algorithm = (), ""
        else:
            variants = ()
            questions = _questions(item.get("questions"), f"{where}.questions", errors)
            algorithm = _algorithm(item, where, errors)
        domains.append(
            Domain(
                key=key,
                name=name,
                short=short,
                algorithm=algorithm,
                reference=reference,
                questions=questions,
                low_label=item.get("low_label", ""),
                variants=variants,
                variant_question=item.get("variant_question", ""),
                default_variant=item.get("default_variant", ""),
            )
        )
    return domains


def _algorithm(item: dict, where: str, errors: list[str]) -> str:
    algorithm = item.get("algorithm")
    if algorithm not in DOMAIN_ALGORITHMS:
        errors.append(f"{where}: algorithm “{algorithm}” is not one the project implements.")
        return ""
    return algorithm


def _variants(
    item: dict, preliminary: tuple[Question, ...], where: str, errors: list[str]
) -> tuple[Variant, ...]:
    """A domain with variants names the preliminary question that chooses between them and a default."""
    chooser = next((q for q in preliminary if q.id == item.get("variant_question")), None)
    if chooser is None:
        errors.append(f"{where}: variant_question must name a preliminary question.")
        return ()
    variants: list[Variant] = []
    claimed: set[str] = set()
    for index, data in enumerate(item["variants"] if isinstance(item["variants"], list) else []):
        place = f"{where}.variants[{index}]"
        if not isinstance(data, dict):
            errors.append(f"{place}: must be an object.")
            continue
        _unknown(data, VARIANT_FIELDS, place, errors)
        when = data.get("when")
        if not isinstance(when, list) or not set(when) <= set(chooser.answers) or claimed & set(when):
            errors.append(f"{place}: “when” must list answers to {chooser.id} no other variant claims.")
            when = []
        claimed |= set(when)
        variants.append(
            Variant(
                key=_text(data, "key", place, errors),
                name=_text(data, "name", place, errors),
                when=frozenset(when),
                algorithm=_algorithm(data, place, errors),
                reference=_text(data, "reference", place, errors),
                questions=_questions(data.get("questions"), f"{place}.questions", errors),
            )
        )
    if len(variants) < 2 or item.get("default_variant") not in {variant.key for variant in variants}:
        errors.append(f"{where}: list at least two variants and name the default one.")
    return tuple(variants)
