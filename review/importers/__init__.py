"""Importing search exports into a review. One module per format; this package's entry point turns a
file into a Search and its Records inside one transaction (a file that fails imports nothing), and
finds duplicates within the file and against the whole review on the way.

The file is read and decoded once, and stored once (an import job's upload becomes the Search's file).
Record creation is audited by its Search (who, when, the file as uploaded, what could not be read
cleanly): records are written in bulk (`bulk.py`), with no history rows, because 100,000 history rows
would double the import for nothing the Search does not already say. Merges found at import are kept as DuplicatePair rows (why,
how alike, which import); every later merge and unmerge by a person leaves history rows."""

from __future__ import annotations

import gc
import queue
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date
from functools import partial
from itertools import batched, chain
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models.fields.files import FieldFile

from review.constants import DuplicateStatus, ImportFormat, OtherMethod, SourceKind
from review.duplicate_detection import MatchKeys, find_duplicates
from review.importers import bibtex, delimited, endnote, medline, ris
from review.importers.bulk import bulk_insert, inserting, set_duplicate_of
from review.importers.common import (
    ExportText,
    ImportFormatError,
    Progress,
    decode_text,
    no_progress,
    stored_name,
)
from review.importers.detect import detect_format
from review.match_keys import record_match_keys
from review.models import DuplicatePair, Record, Review, Search
from review.search_index import ask_for_index

STREAM_CHUNK = 2000  # entries handed to the writing thread at a time

__all__ = ["ImportFormatError", "ImportResult", "ParsedExport", "import_search_file", "parse_file"]

# Every parser has one signature: parse(ExportText) -> entries in Record's field names, each with its
# line; a parser may yield them as it reads, so that they are stored while the rest is read.
PARSERS: dict[str, Callable[[ExportText], Iterable[dict]]] = {
    ImportFormat.RIS: ris.parse,
    ImportFormat.MEDLINE: medline.parse,
    ImportFormat.BIBTEX: bibtex.parse,
    ImportFormat.ENDNOTE: endnote.parse,
    ImportFormat.CSV: delimited.parse,
}


@dataclass
class ImportResult:
    search: Search | None = None
    file_format: str = ""
    parsed: int = 0
    imported: int = 0
    duplicates_merged: int = 0
    duplicates_queued: int = 0
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        data = asdict(self)
        data.pop("search")
        data.pop("file_format")
        return data


@dataclass
class ParsedExport:
    file_format: str
    entries: list[dict]
    warnings: list[str]  # what was read but should be checked, naming the lines


def check_size(size: int, *, file_name: str) -> None:
    if size > settings.MAX_UPLOAD_BYTES:
        raise ImportFormatError(
            f"{file_name}: {size:,} bytes is over the limit of {settings.MAX_UPLOAD_BYTES:,} bytes."
        )


def parse_file(
    *,
    data: bytes,
    file_name: str,
    file_format: str = ImportFormat.AUTO,
    column_mapping: dict | None = None,
    progress: Progress = no_progress,
) -> ParsedExport:
    """The entries of an uploaded file, or ImportFormatError naming file, line or entry and problem."""
    file_format, entries, warnings = _read(
        data=data,
        file_name=file_name,
        file_format=file_format,
        column_mapping=column_mapping,
        progress=progress,
    )
    return ParsedExport(file_format, list(entries), warnings)


def _read(
    *, data: bytes, file_name: str, file_format: str, column_mapping: dict | None, progress: Progress
) -> tuple[str, Iterator[dict], list[str]]:
    """(format, the entries as the parser reads them, warnings): the file is decoded and its format told
    at once; its entries, each checked, come one by one, so an import can store them while it reads."""
    check_size(len(data), file_name=file_name)
    decoded = decode_text(data, file_name=file_name)
    if file_format in ("", ImportFormat.AUTO):
        file_format = detect_format(decoded.text, file_name=file_name)
    parser = PARSERS.get(file_format)
    if parser is None:
        raise ImportFormatError(f"{file_name}: unknown format “{file_format}”.")
    export = ExportText(decoded.text, file_name=file_name, column_mapping=column_mapping, progress=progress)
    return file_format, _checked(parser(export), file_name=file_name), decoded.warnings


def _checked(entries: Iterable[dict], *, file_name: str) -> Iterator[dict]:
    number = 0
    for number, item in enumerate(entries, 1):  # noqa: B007 (the count is read after the loop)
        if not item["title"]:
            raise ImportFormatError(f"{file_name}, line {item['line']}: entry {number} has no title.")
        yield item
    if not number:
        raise ImportFormatError(f"{file_name}: no records found in the file.")


def import_search_file(
    *,
    review: Review,
    data: bytes | File,
    file_name: str,
    source_name: str,
    kind: str = SourceKind.DATABASE,
    other_method: str = OtherMethod.CITATION,
    user=None,
    date_searched: date | None = None,
    query: str = "",
    file_format: str = ImportFormat.AUTO,
    column_mapping: dict | None = None,
    progress: Progress = no_progress,
    progress_aside: Progress = no_progress,
    on_saved: Callable[[ImportResult], None] | None = None,
) -> ImportResult:
    """Parse, de-duplicate and save one search export. Raises ImportFormatError and saves nothing when
    the file is bad. `data` is the file's bytes or a File; a file already stored (an import job's
    upload) becomes the Search's file as it is, not a second copy. `progress(stage, percent)` is told
    how far it got before the import's transaction; `progress_aside` during it, from a thread that must
    not use the database (a background job's `report_aside`). `on_saved(result)` runs inside that
    transaction (a background job records its end with the records)."""
    if kind not in SourceKind.values:
        raise ImportFormatError(
            f"{file_name}: unknown source kind “{kind}”; use one of {', '.join(SourceKind.values)}."
        )
    if other_method not in OtherMethod.values:
        raise ImportFormatError(
            f"{file_name}: unknown other method “{other_method}”; use one of {', '.join(OtherMethod.values)}."
        )
    if not source_name.strip():
        raise ImportFormatError(f"{file_name}: a source name (PubMed, Embase…) is needed.")
    file = data if isinstance(data, File) else ContentFile(data)
    check_size(file.size, file_name=file_name)
    progress("Reading the file", 5)
    try:
        return _import(
            review=review,
            file=file,
            file_name=file_name,
            read=partial(_read, file_name=file_name, file_format=file_format, column_mapping=column_mapping),
            progress=progress,
            progress_aside=progress_aside,
            on_saved=on_saved,
            source_name=source_name,
            kind=kind,
            other_method=other_method,
            created_by=user,
            date_searched=date_searched,
            query=query,
        )
    finally:
        if isinstance(file, FieldFile):
            file.close()


def _import(
    *,
    review: Review,
    file: File,
    file_name: str,
    read: Callable[..., tuple[str, Iterator[dict], list[str]]],
    progress: Progress,
    progress_aside: Progress,
    on_saved: Callable[[ImportResult], None] | None,
    **search_fields,
) -> ImportResult:
    file.open("rb")  # opens a stored file; rewinds one already open (an upload, bytes)
    content = file.read()
    with _no_cyclic_gc():
        # The parser tells its progress aside: it reads while the records are being stored, when the
        # connection belongs to the thread writing them.
        file_format, entries, warnings = read(data=content, progress=progress_aside)
        del content
        progress("Reading the records, matching duplicates and saving", 5)
        with transaction.atomic():
            # One import at a time per review, so two files cannot both miss each other's duplicates.
            Review.objects.select_for_update().get(pk=review.pk)
            search_fields.update(file_format=file_format, warnings=warnings)
            search = _save_search(review=review, file=file, file_name=file_name, **search_fields)
            result = _save_records(review=review, search=search, entries=entries, progress=progress_aside)
            if on_saved is not None:
                on_saved(result)
    progress("Done", 100)
    return result


@contextmanager
def _no_cyclic_gc():
    # A big file makes hundreds of thousands of small dicts and strings, none in a reference cycle;
    # the cyclic collector would walk them all again and again while they are made.
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _save_search(*, review: Review, file: File, file_name: str, **fields) -> Search:
    search = Search(review=review, file_name=Path(file_name).name, **fields)
    if isinstance(file, FieldFile) and file.name:
        search.file.name = file.name  # the upload as its import job stored it: kept once
    else:
        search.file.save(stored_name(file_name), file, save=False)
    search.save()
    return search


def _with_match_keys(entries: Iterator[dict]) -> Iterator[dict]:
    for item in entries:
        del item["line"]
        item.update(
            record_match_keys(
                title=item["title"], authors=item["authors"], doi=item["doi"], pmid=item["pmid"]
            )
        )
        yield item


def _save_records(
    *, review: Review, search: Search, entries: Iterator[dict], progress: Progress
) -> ImportResult:
    """Store the entries as they are read, and find their duplicates meanwhile: a thread writes the rows
    (waiting mostly on the database server, or inside SQLite's library, which lets go of the interpreter)
    while this one reads the file, then matches."""
    existing = list(
        Record.objects.for_review(review)
        .order_by("id")
        .values_list("id", "duplicate_of_id", "doi_key", "pmid_key", "title_key", "author_key", "year")
    )
    position = {row[0]: i for i, row in enumerate(existing)}
    roots = [position.get(row[1], i) if row[1] else i for i, row in enumerate(existing)]
    keys = [
        MatchKeys(doi, pmid, title, author, year) for _id, _dup, doi, pmid, title, author, year in existing
    ]
    entries = _with_match_keys(entries)
    first = next(entries)  # the file's first entry tells the columns (every parser's entries have the same)
    chunks: queue.SimpleQueue[tuple[dict, ...] | None] = queue.SimpleQueue()

    def stored() -> Iterator[dict]:
        while (chunk := chunks.get()) is not None:
            yield from chunk

    parsed = 0
    # Not indexed for search as they are written: a job does it in bulk after the commit.
    with inserting(Record, stored(), fields=list(first), review=review, search=search, search_indexed=False):
        try:
            for chunk in batched(chain([first], entries), STREAM_CHUNK):
                keys += [
                    MatchKeys(e["doi_key"], e["pmid_key"], e["title_key"], e["author_key"], e["year"])
                    for e in chunk
                ]
                parsed += len(chunk)
                chunks.put(chunk)
        finally:
            chunks.put(None)  # the writer stops; a file that failed half-way is rolled back by the caller
        progress(f"Read {parsed:,} records; matching duplicates and saving", 50)
        matches = find_duplicates(keys, first_new=len(existing), roots=roots)
    new_ids = list(Record.objects.filter(search=search).order_by("id").values_list("id", flat=True))
    ids = [row[0] for row in existing] + new_ids
    sure = [m for m in matches if m.sure]
    progress(f"Saved {len(new_ids):,} records; marking {len(sure):,} duplicates", 90)
    # A duplicate always points at the earliest record of its group, which is never itself a duplicate.
    set_duplicate_of([(ids[m.record], ids[m.original]) for m in sure])
    ask_for_index(review=review, search=search)
    bulk_insert(
        DuplicatePair,
        (
            {
                "record_id": ids[m.record],
                "original_id": ids[m.original],
                "reason": m.reason,
                "score": round(m.score, 1),
                "status": DuplicateStatus.MERGED if m.sure else DuplicateStatus.PENDING,
            }
            for m in matches
        ),
        fields=["record_id", "original_id", "reason", "score", "status"],
        review=review,
        search=search,
    )
    return ImportResult(
        search=search,
        file_format=search.file_format,
        parsed=parsed,
        imported=len(new_ids),
        duplicates_merged=len(sure),
        duplicates_queued=len(matches) - len(sure),
        warnings=search.warnings,
    )
