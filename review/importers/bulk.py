"""Writing many rows at once, without model instances: 100,000 records through the ORM cost more than
parsing them. Rows go in as plain tuples: through COPY on PostgreSQL (row-by-row INSERTs there wait on
the server), and on SQLite, whose INSERTs run in-process, many rows to a statement. The columns are the
model's own, so a column added later gets the value the model would give it, never a bare NULL."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import batched
from operator import itemgetter

from django.db import connection, models

from review.models import Record

BATCH_SIZE = 2000
SQLITE_CACHE_KIB = 128 * 1024


def bulk_insert(model: type[models.Model], rows: Iterable[dict], *, fields: Sequence[str], **fixed) -> None:
    """Insert `rows` (attribute name -> value for `fields`); every other column but the id gets the value
    the model gives a new instance made with `fixed` (foreign keys, defaults, `auto_now_add`), but for
    columns the database gives a default, which it writes unless `fixed` names them."""
    with inserting(model, rows, fields=fields, **fixed):
        pass


@contextmanager
def inserting(
    model: type[models.Model], rows: Iterable[dict], *, fields: Sequence[str], **fixed
) -> Iterator[None]:
    """`bulk_insert` that lets the caller work while the rows are stored: they are written from a
    thread that mostly waits (on the PostgreSQL server, or in SQLite's library, which lets go of the
    GIL while it writes), so the block's own work costs little extra time. The block must not use the
    database; every row is in when it ends."""
    sql, row_tuples, width = _statement(model, rows, fields=fields, fixed=fixed)
    rows_per_statement = max(1, min(BATCH_SIZE, (connection.features.max_query_params or 999) // width))
    with connection.cursor() as cursor, _page_cache(cursor):
        postgresql = connection.vendor == "postgresql"
        if postgresql:
            _compress_fast(cursor)
        failure: list[BaseException] = []

        def write() -> None:
            try:
                if postgresql:
                    with cursor.copy(sql) as copy:
                        for row in row_tuples:
                            copy.write_row(row)
                else:
                    # Many rows to a statement: SQLite lets go of the interpreter for the whole statement,
                    # where row by row it would wait to take it back from the caller's thread after each.
                    for batch in batched(row_tuples, rows_per_statement):
                        cursor.execute(sql(len(batch)), [value for row in batch for value in row])
            except BaseException as error:  # handed to the caller's thread below
                failure.append(error)

        writer = threading.Thread(target=write, name=f"insert into {model._meta.db_table}")
        writer.start()
        try:
            yield
        finally:
            writer.join()
        if failure:
            raise failure[0]


def _statement(
    model: type[models.Model], rows: Iterable[dict], *, fields: Sequence[str], fixed: dict
) -> tuple[str | Callable[[int], str], Iterator[tuple], int]:
    """(COPY statement, or the INSERT statement for a number of rows; the rows as tuples in its column
    order; the number of columns)."""
    template = model(**fixed)
    given = [model._meta.get_field(name).attname for name in fields]
    per_row = [f for f in model._meta.concrete_fields if f.attname in given]
    constant = [
        f
        for f in model._meta.concrete_fields
        if not f.primary_key and f.attname not in given and (f.name in fixed or not f.has_db_default())
    ]
    constants = tuple(f.get_db_prep_save(f.pre_save(template, add=True), connection) for f in constant)
    # Text and numbers go as they are; JSON as the database takes it (a list is not a JSON column's value).
    adapt_json = connection.ops.adapt_json_value
    adapted = [(n, f.encoder) for n, f in enumerate(per_row) if isinstance(f, models.JSONField)]
    names_given = [f.attname for f in per_row]
    values = itemgetter(*names_given) if len(names_given) > 1 else (lambda row: (row[names_given[0]],))

    def row_tuples() -> Iterator[tuple]:
        for row in rows:
            value = list(values(row))
            for n, encoder in adapted:
                value[n] = adapt_json(value[n], encoder)
            yield (*value, *constants)

    columns = [f.column for f in per_row] + [f.column for f in constant]
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    table = connection.ops.quote_name(model._meta.db_table)
    if connection.vendor == "postgresql":
        return f"COPY {table} ({names}) FROM STDIN", row_tuples(), len(columns)
    one_row = f"({', '.join(['%s'] * len(columns))})"

    @functools.cache
    def insert(count: int) -> str:
        return f"INSERT INTO {table} ({names}) VALUES {', '.join([one_row] * count)}"

    return insert, row_tuples(), len(columns)


@contextmanager
def _page_cache(cursor) -> Iterator[None]:
    """On SQLite, a page cache big enough for the index pages a big insert keeps coming back to (the
    default 2 MB makes it read and write them again and again), for the insert only."""
    if connection.vendor != "sqlite":
        yield
        return
    cursor.execute("PRAGMA cache_size")
    (before,) = cursor.fetchone()
    cursor.execute(f"PRAGMA cache_size = {-SQLITE_CACHE_KIB}")
    try:
        yield
    finally:
        cursor.execute(f"PRAGMA cache_size = {int(before)}")


def _compress_fast(cursor) -> None:
    # Abstracts and raw entries make rows of several kilobytes, which PostgreSQL compresses as it stores
    # them; lz4 does it in half the time of the default pglz (the COPY of 100,000 records waits on that).
    # For the rest of the import's transaction only, and only where the server was built with lz4.
    cursor.execute("SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'")
    if cursor.fetchone()[0]:
        cursor.execute("SET LOCAL default_toast_compression = lz4")


def set_duplicate_of(pairs: list[tuple[int, int]]) -> None:
    """(record id, original id): the records merged at import."""
    if not pairs:
        return
    table = connection.ops.quote_name(Record._meta.db_table)
    column = connection.ops.quote_name(Record._meta.get_field("duplicate_of").column)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One statement for all of them, rather than a round trip each.
            record_ids, original_ids = zip(*pairs, strict=True)
            cursor.execute(
                f"UPDATE {table} SET {column} = merged.original_id "
                "FROM unnest(%s::bigint[], %s::bigint[]) AS merged(id, original_id) "
                f"WHERE {table}.id = merged.id",
                [list(record_ids), list(original_ids)],
            )
        else:
            for batch in batched(((original, record) for record, original in pairs), BATCH_SIZE):
                cursor.executemany(f"UPDATE {table} SET {column} = %s WHERE id = %s", batch)
