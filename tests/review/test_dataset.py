"""The review's dataset: one export of every app's dataset tables, a data dictionary, the diagram."""

from __future__ import annotations

import csv
import io
import zipfile

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from review import services as review_services
from review.exports import dataset as dataset_module
from review.exports import dataset_tables
from review.models import Record, Search
from review.prisma import PrismaCounts
from screening import services as screening

SHEETS = [
    "prisma",
    "studies",
    "records",
    "votes",
    "agreement",
    "extraction-consensus-wide",
    "extraction-consensus-long",
    "data-dictionary",
]


@pytest.fixture
def counted(monkeypatch):
    """PRISMA counts as review.prisma.flow will give them (the flow module is wired by the lead)."""
    counts = PrismaCounts(
        database_results=3,
        database_specific_results={"PubMed": 3},
        records_screened=3,
        records_excluded=1,
        records_awaiting_screening=2,
    )
    monkeypatch.setattr(dataset_module, "compute_flow", lambda review: counts)
    return counts


@pytest.fixture
def screened(review, reviewer, reviewer2, owner):
    from extraction import coding, versions
    from extraction.definitions import library_template
    from extraction.kinds import EXTRACTION

    search = Search.objects.create(review=review, source_name="PubMed")
    agreed, conflict, duplicate = Record.objects.bulk_create(
        [
            Record(review=review, search=search, title="=SUM(A1) agreed", authors=["Williams, N"], year=2018),
            Record(review=review, search=search, title="In conflict", authors=["Tiger, M"], year=2020),
            Record(review=review, search=search, title="Agreed (copy)", authors=["Williams, N"], year=2018),
        ]
    )
    duplicate.duplicate_of = agreed
    duplicate.save()
    for user in (reviewer, reviewer2):
        screening.cast_vote(
            review=review, record=agreed, stage="title_abstract", reviewer=user, verdict="include"
        )
    screening.cast_vote(
        review=review, record=conflict, stage="title_abstract", reviewer=reviewer, verdict="include"
    )
    screening.cast_vote(
        review=review, record=conflict, stage="title_abstract", reviewer=reviewer2, verdict="exclude"
    )
    versions.import_definition(
        kind=EXTRACTION, review=review, data=library_template("ketamine_depression"), user=owner, publish=True
    )
    study = review_services.ensure_study_for_report(record=agreed)
    coding.assign_study(kind=EXTRACTION, study=study, reviewers=[reviewer, reviewer2])
    return agreed, conflict, duplicate


def _sheets(data: bytes) -> dict[str, list[tuple]]:
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets}


def test_the_workbook_holds_every_table_and_a_dictionary_of_every_column(
    review, screened, reviewer, client_for, exported, counted
):
    sheets = _sheets(exported(client_for(reviewer), review, "review.dataset", "xlsx").data)
    assert list(sheets) == SHEETS
    described = {(table, column) for table, column, *_ in sheets["data-dictionary"][1:]}
    every_column = {(name, column) for name, rows in sheets.items() for column in rows[0]}
    assert described == every_column
    assert all(kind and meaning for _t, _c, kind, meaning in sheets["data-dictionary"][1:])
    prisma = {(row[0], row[1]): row[2] for row in sheets["prisma"][1:]}
    assert prisma["records_screened", None] == 3
    assert prisma["database_specific_results", "PubMed"] == 3
    agreed, conflict, duplicate = screened
    records = [dict(zip(sheets["records"][0], row, strict=True)) for row in sheets["records"][1:]]
    by_id = {row["record_id"]: row for row in records}
    assert by_id[agreed.pk]["title"] == "'=SUM(A1) agreed"  # escaped as in every export
    assert by_id[agreed.pk]["title_abstract_decision"] == "include"
    assert by_id[agreed.pk]["source"] == "PubMed"
    assert by_id[duplicate.pk]["duplicate_group"] == agreed.pk
    assert by_id[duplicate.pk]["is_duplicate"] == "yes"
    assert by_id[agreed.pk]["duplicate_group"] == agreed.pk
    agreed.refresh_from_db()
    assert by_id[agreed.pk]["study_id"] == agreed.study_id
    assert [row[2] for row in sheets["studies"][1:]] == [agreed.pk]


def test_blinding_holds_in_the_dataset(
    review, screened, reviewer, adjudicator, client_for, exported, counted
):
    """A reviewer sees neither the other vote of her conflict nor that it is one; the adjudicator sees both."""
    _agreed, conflict, _duplicate = screened
    for user, conflict_votes, status in ((reviewer, 1, "open"), (adjudicator, 2, "conflict")):
        sheets = _sheets(exported(client_for(user), review, "review.dataset", "xlsx").data)
        votes = [row for row in sheets["votes"][1:] if row[7] == conflict.pk]
        assert len(votes) == conflict_votes
        [record] = [row for row in sheets["records"][1:] if row[0] == conflict.pk]
        assert record[sheets["records"][0].index("title_abstract_status")] == status


def test_the_zip_holds_the_same_tables_as_csv_the_diagram_and_the_dictionary(
    review, screened, reviewer, client_for, exported, counted
):
    archive = zipfile.ZipFile(
        io.BytesIO(exported(client_for(reviewer), review, "review.dataset", "zip").data)
    )
    names = archive.namelist()
    assert names == [f"{sheet}.csv" for sheet in SHEETS] + ["prisma-diagram.svg", "prisma-diagram.png"]
    assert archive.read("prisma-diagram.png").startswith(b"\x89PNG")
    assert b"<svg" in archive.read("prisma-diagram.svg")
    dictionary = list(csv.reader(io.StringIO(archive.read("data-dictionary.csv").decode())))
    assert dictionary[0] == ["table", "column", "type", "meaning"]


def test_an_app_joins_the_dataset_by_offering_tables(review, reviewer, monkeypatch):
    """Risk of bias (or any app) needs no change to the dataset: its AppConfig hook is enough."""
    from django.apps import apps

    from review.exports import Table

    config = apps.get_app_config("extraction")
    offered = Table(name="rob-judgements", columns=["study"], rows=[], count=0)
    monkeypatch.setattr(config, "dataset_tables", lambda **kw: [offered], raising=False)
    tables = dataset_tables(review=review, user=reviewer, progress=lambda *a: None)
    assert offered in tables


def test_the_records_table_reads_in_chunks_with_a_bounded_number_of_queries(
    review, reviewer, monkeypatch, settings
):
    """Queries grow with the chunks, not the records: 10 records in chunks of 4 take 3 chunks."""
    from screening import dataset as screening_dataset

    monkeypatch.setattr(screening_dataset, "CHUNK_ROWS", 4)
    Record.objects.bulk_create([Record(review=review, title=f"R{i}") for i in range(10)])
    table = screening_dataset.records_table(review=review, user=reviewer)
    with CaptureQueriesContext(connection) as queries:
        rows = list(table.rows)
    assert len(rows) == 10
    assert len(queries) <= 3 * 2 + 2
