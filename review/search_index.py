"""Filling the full-text index after an import, in bulk, rather than row by row while the records are
written: indexing abstracts cost most of a large import's time (14.9 of 21 s at 20,000 records on SQLite,
the FTS5 insert trigger; on PostgreSQL a generated tsvector column computed during the COPY).

The importer writes its records with `Record.search_indexed` False and, in the same transaction, asks for
a SearchIndexJob (sent to the worker on commit) and adds the records to the review's
`records_awaiting_search_index`. The job indexes them in chunks of ids, each chunk in its own transaction
with the flag and the counter, reporting "Search index: 40,000 of 100,000 records". Until a record is
indexed the record list's search finds it by a plain case-insensitive match (review.records).

Every other write keeps the index itself (migration 0013_search_index_after_import):
- PostgreSQL: `search_document` is a plain tsvector column set by a BEFORE INSERT/UPDATE trigger from the
  same expression as before while the record is indexed, NULL while it is not; so
  the job's `UPDATE … SET search_indexed = true` computes the vectors, and later edits recompute them.
- SQLite: the FTS5 table's insert trigger runs only for indexed records, and its update and delete
  triggers remove a row from the index only if the record was in it (an FTS5 'delete' of a row never
  indexed corrupts an external-content index); the job inserts its chunk's rows itself."""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import Count, F, Max, Min
from django.db.models.functions import Greatest

from review.models import Record, Review, SearchIndexJob

CHUNK_IDS = 5_000


def ask_for_index(*, review: Review, search=None) -> SearchIndexJob | None:
    """Inside the transaction that wrote the records: count the review's records of `search` waiting for
    the index and queue the job that indexes them (sent to the worker once this transaction commits)."""
    waiting = Record.objects.filter(review=review, search_indexed=False)
    if search is not None:
        waiting = waiting.filter(search=search)
    bounds = waiting.aggregate(first=Min("id"), last=Max("id"), total=Count("id"))
    if not bounds["total"]:
        return None
    total = bounds["total"]
    job = SearchIndexJob.objects.create(
        review=review,
        search=search,
        first_record_id=bounds["first"],
        last_record_id=bounds["last"],
        total=total,
        stage="Waiting for the worker",
    )
    Review.objects.filter(pk=review.pk).update(
        records_awaiting_search_index=F("records_awaiting_search_index") + total
    )
    job.enqueue()
    return job


def index_chunk(review_id: int, first_id: int, last_id: int) -> int:
    """Index the review's unindexed records with ids first_id..last_id, and count them off the review's
    waiting records; return how many. Call inside a transaction."""
    table = connection.ops.quote_name(Record._meta.db_table)
    where = "review_id = %s AND NOT search_indexed AND id BETWEEN %s AND %s"
    params = [review_id, first_id, last_id]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "INSERT INTO review_record_fts(rowid, title, abstract, authors) "
                f"SELECT id, title, abstract, authors FROM {table} WHERE {where}",
                params,
            )
        # On PostgreSQL the record's trigger computes the search document as the flag turns true.
        cursor.execute(f"UPDATE {table} SET search_indexed = true WHERE {where}", params)
        done = cursor.rowcount
    if done:
        Review.objects.filter(pk=review_id).update(
            records_awaiting_search_index=Greatest(F("records_awaiting_search_index") - done, 0)
        )
    return done


def index_records(job: SearchIndexJob) -> None:
    """The job's work: its records' ids in chunks, each chunk committed with its progress, so a worker
    that dies keeps what it did and the job asked again goes on from there (indexed rows are skipped)."""
    indexed = job.indexed
    start = job.first_record_id
    while start <= job.last_record_id:
        end = min(start + CHUNK_IDS - 1, job.last_record_id)
        with transaction.atomic():
            indexed += index_chunk(job.review_id, start, end)
            SearchIndexJob.objects.filter(pk=job.pk).update(indexed=indexed)
        job.report(f"Search index: {indexed:,} of {job.total:,} records", min(99, 100 * indexed // job.total))
        start = end + 1
    job.finish(indexed=indexed)
