"""The votes export: formulas in notes are escaped, and the job reads only the columns it writes in a
fixed number of queries."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from review.exports.jobs import start_export
from review.models import ExportJob

pytestmark = pytest.mark.django_db


def test_a_formula_in_a_note_is_escaped_in_the_votes_file(
    review, reviewer, reviewer2, owner, make_records, vote, client_for, exported
):
    (record,) = make_records(1)
    vote(record, reviewer, "include", note='=HYPERLINK("x")')
    vote(record, reviewer2, "include", note="-12.5")
    client = client_for(owner)
    text = exported(client, review, "screening.votes", "csv").data.decode()
    assert ',"\'=HYPERLINK(""x"")",' in text and ",-12.5," in text
    xlsx = exported(client, review, "screening.votes", "xlsx").data
    notes = [row[5] for row in openpyxl.load_workbook(io.BytesIO(xlsx)).active.iter_rows(values_only=True)]
    assert notes == ["note", '\'=HYPERLINK("x")', "-12.5"]


@pytest.mark.parametrize(("file_format", "queries"), [("csv", 17), ("xlsx", 18)])
def test_the_votes_export_reads_only_the_columns_it_writes(
    review, reviewer, reviewer2, make_records, vote, export_media, file_format, queries
):
    for record in make_records(3, raw_entry="TY  - JOUR\nER  - "):
        vote(record, reviewer, "include")
        vote(record, reviewer2, "exclude")
    job = start_export(review=review, user=reviewer, kind="screening.votes", file_format=file_format)
    with CaptureQueriesContext(connection) as context:
        assert ExportJob.run(job.pk)["status"] == "done"
    assert len(context.captured_queries) == queries
    sql = "\n".join(q["sql"] for q in context.captured_queries)
    assert '"abstract"' not in sql and '"raw_entry"' not in sql  # the record's title and identifiers only
