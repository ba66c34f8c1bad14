"""Record tallies kept by triggers (review.models.RecordTally): per review and search, the records, the
duplicates and the records removed before screening that are not duplicates, which is what the dashboard
and the screening queue's count need (records to screen = records - duplicates - removed).

PostgreSQL: records change through statement-level triggers that read the statement's transition tables,
so a COPY of 100,000 records costs one grouped upsert, not 100,000; removals (a few rows at a time) through
row-level triggers. SQLite: row-level triggers (they run in-process, about a microsecond each).

The existing rows are counted once, here. If a later migration makes Django rebuild review_record or
review_recordremoval on SQLite (it copies a table to change a column), the triggers go with the old table:
recreate them in that migration. tests/review/test_record_tally.py fails if they are missing."""

from django.db import migrations, models

TALLY = "review_recordtally"
ADD = (
    f"ON CONFLICT (review_id, search) DO UPDATE SET records = {TALLY}.records + excluded.records, "
    f"duplicates = {TALLY}.duplicates + excluded.duplicates, removed = {TALLY}.removed + excluded.removed"
)
ACTIVE_REMOVAL = (
    "EXISTS (SELECT 1 FROM review_recordremoval m WHERE m.record_id = {r}.id AND m.restored_at IS NULL)"
)

COUNT_EXISTING = f"""
    INSERT INTO {TALLY} (review_id, search, records, duplicates, removed)
    SELECT r.review_id, COALESCE(r.search_id, 0), COUNT(*), COUNT(r.duplicate_of_id),
           SUM(CASE WHEN r.duplicate_of_id IS NULL AND {ACTIVE_REMOVAL.format(r="r")} THEN 1 ELSE 0 END)
    FROM review_record r GROUP BY r.review_id, COALESCE(r.search_id, 0)
"""


def _signed(rows: str, sign: str) -> str:
    """A record's contribution to its tally, from a set of record rows, with a sign."""
    return (
        f"SELECT r.review_id AS review_id, COALESCE(r.search_id, 0) AS search, {sign}1 AS records, "
        f"{sign}(CASE WHEN r.duplicate_of_id IS NULL THEN 0 ELSE 1 END) AS duplicates, "
        f"{sign}(CASE WHEN r.duplicate_of_id IS NULL AND {ACTIVE_REMOVAL.format(r='r')} THEN 1 ELSE 0 END) "
        f"AS removed FROM {rows} r"
    )


def _upsert(change: str) -> str:
    return (
        f"INSERT INTO {TALLY} (review_id, search, records, duplicates, removed) "
        f"SELECT review_id, search, SUM(records), SUM(duplicates), SUM(removed) FROM ({change}) AS c "
        f"GROUP BY review_id, search {ADD}"
    )


# Rows whose tally changed: another review or search, or the duplicate mark set or cleared.
_MOVED = (
    "(SELECT n.* FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE n.review_id <> o.review_id "
    "OR COALESCE(n.search_id, 0) <> COALESCE(o.search_id, 0) "
    "OR (n.duplicate_of_id IS NULL) <> (o.duplicate_of_id IS NULL))"
)
_MOVED_OLD = _MOVED.replace("SELECT n.*", "SELECT o.*")

POSTGRESQL_CREATE = [
    COUNT_EXISTING,
    f"""
    CREATE FUNCTION review_record_tally_insert() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN {_upsert(_signed("new_rows", "+"))}; RETURN NULL; END $$
    """,
    f"""
    CREATE FUNCTION review_record_tally_update() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN {_upsert(_signed(_MOVED, "+") + " UNION ALL " + _signed(_MOVED_OLD, "-"))}; RETURN NULL; END $$
    """,
    f"""
    CREATE FUNCTION review_record_tally_delete() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN {_upsert(_signed("old_rows", "-"))}; RETURN NULL; END $$
    """,
    "CREATE TRIGGER review_record_tally_insert AFTER INSERT ON review_record REFERENCING NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION review_record_tally_insert()",
    "CREATE TRIGGER review_record_tally_update AFTER UPDATE ON review_record "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION review_record_tally_update()",
    "CREATE TRIGGER review_record_tally_delete AFTER DELETE ON review_record REFERENCING OLD TABLE AS old_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION review_record_tally_delete()",
    # A removal counts while it is active (not restored) and its record is not a duplicate.
    f"""
    CREATE FUNCTION review_removal_tally() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        delta integer := 0;
        target bigint;
    BEGIN
        IF TG_OP = 'DELETE' THEN
            target := OLD.record_id;
        ELSE
            target := NEW.record_id;
            IF NEW.restored_at IS NULL THEN delta := delta + 1; END IF;
        END IF;
        IF TG_OP <> 'INSERT' AND OLD.restored_at IS NULL THEN delta := delta - 1; END IF;
        IF delta <> 0 THEN
            INSERT INTO {TALLY} (review_id, search, records, duplicates, removed)
            SELECT r.review_id, COALESCE(r.search_id, 0), 0, 0, delta
            FROM review_record r WHERE r.id = target AND r.duplicate_of_id IS NULL
            {ADD};
        END IF;
        RETURN NULL;
    END $$
    """,
    "CREATE TRIGGER review_removal_tally AFTER INSERT OR UPDATE OR DELETE ON review_recordremoval "
    "FOR EACH ROW EXECUTE FUNCTION review_removal_tally()",
]
POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS review_removal_tally ON review_recordremoval",
    "DROP TRIGGER IF EXISTS review_record_tally_insert ON review_record",
    "DROP TRIGGER IF EXISTS review_record_tally_update ON review_record",
    "DROP TRIGGER IF EXISTS review_record_tally_delete ON review_record",
    "DROP FUNCTION IF EXISTS review_removal_tally()",
    "DROP FUNCTION IF EXISTS review_record_tally_insert()",
    "DROP FUNCTION IF EXISTS review_record_tally_update()",
    "DROP FUNCTION IF EXISTS review_record_tally_delete()",
    f"DELETE FROM {TALLY}",
]


def _sqlite_row(record: str, sign: str) -> str:
    columns = ", ".join(f"{record}.{c} AS {c}" for c in ("id", "review_id", "search_id", "duplicate_of_id"))
    return _upsert(_signed(f"(SELECT {columns})", sign))


def _sqlite_removal(row: str, sign: str, when: str = "") -> str:
    return (
        f"INSERT INTO {TALLY} (review_id, search, records, duplicates, removed) "
        f"SELECT r.review_id, COALESCE(r.search_id, 0), 0, 0, {sign}1 FROM review_record r "
        f"WHERE r.id = {row}.record_id AND r.duplicate_of_id IS NULL {when} {ADD}"
    )


SQLITE_CREATE = [
    COUNT_EXISTING,
    f"CREATE TRIGGER review_record_tally_insert AFTER INSERT ON review_record BEGIN {_sqlite_row('new', '+')}; END",
    "CREATE TRIGGER review_record_tally_update AFTER UPDATE OF review_id, search_id, duplicate_of_id "
    "ON review_record WHEN new.review_id <> old.review_id "
    "OR COALESCE(new.search_id, 0) <> COALESCE(old.search_id, 0) "
    "OR (new.duplicate_of_id IS NULL) <> (old.duplicate_of_id IS NULL) "
    f"BEGIN {_sqlite_row('old', '-')}; {_sqlite_row('new', '+')}; END",
    f"CREATE TRIGGER review_record_tally_delete AFTER DELETE ON review_record BEGIN {_sqlite_row('old', '-')}; END",
    "CREATE TRIGGER review_removal_tally_insert AFTER INSERT ON review_recordremoval "
    f"WHEN new.restored_at IS NULL BEGIN {_sqlite_removal('new', '+')}; END",
    "CREATE TRIGGER review_removal_tally_update AFTER UPDATE OF restored_at, record_id ON review_recordremoval "
    f"BEGIN {_sqlite_removal('old', '-', 'AND old.restored_at IS NULL')}; "
    f"{_sqlite_removal('new', '+', 'AND new.restored_at IS NULL')}; END",
    "CREATE TRIGGER review_removal_tally_delete AFTER DELETE ON review_recordremoval "
    f"WHEN old.restored_at IS NULL BEGIN {_sqlite_removal('old', '-')}; END",
]
SQLITE_DROP = [
    *(
        f"DROP TRIGGER IF EXISTS {name}"
        for name in (
            "review_record_tally_insert",
            "review_record_tally_update",
            "review_record_tally_delete",
            "review_removal_tally_insert",
            "review_removal_tally_update",
            "review_removal_tally_delete",
        )
    ),
    f"DELETE FROM {TALLY}",
]


def create(apps, schema_editor):
    statements = {"postgresql": POSTGRESQL_CREATE, "sqlite": SQLITE_CREATE}.get(
        schema_editor.connection.vendor, []
    )
    for statement in statements:
        schema_editor.execute(statement)


def drop(apps, schema_editor):
    statements = {"postgresql": POSTGRESQL_DROP, "sqlite": SQLITE_DROP}.get(
        schema_editor.connection.vendor, []
    )
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("review", "0011_import_job_other_method"),
    ]

    operations = [
        migrations.CreateModel(
            name="RecordTally",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("review_id", models.IntegerField()),
                ("search", models.IntegerField(help_text="The search's id; 0 for records from no search.")),
                ("records", models.IntegerField(default=0)),
                (
                    "duplicates",
                    models.IntegerField(default=0, help_text="Records marked as duplicates of another."),
                ),
                (
                    "removed",
                    models.IntegerField(
                        default=0, help_text="Records removed before screening, not duplicates."
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("review_id", "search"), name="unique_record_tally")
                ],
            },
        ),
        migrations.RunPython(create, drop),
    ]
