"""Full-text search of the record list: the parser, the database's own index kept in step with every way
records are written (including the importer's raw bulk INSERTs), and, on PostgreSQL, that the GIN index
and the sort indexes answer the list's queries. Run the PostgreSQL part with
DATABASE_URL=postgres://app@127.0.0.1:55432/records .venv/bin/python -m pytest tests/review/test_record_search.py"""

from __future__ import annotations

import pytest
from django.db import connection

from review.models import Record
from review.records import SearchTerm, fts5_query, keyset_page, parse_search, search_records


def test_search_text_is_parsed_into_words_phrases_and_prefixes():
    assert parse_search('ketamine "Nitrous  oxide" depress* 5-HT1B') == [
        SearchTerm(words=("ketamine",)),
        SearchTerm(words=("nitrous", "oxide")),
        SearchTerm(words=("depress",), prefix=True),
        SearchTerm(words=("5", "ht1b")),
    ]
    # Punctuation of either query language is never passed on: it cannot break the query.
    assert parse_search('AND OR NOT "unclosed (x* ^~ :') == [
        SearchTerm(words=("and",)),
        SearchTerm(words=("or",)),
        SearchTerm(words=("not",)),
        SearchTerm(words=("unclosed", "x")),
    ]
    assert parse_search("*** ()") == []
    assert fts5_query(parse_search('ketamine "nitrous oxide" depress*')) == (
        '"ketamine" AND "nitrous oxide" AND "depress"*'
    )


def _titles(text: str, review) -> set[str]:
    return set(search_records(Record.objects.for_review(review), text).values_list("title", flat=True))


@pytest.mark.django_db
def test_search_finds_title_abstract_and_authors_by_stem_phrase_and_prefix(review):
    Record.objects.create(review=review, title="Ketamine in depressed patients", authors=["Berman, RM"])
    Record.objects.create(
        review=review, title="Stress in rodents", abstract="Anhedonia-susceptible rats given ketamine."
    )
    Record.objects.create(review=review, title="Nitrous oxide for depression", authors=["Nagele, P"])
    assert _titles("ketamine", review) == {"Ketamine in depressed patients", "Stress in rodents"}
    assert _titles("rat", review) == {"Stress in rodents"}  # "rats" in the abstract, by its stem
    assert _titles("berman", review) == {"Ketamine in depressed patients"}  # an author
    assert _titles('"nitrous oxide"', review) == {"Nitrous oxide for depression"}
    assert _titles('"oxide nitrous"', review) == set()  # a phrase keeps its order
    assert _titles("depress*", review) == {"Ketamine in depressed patients", "Nitrous oxide for depression"}
    assert _titles("ketamine berman", review) == {"Ketamine in depressed patients"}  # every word must match
    assert _titles('AND OR "unclosed (x* ^~ :', review) == set()  # odd input is searched, never an error


@pytest.mark.django_db
def test_the_search_index_follows_bulk_inserts_updates_and_deletes(review):
    """The importer writes rows with raw INSERTs (no ORM signals): the database keeps its index itself."""
    table = connection.ops.quote_name(Record._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} (review_id, title, abstract, authors, keywords, journal, volume, issue, pages,"
            " doi, pmid, url, language, raw_entry, doi_key, pmid_key, title_key, author_key, created_at)"
            " VALUES (%s, %s, %s, %s, '[]', '', '', '', '', '', '', '', '', '', '', '', '', '', %s)",
            [
                (review.pk, "Esketamine nasal spray", "", '["Daly, EJ"]', "2020-01-01 00:00:00+00:00"),
                (review.pk, "Psilocybin therapy", "", '["Carhart-Harris, R"]', "2020-01-01 00:00:00+00:00"),
            ],
        )
    assert _titles("esketamine", review) == {"Esketamine nasal spray"}
    assert _titles("daly", review) == {"Esketamine nasal spray"}
    record = Record.objects.get(title="Psilocybin therapy")
    record.title = "Psilocybin for treatment-resistant depression"
    record.save()
    assert _titles("psilocybin resistant", review) == {"Psilocybin for treatment-resistant depression"}
    assert _titles("therapy", review) == set()
    Record.objects.filter(pk=record.pk).update(abstract="A trial of psilocybin.")
    assert _titles("trial", review) == {"Psilocybin for treatment-resistant depression"}
    record.delete()
    assert _titles("psilocybin", review) == set()


def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("checks PostgreSQL's query plans")


def _plan(queryset) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny table would otherwise be read whole
        sql, params = queryset.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.postgres_only
@pytest.mark.django_db
def test_postgresql_answers_a_search_from_the_gin_index(review):
    """A rare word among many records: the GIN index on the stored search column finds it."""
    _postgresql_only()
    Record.objects.bulk_create(
        [Record(review=review, title=f"Trial {i} of psilocybin", abstract="Serotonin.") for i in range(2000)]
    )
    Record.objects.create(review=review, title="Ketamine and naltrexone", abstract="Opioid receptors.")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE review_record")
    # Across reviews, so that no other index competes: the plan shows the query reaches the GIN index. (A
    # GIN index that VACUUM has not visited yet looks dear to the planner; a real one wins on cost.)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_indexscan = off")
    plan = _plan(search_records(Record.objects.all(), "ketamine naltrex*").values("pk"))
    assert "record_full_text_idx" in plan, plan


@pytest.mark.postgres_only
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("sort", "index"),
    [
        ("id", "record_list_by_id_idx"),
        ("-year", "record_list_by_year_idx"),
        ("title", "record_list_by_title_idx"),
        ("author", "record_list_by_author_idx"),
    ],
)
def test_postgresql_reads_each_sort_from_its_index_as_a_range(review, sort, index):
    """The page after a cursor is an index range (the row comparison is an Index Cond), not a scan from
    the start: the last page costs what the first does."""
    _postgresql_only()
    for i in range(3):
        Record.objects.create(review=review, title=f"Trial {i}", authors=[f"Doe{i}, J"], year=2000 + i)
    first = keyset_page(Record.objects.for_review(review), sort_name=sort, size=1)
    captured = []

    def keep(execute, sql, params, many, context):
        captured.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(keep):
        keyset_page(Record.objects.for_review(review), sort_name=sort, after=first.next_cursor, size=1)
    sql, params = captured[-1]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert index in plan, plan
    condition = next(line for line in plan.splitlines() if "Index Cond" in line)
    # The review and the position both bound the scan: "review_id = … AND (key, id) > (…, …)".
    bounds = condition.split("AND", 1)[-1]
    assert "review_id" in condition and (">" in bounds or "<" in bounds), plan
