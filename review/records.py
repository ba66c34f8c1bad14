"""The record list: full-text search, sorting, keyset pages and capped counts, and the filters other apps
add to it. Every function here takes and returns a QuerySet of one review's records, so the list, its
RIS export and its count read the same rows.

Search. Words, "quoted phrases" and a trailing `*` for a prefix (`ketamin*`), all of which must match
somewhere in the title, abstract or authors; words match their stems ("rats" finds "rat"). A DOI or a
PMID is looked up by its normalised key instead (an indexed equality).
- PostgreSQL: a stored tsvector column (English stems of the title and abstract, and the authors) with a
  GIN index (migration 0005 says why stored). Trigram indexes (pg_trgm) were the other choice: they find
  substrings, but stem nothing ("rats" misses "rat"), need an extension, are several times larger than a
  tsvector index over 100,000 abstracts, and still visit every matching row for a common word. With full
  text, "ketamine" in a ketamine review (a word in most records) is answered by walking the list's sort
  index and testing each row's stored vector until the page is full, a rare word by the GIN index; the
  planner picks from the word's frequency, which ANALYZE keeps for the column.
- SQLite: an FTS5 table (porter stemmer) kept in step by triggers (migration 0005).
- Any other database: titles containing the words (LIKE), a documented fallback.
- Records an import has just written wait a moment for the index (review.search_index fills it in bulk
  after the import): while a review has some, they are matched by a plain case-insensitive match of each
  word in the title, abstract and authors instead (slower, and without stems).

Pages. Keyset, never OFFSET: a page is "the next 50 rows after (sort key, id) of the last row shown", read
from the sort's own index (Record.Meta.indexes), so the last page of 100,000 records costs what the first
does. Cursors are opaque strings in the page links; a damaged one is refused with a message.

Counts. "n records" is exact up to COUNT_CAP and "more than 1,000" beyond: counting stops after
COUNT_CAP + 1 rows, so a count costs the same at 10,000 and 100,000 records (an exact count of a common
word's matches reads every one of them). Measured on PostgreSQL at 100,000 records: a page 4-12 ms
whatever the sort or search; a count capped at 10,000 up to 100 ms for two common words, at 1,000 about
a tenth of that. The dashboard and PRISMA page give the review's exact totals."""

from __future__ import annotations

import base64
import binascii
import json
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import reduce

from django.apps import apps
from django.contrib.postgres.search import SearchQuery, SearchVectorField
from django.db import connection
from django.db.models import BooleanField, F, Func, Prefetch, Q, QuerySet, Value, prefetch_related_objects

from review.constants import OtherMethod, SourceKind
from review.managers import RecordQuerySet, TitleSortKey, YearOrZero
from review.match_keys import doi_key, pmid_key
from review.models import RecordLabel, RecordRemoval

PAGE_SIZE = 50
COUNT_CAP = 1_000
SEARCH_CONFIG = "english"
# What a row of the list shows; abstracts and raw entries stay in the database.
LIST_FIELDS = (
    "id",
    "title",
    "authors",
    "year",
    "journal",
    "doi",
    "pmid",
    "duplicate_of_id",
    "search__source_name",
)


# Search ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchTerm:
    words: tuple[str, ...]  # one word, or a phrase of several in order
    prefix: bool = False  # the last word is a prefix (typed with a trailing *)


_TERM = re.compile(r'"([^"]*)"?|(\S+)')
_WORD = re.compile(r"[^\W_]+")


def parse_search(text: str) -> list[SearchTerm]:
    """`ketamine "nitrous oxide" depress*` → three terms. Punctuation splits words; a word written with
    inner punctuation ("5-HT1B") is kept as a phrase of its parts, as both databases index it."""
    terms = []
    for phrase, bare in _TERM.findall(text):
        words = tuple(w.lower() for w in _WORD.findall(phrase or bare))
        if words:
            terms.append(SearchTerm(words=words, prefix=bool(bare) and bare.endswith("*")))
    return terms


class SearchDocument(Func):
    """PostgreSQL's stored tsvector of a record (the column `search_document`, which is not a model field:
    generated in migration 0007, set by a trigger once the record is indexed since migration 0013), under
    the alias the query gives the record table."""

    output_field = SearchVectorField()

    def __init__(self) -> None:
        super().__init__(F("id"))

    def as_sql(self, compiler, connection, **extra):
        record_id, _ = compiler.compile(self.get_source_expressions()[0])
        table = record_id.rsplit(".", 1)[0]
        return f'{table}."search_document"', []


def _tsquery(term: SearchTerm) -> SearchQuery:
    if term.prefix:
        # Words are letters and digits only (parse_search), so this raw query cannot be malformed.
        raw = " <-> ".join([*term.words[:-1], f"{term.words[-1]}:*"])
        return SearchQuery(raw, config=SEARCH_CONFIG, search_type="raw")
    return SearchQuery(" ".join(term.words), config=SEARCH_CONFIG, search_type="phrase")


def fts5_query(terms: list[SearchTerm]) -> str:
    """SQLite FTS5 syntax: each term a quoted phrase (a prefix marked by *), all required."""
    return " AND ".join(f'"{" ".join(t.words)}"{"*" if t.prefix else ""}' for t in terms)


class _InFullTextIndex(Func):
    """`id IN (rows of the FTS5 table matching the query)`."""

    output_field = BooleanField()

    def __init__(self, query: str) -> None:
        super().__init__(F("id"), Value(query))

    def as_sql(self, compiler, connection, **extra):
        record_id, _ = compiler.compile(self.get_source_expressions()[0])
        query = self.get_source_expressions()[1].value
        return f"{record_id} IN (SELECT rowid FROM review_record_fts WHERE review_record_fts MATCH %s)", [
            query
        ]


def _plain_match(terms: list[SearchTerm]) -> Q:
    """Every word somewhere in the title, abstract or authors, case ignored: how records not yet in the
    full-text index are searched (no stems; phrases as their words)."""
    words = {word for term in terms for word in term.words}
    return reduce(
        operator.and_,
        (Q(title__icontains=w) | Q(abstract__icontains=w) | Q(authors__icontains=w) for w in sorted(words)),
    )


def search_records(records: RecordQuerySet, text: str, *, unindexed: bool = True) -> RecordQuerySet:
    """The records matching `text`. `unindexed`: some records may still wait for the full-text index
    (review.search_index; `Review.records_awaiting_search_index` says so), so those are also matched
    the slow way; False when none are."""
    text = text.strip()
    if not text:
        return records
    if key := doi_key(text):
        return records.filter(doi_key=key)
    if key := pmid_key(text):
        return records.filter(pmid_key=key)
    terms = parse_search(text)
    if not terms:
        return records
    if connection.vendor == "postgresql":
        query = reduce(operator.and_, (_tsquery(t) for t in terms))
        records = records.alias(document=SearchDocument())
        full_text = Q(document=query)
    elif connection.vendor == "sqlite":
        full_text = Q(_InFullTextIndex(fts5_query(terms)))
    else:
        return records.filter(reduce(operator.and_, (Q(title__icontains=" ".join(t.words)) for t in terms)))
    if unindexed:
        return records.filter(full_text | (Q(search_indexed=False) & _plain_match(terms)))
    return records.filter(full_text)


# Sorting and keyset pages ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Sort:
    label: str
    key: Callable[[], object] | None = None  # the expression before the id; None sorts by id alone
    descending: bool = False


# Each key is the second column of one index in Record.Meta.indexes (after the review).
SORTS: dict[str, Sort] = {
    "id": Sort("Import order"),
    "-year": Sort("Newest first", lambda: YearOrZero("year"), descending=True),
    "year": Sort("Oldest first", lambda: YearOrZero("year")),
    "title": Sort("Title, A to Z", lambda: TitleSortKey("title")),
    "author": Sort("First author, A to Z", lambda: F("author_key")),
}


class BadCursor(ValueError):
    """A page link that is damaged or belongs to another sort order."""


class _RowComparison(Func):
    """`(a, b) > (x, y)`: one comparison of rows, which a B-tree index on (…, a, b) reads as a range (a
    spelled-out `a > x OR (a = x AND b > y)` makes PostgreSQL scan from the start)."""

    output_field = BooleanField()

    def __init__(self, columns: list, operator_: str, values: list) -> None:
        self.operator, self.width = operator_, len(columns)
        super().__init__(*columns, *(Value(v) for v in values))

    def as_sql(self, compiler, connection, **extra):
        parts, params = [], []
        for expression in self.get_source_expressions():
            sql, sql_params = compiler.compile(expression)
            parts.append(sql)
            params += sql_params
        left, right = ", ".join(parts[: self.width]), ", ".join(parts[self.width :])
        return f"({left}) {self.operator} ({right})", params


def encode_cursor(sort_name: str, key, record_id: int) -> str:
    data = json.dumps([sort_name, key, record_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def decode_cursor(cursor: str, sort_name: str) -> tuple:
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError) as error:
        raise BadCursor("That page link is damaged.") from error
    if not (isinstance(data, list) and len(data) == 3 and isinstance(data[2], int)) or isinstance(
        data[2], bool
    ):
        raise BadCursor("That page link is damaged.")
    name, key, record_id = data
    if name != sort_name:
        raise BadCursor("That page link belongs to another sort order.")
    if SORTS[sort_name].key is not None and not isinstance(key, int | str):
        raise BadCursor("That page link is damaged.")
    return key, record_id


@dataclass
class Page:
    records: list
    next_cursor: str = ""
    previous_cursor: str = ""

    @property
    def has_next(self) -> bool:
        return bool(self.next_cursor)

    @property
    def has_previous(self) -> bool:
        return bool(self.previous_cursor)


def keyset_page(
    records: QuerySet,
    *,
    sort_name: str,
    after: str = "",
    before: str = "",
    last: bool = False,
    size: int | None = None,
) -> Page:
    """One page of `records` in the sort's order: the first, the one after or before a cursor, or the
    last. One query, reading size + 1 rows to learn whether more follow."""
    size = size or PAGE_SIZE
    sort = SORTS[sort_name]
    if sort.key is not None:
        records = records.annotate(sort_key=sort.key())
        columns = [F("sort_key"), F("id")]
    else:
        columns = [F("id")]
    if after:
        cursor, backwards = after, False
    elif before:
        cursor, backwards = before, True
    else:
        cursor, backwards = "", last
    if cursor:
        key, record_id = decode_cursor(cursor, sort_name)
        values = [key, record_id] if sort.key is not None else [record_id]
        records = records.filter(
            _RowComparison(columns, ">" if sort.descending == backwards else "<", values)
        )
    descending = sort.descending != backwards
    ordering = [c.desc() if descending else c.asc() for c in columns]
    rows = list(records.order_by(*ordering)[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()
    if not rows:
        return Page(records=[])

    def cursor_of(record) -> str:
        return encode_cursor(sort_name, getattr(record, "sort_key", None), record.pk)

    # Walking back from a cursor or from the end, `more` means an earlier page exists; walking on, a later one.
    has_previous = more if backwards else bool(cursor)
    has_next = bool(cursor) if backwards else more
    return Page(
        records=rows,
        next_cursor=cursor_of(rows[-1]) if has_next else "",
        previous_cursor=cursor_of(rows[0]) if has_previous else "",
    )


def in_order(records: QuerySet, sort_name: str) -> QuerySet:
    """All the records in the sort's order (for an export of the whole list)."""
    sort = SORTS[sort_name]
    if sort.key is None:
        return records.order_by("id")
    keys = [sort.key(), F("id")]
    return records.order_by(*(k.desc() if sort.descending else k.asc() for k in keys))


def attach_curation(records: list) -> None:
    """Each record's labels and removal now, as `current_labels` and `current_removals` (two queries)."""
    prefetch_related_objects(
        records,
        Prefetch(
            "record_labels",
            queryset=RecordLabel.objects.active().select_related("label").order_by("label__name"),
            to_attr="current_labels",
        ),
        Prefetch("removals", queryset=RecordRemoval.objects.active(), to_attr="current_removals"),
    )


def capped_count(records: QuerySet, cap: int | None = None) -> tuple[int, bool]:
    """(count, more): the exact count up to `cap` (COUNT_CAP), else (cap, True)."""
    cap = cap or COUNT_CAP
    counted = records.order_by().values("pk")[: cap + 1].count()
    return min(counted, cap), counted > cap


# Filters other apps add ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordFilter:
    """A filter an app adds to the record list through its AppConfig's `record_filters(review=, user=)`,
    e.g. the screening status at a stage. `apply(records, value)` narrows a QuerySet of records to one
    of `choices`; the app decides which choices this user may have (blinding)."""

    name: str  # the GET parameter, e.g. "title_abstract"
    label: str
    # A callable is read only when the filter is offered (its choices cost a query).
    choices: list[tuple[str, str]] | Callable[[], list[tuple[str, str]]]
    apply: Callable[[QuerySet, str], QuerySet]
    # A filter that narrows one choice of another (the reason of a full-text exclusion): offered once that
    # (filter, choice) is chosen, or when it has a value itself, so the list's usual page does not pay
    # for its choices.
    narrows: tuple[str, str] | None = None


def app_record_filters(*, review, user) -> list[RecordFilter]:
    found: list[RecordFilter] = []
    for app_config in apps.get_app_configs():
        if hook := getattr(app_config, "record_filters", None):
            found += hook(review=review, user=user)
    return found


def records_in_screening(records: QuerySet) -> set[int]:
    """Ids of those records another app has started to work on (screening votes): the apps answer
    through their AppConfig's `records_in_screening(records)`. Such records are no longer removed
    "before screening"."""
    found: set[int] = set()
    for app_config in apps.get_app_configs():
        if hook := getattr(app_config, "records_in_screening", None):
            found |= set(hook(records).values_list("pk", flat=True))
    return found


# The review's totals ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordCounts:
    """Records of one search (or of a whole review): all of them, the duplicates, and those removed before
    screening that are not duplicates. The rest are the records to screen."""

    records: int = 0
    duplicates: int = 0
    removed: int = 0

    @property
    def to_screen(self) -> int:
        return self.records - self.duplicates - self.removed

    def __add__(self, other: RecordCounts) -> RecordCounts:
        return RecordCounts(
            self.records + other.records, self.duplicates + other.duplicates, self.removed + other.removed
        )


def record_counts(review) -> dict[int | None, RecordCounts]:
    """Per search id (None: records from no search), read from the tallies the database keeps
    (review.models.RecordTally): one short query whatever the number of records."""
    from review.models import RecordTally

    return {
        row.search or None: RecordCounts(row.records, row.duplicates, row.removed)
        for row in RecordTally.objects.filter(review_id=review.pk).only(
            "search", "records", "duplicates", "removed"
        )
    }


def review_record_counts(review) -> RecordCounts:
    """The review's totals (the sum of record_counts)."""
    return sum(record_counts(review).values(), RecordCounts())


# Where records were found: PRISMA 2020's two columns and the lines of their boxes -----------------------

ORIGIN_CHOICES = [
    ("dbr", "Databases and registers"),
    ("database", "Databases"),
    ("register", "Registers"),
    ("other", "Other methods"),
    (OtherMethod.WEBSITE, f"Other methods: {OtherMethod.WEBSITE.label.lower()}"),
    (OtherMethod.ORGANISATION, f"Other methods: {OtherMethod.ORGANISATION.label.lower()}"),
    (OtherMethod.CITATION, f"Other methods: {OtherMethod.CITATION.label.lower()}"),
    ("none", "Records without a search"),
]
# Records without a search count with the databases, as review.prisma.flow counts them.
_WITHOUT_SEARCH = Q(search__isnull=True)
_ORIGINS = {
    "dbr": _WITHOUT_SEARCH | Q(search__kind__in=[SourceKind.DATABASE, SourceKind.REGISTER]),
    "database": _WITHOUT_SEARCH | Q(search__kind=SourceKind.DATABASE),
    "register": Q(search__kind=SourceKind.REGISTER),
    "other": Q(search__kind=SourceKind.OTHER),
    **{
        method: Q(search__kind=SourceKind.OTHER, search__other_method=method) for method in OtherMethod.values
    },
    "none": _WITHOUT_SEARCH,
}


def identified_via(records: QuerySet, origin: str) -> QuerySet:
    """The records found through one kind of source (one of ORIGIN_CHOICES): a column of the PRISMA
    diagram, or one line of its identification boxes."""
    return records.filter(_ORIGINS[origin])
