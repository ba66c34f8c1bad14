"""Tables as files. CSV is tablib's, through the django-import-export resource that names and orders the
columns. XLSX is written by xlsxwriter straight from the resource's rows: no tablib Dataset, empty cells
skipped, strings kept in the shared-strings table (a long table repeats the same study, field and source
again and again). Writing the long consensus of 500 studies (52,500 rows × 16 columns) took 8.5 s with
openpyxl's write-only mode, 4.2–6.9 s with pyexcelerate, 4.9–5.8 s with xlsxwriter's constant_memory mode
(every string escaped again in every cell) and 4.4 s as here, for 180 MB of memory more than constant_memory
on the 105,000 rows of raw copies. bench/extraction.py prints the figures of whole export jobs."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import BinaryIO

from review.exports import ExportError

Progress = Callable[[str, int], None]

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# Excel's limits: rows in a sheet (one is the header) and characters in a cell.
XLSX_MAX_ROWS = 1_048_576
XLSX_MAX_CHARS = 32_767
# The writing stage reports its progress this many times whatever the table's size, so an export costs
# a fixed number of queries.
PROGRESS_STEPS = 10


def write_table(
    *,
    out: BinaryIO,
    file_format: str,
    resource,
    rows: Sequence,
    title: str,
    progress: Progress,
    start: int = 30,
) -> int:
    """Write `rows` (what `resource.export_resource` takes) as CSV or XLSX to `out`; return the row count.
    `progress` is told how far the writing is, from `start` to 95 per cent."""
    if file_format == "csv":
        progress(f"Writing {len(rows):,} rows", start)
        out.write(resource.export(rows).export("csv").encode("utf-8"))
    elif file_format == "xlsx":
        write_xlsx(
            out=out,
            title=title,
            headers=resource.get_export_headers(),
            rows=rows,
            cells=resource.export_resource,
            progress=progress,
            start=start,
        )
    else:
        raise ExportError(f"No format “{file_format}”; choose CSV or XLSX.")
    progress("Saving the file", 95)
    return len(rows)


def xlsx_number(value: Decimal) -> float | None:
    """The number a spreadsheet gets for `value`, or None when it would not read back as the same decimal.
    XLSX keeps numbers as IEEE doubles and xlsxwriter writes them with 16 significant digits (`%.16G`):
    0.5, -12.25 or 1E+3 survive; 0.12345678901234567 would come back as 0.1234567890123457, so it stays
    text, as typed."""
    number = float(value)
    return number if Decimal(f"{number:.16G}") == value else None


def write_xlsx(
    *,
    out: BinaryIO,
    title: str,
    headers: list[str],
    rows: Sequence,
    cells: Callable[[object], list],
    progress: Progress,
    start: int = 30,
) -> None:
    import xlsxwriter

    if len(rows) >= XLSX_MAX_ROWS:
        raise ExportError(
            f"This table has {len(rows):,} rows; an XLSX sheet holds at most {XLSX_MAX_ROWS - 1:,}. "
            "Export it as CSV instead."
        )
    book = xlsxwriter.Workbook(
        out,
        {
            # Text stays text: no formulas, links or numbers guessed from strings.
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "in_memory": True,
        },
    )
    sheet = book.add_worksheet(_sheet_title(title))
    sheet.freeze_panes(1, 0)
    bold = book.add_format({"bold": True})
    for column, name in enumerate(headers):
        sheet.write_string(0, column, name, bold)

    write_string, write_number = sheet.write_string, sheet.write_number
    total = len(rows)
    for part in range(PROGRESS_STEPS):
        first, last = total * part // PROGRESS_STEPS, total * (part + 1) // PROGRESS_STEPS
        progress(
            f"Writing rows {first + 1:,}–{last:,} of {total:,}", start + (90 - start) * part // PROGRESS_STEPS
        )
        for number in range(first + 1, last + 1):
            for column, value in enumerate(cells(rows[number - 1])):
                if value is None or value == "":
                    continue  # an empty cell is simply not written
                if isinstance(value, str):
                    if len(value) > XLSX_MAX_CHARS:
                        raise ExportError(
                            f"Row {number + 1}, column “{headers[column]}” holds {len(value):,} characters; "
                            f"a spreadsheet cell holds at most {XLSX_MAX_CHARS:,}. Export it as CSV instead."
                        )
                    write_string(number, column, value)
                elif isinstance(value, bool):
                    write_string(number, column, "yes" if value else "no")
                elif isinstance(value, int | float):
                    write_number(number, column, value)
                elif isinstance(value, Decimal):
                    as_float = xlsx_number(value)
                    if as_float is None:
                        write_string(number, column, str(value))
                    else:
                        write_number(number, column, as_float)
                else:
                    write_string(number, column, str(value))
    progress("Packing the workbook", 90)
    book.close()


def _sheet_title(title: str) -> str:
    # Excel refuses these characters in a sheet name, and names longer than 31 characters.
    cleaned = "".join("-" if ch in "[]:*?/\\" else ch for ch in title)
    return cleaned[:31] or "Sheet1"
