"""Full-text search over records' title, abstract and authors, kept by the database itself, so that every
way records are written (the importer's bulk INSERTs or COPY, the ORM, the admin) keeps it in step.

PostgreSQL: a stored generated tsvector column, `search_document`, with a GIN index. The column is not a
model field (the ORM never reads or writes it; review.records.SearchDocument names it in searches). It is
stored rather than left to an index on the expression because the planner, for a common word, walks the
list's sort index and tests each row: with an expression index that test recomputes to_tsvector over the
whole abstract (about 0.25 ms a row; 2.8 s to count 10,000 matches at 100,000 records), with the column it
reads the stored vector. A migration that changes the type of title, abstract or authors must drop the
column first and add it again (PostgreSQL refuses to alter a column a generated column reads).

SQLite: an FTS5 table with external content, filled and kept in step by triggers. Other databases get
neither; the record list then falls back to searching titles with LIKE (review.records.search_records).

If a later migration makes Django rebuild review_record on SQLite (it copies the table to change a
column), the triggers go with the old table: recreate them in that migration.
tests/review/test_record_search.py fails if they are missing."""

from django.db import migrations

POSTGRESQL_CREATE = [
    # Title and abstract as text, authors as the JSON list's strings, English stems.
    """
    ALTER TABLE review_record ADD COLUMN search_document tsvector GENERATED ALWAYS AS (
        to_tsvector('english'::regconfig, title || ' ' || abstract)
        || jsonb_to_tsvector('english'::regconfig, authors, '["string"]')
    ) STORED
    """,
    # The record list's search: "records whose document matches these words".
    "CREATE INDEX record_full_text_idx ON review_record USING gin (search_document)",
]
POSTGRESQL_DROP = [
    "DROP INDEX IF EXISTS record_full_text_idx",
    "ALTER TABLE review_record DROP COLUMN IF EXISTS search_document",
]

_FTS_ROW = "(rowid, title, abstract, authors) VALUES (new.id, new.title, new.abstract, new.authors)"
_FTS_DELETE = (
    "(review_record_fts, rowid, title, abstract, authors) "
    "VALUES ('delete', old.id, old.title, old.abstract, old.authors)"
)
SQLITE_CREATE = [
    # Porter stemming, so "rats" finds "rat" as PostgreSQL's English configuration does.
    """
    CREATE VIRTUAL TABLE review_record_fts USING fts5(
        title, abstract, authors,
        content='review_record', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2'
    )
    """,
    f"""
    CREATE TRIGGER review_record_fts_insert AFTER INSERT ON review_record BEGIN
        INSERT INTO review_record_fts {_FTS_ROW};
    END
    """,
    f"""
    CREATE TRIGGER review_record_fts_delete AFTER DELETE ON review_record BEGIN
        INSERT INTO review_record_fts {_FTS_DELETE};
    END
    """,
    f"""
    CREATE TRIGGER review_record_fts_update AFTER UPDATE OF title, abstract, authors ON review_record BEGIN
        INSERT INTO review_record_fts {_FTS_DELETE};
        INSERT INTO review_record_fts {_FTS_ROW};
    END
    """,
    "INSERT INTO review_record_fts(review_record_fts) VALUES ('rebuild')",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS review_record_fts_insert",
    "DROP TRIGGER IF EXISTS review_record_fts_delete",
    "DROP TRIGGER IF EXISTS review_record_fts_update",
    "DROP TABLE IF EXISTS review_record_fts",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("review", "0006_record_removals_labels_list_indexes"),
    ]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRESQL_CREATE, "sqlite": SQLITE_CREATE}),
            _run({"postgresql": POSTGRESQL_DROP, "sqlite": SQLITE_DROP}),
            elidable=False,
        ),
    ]
