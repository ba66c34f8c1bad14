"""Exports run in the background, one ExportJob per request (jobs.py). This app offers, runs and serves
them without importing the other apps: each app lists what it can export through an AppConfig
`exporters()` hook, the way the demo loader asks each app for its `load_demo`.

The protocol: an app's exporter returns Tables (column names, rows read lazily, and the person they were
computed for); this app writes them as CSV, XLSX (one sheet per table) or a ZIP of CSV files, escaping
every text cell the same way (tables.py). A workbook of several named tables is one exporter returning
several tables."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from itertools import batched
from typing import TYPE_CHECKING

from django.apps import apps
from django.db import connections, models

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
    # What each column holds, for the dataset's data dictionary: {column: (type, meaning)}.
    dictionary: Mapping[str, tuple[str, str]] = field(default_factory=dict)

    def as_dicts(self) -> Iterator[dict[str, Cell]]:
        """The rows as {column: cell}, unescaped (for tests and JSON)."""
        for row in self.rows:
            yield dict(zip(self.columns, row, strict=True))


class Stream:
    """The `fields` of a queryset's rows, as tuples (or dicts), read while the file is written.

    On PostgreSQL a server-side cursor fetches them CHUNK_ROWS at a time. SQLite cannot write on a
    connection that holds a read open across another connection's commit (its snapshot goes stale:
    "database is locked"), and a job reports its progress while it writes: there the primary keys are read
    first, in order, then the rows by primary key, CHUNK_ROWS at a time, each chunk read whole before any
    of it is written (a chunk re-running the whole filtered query was planned badly: 50 s each)."""

    def __init__(self, queryset: models.QuerySet, *fields: str, group: str | None = None, as_dicts=False):
        self.queryset, self.fields, self.group, self.as_dicts = queryset, fields, group, as_dicts
        self.by_chunks = connections[queryset.db].vendor == "sqlite"
        self._keys: list[tuple] | None = None

    def count(self) -> int:
        """How many rows will come, or with `group`, how many distinct values of that field (the rows of a
        table that puts each group on one row)."""
        if self.by_chunks:
            keys = self._read_keys()
            return len({group for _pk, group in keys}) if self.group else len(keys)
        counted = self.queryset.order_by()
        return (counted.values(self.group).distinct() if self.group else counted).count()

    def __iter__(self) -> Iterator:
        rows = (
            self._chunks() if self.by_chunks else self.queryset.values_list(*self.fields).iterator(CHUNK_ROWS)
        )
        if not self.as_dicts:
            yield from rows
            return
        for row in rows:
            yield dict(zip(self.fields, row, strict=True))

    def _chunks(self) -> Iterator[tuple]:
        keys = [pk for pk, _group in self._read_keys()]
        self._keys = None
        by_pk = self.queryset.model._base_manager.using(self.queryset.db)
        size = min(CHUNK_ROWS, connections[self.queryset.db].features.max_query_params - 1)
        for chunk in batched(keys, size):
            found = {row[0]: row[1:] for row in by_pk.filter(pk__in=chunk).values_list("pk", *self.fields)}
            yield from (found[pk] for pk in chunk if pk in found)  # a row deleted since is left out

    def _read_keys(self) -> list[tuple]:
        if self._keys is None:
            self._keys = list(self.queryset.values_list("pk", self.group or "pk"))
        return self._keys


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
    # Files a ZIP holds beside the tables (a diagram): `attachments(review=, user=)` returns (name, bytes).
    attachments: Callable[..., list[tuple[str, bytes]]] | None = None
    # A file that is not tables (the review's backup): `write_file(review=, out=, progress=)` writes it to the
    # binary `out` and returns how many rows it holds; `tables` is then not called.
    write_file: Callable[..., int] | None = None


def exporters() -> dict[str, Exporter]:
    """Every app's exporters by kind, in the order the apps are installed."""
    found: dict[str, Exporter] = {}
    for app_config in apps.get_app_configs():
        if hook := getattr(app_config, "exporters", None):
            for exporter in hook():
                found[exporter.kind] = exporter
    return found


def dataset_tables(*, review, user, progress: Progress) -> list[Table]:
    """The tables every app offers for the review's dataset (an AppConfig `dataset_tables()` hook, in the
    order the apps are installed), computed for `user`: a new app's tables join the dataset by offering
    them, with no change here."""
    found: list[Table] = []
    for app_config in apps.get_app_configs():
        if hook := getattr(app_config, "dataset_tables", None):
            found += hook(review=review, user=user, progress=progress)
    return found


def get_exporter(kind: str) -> Exporter:
    exporter = exporters().get(kind)
    if exporter is None:
        raise ExportError(f"There is no export called “{kind}”.")
    return exporter
