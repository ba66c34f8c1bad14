"""Records out as RIS, for reference managers (EndNote, Zotero, Mendeley) and for another review: every
field Concord imports, written so that our own RIS importer reads each one back unchanged.

Tags: TY JOUR, ID (the record's number here), TI, AU (one per author), PY, T2 (journal), VL, IS, SP/EP
(SP alone when the pages are not a plain "first-last"), DO, AN with DB "PubMed" for the PMID (the
importer, like reference managers, takes AN as a PubMed id only when the database says PubMed), KW (one
per keyword), UR, LA, AB. RIS has one line per tag, so a line break inside a value (a paragraph break in
an abstract from EndNote XML) is written as a space. rispy writes the lines."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from inspect import signature
from itertools import batched

import rispy
from django.db.models import QuerySet

from review.importers.common import entry
from review.models import Record

CONTENT_TYPE = "application/x-research-info-systems; charset=utf-8"
# Every field the importers fill (the keyword arguments of their common `entry`), and the record's number.
RIS_FIELDS = ("id", *(name for name in signature(entry).parameters if name not in {"line", "raw_entry"}))
_PAGE_RANGE = re.compile(r"^([^\s-]+)-([^\s-]+)$")
_BATCH = 500


class _Writer(rispy.RisWriter):
    def set_header(self, count: int) -> str:
        # rispy numbers entries ("1."); reference managers do not need it and some show it.
        return ""


def _line(value: str) -> str:
    return " ".join(str(value).split())


def ris_entry(record: Record) -> dict:
    entry: dict = {"type_of_reference": "JOUR", "id": str(record.pk), "title": _line(record.title)}
    if authors := [_line(a) for a in record.authors if _line(a)]:
        entry["authors"] = authors
    if record.year:
        entry["year"] = str(record.year)
    for key, value in (
        ("secondary_title", record.journal),
        ("volume", record.volume),
        ("number", record.issue),
    ):
        if value:
            entry[key] = _line(value)
    if record.pages:
        if page_range := _PAGE_RANGE.match(record.pages):
            entry["start_page"], entry["end_page"] = page_range.groups()
        else:
            entry["start_page"] = _line(record.pages)
    if record.doi:
        entry["doi"] = _line(record.doi)
    if record.pmid:
        entry["accession_number"], entry["name_of_database"] = _line(record.pmid), "PubMed"
    if keywords := [_line(k) for k in record.keywords if _line(k)]:
        entry["keywords"] = keywords
    if record.url:
        entry["urls"] = [_line(record.url)]
    if record.language:
        entry["language"] = _line(record.language)
    if record.abstract:
        entry["abstract"] = _line(record.abstract)
    return entry


def ris_records(records: QuerySet) -> QuerySet:
    """The narrow query an export reads: only the columns it writes (no raw entries, no match keys)."""
    return records.only(*RIS_FIELDS)


def ris_chunks(records: Iterable[Record]) -> Iterator[str]:
    """The RIS text in pieces of a few hundred entries, for a streaming response: memory stays flat
    whatever the number of records (iterate a QuerySet with `.iterator()`)."""
    for batch in batched(records, _BATCH):
        yield rispy.dumps([ris_entry(r) for r in batch], implementation=_Writer)


def write_ris(records: QuerySet, out) -> int:
    """Write the records as RIS to a text stream; returns how many were written (for background exports)."""
    written = 0
    for chunk in ris_chunks(ris_records(records).iterator(chunk_size=2000)):
        out.write(chunk)
        written += chunk.count("\nER  - ")
    return written
