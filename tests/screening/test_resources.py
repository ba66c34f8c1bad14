from __future__ import annotations

import io
from io import StringIO

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from screening.models import ScreeningDecision, Vote
from screening.resources import import_votes

pytestmark = pytest.mark.django_db

HEADER = "record,reviewer,stage,verdict,reason,note,time\n"


def test_import_csv_by_doi_pmid_and_id(review, owner, reviewer, reviewer2, make_records):
    a, b, c = make_records(3)
    b.doi, b.pmid = "", "12345"
    b.save()
    data = (
        HEADER
        + f"{a.doi},reviewer,title_abstract,include,,looks right,2025-01-02T03:04:05Z\n"
        + f"{a.doi.upper()},reviewer2,title_abstract,maybe,,,\n"
        + "12345,reviewer,title_abstract,exclude,,,\n"
        + f"{c.pk},reviewer,title_abstract,EXCLUDE,,,\n"
        + f"{a.doi},reviewer,full_text,exclude,Wrong population,,2025-02-01 10:00\n"
    )
    assert import_votes(review=review, data=data.encode(), file_name="votes.csv", by=owner) == 5
    first = Vote.objects.get(record=a, reviewer=reviewer, stage="title_abstract")
    assert (first.verdict, first.note, first.created_at.isoformat()) == (
        "include",
        "looks right",
        "2025-01-02T03:04:05+00:00",
    )
    assert ScreeningDecision.objects.get(record=a, stage="title_abstract").status == "included"
    assert Vote.objects.get(record=a, stage="full_text").reason.label == "Wrong population"


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            "10.1000/none,reviewer,title_abstract,include,,,",
            "row 3: no unique record in this review has DOI, PMID or id “10.1000/none”",
        ),
        ("{doi},stranger,title_abstract,include,,,", "row 3: reviewer “stranger” is not a member"),
        ("{doi},reviewer,title_abstract,perhaps,,,", "row 3: Unknown verdict “perhaps”"),
        ("{doi},reviewer,screening,include,,,", "row 3: Unknown stage “screening”"),
        (
            "{doi},reviewer,title_abstract,exclude,Too short,,",
            "row 3: reason “Too short” is not in this review",
        ),
        ("{doi},reviewer,title_abstract,include,,,yesterday", "row 3: time “yesterday” is not a date"),
        ("{doi},viewer,title_abstract,include,,,", "row 3: viewer is not a reviewer"),
    ],
)
def test_a_bad_row_is_named_and_nothing_is_imported(
    review, owner, reviewer, viewer, make_records, row, message
):
    a, b = make_records(2)
    data = HEADER + f"{b.doi},reviewer,title_abstract,include,,,\n" + row.format(doi=a.doi) + "\n"
    with pytest.raises(ValidationError) as caught:
        import_votes(review=review, data=data.encode(), file_name="votes.csv", by=owner)
    assert message in caught.value.messages[0] and "Nothing was imported" in caught.value.messages[0]
    assert "“votes.csv”" in caught.value.messages[0]
    assert not Vote.objects.exists() and not ScreeningDecision.objects.exists()


def test_missing_columns_and_wrong_format(review, owner, make_records):
    with pytest.raises(ValidationError, match="lacks the column"):
        import_votes(review=review, data=b"record,reviewer\nx,y\n", file_name="votes.csv", by=owner)
    with pytest.raises(ValidationError, match=r"come as \.csv or \.xlsx"):
        import_votes(review=review, data=b"", file_name="votes.ods", by=owner)


def test_xlsx_round_trip_through_the_export(
    review, reviewer, reviewer2, make_records, vote, client_for, owner, exported
):

    from review import services as review_services

    records = make_records(3)
    for r in records:
        vote(r, reviewer, "include", note=f"n{r.pk}")
        vote(r, reviewer2, "include")
    xlsx = exported(client_for(owner), review, "screening.votes", "xlsx").data
    rows = list(openpyxl.load_workbook(io.BytesIO(xlsx)).active.iter_rows(values_only=True))
    assert rows[0][:7] == ("record", "reviewer", "stage", "verdict", "reason", "note", "time")
    assert len(rows) == 7
    other = review_services.create_review(slug="copy", title="Copy", owner=owner)
    for user in (reviewer, reviewer2):
        review_services.add_member(review=other, user=user, role="reviewer")
    from review.models import Record

    Record.objects.bulk_create([Record(review=other, title=r.title, doi=r.doi) for r in records])
    assert import_votes(review=other, data=xlsx, file_name="votes.xlsx", by=owner) == 6
    assert ScreeningDecision.objects.filter(review=other, status="included").count() == 3


def test_import_votes_command(review, reviewer, make_records, tmp_path):
    (a,) = make_records(1)
    good = tmp_path / "votes.csv"
    good.write_text(HEADER + f"{a.doi},reviewer,title_abstract,include,,,\n")
    out = StringIO()
    call_command("import_votes", review.slug, str(good), "--by", "owner", stdout=out)
    assert "Imported 1 votes" in out.getvalue()
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + f"{a.doi},nobody,title_abstract,include,,,\n")
    with pytest.raises(CommandError, match="row 2: reviewer “nobody”"):
        call_command("import_votes", review.slug, str(bad), "--by", "owner")
