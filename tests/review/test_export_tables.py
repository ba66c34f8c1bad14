"""The table protocol's writers: every text cell escaped the same way in every format, several named
tables as a workbook or a ZIP, numbers as numbers, and rows written as they are read."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date
from decimal import Decimal

import openpyxl
import pytest

from review.exports import ExportError, Table
from review.exports.tables import write_tables

# OWASP's CSV-injection starts (= + - @ tab CR) get a leading '; a number written as text is no formula.
TRICKY = ['=HYPERLINK("x")', "+1+2", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "-12.5", "plain"]
ESCAPED = ['\'=HYPERLINK("x")', "'+1+2", "'-2+3", "'@SUM(A1)", "'\t=1", "'\r=1", "-12.5", "plain"]


def tricky_table(name: str = "cells") -> Table:
    return Table(
        name=name, columns=["=header", "text"], rows=[(value, value) for value in TRICKY], count=len(TRICKY)
    )


def written(file_format: str, tables: list[Table]) -> bytes:
    out = io.BytesIO()
    write_tables(out=out, file_format=file_format, tables=tables, progress=lambda stage, percent: None)
    return out.getvalue()


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


def sheet_rows(sheet) -> list[list]:
    # XLSX stores a carriage return as _x000D_ (ECMA-376), which spreadsheets read back as one.
    def read(cell):
        return cell.replace("_x000D_", "\r") if isinstance(cell, str) else "" if cell is None else cell

    return [[read(cell) for cell in row] for row in sheet.iter_rows(values_only=True)]


def test_every_text_cell_is_escaped_in_every_format():
    expected = [["'=header", "text"], *([value, value] for value in ESCAPED)]
    assert csv_rows(written("csv", [tricky_table()])) == expected
    book = openpyxl.load_workbook(io.BytesIO(written("xlsx", [tricky_table()])))
    assert sheet_rows(book["cells"]) == expected
    with zipfile.ZipFile(io.BytesIO(written("zip", [tricky_table()]))) as archive:
        assert csv_rows(archive.read("cells.csv")) == expected


def test_several_named_tables_make_a_workbook_or_a_zip_not_a_csv():
    def tables() -> list[Table]:
        return [
            Table(name="studies", columns=["study"], rows=[("Williams 2018",), ("Tiger 2020",)], count=2),
            Table(
                name="votes: title/abstract", columns=["record", "verdict"], rows=[(1, "include")], count=1
            ),
        ]

    book = openpyxl.load_workbook(io.BytesIO(written("xlsx", tables())))
    assert book.sheetnames == ["studies", "votes- title-abstract"]  # what a sheet name may hold
    assert sheet_rows(book["studies"]) == [["study"], ["Williams 2018"], ["Tiger 2020"]]
    assert sheet_rows(book["votes- title-abstract"]) == [["record", "verdict"], [1, "include"]]
    with zipfile.ZipFile(io.BytesIO(written("zip", tables()))) as archive:
        assert archive.namelist() == ["studies.csv", "votes: title/abstract.csv"]
        assert csv_rows(archive.read("studies.csv")) == [["study"], ["Williams 2018"], ["Tiger 2020"]]
    with pytest.raises(ExportError, match="This export has 2 tables: choose XLSX or ZIP, not CSV."):
        written("csv", tables())


def test_cells_keep_their_kind():
    row = (7, Decimal("0.50"), Decimal("0.12345678901234567"), 2.5, True, False, date(2026, 1, 31), None)
    table = Table(name="kinds", columns=[f"c{i}" for i in range(len(row))], rows=[row], count=1)
    assert csv_rows(written("csv", [table]))[1] == [
        "7",
        "0.50",
        "0.12345678901234567",
        "2.5",
        "yes",
        "no",
        "2026-01-31",
        "",
    ]
    sheet = openpyxl.load_workbook(io.BytesIO(written("xlsx", [table]))).active
    assert sheet_rows(sheet)[1] == [7, 0.5, "0.12345678901234567", 2.5, "yes", "no", "2026-01-31", ""]


@pytest.mark.parametrize("file_format", ["csv", "xlsx", "zip"])
def test_rows_are_written_as_they_are_read(file_format):
    """The rows are a generator the writer pulls from while it writes: as each tenth of the table begins,
    its first row has just been read, and no more (nothing is read ahead into a list)."""
    read = 0

    def rows():
        nonlocal read
        for number in range(1000):
            read += 1
            yield (number, f"row {number}")

    seen = []
    write_tables(
        out=io.BytesIO(),
        file_format=file_format,
        tables=[Table(name="big", columns=["n", "text"], rows=rows(), count=1000)],
        progress=lambda stage, percent: seen.append((stage, percent, read)),
    )
    writing = [entry for entry in seen if entry[0].startswith("Writing rows")]
    assert [r for _stage, _percent, r in writing] == [1, 101, 201, 301, 401, 501, 601, 701, 801, 901]
    assert writing[1][:2] == ("Writing rows 101–200 of 1,000", 36)
    assert seen[-1] == ("Saving the file", 95, 1000)


def test_an_xlsx_refuses_a_table_longer_than_a_sheet_before_reading_it():
    def rows():
        raise AssertionError("read")
        yield ()

    table = Table(name="huge", columns=["n"], rows=rows(), count=1_048_576)
    with pytest.raises(ExportError, match="an XLSX sheet holds at most 1,048,575. Export it as CSV instead."):
        written("xlsx", [table])
