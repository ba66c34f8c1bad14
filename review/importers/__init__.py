"""Importing search exports into a review. One module per format; this package's entry point turns a
file into a Search and its Records inside one transaction (a file that fails imports nothing), and
finds duplicates within the file and against the whole review on the way.

Record creation is audited by its Search (who, when, the file as uploaded): records are written with
`bulk_create`, which writes no history rows, because 100,000 history rows would double the import for
nothing the Search does not already say. Merges found at import are kept as DuplicatePair rows (why,
how alike, which import); every later merge and unmerge by a person leaves history rows."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date
from itertools import batched
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils import timezone

from review.constants import DuplicateStatus, ImportFormat, SourceKind
from review.dedupe import Keys, find_duplicates
from review.importers import bibtex, delimited, endnote, medline, ris
from review.importers.common import ImportFormatError, decode_text
from review.importers.detect import detect_format
from review.models import DuplicatePair, Record, Review, Search
from review.normalise import match_keys

__all__ = ["ImportFormatError", "ImportResult", "import_search_file", "parse_file"]

BATCH_SIZE = 2000
Progress = Callable[[str, int], None]

PARSERS = {
    ImportFormat.RIS: ris.parse,
    ImportFormat.MEDLINE: medline.parse,
    ImportFormat.BIBTEX: bibtex.parse,
    ImportFormat.ENDNOTE: endnote.parse,
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

    def as_dict(self) -> dict:
        data = asdict(self)
        data.pop("search")
        data.pop("file_format")
        return data


def _no_progress(stage: str, percent: int) -> None:
    return None


def parse_file(
    *,
    data: bytes,
    file_name: str,
    file_format: str = ImportFormat.AUTO,
    column_mapping: dict | None = None,
    progress: Progress | None = None,
) -> tuple[str, list[dict]]:
    """(format, entries) for an uploaded file, or ImportFormatError naming file, line or entry and problem."""
    if len(data) > settings.MAX_UPLOAD_BYTES:
        raise ImportFormatError(
            f"{file_name}: {len(data):,} bytes is over the limit of {settings.MAX_UPLOAD_BYTES:,} bytes."
        )
    text = decode_text(data, file_name=file_name)
    if file_format in ("", ImportFormat.AUTO):
        file_format = detect_format(text, file_name=file_name)
    if file_format == ImportFormat.CSV:
        entries = delimited.parse(text, file_name=file_name, mapping=column_mapping)
    elif file_format == ImportFormat.RIS:
        entries = ris.parse(text, file_name=file_name, progress=progress)
    elif file_format in PARSERS:
        entries = PARSERS[file_format](text, file_name=file_name)
    else:
        raise ImportFormatError(f"{file_name}: unknown format “{file_format}”.")
    for number, item in enumerate(entries, 1):
        if not item["title"]:
            raise ImportFormatError(f"{file_name}, line {item['line']}: entry {number} has no title.")
    return file_format, entries


def import_search_file(
    *,
    review: Review,
    data: bytes,
    file_name: str,
    source_name: str,
    kind: str = SourceKind.DATABASE,
    user=None,
    date_searched: date | None = None,
    query: str = "",
    file_format: str = ImportFormat.AUTO,
    column_mapping: dict | None = None,
    progress: Progress = _no_progress,
    on_saved: Callable[[ImportResult], None] | None = None,
) -> ImportResult:
    """Parse, de-duplicate and save one search export. Raises ImportFormatError and saves nothing when
    the file is bad. `progress(stage, percent)` is told how far it got before the final transaction;
    `on_saved(result)` runs inside that transaction (a background job records its end with the records)."""
    if kind not in SourceKind.values:
        raise ImportFormatError(
            f"{file_name}: unknown source kind “{kind}”; use one of {', '.join(SourceKind.values)}."
        )
    if not source_name.strip():
        raise ImportFormatError(f"{file_name}: a source name (PubMed, Embase…) is needed.")
    progress("Reading the file", 5)
    with _no_cyclic_gc():
        return _import(
            review=review,
            data=data,
            file_name=file_name,
            source_name=source_name,
            kind=kind,
            user=user,
            date_searched=date_searched,
            query=query,
            file_format=file_format,
            column_mapping=column_mapping,
            progress=progress,
            on_saved=on_saved,
        )


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


def _import(
    *,
    review: Review,
    data: bytes,
    file_name: str,
    source_name: str,
    kind: str,
    user,
    date_searched: date | None,
    query: str,
    file_format: str,
    column_mapping: dict | None,
    progress: Progress,
    on_saved: Callable[[ImportResult], None] | None,
) -> ImportResult:
    file_format, entries = parse_file(
        data=data,
        file_name=file_name,
        file_format=file_format,
        column_mapping=column_mapping,
        progress=progress,
    )
    progress(f"Read {len(entries):,} records; matching duplicates and saving", 50)
    for item in entries:
        del item["line"]
        item.update(
            match_keys(title=item["title"], authors=item["authors"], doi=item["doi"], pmid=item["pmid"])
        )
    with transaction.atomic():
        # One import at a time per review, so two files cannot both miss each other's duplicates.
        Review.objects.select_for_update().get(pk=review.pk)
        result = _save(
            review=review,
            entries=entries,
            data=data,
            file_name=file_name,
            file_format=file_format,
            source_name=source_name,
            kind=kind,
            user=user,
            date_searched=date_searched,
            query=query,
        )
        if on_saved is not None:
            on_saved(result)
    progress("Done", 100)
    return result


def _save(
    *, review: Review, entries: list[dict], data: bytes, file_name: str, file_format: str, **search_fields
):
    user = search_fields.pop("user")
    search = Search(
        review=review,
        file_name=Path(file_name).name,
        file_format=file_format,
        created_by=user,
        **search_fields,
    )
    search.file.save(Path(file_name).name, ContentFile(data), save=False)
    search.save()

    existing = list(
        Record.objects.for_review(review)
        .order_by("id")
        .values_list("id", "duplicate_of_id", "doi_key", "pmid_key", "title_key", "author_key", "year")
    )
    position = {row[0]: i for i, row in enumerate(existing)}
    roots = [position.get(row[1], i) if row[1] else i for i, row in enumerate(existing)]
    keys = [Keys(doi, pmid, title, author, year) for _id, _dup, doi, pmid, title, author, year in existing]
    keys += [Keys(e["doi_key"], e["pmid_key"], e["title_key"], e["author_key"], e["year"]) for e in entries]
    matches = find_duplicates(keys, first_new=len(existing), roots=roots)

    _insert_records(review=review, search=search, entries=entries)
    new_ids = list(Record.objects.filter(search=search).order_by("id").values_list("id", flat=True))
    ids = [row[0] for row in existing] + new_ids
    sure = [m for m in matches if m.sure]
    # A duplicate always points at the earliest record of its group, which is never itself a duplicate.
    _execute_many(
        f"UPDATE {_table(Record)} SET duplicate_of_id = %s WHERE id = %s",
        ((ids[m.original], ids[m.record]) for m in sure),
    )
    now = _now_for_db()
    _execute_many(
        _insert_sql(
            DuplicatePair,
            ["review_id", "record_id", "original_id", "search_id", "reason", "score", "status", "created_at"],
        ),
        (
            (
                review.pk,
                ids[m.record],
                ids[m.original],
                search.pk,
                m.reason,
                round(m.score, 1),
                DuplicateStatus.MERGED if m.sure else DuplicateStatus.PENDING,
                now,
            )
            for m in matches
        ),
    )
    return ImportResult(
        search=search,
        file_format=file_format,
        parsed=len(entries),
        imported=len(new_ids),
        duplicates_merged=len(sure),
        duplicates_queued=sum(1 for m in matches if not m.sure),
    )


# Writing 100,000 records through model instances costs more than parsing them; the rows go in with
# `executemany`, which both SQLite and PostgreSQL take in batches.
RECORD_COLUMNS = [
    "title",
    "abstract",
    "authors",
    "year",
    "journal",
    "volume",
    "issue",
    "pages",
    "doi",
    "pmid",
    "keywords",
    "url",
    "language",
    "raw_entry",
    "doi_key",
    "pmid_key",
    "title_key",
    "author_key",
]


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _insert_sql(model, columns: list[str]) -> str:
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    return f"INSERT INTO {_table(model)} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"


def _now_for_db():
    return connection.ops.adapt_datetimefield_value(timezone.now())


def _execute_many(sql: str, rows: Iterable[tuple]) -> None:
    with connection.cursor() as cursor:
        for batch in batched(rows, BATCH_SIZE):
            cursor.executemany(sql, batch)


def _insert_records(*, review: Review, search: Search, entries: list[dict]) -> None:
    adapt_json = connection.ops.adapt_json_value
    now = _now_for_db()
    json_columns = {"authors", "keywords"}
    _execute_many(
        _insert_sql(Record, ["review_id", "search_id", "created_at", *RECORD_COLUMNS]),
        (
            (
                review.pk,
                search.pk,
                now,
                *(adapt_json(e[c], None) if c in json_columns else e[c] for c in RECORD_COLUMNS),
            )
            for e in entries
        ),
    )
