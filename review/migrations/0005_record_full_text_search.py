"""Full-text search over records' title, abstract and authors, kept by the database itself, so that every
way records are written (the importer's bulk INSERTs or COPY, the ORM, the admin) keeps it in step.

PostgreSQL: a GIN index on the tsvector expression that review.records.SearchDocument spells the same way
("ketamine" is answered from the index, not by reading every abstract). SQLite: an FTS5 table with
external content, filled and kept in step by triggers. Other databases get neither; the record list then
falls back to searching titles with LIKE (review.records.search_records).

If a later migration makes Django rebuild review_record on SQLite (it copies the table to change a
column), the triggers go with the old table: recreate them in that migration.
tests/review/test_record_search.py fails if they are missing."""

from django.db import migrations

POSTGRESQL_CREATE = [
    # Searches the whole document of a record: title and abstract as text, authors as the JSON list's strings.
    """
    CREATE INDEX record_full_text_idx ON review_record USING gin (
        (to_tsvector('english'::regconfig, title || ' ' || abstract)
         || jsonb_to_tsvector('english'::regconfig, authors, '["string"]'))
    )
    """
]
POSTGRESQL_DROP = ["DROP INDEX IF EXISTS record_full_text_idx"]

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
        ("review", "0004_record_removals_labels_list_indexes"),
    ]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRESQL_CREATE, "sqlite": SQLITE_CREATE}),
            _run({"postgresql": POSTGRESQL_DROP, "sqlite": SQLITE_DROP}),
            elidable=False,
        ),
    ]
