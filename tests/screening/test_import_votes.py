"""Importing votes: who imported them is kept beside who cast them; a reviewer's vote appears once; no vote
from the future; a huge file is refused before it is read whole."""

from __future__ import annotations

import io
import zipfile

import pytest
import xlsxwriter
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from screening.models import ScreeningDecision, Vote
from screening.resources import import_votes

pytestmark = pytest.mark.django_db

HEADER = "record,reviewer,stage,verdict,reason,note,time\n"


def refused(review, by, data: bytes, file_name: str = "votes.csv") -> str:
    with pytest.raises(ValidationError) as caught:
        import_votes(review=review, data=data, file_name=file_name, by=by)
    assert not Vote.objects.exists() and not ScreeningDecision.objects.exists()
    return caught.value.messages[0]


def test_the_history_names_the_reviewer_and_who_imported(review, owner, reviewer, reviewer2, make_records):
    (a,) = make_records(1)
    data = (
        HEADER + f"{a.doi},reviewer,title_abstract,include,,,\n{a.doi},reviewer2,title_abstract,exclude,,,\n"
    )
    import_votes(review=review, data=data.encode(), file_name="votes.csv", by=owner)
    vote = Vote.objects.get(reviewer=reviewer)
    assert vote.reviewer == reviewer  # the vote's author
    (created,) = vote.history.all()
    assert created.history_user == owner
    assert created.history_change_reason == "Imported from “votes.csv” by owner"
    outcome = ScreeningDecision.objects.get(record=a)
    assert {h.history_user for h in outcome.history.all()} == {owner}


def test_the_command_needs_who_imports(review, owner, reviewer, make_records, tmp_path):
    (a,) = make_records(1)
    path = tmp_path / "votes.csv"
    path.write_text(HEADER + f"{a.doi},reviewer,title_abstract,include,,,\n")
    with pytest.raises(CommandError, match="--by"):
        call_command("import_votes", review.slug, str(path))
    with pytest.raises(CommandError, match="No user with the username “nobody”"):
        call_command("import_votes", review.slug, str(path), "--by", "nobody")
    with pytest.raises(CommandError, match="reviewer is not an owner of this review"):
        call_command("import_votes", review.slug, str(path), "--by", "reviewer")
    assert not Vote.objects.exists()
    out = io.StringIO()
    call_command("import_votes", review.slug, str(path), "--by", "owner", stdout=out)
    assert "recorded as by owner" in out.getvalue()
    assert Vote.objects.get().history.get().history_user == owner


def test_two_rows_for_one_vote_are_refused_naming_them(review, owner, reviewer, reviewer2, make_records):
    a, b = make_records(2)
    data = (
        HEADER
        + f"{a.doi},reviewer,title_abstract,include,,,\n"
        + f"{b.doi},reviewer,title_abstract,include,,,\n"
        + f"{a.doi},reviewer2,title_abstract,include,,,\n"
        + f"{a.doi.upper()},reviewer,title_abstract,exclude,,,\n"  # the same record, by its DOI in capitals
        + f"{a.pk},reviewer,title_abstract,exclude,,,\n"  # and by its id
    )
    message = refused(review, owner, data.encode())
    assert f"rows 2, 5 and 6 are all reviewer's title_abstract vote on record {a.pk}" in message
    assert "Nothing was imported" in message


def test_a_time_in_the_future_is_refused(review, owner, reviewer, make_records):
    (a,) = make_records(1)
    data = HEADER + f"{a.doi},reviewer,title_abstract,include,,,2999-01-01T00:00:00Z\n"
    message = refused(review, owner, data.encode())
    assert "row 2: time “2999-01-01T00:00:00Z” is in the future" in message


def xlsx(rows: list[tuple], *, dimension: str | None = "keep") -> bytes:
    """A workbook of the rows, as the votes export writes them (texts in a shared-strings table);
    `dimension` rewrites (or, None, removes) the sheet's declared size."""
    buffer = io.BytesIO()
    with xlsxwriter.Workbook(buffer) as book:
        sheet = book.add_worksheet()
        for number, row in enumerate(rows):
            sheet.write_row(number, 0, row)
    if dimension == "keep":
        return buffer.getvalue()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            content = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = content.decode()
                start = text.index("<dimension")
                end = text.index("/>", start) + 2
                text = text[:start] + (f'<dimension ref="{dimension}"/>' if dimension else "") + text[end:]
                content = text.encode()
            target.writestr(item, content)
    return out.getvalue()


HEADER_ROW = ("record", "reviewer", "stage", "verdict", "reason", "note", "time")


def test_a_sheet_declaring_millions_of_rows_is_refused_before_reading_them(review, owner, make_records):
    (a,) = make_records(1)
    data = xlsx([HEADER_ROW, (a.doi, "reviewer", "title_abstract", "include")], dimension="A1:G3000001")
    message = refused(review, owner, data, "votes.xlsx")
    assert "“votes.xlsx”: its sheet has 3,000,000 rows; at most 200,000 votes are imported at once" in message


@pytest.mark.parametrize("file_name", ["votes.csv", "votes.xlsx"])
def test_rows_past_the_limit_stop_the_reading(review, owner, reviewer, make_records, monkeypatch, file_name):
    """Without a declared size (or in a CSV) the rows are counted as they stream in."""
    monkeypatch.setattr("screening.resources.MAX_VOTE_ROWS", 3)
    (a,) = make_records(1)
    rows = [HEADER_ROW] + [(a.doi, "reviewer", "title_abstract", "include")] * 50
    if file_name.endswith(".csv"):
        data = "\n".join(",".join(r) for r in rows).encode()
    else:
        data = xlsx(rows, dimension=None)
    message = refused(review, owner, data, file_name)
    assert f"“{file_name}”: it has more than 3 rows; at most 3 votes are imported at once" in message


def test_blank_rows_are_skipped(review, owner, reviewer, make_records):
    (a,) = make_records(1)
    data = xlsx([HEADER_ROW, (a.doi, "reviewer", "title_abstract", "include"), (None,) * 7, ()])
    assert import_votes(review=review, data=data, file_name="votes.xlsx", by=owner) == 1


def test_a_workbook_with_more_texts_than_the_rows_could_hold_is_refused(review, owner, monkeypatch):
    """openpyxl reads the shared-strings table whole before the first row: its declared size is checked."""
    monkeypatch.setattr("screening.resources.MAX_VOTE_ROWS", 3)
    rows = [HEADER_ROW] + [(f"10.1000/{i}", "reviewer", "title_abstract", "include") for i in range(40)]
    message = refused(review, owner, xlsx(rows, dimension=None), "votes.xlsx")
    # The column names, 40 DOIs, "title_abstract" and "include" ("reviewer" is both a name and a value).
    assert "“votes.xlsx”: it holds 49 distinct texts; at most 3 votes are imported at once" in message
