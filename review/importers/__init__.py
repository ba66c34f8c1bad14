"""Importing search exports into a review. One module per format; this package's entry point turns a
file into a Search and its Records inside one transaction (a file that fails imports nothing)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.core.files.base import ContentFile
from django.db import transaction

from review.importers import ris
from review.models import Record, Review, Search


@dataclass
class ImportResult:
    search: Search | None = None
    parsed: int = 0
    imported: int = 0
    duplicates_merged: int = 0
    duplicates_queued: int = 0
    errors: list[str] = field(default_factory=list)


@transaction.atomic
def import_search_file(
    *,
    review: Review,
    data: bytes,
    file_name: str,
    source_name: str,
    kind: str,
    user=None,
    date_searched: date | None = None,
    query: str = "",
) -> ImportResult:
    entries = ris.parse(data, file_name=file_name)
    search = Search(
        review=review,
        source_name=source_name,
        kind=kind,
        date_searched=date_searched,
        query=query,
        file_name=Path(file_name).name,
        file_format="ris",
        created_by=user,
    )
    search.file.save(Path(file_name).name, ContentFile(data), save=False)
    search.save()
    records = [Record(review=review, search=search, **entry) for entry in entries]
    for record in records:
        record.save()
    return ImportResult(search=search, parsed=len(entries), imported=len(records))
