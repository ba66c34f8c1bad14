"""Tables as files, written row by row as the rows are read, so memory stays flat however long the tables:
CSV (one table), XLSX (one sheet per table) or a ZIP of CSV files (one per table). Every cell goes through
`cell_value`, the one place where text a spreadsheet would run as a formula is escaped and yes/no and
dates become text, in every format.

XLSX is written by xlsxwriter in its constant_memory mode: each row goes to a temporary file as soon as it
is complete, and strings are written inline rather than kept in a shared-strings table for the whole
workbook. Writing 105,000 rows of 16 columns took 16.2 s and no memory more that way, against 12.5 s and
311 MB more with shared strings; the votes export of 100,000 votes went from 1,180 MB to 2 MB more than the
worker's start on PostgreSQL. bench/extraction.py prints the figures of whole export jobs."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import BinaryIO

import xlsxwriter

from review.exports import Cell, ExportError, Progress, Table

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "zip": "application/zip",
}
# Excel's limits: rows in a sheet (one is the header) and characters in a cell.
XLSX_MAX_ROWS = 1_048_576
XLSX_MAX_CHARS = 32_767
# The writing stage reports its progress this many times whatever the tables' size, so an export costs a
# fixed number of queries.
PROGRESS_STEPS = 10
# A spreadsheet runs text starting with these as a formula (CSV injection, as OWASP lists them).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(text: str) -> str:
    """Text that a spreadsheet would run as a formula gets a leading ' and stays text; a number written as
    text (“-12.5”) is no formula and stays as it is."""
    if text.startswith(FORMULA_STARTS) and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def cell_value(value: Cell) -> str | int | float | Decimal | None:
    """A cell as every format writes it: text escaped, yes/no and dates as text, numbers as they are."""
    if value is None or isinstance(value, str):
        return value and spreadsheet_text(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, date):
        return value.isoformat()
    return spreadsheet_text(str(value))


def xlsx_number(value: Decimal) -> float | None:
    """The number a spreadsheet gets for `value`, or None when it would not read back as the same decimal.
    XLSX keeps numbers as IEEE doubles and xlsxwriter writes them with 16 significant digits (`%.16G`):
    0.5, -12.25 or 1E+3 survive; 0.12345678901234567 would come back as 0.1234567890123457, so it stays
    text, as typed."""
    number = float(value)
    return number if Decimal(f"{number:.16G}") == value else None


def write_tables(
    *,
    out: BinaryIO,
    file_format: str,
    tables: Sequence[Table],
    progress: Progress,
    attachments: Sequence[tuple[str, bytes]] = (),
) -> int:
    """Write `tables` to `out` as `file_format`; return the number of rows written. `progress` hears how far
    the writing is, PROGRESS_STEPS times from 30 to 90 per cent. A ZIP also holds `attachments` (name,
    bytes); the other formats have no place for them."""
    steps = _Steps(total=sum(table.count for table in tables), progress=progress)
    if file_format == "csv":
        if len(tables) != 1:
            raise ExportError(f"This export has {len(tables)} tables: choose XLSX or ZIP, not CSV.")
        _write_csv(out, tables[0], steps)
    elif file_format == "xlsx":
        _write_xlsx(out, tables, steps)
    elif file_format == "zip":
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for table in tables:
                with archive.open(f"{table.name}.csv", "w", force_zip64=True) as member:
                    _write_csv(member, table, steps)
            for name, content in attachments:
                archive.writestr(name, content)
    else:
        raise ExportError(f"No format “{file_format}”; choose CSV, XLSX or ZIP.")
    steps.close()
    progress("Saving the file", 95)
    return steps.written


class _Steps:
    """Counts the rows written across all tables and reports the stage before each tenth of them."""

    def __init__(self, *, total: int, progress: Progress, start: int = 30, end: int = 90):
        self.total, self.progress, self.start, self.end = total, progress, start, end
        self.bounds = [total * part // PROGRESS_STEPS for part in range(PROGRESS_STEPS + 1)]
        self.part = self.written = 0

    def row(self) -> None:
        """Call before writing each row."""
        while self.part < PROGRESS_STEPS and self.written >= self.bounds[self.part]:
            self._report()
        self.written += 1

    def close(self) -> None:
        while self.part < PROGRESS_STEPS:  # the tenths no row reached (fewer rows than counted)
            self._report()

    def _report(self) -> None:
        first, last = self.bounds[self.part], self.bounds[self.part + 1]
        percent = self.start + (self.end - self.start) * self.part // PROGRESS_STEPS
        self.progress(f"Writing rows {first + 1:,}–{last:,} of {self.total:,}", percent)
        self.part += 1


def _write_csv(out: BinaryIO, table: Table, steps: _Steps) -> None:
    text = io.TextIOWrapper(out, encoding="utf-8", newline="")
    writer = csv.writer(text)
    writer.writerow([cell_value(name) for name in table.columns])
    for row in table.rows:
        steps.row()
        writer.writerow([cell_value(value) for value in row])
    text.flush()
    text.detach()  # `out` stays open for the caller


def _write_xlsx(out: BinaryIO, tables: Sequence[Table], steps: _Steps) -> None:
    for table in tables:
        if table.count >= XLSX_MAX_ROWS:
            raise ExportError(_too_many_rows(table.count))
    book = xlsxwriter.Workbook(
        out,
        {
            # Text stays text: no formulas, links or numbers guessed from strings.
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "constant_memory": True,
        },
    )
    bold = book.add_format({"bold": True})
    for table in tables:
        sheet = book.add_worksheet(_sheet_title(table.name))
        sheet.freeze_panes(1, 0)
        for column, name in enumerate(table.columns):
            sheet.write_string(0, column, cell_value(name), bold)
        _write_sheet_rows(sheet, table, steps)
    steps.close()
    steps.progress("Packing the workbook", 90)
    book.close()


def _write_sheet_rows(sheet, table: Table, steps: _Steps) -> None:
    write_string, write_number = sheet.write_string, sheet.write_number
    for number, row in enumerate(table.rows, 1):
        steps.row()
        if number >= XLSX_MAX_ROWS:  # more rows than were counted
            raise ExportError(_too_many_rows(number))
        for column, value in enumerate(row):
            value = cell_value(value)
            if value is None or value == "":
                continue  # an empty cell is simply not written
            if isinstance(value, str):
                if len(value) > XLSX_MAX_CHARS:
                    raise ExportError(
                        f"Row {number + 1}, column “{table.columns[column]}” holds {len(value):,} characters; "
                        f"a spreadsheet cell holds at most {XLSX_MAX_CHARS:,}. Export it as CSV instead."
                    )
                write_string(number, column, value)
            elif isinstance(value, float) or (isinstance(value, int) and abs(value) < 2**53):
                write_number(number, column, value)
            else:  # a Decimal, or an integer too long for a double
                as_float = xlsx_number(Decimal(value))
                if as_float is None:
                    write_string(number, column, str(value))
                else:
                    write_number(number, column, as_float)


def _too_many_rows(rows: int) -> str:
    return (
        f"This table has {rows:,} rows; an XLSX sheet holds at most {XLSX_MAX_ROWS - 1:,}. "
        "Export it as CSV instead."
    )


def _sheet_title(title: str) -> str:
    # Excel refuses these characters in a sheet name, and names longer than 31 characters.
    cleaned = "".join("-" if ch in "[]:*?/\\" else ch for ch in title)
    return cleaned[:31] or "Sheet1"
