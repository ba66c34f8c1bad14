"""The extraction tables as files: the consensus (wide and long) and every reviewer's raw copy. Queries do
not grow with the number of studies or fields. Blinding holds here too: a raw copy is only exported for
its own reviewer until every copy of its study is submitted, and never to viewers."""

from __future__ import annotations

import io
from collections import defaultdict

from extraction import services
from extraction.comparison import display_value
from extraction.constants import FieldLevel, Provenance
from extraction.models import ConsensusValue, ExtractionCopy, Value
from extraction.resources import ConsensusLongResource, ConsensusWideResource, RawCopiesResource
from review.models import Review

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
TABLES = ("consensus-wide", "consensus-long", "raw-copies")


class UnknownExport(Exception):
    pass


def _source(row: dict) -> str:
    if row["provenance"] == Provenance.REVIEWER and row["source_copy__reviewer__username"]:
        return f"taken from {row['source_copy__reviewer__username']}"
    if row["provenance"] == Provenance.ENTERED:
        return f"entered by {row['decided_by__username'] or 'unknown'}"
    return PROVENANCE_LABELS.get(row["provenance"], row["provenance"]).lower()


PROVENANCE_LABELS = dict(Provenance.choices)
CONSENSUS_COLUMNS = (
    "consensus_id",
    "consensus__study__label",
    "consensus__version__number",
    "field__key",
    "field__label",
    "field__section",
    "field__level",
    "field__unit",
    "field__position",
    "arm_name",
    "outcome_name",
    "time_point",
    "measure",
    "value",
    "provenance",
    "source_copy__reviewer__username",
    "decided_by__username",
    "note",
)


def consensus_values(*, review: Review):
    """Every consensus cell of the review as flat dicts, in one query (no model instances: an export of
    500 studies has tens of thousands of cells)."""
    form = services.get_form(review=review)
    return (
        ConsensusValue.objects.filter(consensus__study__review=review, consensus__form=form)
        .order_by("consensus__study__label", "consensus__study_id", "position")
        .values(*CONSENSUS_COLUMNS)
    )


def consensus_long_rows(*, review: Review) -> list[dict]:
    return [
        {
            "study": cv["consensus__study__label"],
            "section": cv["field__section"],
            "field": cv["field__key"],
            "label": cv["field__label"],
            "level": cv["field__level"],
            "arm": cv["arm_name"],
            "outcome": cv["outcome_name"],
            "time_point": cv["time_point"],
            "measure": cv["measure"],
            "value": display_value(cv["value"]),
            "unit": cv["field__unit"],
            "provenance": cv["provenance"],
            "source": _source(cv),
            "decided_by": cv["decided_by__username"] or "",
            "note": cv["note"],
            "form_version": cv["consensus__version__number"],
        }
        for cv in consensus_values(review=review)
    ]


def consensus_wide_rows(*, review: Review) -> tuple[list[str], list[dict]]:
    """(study-level field keys in form order, one dict per study)."""
    rows: dict[int, dict] = {}
    keys: dict[str, tuple[int, int]] = {}
    for cv in consensus_values(review=review).filter(field__level=FieldLevel.STUDY):
        key = cv["field__key"]
        row = rows.setdefault(
            cv["consensus_id"],
            {"study": cv["consensus__study__label"], "form_version": cv["consensus__version__number"]},
        )
        # Newest version's order first; fields only older versions had come after.
        keys.setdefault(key, (-cv["consensus__version__number"], cv["field__position"]))
        row[f"v_{key}"] = display_value(cv["value"])
        row[f"s_{key}"] = _source(cv)
    ordered = sorted(keys, key=lambda k: keys[k])
    return ordered, list(rows.values())


def raw_rows(*, review: Review, user) -> list[dict]:
    form = services.get_form(review=review)
    copies = list(
        ExtractionCopy.objects.filter(form=form, study__review=review).select_related(
            "study", "reviewer", "version"
        )
    )
    by_study: dict[int, list[ExtractionCopy]] = defaultdict(list)
    for copy in copies:
        by_study[copy.study_id].append(copy)
    can_write = user.has_perm("review.write", review)
    visible = {
        c.pk: c
        for c in copies
        if c.reviewer_id == user.pk or (can_write and services.all_submitted(by_study[c.study_id]))
    }
    values = (
        Value.objects.filter(copy_id__in=list(visible))
        .select_related("field", "arm", "outcome", "report")
        .order_by(
            "copy__study__label",
            "copy__study_id",
            "copy__reviewer__username",
            "field__position",
            "arm__position",
            "outcome__position",
        )
    )
    rows = []
    for v in values:
        copy = visible[v.copy_id]
        rows.append(
            {
                "study": copy.study.label,
                "reviewer": copy.reviewer.username,
                "status": copy.status,
                "submitted_at": copy.submitted_at.isoformat() if copy.submitted_at else "",
                "form_version": copy.version.number,
                "section": v.field.section,
                "field": v.field.key,
                "arm": v.arm.name if v.arm else "",
                "outcome": v.outcome.name if v.outcome else "",
                "time_point": v.outcome.time_point if v.outcome else "",
                "measure": v.outcome.measure if v.outcome else "",
                "value": display_value(v.value),
                "comment": v.comment,
                "report": v.report.short_citation if v.report else "",
                "page": v.page,
            }
        )
    return rows


def build_dataset(*, review: Review, user, table: str):
    if table == "consensus-long":
        return ConsensusLongResource().export(consensus_long_rows(review=review))
    if table == "consensus-wide":
        keys, rows = consensus_wide_rows(review=review)
        return ConsensusWideResource(field_keys=keys).export(rows)
    if table == "raw-copies":
        return RawCopiesResource().export(raw_rows(review=review, user=user))
    raise UnknownExport(f"No export called “{table}”; choose one of {', '.join(TABLES)}.")


def _xlsx(dataset, *, title: str) -> bytes:
    """The dataset as an XLSX workbook, written in openpyxl's streaming mode: tablib's own XLSX writer
    builds every cell as an object and took 15 s for the long consensus of 500 studies."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31])
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for name in dataset.headers:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in dataset:
        sheet.append([None if v == "" else v for v in row])  # empty cells are not written at all
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def export_table(*, review: Review, user, table: str, fmt: str) -> tuple[bytes, str, str]:
    """(file content, content type, file name) of one table in CSV or XLSX."""
    if fmt not in CONTENT_TYPES:
        raise UnknownExport(f"No format “{fmt}”; choose csv or xlsx.")
    dataset = build_dataset(review=review, user=user, table=table)
    content = _xlsx(dataset, title=table) if fmt == "xlsx" else dataset.export(fmt)
    if isinstance(content, str):
        content = content.encode("utf-8")
    return content, CONTENT_TYPES[fmt], f"{review.slug}-{table}.{fmt}"
