"""RIS out: every field we import comes back, field by field, through our own importer; the export
reads only the columns it writes, in a number of queries that does not grow."""

from __future__ import annotations

import pytest
import rispy
from django.db import connection
from django.test.utils import CaptureQueriesContext

from review.importers import import_search_file
from review.models import Record, Review
from review.ris_export import RIS_FIELDS, write_ris

pytestmark = pytest.mark.django_db

COMPARED = [f for f in RIS_FIELDS if f != "id"]


def make_full_records(review: Review) -> list[Record]:
    return [
        Record.objects.create(
            review=review,
            title="Attenuation of antidepressant effects of ketamine by opioid receptor antagonism",
            abstract="Objective: The authors investigated whether opioid receptor activation is necessary.",
            authors=["Williams, Nolan R.", "Heifets, Boris D.", "Schatzberg, Alan F."],
            year=2018,
            journal="American Journal of Psychiatry",
            volume="175",
            issue="12",
            pages="1205-1215",
            doi="10.1176/appi.ajp.2018.18020138",
            pmid="30153752",
            keywords=["Ketamine", "Naltrexone", "Depression; treatment-resistant"],
            url="https://psychiatryonline.org/doi/10.1176/appi.ajp.2018.18020138",
            language="eng",
        ),
        # Pages that are not a plain range, no PMID, a title with a colon and accents, a single author.
        Record.objects.create(
            review=review,
            title="Ketamine: a PET study of 5-HT1B receptors – São Paulo cohort",
            abstract="",
            authors=["Tiger, Mikael"],
            year=2020,
            journal="Translational Psychiatry",
            volume="10",
            pages="e159",
            doi="10.1038/s41398-020-0844-4",
            language="English",
        ),
        # Almost nothing known.
        Record.objects.create(review=review, title="Untitled conference abstract"),
    ]


def test_every_imported_field_comes_back_through_our_importer(review, owner, tmp_path, settings):
    from io import StringIO

    from review import services

    settings.MEDIA_ROOT = tmp_path
    originals = make_full_records(review)
    out = StringIO()
    assert write_ris(Record.objects.for_review(review).order_by("id"), out) == 3
    target = services.create_review(slug="copy", title="Copy", owner=owner)
    result = import_search_file(
        review=target, data=out.getvalue().encode(), file_name="out.ris", source_name="Concord"
    )
    assert result.imported == 3 and not result.errors
    copies = list(Record.objects.for_review(target).order_by("id"))
    for original, copy in zip(originals, copies, strict=True):
        for name in COMPARED:
            assert getattr(copy, name) == getattr(original, name), (original.pk, name)


def test_reference_managers_read_the_usual_tags(review):
    from io import StringIO

    make_full_records(review)
    out = StringIO()
    write_ris(Record.objects.for_review(review).order_by("id"), out)
    first = rispy.loads(out.getvalue())[0]
    assert (first["start_page"], first["end_page"]) == ("1205", "1215")
    assert first["secondary_title"] == "American Journal of Psychiatry"
    assert (first["accession_number"], first["name_of_database"]) == ("30153752", "PubMed")
    assert first["authors"] == ["Williams, Nolan R.", "Heifets, Boris D.", "Schatzberg, Alan F."]
    assert not out.getvalue().startswith("1.")  # no entry numbers before TY


def test_a_line_break_inside_a_value_becomes_a_space(review):
    from io import StringIO

    Record.objects.create(
        review=review, title="Paragraphs", abstract="Background: one.\n\nMethods: two.\nER  - x"
    )
    out = StringIO()
    write_ris(Record.objects.for_review(review), out)
    entry = rispy.loads(out.getvalue())[0]
    assert entry["abstract"] == "Background: one. Methods: two. ER - x"


@pytest.mark.parametrize("n", [5, 60])
def test_the_export_reads_only_its_columns_in_one_query(review, n):
    from io import StringIO

    for i in range(n):
        Record.objects.create(review=review, title=f"Trial {i}", raw_entry="TY  - JOUR\nSECRET-RAW\nER  - ")
    with CaptureQueriesContext(connection) as queries:
        write_ris(Record.objects.for_review(review), StringIO())
    assert len(queries) == 1
    sql = queries[0]["sql"]
    assert "raw_entry" not in sql and "title_key" not in sql and "created_at" not in sql
