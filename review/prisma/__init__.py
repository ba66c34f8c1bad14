"""The numbers of a PRISMA 2020 flow diagram (Page et al., BMJ 2021;372:n71; template for new reviews with
databases, registers and other sources), named as the PRISMA2020 R package names them (Haddaway et al.,
Campbell Systematic Reviews 2022;18:e1230; prisma-flowdiagram/PRISMA2020, `inst/extdata/PRISMA.csv`).

`diagram.py` draws them (SVG, PNG); `prisma_csv.py` writes and reads the package's CSV template. How the
numbers are counted from a review's records lives elsewhere: this package only holds, draws and serialises
them."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from urllib.parse import urlsplit

# The package's identifiers, in its CSV's order (PRISMA.csv, package version 1.1.4), without those of an
# updated review (previous_*) and of a meta-analysis (*_ma).
IDENTIFIERS = (
    "database_results",
    "database_specific_results",
    "register_results",
    "register_specific_results",
    "website_results",
    "organisation_results",
    "citations_results",
    "duplicates",
    "excluded_automatic",
    "excluded_other",
    "records_screened",
    "records_excluded",
    "dbr_sought_reports",
    "dbr_notretrieved_reports",
    "other_sought_reports",
    "other_notretrieved_reports",
    "dbr_assessed",
    "dbr_excluded",
    "other_assessed",
    "other_excluded",
    "new_studies",
    "new_reports",
    "total_studies",
    "total_reports",
)
BREAKDOWNS = ("database_specific_results", "register_specific_results", "dbr_excluded", "other_excluded")
OTHER_METHODS = (
    "website_results",
    "organisation_results",
    "citations_results",
    "other_sought_reports",
    "other_notretrieved_reports",
    "other_assessed",
    "other_excluded",
    "other_reports_awaiting_retrieval",
    "other_reports_awaiting_assessment",
)
URL_SCHEMES = ("", "http", "https")


@dataclass
class PrismaCounts:
    """Every number of the diagram. Breakdowns are `{label: n}` in the order to show them. The `*_awaiting_*`
    numbers are what a review in progress has not decided yet (shown beside their box when not zero), so
    that the boxes add up at every moment. `urls` gives a link per identifier (or awaiting number);
    `breakdown_urls` one per line of a breakdown: `{"dbr_excluded": {"Wrong population": "/..."}}`."""

    database_results: int = 0
    database_specific_results: dict[str, int] = field(default_factory=dict)
    register_results: int = 0
    register_specific_results: dict[str, int] = field(default_factory=dict)
    website_results: int = 0
    organisation_results: int = 0
    citations_results: int = 0
    duplicates: int = 0
    excluded_automatic: int = 0
    excluded_other: int = 0
    records_screened: int = 0
    records_excluded: int = 0
    dbr_sought_reports: int = 0
    dbr_notretrieved_reports: int = 0
    other_sought_reports: int = 0
    other_notretrieved_reports: int = 0
    dbr_assessed: int = 0
    dbr_excluded: dict[str, int] = field(default_factory=dict)
    other_assessed: int = 0
    other_excluded: dict[str, int] = field(default_factory=dict)
    new_studies: int = 0
    new_reports: int = 0
    total_studies: int = 0
    total_reports: int = 0
    records_awaiting_screening: int = 0
    reports_awaiting_retrieval: int = 0
    reports_awaiting_assessment: int = 0
    other_reports_awaiting_retrieval: int = 0
    other_reports_awaiting_assessment: int = 0
    urls: dict[str, str] = field(default_factory=dict)
    breakdown_urls: dict[str, dict[str, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if item.name in BREAKDOWNS:
                for label, n in value.items():
                    _check_count(f"{item.name} “{label}”", n)
            elif item.type == "int":
                _check_count(item.name, value)
        for url in [
            *self.urls.values(),
            *(u for by_label in self.breakdown_urls.values() for u in by_label.values()),
        ]:
            if urlsplit(url).scheme.lower() not in URL_SCHEMES:
                raise ValueError(f"A diagram link must be a web address or a path, not “{url}”.")

    def url_for(self, identifier: str, label: str | None = None) -> str | None:
        if label is None:
            return self.urls.get(identifier)
        return self.breakdown_urls.get(identifier, {}).get(label)

    @property
    def has_other_methods(self) -> bool:
        """Whether the second column (identification via other methods) has anything to show."""
        return any(getattr(self, name) for name in OTHER_METHODS)

    def prisma2020_values(self) -> dict[str, int | dict[str, int]]:
        """The numbers by the package's identifiers, in its order (breakdowns as `{label: n}`)."""
        return {name: getattr(self, name) for name in IDENTIFIERS}

    def inconsistencies(self) -> list[str]:
        """The ways the boxes fail to add up, in words (empty when they all do). The package checks none."""
        problems = []
        identified = self.database_results + self.register_results
        removed = self.duplicates + self.excluded_automatic + self.excluded_other
        for name, total in (("database", self.database_results), ("register", self.register_results)):
            breakdown = getattr(self, f"{name}_specific_results")
            if breakdown and sum(breakdown.values()) != total:
                problems.append(f"The {name}s' records add up to {sum(breakdown.values())}, not {total}.")
        checks = (
            (
                "identified − removed before screening",
                identified - removed,
                "records screened",
                self.records_screened,
            ),
            (
                "records excluded + reports sought + awaiting screening",
                self.records_excluded + self.dbr_sought_reports + self.records_awaiting_screening,
                "records screened",
                self.records_screened,
            ),
            (
                "reports not retrieved + assessed + awaiting retrieval",
                self.dbr_notretrieved_reports + self.dbr_assessed + self.reports_awaiting_retrieval,
                "reports sought",
                self.dbr_sought_reports,
            ),
            (
                "other methods' reports not retrieved + assessed + awaiting retrieval",
                self.other_notretrieved_reports + self.other_assessed + self.other_reports_awaiting_retrieval,
                "other methods' reports sought",
                self.other_sought_reports,
            ),
            (
                "reports excluded + reports of included studies + awaiting assessment",
                sum(self.dbr_excluded.values())
                + sum(self.other_excluded.values())
                + self.new_reports
                + self.reports_awaiting_assessment
                + self.other_reports_awaiting_assessment,
                "reports assessed",
                self.dbr_assessed + self.other_assessed,
            ),
        )
        for left_words, left, right_words, right in checks:
            if left != right:
                problems.append(f"{left_words} = {left:,}, but {right_words} = {right:,}.")
        if self.new_studies > self.new_reports:
            problems.append(f"{self.new_studies:,} studies included from only {self.new_reports:,} reports.")
        return problems


def _check_count(name: str, value: object) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{name} must be a whole number of 0 or more, not {value!r}.")
