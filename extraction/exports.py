"""The extraction tables: the consensus (wide and long) and every reviewer's raw copy, as Tables for
background export jobs (review/exports/); apps.py registers them. Each form kind has its own (`kind`,
apps.py). Each reads narrow rows in chunks as the file is written, in a number of queries that does not
grow with the studies or fields. Blinding holds here too, by extraction/visibility.py: a raw copy is only
exported for its own reviewer until every copy of its study is submitted, and never to viewers."""

from __future__ import annotations

from dataclasses import replace
from itertools import groupby

from extraction import versions, visibility
from extraction.comparison import export_value
from extraction.constants import FieldLevel, Provenance
from extraction.kinds import FormKind
from extraction.models import ConsensusValue, Value
from review.exports import Progress, Stream, Table
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
    """Every consensus cell of the review, one consensus after another; read as flat dicts of the columns
    above (no model instances: an export of 500 studies has tens of thousands of cells)."""
    form = versions.get_form(review=review, kind=kind)
    return ConsensusValue.objects.filter(consensus__study__review=review, consensus__form=form).order_by(
        "consensus__study__label", "consensus__study_id", "position"
    )


CONSENSUS_LONG_COLUMNS = [
    "study",
    "section",
    "field",
    "label",
    "level",
    "arm",
    "outcome",
    "time point",
    "measure",
    "value",
    "unit",
    "provenance",
    "to reconcile",
    "source",
    "decided by",
    "note",
    "form version",
]


def to_reconcile(cv: dict) -> str:
    """“yes” where the reviewers disagreed and nobody has chosen yet: the value is not final (it is blank)."""
    return "yes" if cv["provenance"] == Provenance.PENDING else ""


def consensus_long_table(*, review: Review, kind: FormKind) -> Table:
    """The consensus in long form: one row per study, field, arm and outcome, with provenance."""
    values = Stream(consensus_values(review=review, kind=kind), *CONSENSUS_COLUMNS, as_dicts=True)
    rows = (
        (
            cv["consensus__study__label"],
            cv["field__section"],
            cv["field__key"],
            cv["field__label"],
            cv["field__level"],
            cv["arm_name"],
            cv["outcome_name"],
            cv["time_point"],
            cv["measure"],
            export_value(cv["field__field_type"], cv["value"]),
            cv["field__unit"],
            cv["provenance"],
            to_reconcile(cv),
            _source(cv),
            cv["decided_by__username"] or "",
            cv["note"],
            cv["consensus__version__number"],
        )
        for cv in values
    )
    return Table(name="consensus-long", columns=CONSENSUS_LONG_COLUMNS, rows=rows, count=values.count())


def consensus_wide_table(*, review: Review, kind: FormKind) -> Table:
    """The consensus as one row per study: each study-level field, then where its value came from."""
    values = consensus_values(review=review, kind=kind).filter(field__level=FieldLevel.STUDY)
    # Columns in the newest version's order; fields only older versions had come after.
    order: dict[str, tuple[int, int]] = {}
    for key, version, position in (
        values.order_by()
        .values_list("field__key", "consensus__version__number", "field__position")
        .distinct()
    ):
        candidate = (-version, position)
        order[key] = min(order.get(key, candidate), candidate)
    keys = sorted(order, key=order.__getitem__)
    columns = ["study"]
    for key in keys:
        columns += [key, f"{key} (source)"]

    by_study = Stream(values, *CONSENSUS_COLUMNS, group="consensus_id", as_dicts=True)

    def rows():
        for _consensus, cells in groupby(by_study, key=lambda cv: cv["consensus_id"]):
            cells = list(cells)  # one study's study-level answers
            answers = {cv["field__key"]: cv for cv in cells}
            row = [cells[0]["consensus__study__label"]]
            for key in keys:
                cv = answers.get(key)
                row += [export_value(cv["field__field_type"], cv["value"]), _source(cv)] if cv else ["", ""]
            pending = [key for key in keys if key in answers and to_reconcile(answers[key])]
            yield [*row, "; ".join(pending), cells[0]["consensus__version__number"]]

    count = by_study.count()
    return Table(
        name="consensus-wide", columns=[*columns, "to reconcile", "form version"], rows=rows(), count=count
    )


RAW_COLUMNS = [
    "study",
    "reviewer",
    "status",
    "submitted at",
    "form version",
    "section",
    "field",
    "arm",
    "outcome",
    "time point",
    "measure",
    "value",
    "comment",
    "report",
    "page",
]


def raw_copies_table(*, review: Review, user, kind: FormKind) -> Table:
    """The raw copies `user` may see, one row per answer as entered."""
    form = versions.get_form(review=review, kind=kind)
    copies = (
        visibility.visible_copies(user=user, review=review, form=form)
        .select_related("study", "reviewer", "version")
        .only(
            "study",
            "reviewer",
            "version",
            "status",
            "submitted_at",
            "study__label",
            "reviewer__username",
            "version__number",
        )
    )
    visible = {
        c.pk: (
            c.study.label,
            c.reviewer.username,
            c.status,
            c.submitted_at,
            c.version.number,
        )
        for c in copies
    }
    values = Stream(
        Value.objects.filter(copy_id__in=list(visible)).order_by(
            "copy__study__label",
            "copy__study_id",
            "copy__reviewer__username",
            "field__position",
            "arm__position",
            "outcome__position",
        ),
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
    citations: dict[int, str] = {}

    def citation(report_id: int | None, authors: list[str] | None, year: int | None) -> str:
        if report_id is None:
            return ""
        if report_id not in citations:
            citations[report_id] = short_citation(authors=authors or [], year=year)
        return citations[report_id]

    rows = (
        (
            *visible[copy_id],
            section,
            key,
            arm or "",
            outcome or "",
            time_point or "",
            measure or "",
            export_value(field_type, value),
            comment,
            citation(report_id, authors, year),
            page,
        )
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
            authors,
            year,
            page,
        ) in values
    )
    return Table(name="raw-copies", columns=RAW_COLUMNS, rows=rows, count=values.count(), requester=user)


def consensus_wide_tables(*, review: Review, user, kind: FormKind, progress: Progress) -> list[Table]:
    return [consensus_wide_table(review=review, kind=kind)]


def consensus_long_tables(*, review: Review, user, kind: FormKind, progress: Progress) -> list[Table]:
    return [consensus_long_table(review=review, kind=kind)]


def raw_copies_tables(*, review: Review, user, kind: FormKind, progress: Progress) -> list[Table]:
    """Computed for `user`: their own copies, and the others' only where blinding allows it for them."""
    return [raw_copies_table(review=review, user=user, kind=kind)]


LONG_MEANINGS = {
    "study": ("text", "The study's label."),
    "section": ("text", "The form's section holding the question."),
    "field": ("text", "The question's key in the form."),
    "label": ("text", "The question as the form asks it."),
    "level": ("text", "study, arm, outcome or arm-and-outcome: what one answer is about."),
    "arm": ("text", "The arm the answer is about, if any."),
    "outcome": ("text", "The outcome the answer is about, if any."),
    "time point": ("text", "The outcome's time point, if any."),
    "measure": ("text", "The outcome's measure, if any."),
    "value": ("text or number", "The agreed answer."),
    "unit": ("text", "The question's unit, if any."),
    "provenance": (
        "text",
        "Where the answer came from: agreed, one reviewer's, entered at consensus, or pending (still to "
        "reconcile).",
    ),
    "to reconcile": (
        "text",
        "“yes” where the reviewers disagreed and no reconciler has chosen yet: the value is blank, not final.",
    ),
    "source": ("text", "The provenance in words, with the reviewer or person who chose it."),
    "decided by": ("text", "Who chose the answer at consensus, if anyone."),
    "note": ("text", "Why it was chosen."),
    "form version": ("integer", "The version of the form the consensus answers."),
}


def dataset_tables(*, review: Review, kind: FormKind) -> list[Table]:
    """The kind's consensus, wide and long, for the review's dataset (named after the kind, so every kind's
    tables sit side by side); a review without this kind's form offers none."""
    if versions.get_form(review=review, kind=kind) is None:
        return []
    long, wide = (
        consensus_long_table(review=review, kind=kind),
        consensus_wide_table(review=review, kind=kind),
    )
    wide_meanings = {
        "study": LONG_MEANINGS["study"],
        "to reconcile": (
            "text",
            "The study-level questions (keys, separated by “; ”) whose reviewers disagreed and that no "
            "reconciler has decided yet: their columns are blank, not final.",
        ),
        "form version": LONG_MEANINGS["form version"],
    }
    for column in wide.columns[1:-2]:
        if column.endswith(" (source)"):
            wide_meanings[column] = ("text", f"Where the answer to “{column[:-9]}” came from.")
        else:
            wide_meanings[column] = (
                "text or number",
                f"The agreed answer to the form's question “{column}”.",
            )
    return [
        replace(wide, name=f"{kind.slug}-consensus-wide", dictionary=wide_meanings),
        replace(long, name=f"{kind.slug}-consensus-long", dictionary=LONG_MEANINGS),
    ]
