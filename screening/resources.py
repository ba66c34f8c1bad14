"""Votes in from a table (CSV, XLSX), so a team can bring a review over from another tool; they go out
through the votes export (exports.py), whose file this reads back. Import streams the file (a row limit
stops a huge one early) and goes through `services.cast_vote` row by row inside one transaction: one bad
row and nothing is imported."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

import openpyxl
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from review.constants import Stage
from review.models import Record, Review
from screening import services
from screening.constants import MAX_VOTE_ROWS

COLUMNS = ("record", "reviewer", "stage", "verdict", "reason", "note", "time")


def _csv_rows(source: BinaryIO, file_name: str) -> Iterator[tuple]:
    text = io.TextIOWrapper(source, encoding="utf-8-sig", newline="")
    try:
        yield from csv.reader(text)
    except (UnicodeDecodeError, csv.Error) as error:
        raise ValidationError(f"“{file_name}” could not be read as CSV (UTF-8): {error}") from error


# What an XLSX declares near the start of its parts: a sheet's cell range, and how many distinct texts its
# shared-strings table holds (openpyxl reads that table whole before the first row).
DIMENSION = re.compile(rb'<dimension ref="[A-Z]+(\d+)(?::[A-Z]+(\d+))?"')
DISTINCT_TEXTS = re.compile(rb'<sst\b[^>]*\buniqueCount="(\d+)"')


def _refuse_huge_workbook(source: BinaryIO, file_name: str, limit: int) -> None:
    """Refuse an XLSX whose sheet declares more rows than the limit, or whose texts could not fit so many,
    from the first bytes of its parts: nothing else of it is read."""
    try:
        archive = zipfile.ZipFile(source)
    except zipfile.BadZipFile as error:
        raise ValidationError(f"“{file_name}” could not be read as XLSX: {error}") from error
    for part in archive.infolist():
        if part.filename.startswith("xl/worksheets/") and part.filename.endswith(".xml"):
            with archive.open(part) as xml:
                found = DIMENSION.search(xml.read(16384))
            if found and found.group(2) and int(found.group(2)) - int(found.group(1)) > limit:
                rows = int(found.group(2)) - int(found.group(1))
                raise _too_many_rows(file_name, limit, f"its sheet has {rows:,} rows")
        elif part.filename == "xl/sharedStrings.xml":
            with archive.open(part) as xml:
                found = DISTINCT_TEXTS.search(xml.read(4096))
            if found and int(found.group(1)) > limit * len(COLUMNS):
                raise _too_many_rows(file_name, limit, f"it holds {int(found.group(1)):,} distinct texts")
    source.seek(0)


def _xlsx_rows(source: BinaryIO, file_name: str, limit: int) -> Iterator[tuple]:
    """The first sheet's rows, streamed (openpyxl's read-only mode), once the workbook's declared size is
    within the limit."""
    _refuse_huge_workbook(source, file_name, limit)
    try:
        sheet = openpyxl.load_workbook(source, read_only=True, data_only=True).worksheets[0]
    except Exception as error:  # openpyxl raises many kinds for a broken file
        raise ValidationError(f"“{file_name}” could not be read as XLSX: {error}") from error
    yield from sheet.iter_rows(values_only=True)


def _too_many_rows(file_name: str, limit: int, found: str) -> ValidationError:
    return ValidationError(
        f"“{file_name}”: {found}; at most {limit:,} votes are imported at once. Split the file. "
        "Nothing was imported."
    )


def read_rows(*, source: BinaryIO, file_name: str) -> tuple[list[str], list[tuple[int, dict]]]:
    """The header (lower case) and the rows, each numbered as in the file (the header is row 1) and keyed
    by column; blank rows are skipped. More than `MAX_VOTE_ROWS` rows are refused as soon as they are
    counted, so a huge file is never read whole."""
    extension = file_name.rsplit(".", 1)[-1].lower()
    if extension not in ("csv", "xlsx"):
        raise ValidationError(f"“{file_name}”: votes come as .csv or .xlsx, not .{extension}.")
    limit = MAX_VOTE_ROWS
    lines = _csv_rows(source, file_name) if extension == "csv" else _xlsx_rows(source, file_name, limit)
    header = [str(h or "").strip().lower() for h in next(lines, ())]
    rows = []
    for number, values in enumerate(lines, start=2):
        if all(v is None or str(v).strip() == "" for v in values):
            continue
        if len(rows) == limit:
            raise _too_many_rows(file_name, limit, f"it has more than {limit:,} rows")
        rows.append((number, {h: ("" if v is None else v) for h, v in zip(header, values, strict=False)}))
    return header, rows


def _find_record(review: Review, value: str) -> Record:
    value = value.strip()
    records = Record.objects.for_review(review).unique()
    found = records.filter(doi__iexact=value).first() or (
        records.filter(pmid=value).first() if value else None
    )
    if found is None and value.isdigit():
        found = records.filter(pk=int(value)).first()
    if found is None:
        raise ValidationError(f"no unique record in this review has DOI, PMID or id “{value}”")
    return found


def _parse_time(value) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        moment = value
    else:
        moment = parse_datetime(str(value).strip())
        if moment is None:
            raise ValidationError(f"time “{value}” is not a date and time such as 2026-01-31T14:05:00Z")
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_current_timezone())
    if moment > timezone.now():
        raise ValidationError(f"time “{value}” is in the future")
    return moment


@dataclass
class _Row:
    number: int  # in the file
    vote: dict  # keyword arguments of `services.cast_vote`


def _parse_row(number: int, row: dict, *, review: Review, users: dict, reasons: dict) -> _Row:
    username = str(row["reviewer"]).strip()
    if username not in users:
        raise ValidationError(f"reviewer “{username}” is not a member of this review")
    reason_label = str(row.get("reason", "")).strip()
    if reason_label and reason_label.casefold() not in reasons:
        raise ValidationError(f"reason “{reason_label}” is not in this review's list of exclusion reasons")
    vote = {
        "record": _find_record(review, str(row["record"])),
        "reviewer": users[username],
        "stage": str(row["stage"]).strip(),
        "verdict": str(row["verdict"]).strip().lower(),
        "reason": reasons[reason_label.casefold()] if reason_label else None,
        "note": str(row.get("note", "")),
        "when": _parse_time(row.get("time")),
    }
    return _Row(number, vote)


def _refuse_repeated_votes(rows: list[_Row], file_name: str) -> None:
    """A reviewer has one vote per record and stage: two rows for the same one would silently keep the
    later, so the file is refused, naming the rows."""
    seen: dict[tuple, list[int]] = defaultdict(list)
    for row in rows:
        seen[row.vote["record"].pk, row.vote["reviewer"].pk, row.vote["stage"]].append(row.number)
    repeated = [(key, numbers) for key, numbers in seen.items() if len(numbers) > 1]
    if not repeated:
        return
    by_number = {row.number: row for row in rows}
    described = []
    for _, numbers in repeated[:5]:
        vote = by_number[numbers[0]].vote
        described.append(
            f"rows {', '.join(map(str, numbers[:-1]))} and {numbers[-1]} are all {vote['reviewer'].username}'s "
            f"{vote['stage']} vote on record {vote['record'].pk}"
        )
    more = f" (and {len(repeated) - 5} more)" if len(repeated) > 5 else ""
    raise ValidationError(
        f"“{file_name}”: {'; '.join(described)}{more}. A reviewer has one vote per record and stage. "
        "Nothing was imported."
    )


@transaction.atomic
def import_votes(*, review: Review, data: bytes | BinaryIO, file_name: str, by) -> int:
    """Import every row or none. Each vote's author is its row's reviewer; `by`, who imports them (an owner),
    is the author of the change in the history, with the file's name. Raises ValidationError naming the
    file, the row and the problem."""
    from django.contrib.auth import get_user_model

    if not by.has_perm("review.change_review", review):
        raise ValidationError(f"{by.username} is not an owner of this review; only an owner imports votes.")
    source = io.BytesIO(data) if isinstance(data, bytes) else data
    headers, raw_rows = read_rows(source=source, file_name=file_name)
    missing = [c for c in ("record", "reviewer", "stage", "verdict") if c not in headers]
    if missing:
        raise ValidationError(f"“{file_name}” lacks the column(s) {', '.join(missing)}.")
    users = {u.username: u for u in get_user_model().objects.filter(memberships__review=review)}
    reasons = {r.label.casefold(): r for r in review.exclusion_reasons.all()}
    rows = []
    for number, raw in raw_rows:
        with _naming_the_row(file_name, number):
            rows.append(_parse_row(number, raw, review=review, users=users, reasons=reasons))
    _refuse_repeated_votes(rows, file_name)
    # Title/abstract first: a full-text vote needs the record to have passed title and abstract.
    rows.sort(key=lambda row: (row.vote["stage"] != Stage.TITLE_ABSTRACT, row.number))
    history_note = f"Imported from “{file_name}” by {by.username}"
    for row in rows:
        with _naming_the_row(file_name, row.number):
            services.cast_vote(review=review, **row.vote, recorded_by=by, history_note=history_note)
    return len(rows)


@contextmanager
def _naming_the_row(file_name: str, number: int) -> Iterator[None]:
    try:
        yield
    except ValidationError as error:
        raise ValidationError(
            f"“{file_name}”, row {number}: {' '.join(error.messages)}. Nothing was imported."
        ) from error
