"""The risk-of-bias tables, as Tables for background export jobs (review/exports/; apps.py registers them):
the RoB table, one row per result; the CSV robvis reads, per tool; and every assessor's answers, blinded
for the person who asked as their pages are (extraction/visibility.py). Queries do not grow with the number
of results."""

from __future__ import annotations

import csv
import io
from collections import defaultdict

from extraction import visibility
from extraction.comparison import outcome_key
from extraction.models import Value
from extraction.risk_of_bias import results, services
from extraction.risk_of_bias.kind import DOMAIN_ORDER, OVERALL, TOOL_FIELD, judgement_key, question_fields
from extraction.rob import NOT_APPLICABLE, Judgement, load_tool
from extraction.rob.model import PRELIMINARY
from extraction.rob.plots import robvis_csv
from review.exports import Progress, Table
from review.models import Review, short_citation


def rob_table_rows(*, review: Review) -> tuple[list[str], list[dict]]:
    """(the domain keys the review's results use, in robvis's order; one dict per result)."""
    rows = results.review_results(review=review, form=services.get_form(review))
    domains = [key for key in DOMAIN_ORDER if any(key in row.tool.domain_keys for row in rows)]
    table = []
    for row in rows:
        line = {
            "study": row.result.study.label,
            "outcome": row.result.outcome,
            "time_point": row.result.time_point,
            "tool": row.tool.key,
            "tool_name": row.tool.name,
            "weight": row.result.weight,
            "assessors": ", ".join(row.assessors),
            "status": row.status,
            "reconciled_by": ", ".join(row.reconciled_by) if row.started else "",
        }
        for key in [*domains, OVERALL]:
            applies = key == OVERALL or key in row.tool.domain_keys
            line[f"j_{key}"] = row.judgement_label(key) if applies else "Not applicable"
            line[f"s_{key}"] = row.support.get(key, "")
        table.append(line)
    return domains, table


TABLE_COLUMNS = [
    ("study", "study"),
    ("outcome", "outcome"),
    ("time_point", "time point"),
    ("tool", "tool"),
    ("tool_name", "tool name"),
    ("weight", "weight"),
    ("assessors", "assessors"),
    ("status", "status"),
]


def rob_table(*, review: Review, user, progress: Progress) -> list[Table]:
    """One row per result: what was assessed, with which tool, each domain's consensus judgement and its
    support, the overall judgement, and who reconciled it."""
    progress("Reading the consensus judgements", 10)
    domains, rows = rob_table_rows(review=review)
    columns = list(TABLE_COLUMNS)
    for key in [*domains, OVERALL]:
        name = "Overall" if key == OVERALL else key
        columns += [(f"j_{key}", name), (f"s_{key}", f"{name} support")]
    columns.append(("reconciled_by", "reconciled by"))
    cells = [[row[key] for key, _name in columns] for row in rows]
    return [Table(name="risk-of-bias", columns=[name for _key, name in columns], rows=cells, count=len(rows))]


def robvis_table(*, review: Review, user, tool: str, progress: Progress) -> list[Table]:
    """robvis's columns for one tool (Study, D1…, Overall, Weight), as plots.robvis_csv writes them, for
    the reconciled results of that tool."""
    progress("Reading the consensus judgements", 10)
    rows = [
        row
        for row in results.review_results(review=review, form=services.get_form(review))
        if row.complete and row.tool.key == tool
    ]
    header, *lines = csv.reader(io.StringIO(robvis_csv([row.plotted() for row in rows], tool=tool)))
    return [Table(name=f"robvis-{tool}", columns=header, rows=lines, count=len(lines))]


# An answer's place (copy, result, question), then what the assessor gave.
ANSWER_COLUMNS = ("copy_id", "outcome__name", "outcome__time_point", "field__key")
ANSWER_COLUMNS += ("value", "comment", "report_id", "report__authors", "report__year", "page")


def answer_rows(*, review: Review, user) -> list[dict]:
    """Every answer of the copies `user` may see, one row per question, judgement and result, for the
    result's tool only (its other tools' questions are not part of the assessment)."""
    form = services.get_form(review)
    copies = visibility.visible_copies(user=user, review=review, form=form).select_related(
        "study", "reviewer"
    )
    visible = {
        c.pk: {
            "study": c.study.label,
            "assessor": c.reviewer.username,
            "status": c.status,
            "submitted_at": c.submitted_at.isoformat() if c.submitted_at else "",
        }
        for c in copies
    }
    values = (
        Value.objects.filter(copy_id__in=list(visible), outcome__isnull=False)
        .order_by(
            "copy__study__label",
            "copy__study_id",
            "outcome__position",
            "copy__reviewer__username",
            "field__position",
        )
        .values_list(*ANSWER_COLUMNS)
    )
    by_place: dict[tuple[int, str], list[tuple]] = defaultdict(list)
    tools: dict[tuple[int, str], str] = {}
    for value in values:
        place = (value[0], outcome_key(value[1], value[2]))
        if value[3] == TOOL_FIELD:
            tools[place] = value[4]
        by_place[place].append(value)
    specs = question_fields()
    rows = []
    for place, answers in by_place.items():
        if tools.get(place) is None:
            continue
        tool = load_tool(tools[place])
        judgements = {judgement_key(key): key for key in [*tool.domain_keys, OVERALL]}
        for copy_id, name, time_point, key, value, comment, report_id, authors, year, page in answers:
            spec = specs.get(key)
            if spec is not None and spec.tool == tool.key:
                section = "Preliminary" if spec.section == PRELIMINARY else spec.section
                question, text = f"{spec.variant} {spec.question.id}".strip(), spec.question.text
            elif key in judgements:
                section, question, text = judgements[key].replace(OVERALL, "Overall"), "judgement", ""
                value = Judgement(value).label if value not in (None, "", NOT_APPLICABLE) else value
            else:
                continue
            rows.append(
                {
                    **visible[copy_id],
                    "outcome": name,
                    "time_point": time_point,
                    "tool": tool.key,
                    "section": section,
                    "question": question,
                    "text": text,
                    "answer": value or "",
                    "support": comment,
                    "report": short_citation(authors=authors or [], year=year) if report_id else "",
                    "page": page,
                }
            )
    return rows


ANSWERS_TABLE = [
    ("study", "study"),
    ("outcome", "outcome"),
    ("time_point", "time point"),
    ("tool", "tool"),
    ("assessor", "assessor"),
    ("status", "status"),
    ("submitted_at", "submitted at"),
    ("section", "domain"),
    ("question", "question"),
    ("text", "question text"),
    ("answer", "answer"),
    ("support", "support"),
    ("report", "report"),
    ("page", "page"),
]


def answers_table(*, review: Review, user, progress: Progress) -> list[Table]:
    """Computed for `user`: their own answers, and others' only where blinding allows it for them."""
    progress("Reading the answers you may see", 10)
    rows = answer_rows(review=review, user=user)
    cells = [[row[key] for key, _name in ANSWERS_TABLE] for row in rows]
    columns = [name for _key, name in ANSWERS_TABLE]
    return [Table(name="rob-answers", columns=columns, rows=cells, count=len(rows), requester=user)]
