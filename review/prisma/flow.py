"""Every box of a review's PRISMA 2020 flow diagram, counted from its records: never typed in.

Three aggregate queries whatever the number of records: records per search, records grouped by where they
stand (`_standing`) (source column, duplicate, removal, decision at each stage, full-text flags, exclusion reason), and
the studies of the included reports.

How the two columns are counted (README, "PRISMA"):
- Databases and registers: identified − duplicates − removed before screening = screened; screened =
  excluded at title/abstract + sought (included at title/abstract) + awaiting screening; sought = not
  retrieved + assessed + awaiting retrieval; assessed = excluded per reason + included + awaiting
  assessment. A report is "assessed" once it has a PDF, a full-text vote or a decision; "not retrieved"
  when marked so and not decided.
- Other methods (websites, organisations, citation searching: `Search.other_method`): their records are screened at title and
  abstract like any other, and counted in the second column from full text on: a unique, not removed
  record of theirs included at title/abstract is a report sought. Their duplicates and removals are not
  part of the first column's boxes."""

from __future__ import annotations

from collections import Counter
from dataclasses import fields
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from django.db.models import (
    CharField,
    Count,
    Exists,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.urls import reverse

from review.constants import OtherMethod, RemovalKind, SourceKind, Stage
from review.models import Record, RecordTally, Search
from review.prisma import BREAKDOWNS, IDENTIFIERS, PrismaCounts

if TYPE_CHECKING:
    from review.models import Review

NO_REASON = "Reason not recorded"
NO_SEARCH = "Records without a search"
OTHER_METHOD_RESULTS = {
    OtherMethod.WEBSITE: "website_results",
    OtherMethod.ORGANISATION: "organisation_results",
    OtherMethod.CITATION: "citations_results",
}


def _standing(review: Review):
    """One row per combination of where records stand (their search, duplicate, removal, decision at each
    stage, full-text flags, exclusion reason), with how many records stand there: one query, the union of
    two groupings.

    Most records never reach full text, and looking up full-text rows, decisions and votes for each of
    them made the query six times slower (1.3 s at 100,000 records, bench/dataset.py). So the first part
    groups every record by what it has before full text (two indexed joins a record), and the second
    groups only the records with something at full text (a full-text row, decision or vote) by all of
    it; `_with_full_text_apart` subtracts the second from the first."""
    from screening.models import FullText, ScreeningDecision, Vote  # screening builds on review

    records = Record.objects.for_review(review).annotate(
        ta=FilteredRelation(
            "screening_decisions", condition=Q(screening_decisions__stage=Stage.TITLE_ABSTRACT)
        ),
        # At most one removal of a record is active (the one_removal_per_record constraint).
        active_removal=FilteredRelation("removals", condition=Q(removals__restored_at__isnull=True)),
    )
    before_full_text = {
        "search_pk": F("search_id"),
        "is_duplicate": Q(duplicate_of__isnull=False),
        "removal": Coalesce(F("active_removal__kind"), Value(""), output_field=CharField()),
        "ta_status": Coalesce(F("ta__status"), Value(""), output_field=CharField()),
    }
    no_full_text = {
        "ft_status": Value(""),
        "ft_reason": Value(""),
        "ft_reason_pk": Value(None, output_field=IntegerField()),
        "not_retrieved": Value(False),
        "retrieved": Value(False),
        "part": Value("all"),
    }
    everything = records.values(**before_full_text, **no_full_text).annotate(n=Count("pk")).order_by()
    full_text = FullText.objects.filter(record=OuterRef("pk"))
    # One IN over a UNION, not three INs joined by OR: PostgreSQL guesses most records pass an OR of
    # subqueries, and a plan that large is compiled by its JIT first (2 s of the 2.4 s at 100,000 records).
    reached_full_text = (
        FullText.objects.filter(record__review=review)
        .values("record")
        .union(
            ScreeningDecision.objects.filter(review=review, stage=Stage.FULL_TEXT).values("record"),
            Vote.objects.filter(record__review=review, stage=Stage.FULL_TEXT).values("record"),
        )
    )
    at_full_text = (
        records.filter(pk__in=reached_full_text)
        .annotate(
            ft=FilteredRelation(
                "screening_decisions", condition=Q(screening_decisions__stage=Stage.FULL_TEXT)
            )
        )
        .values(
            **before_full_text,
            ft_status=Coalesce(F("ft__status"), Value(""), output_field=CharField()),
            ft_reason=Coalesce(F("ft__reason__label"), Value(""), output_field=CharField()),
            ft_reason_pk=F("ft__reason_id"),
            not_retrieved=Exists(full_text.filter(not_retrieved=True)),
            retrieved=Exists(full_text.exclude(pdf=""))
            | Exists(Vote.objects.filter(record=OuterRef("pk"), stage=Stage.FULL_TEXT)),
            part=Value("full_text"),
        )
        .annotate(n=Count("pk"))
        .order_by()
    )
    return everything.union(at_full_text, all=True).order_by()


def _with_full_text_apart(rows) -> list[dict]:
    """The union's rows as groups of records: the full-text groups as they are, and every group of the
    first part less the records of the full-text groups that share its standing before full text."""
    before = ("search_pk", "is_duplicate", "removal", "ta_status")
    groups: list[dict] = []
    with_full_text: Counter[tuple] = Counter()
    everything: list[dict] = []
    for row in rows:
        if row["part"] == "full_text":
            groups.append(row)
            with_full_text[tuple(row[key] for key in before)] += row["n"]
        else:
            everything.append(row)
    for row in everything:
        n = row["n"] - with_full_text[tuple(row[key] for key in before)]
        if n:
            groups.append({**row, "n": n})
    return groups


def prisma_counts(review: Review) -> PrismaCounts:
    """Every number of the review's PRISMA 2020 diagram, with links to the records behind them."""
    values: Counter[str] = Counter()
    excluded: dict[str, Counter[str]] = {"dbr": Counter(), "other": Counter()}
    # Records per search from the tallies the database keeps (review.models.RecordTally), not by counting
    # every record: one indexed row a search.
    tally = RecordTally.objects.filter(review_id=review.pk, search=OuterRef("pk")).values("records")[:1]
    searches = list(
        Search.objects.for_review(review)
        .annotate(n=Coalesce(Subquery(tally), 0))
        .values_list("pk", "source_name", "kind", "other_method", "n")
        .order_by("created_at", "pk")
    )
    other_searches = {pk for pk, _name, kind, _method, _n in searches if kind == SourceKind.OTHER}
    reasons: dict[str, str] = {}  # each exclusion reason's label: its value in the record list's filter
    for row in _with_full_text_apart(_standing(review)):
        row["column"] = "other" if row["search_pk"] in other_searches else "dbr"
        _count(values, excluded, row)
        if row["ft_status"] == "excluded":
            reasons[row["ft_reason"] or NO_REASON] = str(row["ft_reason_pk"] or "none")
    per_source: dict[str, Counter[str]] = {kind: Counter() for kind in SourceKind.values}
    per_method: Counter[str] = Counter()
    searches_named: dict[str, dict[str, list[int]]] = {}
    for pk, name, kind, other_method, n in searches:
        per_source[kind][name] += n
        if kind == SourceKind.OTHER:
            per_method[other_method] += n
        searches_named.setdefault(f"{kind}_specific_results", {}).setdefault(name, []).append(pk)
    included = Record.objects.for_review(review).filter(
        screening_decisions__stage=Stage.FULL_TEXT, screening_decisions__status="included"
    )
    studies = included.aggregate(n=Count("study", distinct=True))["n"]
    register_results = sum(per_source[SourceKind.REGISTER].values())
    database_results = values["identified"] - register_results
    without_search = database_results - sum(per_source[SourceKind.DATABASE].values())
    if without_search:
        per_source[SourceKind.DATABASE][NO_SEARCH] = without_search
    for method, identifier in OTHER_METHOD_RESULTS.items():
        values[identifier] = per_method[method]
    links = _Links(review, other_column=bool(other_searches))
    breakdown_urls = {
        breakdown: {name: links.searches(pks) for name, pks in searches_named.get(breakdown, {}).items()}
        for breakdown in ("database_specific_results", "register_specific_results")
    }
    if without_search:
        breakdown_urls["database_specific_results"][NO_SEARCH] = links.url(origin="none")
    for column in ("dbr", "other"):
        breakdown_urls[f"{column}_excluded"] = {
            label: links.excluded(column, reasons[label]) for label in excluded[column]
        }
    counts = PrismaCounts(
        database_results=database_results,
        database_specific_results=dict(per_source[SourceKind.DATABASE]),
        register_results=register_results,
        register_specific_results=dict(per_source[SourceKind.REGISTER]),
        **{name: values[name] for name in _PLAIN},
        dbr_excluded=dict(excluded["dbr"]),
        other_excluded=dict(excluded["other"]),
        new_studies=studies,
        total_studies=studies,
        total_reports=values["new_reports"],
        urls=links.boxes() | links.sources(searches, without_search=without_search),
        breakdown_urls=breakdown_urls,
    )
    return counts


class _Links:
    """The record list filtered to exactly the records behind each box: the flow's counting above, spelled
    in the list's filters (review.forms.RecordListForm, screening.record_list), record for record."""

    # The unique records not removed (screened), and those of them included at title/abstract (sought).
    SCREENED = {"show": "unique", "removal": "kept"}
    SOUGHT = {**SCREENED, Stage.TITLE_ABSTRACT: "included"}

    def __init__(self, review: Review, *, other_column: bool):
        self.review = review
        # Only a review with other methods' searches needs a column's filter: otherwise every record is
        # in the first column (and its links stay short).
        self.dbr = {"origin": "dbr"} if other_column else {}

    def url(self, **filters: str | list[str]) -> str:
        return f"{reverse('review:records', args=[self.review.slug])}?{urlencode(filters, doseq=True)}"

    def column(self, column: str) -> dict[str, str]:
        return self.dbr if column == "dbr" else {"origin": "other"}

    def boxes(self) -> dict[str, str]:
        """Every box after identification. The column's filter comes last, after the stage's."""
        screened, sought = self.SCREENED, self.SOUGHT
        links = {
            "duplicates": {"show": "duplicates", **self.dbr},
            "excluded_automatic": {"show": "unique", "removal": RemovalKind.AUTOMATION, **self.dbr},
            "excluded_other": {"show": "unique", "removal": RemovalKind.OTHER, **self.dbr},
            "records_screened": {**screened, **self.dbr},
            "records_excluded": {**screened, Stage.TITLE_ABSTRACT: "excluded", **self.dbr},
            "records_awaiting_screening": {**screened, Stage.TITLE_ABSTRACT: "undecided", **self.dbr},
            "new_reports": {**sought, Stage.FULL_TEXT: "included"},
            "total_reports": {**sought, Stage.FULL_TEXT: "included"},
            "new_studies": {"report": "included_studies"},
            "total_studies": {"report": "included_studies"},
        }
        for column, prefix, awaiting in (("dbr", "dbr_", ""), ("other", "other_", "other_")):
            where = self.column(column)
            links |= {
                f"{prefix}sought_reports": {**sought, **where},
                f"{prefix}notretrieved_reports": {**screened, "report": "not_retrieved", **where},
                f"{awaiting}reports_awaiting_retrieval": {
                    **screened,
                    "report": "awaiting_retrieval",
                    **where,
                },
                f"{prefix}assessed": {**screened, "report": "assessed", **where},
                f"{awaiting}reports_awaiting_assessment": {
                    **screened,
                    "report": "awaiting_assessment",
                    **where,
                },
                # The box of excluded reports when none was excluded (else a line per reason links).
                f"{prefix}excluded": {**sought, Stage.FULL_TEXT: "excluded", **where},
            }
        return {name: self.url(**filters) for name, filters in links.items()}

    def excluded(self, column: str, reason: str) -> str:
        excluded = {Stage.FULL_TEXT: "excluded", "reason": reason}
        return self.url(**self.SOUGHT, **excluded, **self.column(column))

    def searches(self, pks: list[int]) -> str:
        """One line of a source box: its search, or its searches when one source was searched twice."""
        return self.url(source=str(pks[0])) if len(pks) == 1 else self.url(searches=[str(pk) for pk in pks])

    def sources(self, searches: list[tuple], *, without_search: int) -> dict[str, str]:
        """A source box links to its search when it has exactly one, else to every record of its kind."""
        by_box: dict[str, list[int]] = {box: [] for box in _SOURCE_BOXES}
        for pk, _name, kind, other_method, _n in searches:
            box = OTHER_METHOD_RESULTS[other_method] if kind == SourceKind.OTHER else f"{kind}_results"
            by_box[box].append(pk)
        if without_search:
            by_box["database_results"].append(0)  # records without a search: no search to name
        return {
            box: self.searches(pks) if len(pks) == 1 and pks[0] else self.url(origin=_SOURCE_BOXES[box])
            for box, pks in by_box.items()
        }


_SOURCE_BOXES = {
    "database_results": "database",
    "register_results": "register",
    **{identifier: method for method, identifier in OTHER_METHOD_RESULTS.items()},
}


# The numbers `_count` adds up record group by record group; the others are computed apart.
_COMPUTED_APART = {"database_results", "register_results", "new_studies", "total_studies", "total_reports"}
_PLAIN = [
    *(name for name in IDENTIFIERS if name not in BREAKDOWNS and name not in _COMPUTED_APART),
    *(item.name for item in fields(PrismaCounts) if "awaiting" in item.name),
]


def _count(values: Counter[str], excluded: dict[str, Counter[str]], row: dict) -> None:
    """Add one group of records to the boxes it passes through."""
    n, column = row["n"], row["column"]
    if column == "dbr":
        values["identified"] += n
    if row["is_duplicate"]:
        values["duplicates" if column == "dbr" else "other_duplicates"] += n
        return
    if row["removal"]:
        if column == "dbr":
            values[
                "excluded_automatic" if row["removal"] == RemovalKind.AUTOMATION else "excluded_other"
            ] += n
        return
    if column == "dbr":
        values["records_screened"] += n
        if row["ta_status"] == "excluded":
            values["records_excluded"] += n
            return
        if row["ta_status"] != "included":
            values["records_awaiting_screening"] += n
            return
    elif row["ta_status"] != "included":
        return  # other methods' records enter the second column at full text
    prefix = "dbr_" if column == "dbr" else "other_"
    awaiting = "" if column == "dbr" else "other_"
    values[f"{prefix}sought_reports"] += n
    decided = row["ft_status"] in ("included", "excluded")
    if not decided and row["not_retrieved"]:
        values[f"{prefix}notretrieved_reports"] += n
        return
    if not decided and not row["retrieved"]:
        values[f"{awaiting}reports_awaiting_retrieval"] += n
        return
    values[f"{prefix}assessed"] += n
    if row["ft_status"] == "excluded":
        excluded[column][row["ft_reason"] or NO_REASON] += n
    elif row["ft_status"] == "included":
        values["new_reports"] += n
    else:
        values[f"{awaiting}reports_awaiting_assessment"] += n
