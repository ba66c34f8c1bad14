"""Votes in from a table (CSV, XLSX, read through django-import-export's formats), so a team can bring a
review over from another tool; they go out through the votes export (exports.py), whose file this reads
back. Import goes through `services.cast_vote` row by row inside one transaction: one bad row and nothing
is imported."""

from __future__ import annotations

from datetime import datetime

import tablib
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from import_export.formats.base_formats import CSV, XLSX

from review.constants import Stage
from review.models import Record, Review
from screening import services

FORMATS = {"csv": CSV(), "xlsx": XLSX()}
COLUMNS = ["record", "reviewer", "stage", "verdict", "reason", "note", "time"]


def read_table(*, data: bytes, file_name: str) -> tablib.Dataset:
    extension = file_name.rsplit(".", 1)[-1].lower()
    if extension not in FORMATS:
        raise ValidationError(f"“{file_name}”: votes come as .csv or .xlsx, not .{extension}.")
    file_format = FORMATS[extension]
    try:
        content = data if file_format.is_binary() else data.decode("utf-8-sig")
        return file_format.create_dataset(content)
    except Exception as error:  # tablib raises many kinds for a broken file
        raise ValidationError(f"“{file_name}” could not be read as {extension.upper()}: {error}") from error


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
    return (
        moment if timezone.is_aware(moment) else timezone.make_aware(moment, timezone.get_current_timezone())
    )


@transaction.atomic
def import_votes(*, review: Review, data: bytes, file_name: str) -> int:
    """Import every row or none. Raises ValidationError naming the file, the row and the problem."""
    from django.contrib.auth import get_user_model

    dataset = read_table(data=data, file_name=file_name)
    headers = [str(h or "").strip().lower() for h in dataset.headers or []]
    missing = [c for c in ("record", "reviewer", "stage", "verdict") if c not in headers]
    if missing:
        raise ValidationError(f"“{file_name}” lacks the column(s) {', '.join(missing)}.")
    users = {u.username: u for u in get_user_model().objects.filter(memberships__review=review)}
    reasons = {r.label.casefold(): r for r in review.exclusion_reasons.all()}
    rows = []
    for number, raw in enumerate(dataset, start=2):  # row 1 is the header
        row = {h: ("" if v is None else v) for h, v in zip(headers, raw, strict=False)}
        rows.append((number, row))
    # Title/abstract first: a full-text vote needs the record to have passed title and abstract.
    rows.sort(key=lambda item: (str(item[1]["stage"]).strip() != Stage.TITLE_ABSTRACT, item[0]))
    for number, row in rows:
        try:
            username = str(row["reviewer"]).strip()
            if username not in users:
                raise ValidationError(f"reviewer “{username}” is not a member of this review")
            reason_label = str(row.get("reason", "")).strip()
            if reason_label and reason_label.casefold() not in reasons:
                raise ValidationError(
                    f"reason “{reason_label}” is not in this review's list of exclusion reasons"
                )
            services.cast_vote(
                review=review,
                record=_find_record(review, str(row["record"])),
                stage=str(row["stage"]).strip(),
                reviewer=users[username],
                verdict=str(row["verdict"]).strip().lower(),
                reason=reasons[reason_label.casefold()] if reason_label else None,
                note=str(row.get("note", "")),
                when=_parse_time(row.get("time")),
            )
        except ValidationError as error:
            raise ValidationError(
                f"“{file_name}”, row {number}: {' '.join(error.messages)}. Nothing was imported."
            ) from error
    return len(rows)
