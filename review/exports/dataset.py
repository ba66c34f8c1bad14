"""The review's dataset: one background export of every table each app offers for it (the AppConfig
`dataset_tables()` hook, gathered by `review.exports.dataset_tables`), as an XLSX workbook or a ZIP of CSV
files that also holds the PRISMA diagram (SVG, PNG) and the data dictionary: one row per column of every
table, with its type and meaning. This module offers the review app's own tables (the PRISMA counts, the
studies and their reports); screening, extraction and any later app (risk of bias) add theirs."""

from __future__ import annotations

from dataclasses import replace

from review.exports import Exporter, Progress, Stream, Table, dataset_tables
from review.models import Record, Review, short_citation
from review.prisma import BREAKDOWNS, PrismaCounts
from review.prisma.diagram import flow_diagram
from review.prisma.flow import prisma_counts

DICTIONARY_COLUMNS = {
    "table": ("text", "The table (sheet, or CSV file) the column belongs to."),
    "column": ("text", "The column's name, as in its table's first row."),
    "type": ("text", "What the column holds: text, integer, number, date, date-time or yes/no."),
    "meaning": ("text", "What the column says."),
}
PRISMA_COLUMNS = {
    "identifier": ("text", "The PRISMA2020 R package's identifier of the box (e.g. records_screened)."),
    "label": ("text", "For a breakdown (per database, per exclusion reason), the line's label; else empty."),
    "n": ("integer", "The number in the box, or on the line."),
}
STUDY_COLUMNS = {
    "study_id": ("integer", "The study's id in this review."),
    "study": ("text", "How the team names the study, e.g. “Williams 2018”."),
    "record_id": ("integer", "The id of one of its reports (a record; see the records table)."),
    "citation": ("text", "The report's first author and year."),
    "title": ("text", "The report's title."),
    "doi": ("text", "The report's DOI."),
    "pmid": ("text", "The report's PubMed identifier."),
}


def compute_flow(review: Review) -> PrismaCounts:
    """The review's PRISMA counts (review.prisma.flow)."""
    return prisma_counts(review)


def prisma_table(counts: PrismaCounts) -> Table:
    rows: list[tuple] = []
    for identifier, value in counts.prisma2020_values().items():
        if identifier in BREAKDOWNS:
            rows += [(identifier, label, n) for label, n in value.items()]
        else:
            rows.append((identifier, "", value))
    return Table(
        name="prisma", columns=list(PRISMA_COLUMNS), rows=rows, count=len(rows), dictionary=PRISMA_COLUMNS
    )


def studies_table(review: Review) -> Table:
    reports = Stream(
        Record.objects.for_review(review)
        .filter(study__isnull=False)
        .order_by("study__label", "study_id", "id"),
        "study_id",
        "study__label",
        "id",
        "authors",
        "year",
        "title",
        "doi",
        "pmid",
    )
    rows = (
        (study_id, study, record_id, _citation(authors, year), title, doi, pmid)
        for study_id, study, record_id, authors, year, title, doi, pmid in reports
    )
    return Table(
        name="studies",
        columns=list(STUDY_COLUMNS),
        rows=rows,
        count=reports.count(),
        dictionary=STUDY_COLUMNS,
    )


def _citation(authors: list[str], year: int | None) -> str:
    return short_citation(authors=authors, year=year)


def review_tables(*, review: Review, user, progress: Progress) -> list[Table]:
    """The review app's own part of the dataset."""
    return [prisma_table(compute_flow(review)), studies_table(review)]


def data_dictionary(tables: list[Table]) -> Table:
    """One row per column of every table (its own included): table, column, type, meaning."""
    rows = [
        (table.name, column, *table.dictionary.get(column, ("text", "")))
        for table in tables
        for column in table.columns
    ]
    rows += [("data-dictionary", column, *meaning) for column, meaning in DICTIONARY_COLUMNS.items()]
    return Table(name="data-dictionary", columns=list(DICTIONARY_COLUMNS), rows=rows, count=len(rows))


def dataset(*, review: Review, user, progress: Progress) -> list[Table]:
    progress("Gathering the tables", 10)
    tables = dataset_tables(review=review, user=user, progress=progress)
    # Blinded tables make the whole file the requester's: say so on every table.
    requester = user if any(t.requester is not None for t in tables) else None
    tables = [replace(t, requester=requester) for t in tables]
    return [*tables, replace(data_dictionary(tables), requester=requester)]


def diagram_files(*, review: Review, user) -> list[tuple[str, bytes]]:
    counts = compute_flow(review)
    return [(f"prisma-diagram.{fmt}", flow_diagram(counts, fmt=fmt)) for fmt in ("svg", "png")]


DATASET = Exporter(
    kind="review.dataset",
    label="The dataset: every table, the PRISMA diagram and a data dictionary",
    file_stem="dataset",
    tables=dataset,
    formats=("xlsx", "zip"),
    personal=True,  # it holds the votes the requester may see
    attachments=diagram_files,
)
