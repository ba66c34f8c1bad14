"""The full-text index is filled after an import, in bulk, by a SearchIndexJob (review/search_index.py),
instead of row by row as the records are written; `Record.search_indexed` says which records it holds.

PostgreSQL: `search_document` stops being a generated column (its values and GIN index are kept) and is
set by a trigger from the same expression, but only for indexed records: the import's COPY writes
unindexed rows without computing it, and the job's `UPDATE … SET search_indexed = true` computes it.
SQLite: the FTS5 insert trigger runs for indexed records only (the job inserts its chunks itself), and the
update and delete triggers remove a row from the index only if the record was in it (an FTS5 'delete' of
a row that was never indexed corrupts an external-content index).

The columns are added and dropped by plain ALTER TABLE, so SQLite's tables are never rebuilt (a rebuild
would drop the triggers kept on them and break those other tables keep, migration 0012's)."""

import importlib

import django.db.models.deletion
from django.db import migrations, models

full_text_search = importlib.import_module("review.migrations.0007_record_full_text_search")

SEARCH_DOCUMENT = (
    "to_tsvector('english'::regconfig, NEW.title || ' ' || NEW.abstract)"
    " || jsonb_to_tsvector('english'::regconfig, NEW.authors, '[\"string\"]')"
)
POSTGRESQL_CREATE = [
    "ALTER TABLE review_record ALTER COLUMN search_document DROP EXPRESSION",
    f"""
    CREATE FUNCTION review_record_search_document() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        -- A save that leaves the words as they were keeps the document it has.
        IF TG_OP = 'UPDATE' AND OLD.search_indexed AND NEW.title IS NOT DISTINCT FROM OLD.title
           AND NEW.abstract IS NOT DISTINCT FROM OLD.abstract AND NEW.authors IS NOT DISTINCT FROM OLD.authors
        THEN
            RETURN NEW;
        END IF;
        NEW.search_document := {SEARCH_DOCUMENT};
        RETURN NEW;
    END
    $$
    """,
    """
    CREATE TRIGGER review_record_search_document
    BEFORE INSERT OR UPDATE OF title, abstract, authors, search_indexed ON review_record
    FOR EACH ROW WHEN (NEW.search_indexed) EXECUTE FUNCTION review_record_search_document()
    """,
]
POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS review_record_search_document ON review_record",
    "DROP FUNCTION IF EXISTS review_record_search_document()",
    *full_text_search.POSTGRESQL_DROP,
    *full_text_search.POSTGRESQL_CREATE,  # the generated column again, computed for every record
]

_FTS_ROW = "(rowid, title, abstract, authors) SELECT new.id, new.title, new.abstract, new.authors"
_FTS_DELETE = (
    "(review_record_fts, rowid, title, abstract, authors) "
    "SELECT 'delete', old.id, old.title, old.abstract, old.authors"
)
SQLITE_DROP_TRIGGERS = [
    "DROP TRIGGER IF EXISTS review_record_fts_insert",
    "DROP TRIGGER IF EXISTS review_record_fts_delete",
    "DROP TRIGGER IF EXISTS review_record_fts_update",
]
SQLITE_CREATE = [
    *SQLITE_DROP_TRIGGERS,
    f"""
    CREATE TRIGGER review_record_fts_insert AFTER INSERT ON review_record WHEN new.search_indexed BEGIN
        INSERT INTO review_record_fts {_FTS_ROW};
    END
    """,
    f"""
    CREATE TRIGGER review_record_fts_delete AFTER DELETE ON review_record WHEN old.search_indexed BEGIN
        INSERT INTO review_record_fts {_FTS_DELETE};
    END
    """,
    f"""
    CREATE TRIGGER review_record_fts_update AFTER UPDATE OF title, abstract, authors ON review_record BEGIN
        INSERT INTO review_record_fts {_FTS_DELETE} WHERE old.search_indexed;
        INSERT INTO review_record_fts {_FTS_ROW} WHERE new.search_indexed;
    END
    """,
]
SQLITE_DROP = [
    # Records still waiting go into the index, which the old triggers assume holds every record.
    "INSERT INTO review_record_fts(rowid, title, abstract, authors) "
    "SELECT id, title, abstract, authors FROM review_record WHERE NOT search_indexed",
    *SQLITE_DROP_TRIGGERS,
]
SQLITE_DROP = [
    *SQLITE_DROP,
    *(statement for statement in full_text_search.SQLITE_CREATE if "CREATE TRIGGER" in statement),
]

POSTGRESQL_ADD_COLUMNS = [
    "ALTER TABLE review_record ADD COLUMN search_indexed boolean DEFAULT true NOT NULL",
    "ALTER TABLE review_review ADD COLUMN records_awaiting_search_index integer DEFAULT 0 NOT NULL"
    " CHECK (records_awaiting_search_index >= 0)",
]
SQLITE_ADD_COLUMNS = [
    'ALTER TABLE review_record ADD COLUMN "search_indexed" bool DEFAULT 1 NOT NULL',
    'ALTER TABLE review_review ADD COLUMN "records_awaiting_search_index" integer unsigned DEFAULT 0 NOT NULL'
    ' CHECK ("records_awaiting_search_index" >= 0)',
]
DROP_COLUMNS = [
    "ALTER TABLE review_record DROP COLUMN search_indexed",
    "ALTER TABLE review_review DROP COLUMN records_awaiting_search_index",
]


_run = full_text_search._run


class Migration(migrations.Migration):
    dependencies = [
        ("review", "0012_record_tally"),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchIndexJob",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("queued", "Waiting for the worker"),
                            ("running", "Running"),
                            ("done", "Done"),
                            ("failed", "Failed"),
                        ],
                        default="queued",
                        max_length=20,
                    ),
                ),
                ("stage", models.CharField(blank=True, max_length=200)),
                ("progress", models.PositiveSmallIntegerField(default=0, help_text="Per cent done.")),
                ("error", models.TextField(blank=True, help_text="Why it failed, for the person who asked.")),
                (
                    "worker_failed",
                    models.BooleanField(
                        default=False,
                        help_text="It failed through no fault of what was asked (its worker stopped or crashed), so asking again may work.",
                    ),
                ),
                ("task_id", models.CharField(blank=True, max_length=64)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("started_at", models.DateTimeField(blank=True, null=True)),
                (
                    "heartbeat_at",
                    models.DateTimeField(
                        blank=True, help_text="The last sign of life of the worker running it.", null=True
                    ),
                ),
                ("finished_at", models.DateTimeField(blank=True, null=True)),
                ("first_record_id", models.BigIntegerField()),
                ("last_record_id", models.BigIntegerField()),
                ("total", models.PositiveIntegerField(help_text="Records to index.")),
                ("indexed", models.PositiveIntegerField(default=0)),
            ],
            options={
                "ordering": ["-created_at", "-id"],
                "abstract": False,
            },
        ),
        # The columns by ALTER TABLE: Django would rebuild both tables on SQLite, which breaks the triggers
        # other tables keep on them (migration 0012's tallies).
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name="record",
                    name="search_indexed",
                    field=models.BooleanField(db_default=True, default=True, editable=False),
                ),
                migrations.AddField(
                    model_name="review",
                    name="records_awaiting_search_index",
                    field=models.PositiveIntegerField(db_default=0, default=0, editable=False),
                ),
            ],
            database_operations=[
                migrations.RunPython(
                    _run({"postgresql": POSTGRESQL_ADD_COLUMNS, "sqlite": SQLITE_ADD_COLUMNS}),
                    _run({"postgresql": DROP_COLUMNS, "sqlite": DROP_COLUMNS}),
                    elidable=False,
                ),
            ],
        ),
        migrations.AddIndex(
            model_name="record",
            index=models.Index(
                condition=models.Q(("search_indexed", False)),
                fields=["review", "id"],
                name="record_unindexed_idx",
            ),
        ),
        migrations.AddField(
            model_name="searchindexjob",
            name="review",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="search_index_jobs",
                to="review.review",
            ),
        ),
        migrations.AddField(
            model_name="searchindexjob",
            name="search",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="search_index_job",
                to="review.search",
            ),
        ),
        migrations.RunPython(
            _run({"postgresql": POSTGRESQL_CREATE, "sqlite": SQLITE_CREATE}),
            _run({"postgresql": POSTGRESQL_DROP, "sqlite": SQLITE_DROP}),
            elidable=False,
        ),
    ]
