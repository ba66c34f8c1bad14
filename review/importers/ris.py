"""RIS, with the tag variants real exporters write (Ovid, EBSCO, Scopus, Zotero, EndNote, PubMed):
TI/T1 title; AU/A1 (A2 when nothing else) authors; AB/N2 abstract; T2/JF/JO/JA/J2 journal; PY/Y1/DA
year; DO doi (or a doi.org UR); UR; KW; SN; AN (a PubMed id when the database is MEDLINE/PubMed).
rispy parses; this module checks entry boundaries (so a truncated file is caught) and maps fields."""

from __future__ import annotations

import re
from collections.abc import Iterable

import rispy

from review.importers.common import (
    ExportText,
    ImportFormatError,
    entry,
    first,
    pmid_from_accession,
    year_from,
)

# Anchored on the newline rather than "^" with MULTILINE, which the regex engine tries at every character.
_BOUNDARY = re.compile(r"\n(TY|ER)[ \t]{1,2}-[^\n]*")
_FIRST_BOUNDARY = re.compile(r"(TY|ER)[ \t]{1,2}-[^\n]*")


def _boundaries(text: str, file_name: str) -> list[tuple[int, int, int]]:
    """(line, start offset, end offset) of each TY … ER entry; a regex scan, so 100,000 entries are cheap."""
    spans: list[tuple[int, int, int]] = []
    line, offset = 1, 0
    start = None
    first_line = _FIRST_BOUNDARY.match(text)
    matches = [(0, first_line.group(1), first_line.end())] if first_line else []
    matches += [(m.start() + 1, m.group(1), m.end()) for m in _BOUNDARY.finditer(text)]
    for begin, tag, finish in matches:
        line += text.count("\n", offset, begin)
        offset = begin
        if tag == "TY":
            if start is not None:
                raise ImportFormatError(
                    f"{file_name}, line {line}: a new entry starts before entry {len(spans) + 1} "
                    f"(line {start[0]}) ended with an ER line."
                )
            start = (line, begin)
        else:
            if start is None:
                raise ImportFormatError(f"{file_name}, line {line}: an ER line with no TY line before it.")
            spans.append((start[0], start[1], finish))
            start = None
    if start is not None:
        raise ImportFormatError(
            f"{file_name}, line {start[0]}: entry {len(spans) + 1} has no ER line; the file looks truncated."
        )
    return spans


CHUNK = 5000  # entries per rispy call, so that progress can be told and rispy's dicts do not pile up


def parse(export: ExportText) -> Iterable[dict]:
    """The entries, chunk by chunk as rispy reads them; the whole file's entry boundaries are checked
    before the first is given."""
    text, file_name = export.text, export.file_name
    spans = _boundaries(text, file_name)
    if not spans:
        raise ImportFormatError(f"{file_name}: no RIS entries (TY … ER) found.")
    read = 0
    for first_index in range(0, len(spans), CHUNK):
        chunk = spans[first_index : first_index + CHUNK]
        yield from _parse_chunk(text, chunk, file_name=file_name, first_number=first_index + 1)
        read += len(chunk)
        export.progress(f"Read {read:,} of {len(spans):,} records", 5 + 40 * read // len(spans))


def _parse_chunk(
    text: str, spans: list[tuple[int, int, int]], *, file_name: str, first_number: int
) -> list[dict]:
    try:
        parsed = rispy.loads(
            text[spans[0][1] : spans[-1][2]], skip_unknown_tags=True, enforce_list_tags=False
        )
    except Exception as error:  # rispy raises plain IOError/ValueError for broken files
        raise ImportFormatError(
            f"{file_name}, line {spans[0][0]}: not readable as RIS from entry {first_number} on ({error})."
        ) from error
    if len(parsed) != len(spans):
        raise ImportFormatError(
            f"{file_name}, line {spans[0][0]}: found {len(spans)} entries (TY … ER) from here but could read "
            f"only {len(parsed)}."
        )
    records = []
    for index, (line, start, end) in enumerate(spans):
        item, parsed[index] = parsed[index], None  # let rispy's dicts go as their records are built
        authors = item.get("authors") or item.get("first_authors") or item.get("secondary_authors") or []
        urls = item.get("urls") or []
        if isinstance(urls, str):
            urls = [urls]
        doi = first(item, "doi") or next((u.split("doi.org/", 1)[1] for u in urls if "doi.org/10." in u), "")
        database = f"{first(item, 'name_of_database')} {first(item, 'database_provider')}".lower()
        pmid = ""
        if "medline" in database or "pubmed" in database:
            pmid = pmid_from_accession(first(item, "accession_number"))
        start_page, end_page = first(item, "start_page"), first(item, "end_page")
        records.append(
            entry(
                line=line,
                title=first(item, "title", "primary_title", "translated_title", "short_title"),
                abstract=first(item, "abstract", "notes_abstract"),
                authors=authors,
                year=year_from(first(item, "year", "publication_year", "date")),
                journal=first(
                    item,
                    "secondary_title",
                    "alternate_title3",
                    "journal_name",
                    "alternate_title2",
                    "alternate_title1",
                ),
                volume=first(item, "volume"),
                issue=first(item, "number"),
                pages=f"{start_page}-{end_page}" if start_page and end_page else start_page,
                doi=doi,
                pmid=pmid,
                keywords=item.get("keywords"),
                url=urls[0] if urls else "",
                language=first(item, "language"),
                raw_entry=text[start:end].replace("\r\n", "\n"),
            )
        )
    return records
