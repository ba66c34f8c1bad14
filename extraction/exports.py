"""The extraction tables as files: the consensus (wide and long) and every reviewer's raw copy. They run
as background export jobs (review/exports/); apps.py registers them. Queries do not grow with the number
of studies or fields. Each form kind has its own (`kind`, apps.py). Blinding holds here too, by
extraction/visibility.py: a raw copy is only exported for its own reviewer until every copy of its study
is submitted, and never to viewers."""

from __future__ import annotations

from typing import BinaryIO

from extraction import versions, visibility
from extraction.comparison import export_value
from extraction.constants import FieldLevel, Provenance
from extraction.kinds import FormKind
from extraction.models import ConsensusValue, Value
from extraction.resources import ConsensusLongResource, ConsensusWideResource, RawCopiesResource
from review.exports.tables import Progress, write_table
from review.models import Review, short_citation


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
    "field__field_type",
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


def consensus_values(*, review: Review, kind: FormKind):
    """Every consensus cell of the review as flat dicts, in one query (no model instances: an export of
    500 studies has tens of thousands of cells)."""
    form = versions.get_form(review=review, kind=kind)
    return (
        ConsensusValue.objects.filter(consensus__study__review=review, consensus__form=form)
        .order_by("consensus__study__label", "consensus__study_id", "position")
        .values(*CONSENSUS_COLUMNS)
    )


def consensus_long_rows(*, review: Review, kind: FormKind) -> list[dict]:
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
            "value": export_value(cv["field__field_type"], cv["value"]),
            "unit": cv["field__unit"],
            "provenance": cv["provenance"],
            "source": _source(cv),
            "decided_by": cv["decided_by__username"] or "",
            "note": cv["note"],
            "form_version": cv["consensus__version__number"],
        }
        for cv in consensus_values(review=review, kind=kind)
    ]


def consensus_wide_rows(*, review: Review, kind: FormKind) -> tuple[list[str], list[dict]]:
    """(study-level field keys in form order, one dict per study)."""
    rows: dict[int, dict] = {}
    keys: dict[str, tuple[int, int]] = {}
    for cv in consensus_values(review=review, kind=kind).filter(field__level=FieldLevel.STUDY):
        key = cv["field__key"]
        row = rows.setdefault(
            cv["consensus_id"],
            {"study": cv["consensus__study__label"], "form_version": cv["consensus__version__number"]},
        )
        # Newest version's order first; fields only older versions had come after.
        keys.setdefault(key, (-cv["consensus__version__number"], cv["field__position"]))
        row[f"v_{key}"] = export_value(cv["field__field_type"], cv["value"])
        row[f"s_{key}"] = _source(cv)
    ordered = sorted(keys, key=lambda k: keys[k])
    return ordered, list(rows.values())


RAW_COLUMNS = (
    "copy_id",
    "field__section",
    "field__key",
    "field__field_type",
    "arm__name",
    "outcome__name",
    "outcome__time_point",
    "outcome__measure",
    "value",
    "comment",
    "report_id",
    "report__authors",
    "report__year",
    "page",
)


def raw_rows(*, review: Review, user, kind: FormKind) -> list[dict]:
    """The raw copies `user` may see, one row per answer. Values are read as flat tuples: an export of 500
    studies has a hundred thousand of them, and model instances took ten seconds."""
    form = versions.get_form(review=review, kind=kind)
    copies = visibility.visible_copies(user=user, review=review, form=form).select_related(
        "study", "reviewer", "version"
    )
    visible = {
        c.pk: {
            "study": c.study.label,
            "reviewer": c.reviewer.username,
            "status": c.status,
            "submitted_at": c.submitted_at.isoformat() if c.submitted_at else "",
            "form_version": c.version.number,
        }
        for c in copies
    }
    values = (
        Value.objects.filter(copy_id__in=list(visible))
        .order_by(
            "copy__study__label",
            "copy__study_id",
            "copy__reviewer__username",
            "field__position",
            "arm__position",
            "outcome__position",
        )
        .values_list(*RAW_COLUMNS)
    )
    citations: dict[int, str] = {}
    rows = []
    for (
        copy_id,
        section,
        key,
        field_type,
        arm,
        outcome,
        time_point,
        measure,
        value,
        comment,
        report_id,
        report_authors,
        report_year,
        page,
    ) in values:
        if report_id is not None and report_id not in citations:
            citations[report_id] = short_citation(authors=report_authors or [], year=report_year)
        rows.append(
            {
                **visible[copy_id],
                "section": section,
                "field": key,
                "arm": arm or "",
                "outcome": outcome or "",
                "time_point": time_point or "",
                "measure": measure or "",
                "value": export_value(field_type, value),
                "comment": comment,
                "report": citations.get(report_id, ""),
                "page": page,
            }
        )
    return rows


def write_consensus_wide(
    *, review: Review, user, kind: FormKind, file_format: str, out: BinaryIO, progress: Progress
) -> int:
    progress("Reading the consensus", 10)
    keys, rows = consensus_wide_rows(review=review, kind=kind)
    resource = ConsensusWideResource(field_keys=keys)
    return write_table(
        out=out,
        file_format=file_format,
        resource=resource,
        rows=rows,
        title="consensus-wide",
        progress=progress,
    )


def write_consensus_long(
    *, review: Review, user, kind: FormKind, file_format: str, out: BinaryIO, progress: Progress
) -> int:
    progress("Reading the consensus", 10)
    rows = consensus_long_rows(review=review, kind=kind)
    return write_table(
        out=out,
        file_format=file_format,
        resource=ConsensusLongResource(),
        rows=rows,
        title="consensus-long",
        progress=progress,
    )


def write_raw_copies(
    *, review: Review, user, kind: FormKind, file_format: str, out: BinaryIO, progress: Progress
) -> int:
    """Computed for `user`: their own copies, and the others' only where blinding allows it for them."""
    progress("Reading the copies you may see", 10)
    rows = raw_rows(review=review, user=user, kind=kind)
    return write_table(
        out=out,
        file_format=file_format,
        resource=RawCopiesResource(),
        rows=rows,
        title="raw-copies",
        progress=progress,
    )
