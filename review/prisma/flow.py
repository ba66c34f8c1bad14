"""Every box of a review's PRISMA 2020 flow diagram, counted from its records: never typed in.

Three aggregate queries whatever the number of records: records per search, records grouped by where they
stand (source column, duplicate, removal, decision at each stage, full-text flags, exclusion reason), and
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

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    FilteredRelation,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.urls import reverse

from review.constants import OtherMethod, RemovalKind, SourceKind, Stage
from review.models import Record, RecordRemoval, Search
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


def _removal_kind():
    """The kind of the record's active removal before screening, "" when it is not removed."""
    active = RecordRemoval.objects.filter(record=OuterRef("pk"), restored_at__isnull=True)
    return Coalesce(Subquery(active.values("kind")[:1]), Value(""), output_field=CharField())


def _standing(review: Review):
    """One row per combination of where records stand, with how many records stand there."""
    from screening.models import FullText, Vote  # screening builds on review

    full_text = FullText.objects.filter(record=OuterRef("pk"))
    return (
        Record.objects.for_review(review)
        .annotate(
            ta=FilteredRelation(
                "screening_decisions", condition=Q(screening_decisions__stage=Stage.TITLE_ABSTRACT)
            ),
            ft=FilteredRelation(
                "screening_decisions", condition=Q(screening_decisions__stage=Stage.FULL_TEXT)
            ),
        )
        .values(
            column=Case(
                When(search__kind=SourceKind.OTHER, then=Value("other")),
                default=Value("dbr"),
                output_field=CharField(),
            ),
            is_duplicate=Q(duplicate_of__isnull=False),
            removal=_removal_kind(),
            ta_status=Coalesce(F("ta__status"), Value("")),
            ft_status=Coalesce(F("ft__status"), Value("")),
            ft_reason=Coalesce(F("ft__reason__label"), Value("")),
            not_retrieved=Exists(full_text.filter(not_retrieved=True)),
            retrieved=Exists(full_text.exclude(pdf=""))
            | Exists(Vote.objects.filter(record=OuterRef("pk"), stage=Stage.FULL_TEXT)),
        )
        .annotate(n=Count("pk"))
        .order_by()
    )


def _records_url(review: Review, **filters: str) -> str:
    query = "&".join(f"{name}={value}" for name, value in filters.items())
    return f"{reverse('review:records', args=[review.slug])}?{query}"


def prisma_counts(review: Review) -> PrismaCounts:
    """Every number of the review's PRISMA 2020 diagram, with links to the records behind them."""
    values: Counter[str] = Counter()
    excluded: dict[str, Counter[str]] = {"dbr": Counter(), "other": Counter()}
    for row in _standing(review):
        _count(values, excluded, row)
    searches = (
        Search.objects.for_review(review)
        .annotate(n=Count("records"))
        .values_list("pk", "source_name", "kind", "other_method", "n")
        .order_by("created_at", "pk")
    )
    per_source: dict[str, Counter[str]] = {kind: Counter() for kind in SourceKind.values}
    per_method: Counter[str] = Counter()
    breakdown_urls: dict[str, dict[str, str]] = {}
    for pk, name, kind, other_method, n in searches:
        per_source[kind][name] += n
        if kind == SourceKind.OTHER:
            per_method[other_method] += n
        breakdown_urls.setdefault(f"{kind}_specific_results", {})[name] = _records_url(review, source=str(pk))
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
        urls=_urls(review),
        breakdown_urls={
            "database_specific_results": breakdown_urls.get("database_specific_results", {}),
            "register_specific_results": breakdown_urls.get("register_specific_results", {}),
        },
    )
    return counts


def _urls(review: Review) -> dict[str, str]:
    """The record list filtered to the records behind each box (as near as its filters go)."""
    unique = {"show": "unique", "removal": "kept"}
    links = {
        "duplicates": {"show": "duplicates"},
        "excluded_automatic": {"removal": RemovalKind.AUTOMATION},
        "excluded_other": {"removal": RemovalKind.OTHER},
        "records_screened": unique,
        "records_excluded": {**unique, Stage.TITLE_ABSTRACT: "excluded"},
        "records_awaiting_screening": {**unique, Stage.TITLE_ABSTRACT: "pending"},
        "dbr_sought_reports": {**unique, Stage.TITLE_ABSTRACT: "included"},
        "reports_awaiting_assessment": {**unique, Stage.FULL_TEXT: "pending"},
        "new_reports": {**unique, Stage.FULL_TEXT: "included"},
        "total_reports": {**unique, Stage.FULL_TEXT: "included"},
    }
    return {name: _records_url(review, **filters) for name, filters in links.items()}


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
