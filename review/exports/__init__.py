"""Exports run in the background, one ExportJob per request (jobs.py). This app offers, runs and serves
them without importing the other apps: each app lists what it can export through an AppConfig
`exporters()` hook, the way the demo loader asks each app for its `load_demo`.

The protocol: an app's exporter returns Tables (column names, rows read lazily, and the person they were
computed for); this app writes them as CSV, XLSX (one sheet per table) or a ZIP of CSV files, escaping
every text cell the same way (tables.py). A workbook of several named tables is one exporter returning
several tables."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.apps import apps
from django.db import models

from review.jobs import JobFailed

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

# What a cell may hold: text, a number (a Decimal keeps its digits), yes/no, a date, or nothing.
Cell = str | int | float | Decimal | bool | date | None
Progress = Callable[[str, int], None]

# Rows are read from the database this many at a time, and written as they are read: an export's memory
# does not grow with the review.
CHUNK_ROWS = 2000


class ExportError(JobFailed):
    """Why an export cannot be made, in words for the person who asked (shown on the job's page)."""


@dataclass(frozen=True)
class Table:
    """One table of an export. `rows` are read once, lazily, while the file is written: sequences of cells
    in the order of `columns`. `count` is how many rows to expect (for the progress and the XLSX row
    limit). `requester` is the person the rows were computed for when blinding makes them theirs alone,
    else None (the same for every member allowed the export)."""

    name: str  # the sheet of a workbook, the CSV file of a ZIP
    columns: Sequence[str]
    rows: Iterable[Sequence[Cell]]
    count: int
    requester: AbstractBaseUser | None = None

    def as_dicts(self) -> Iterator[dict[str, Cell]]:
        """The rows as {column: cell}, unescaped (for tests and JSON)."""
        for row in self.rows:
            yield dict(zip(self.columns, row, strict=True))


def stream(queryset: models.QuerySet) -> Iterator:
    """A narrow queryset's rows, fetched CHUNK_ROWS at a time (a server-side cursor on PostgreSQL)."""
    return queryset.iterator(chunk_size=CHUNK_ROWS)


@dataclass(frozen=True)
class Exporter:
    """One export an app offers. `tables(review=, user=, progress=)` returns its Tables, computed for `user`,
    the person who asked, with their permissions as they are when the worker runs it; `progress(stage,
    percent)` may say how far a slow preparation is (the rows are counted while they are written)."""

    kind: str  # unique and stable: jobs keep it, e.g. "extraction.consensus-wide"
    label: str  # what the button's list says, e.g. "Consensus, one row per study"
    file_stem: str  # the file is named <review slug>-<file_stem>.<format>
    tables: Callable[..., list[Table]]
    formats: tuple[str, ...] = ("csv", "xlsx")  # several tables: ("xlsx", "zip")
    # The content depends on who asks (blinding): only that person may download the file, and only while
    # they keep the roles they had when it was made. Other exports are the same for everyone allowed them,
    # so any member with `perm` may download them.
    personal: bool = False
    perm: str = "review.view_review"


def exporters() -> dict[str, Exporter]:
    """Every app's exporters by kind, in the order the apps are installed."""
    found: dict[str, Exporter] = {}
    for app_config in apps.get_app_configs():
        if hook := getattr(app_config, "exporters", None):
            for exporter in hook():
                found[exporter.kind] = exporter
    return found


def get_exporter(kind: str) -> Exporter:
    exporter = exporters().get(kind)
    if exporter is None:
        raise ExportError(f"There is no export called “{kind}”.")
    return exporter
