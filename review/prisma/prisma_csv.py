"""The PRISMA2020 R package's CSV template (prisma-flowdiagram/PRISMA2020 version 1.1.4,
`inst/extdata/PRISMA.csv`, MIT licence), filled with a review's numbers, so that the package's
`PRISMA_data(read.csv(...))` and its Shiny app read it as is, and read back.

Every row and column of the template is kept, in its order and with its texts; only `n` (and `url`, where
the counts give a link) carry the review's values. A breakdown is one string, `Label, n; Label, n`: the
package splits entries at ";" and takes the label as the text before the first ",", so those two characters
in a label become " - ". An empty breakdown is written "0" (the package then shows the box with 0)."""

from __future__ import annotations

import csv
import io
import re

from review.prisma import BREAKDOWNS, IDENTIFIERS, PrismaCounts

COLUMNS = ("data", "node", "box", "description", "boxtext", "tooltips", "url", "n")

# The template's rows: data, node, box, description, boxtext, tooltips, url, n. Rows whose `data` is one
# of our identifiers get our number in `n`; the others keep the template's (a new review has no previous
# studies; no meta-analysis numbers are known here, so those stay empty).
_T = "Identification of new studies via"
_REASONS = "[separate reasons and numbers using ; e.g. Reason1, xxx; Reason2, xxx; Reason3, xxx]"
TEMPLATE: tuple[tuple[str, ...], ...] = (
    (
        "NA",
        "node4",
        "prevstud",
        "Grey title box; Previous studies",
        "Previous studies",
        "Grey title box; Previous studies",
        "prevstud.html",
        "0",
    ),
    (
        "previous_studies",
        "node5",
        "box1",
        "Studies included in previous version of review",
        "Studies included in previous version of review",
        "Studies included in previous version of review",
        "previous_studies.html",
        "0",
    ),
    (
        "previous_reports",
        "NA",
        "box1",
        "Reports of studies included in previous version of review",
        "Reports of studies included in previous version of review",
        "NA",
        "previous_reports.html",
        "0",
    ),
    (
        "NA",
        "node6",
        "newstud",
        f"Yellow title box; {_T} databases and registers",
        f"{_T} databases and registers",
        f"Yellow title box; {_T} databases and registers",
        "newstud.html",
        "0",
    ),
    (
        "database_results",
        "node7",
        "box2",
        "Records identified from: Databases",
        "Databases",
        "Records identified from: Databases and Registers",
        "database_results.html",
        "",
    ),
    (
        "database_specific_results",
        "NA",
        "box2",
        "Records identified from: specific databases",
        "Specific Databases",
        "NA",
        "database_results.html",
        "",
    ),
    ("register_results", "NA", "box2", "Records identified from: Registers", "Registers", "NA", "NA", ""),
    (
        "register_specific_results",
        "NA",
        "box2",
        "Records identified from: specific registers",
        "Specific Registers",
        "NA",
        "database_results.html",
        "",
    ),
    (
        "NA",
        "node16",
        "othstud",
        f"Grey title box; {_T} other methods",
        f"{_T} other methods",
        f"Grey title box; {_T} other methods",
        "othstud.html",
        "0",
    ),
    (
        "website_results",
        "node17",
        "box11",
        "Records identified from: Websites",
        "Websites",
        "Records identified from: Websites, Organisations and Citation Searching",
        "website_results.html",
        "",
    ),
    (
        "organisation_results",
        "",
        "box11",
        "Records identified from: Organisations",
        "Organisations",
        "NA",
        "NA",
        "",
    ),
    (
        "citations_results",
        "NA",
        "box11",
        "Records identified from: Citation searching",
        "Citation searching",
        "NA",
        "NA",
        "",
    ),
    (
        "duplicates",
        "node8",
        "box3",
        "Duplicate records",
        "Duplicate records",
        "Duplicate records",
        "duplicates.html",
        "",
    ),
    (
        "excluded_automatic",
        "NA",
        "box3",
        "Records marked as ineligible by automation tools",
        "Records marked as ineligible by automation tools",
        "NA",
        "NA",
        "",
    ),
    (
        "excluded_other",
        "NA",
        "box3",
        "Records removed for other reasons",
        "Records removed for other reasons",
        "NA",
        "NA",
        "",
    ),
    (
        "records_screened",
        "node9",
        "box4",
        "Records screened (databases and registers)",
        "Records screened",
        "Records screened (databases and registers)",
        "records_screened.html",
        "",
    ),
    (
        "records_excluded",
        "node10",
        "box5",
        "Records excluded (databases and registers)",
        "Records excluded",
        "Records excluded (databases and registers)",
        "records_excluded.html",
        "",
    ),
    (
        "dbr_sought_reports",
        "node11",
        "box6",
        "Reports sought for retrieval (databases and registers)",
        "Reports sought for retrieval",
        "Reports sought for retrieval (databases and registers)",
        "dbr_sought_reports.html",
        "",
    ),
    (
        "dbr_notretrieved_reports",
        "node12",
        "box7",
        "Reports not retrieved (databases and registers)",
        "Reports not retrieved",
        "Reports not retrieved (databases and registers)",
        "dbr_notretrieved_reports.html",
        "",
    ),
    (
        "other_sought_reports",
        "node18",
        "box12",
        "Reports sought for retrieval (other)",
        "Reports sought for retrieval",
        "Reports sought for retrieval (other)",
        "other_sought_reports.html",
        "",
    ),
    (
        "other_notretrieved_reports",
        "node19",
        "box13",
        "Reports not retrieved (other)",
        "Reports not retrieved",
        "Reports not retrieved (other)",
        "other_notretrieved_reports.html",
        "",
    ),
    (
        "dbr_assessed",
        "node13",
        "box8",
        "Reports assessed for eligibility (databases and registers)",
        "Reports assessed for eligibility",
        "Reports assessed for eligibility (databases and registers)",
        "dbr_assessed.html",
        "",
    ),
    (
        "dbr_excluded",
        "node14",
        "box9",
        f"Reports excluded (databases and registers): {_REASONS}",
        "Reports excluded",
        "Reports excluded (databases and registers)",
        "dbrexcludedrecords.html",
        "",
    ),
    (
        "other_assessed",
        "node20",
        "box14",
        "Reports assessed for eligibility (other)",
        "Reports assessed for eligibility",
        "Reports assessed for eligibility (other)",
        "other_assessed.html",
        "",
    ),
    (
        "other_excluded",
        "node21",
        "box15",
        f"Reports excluded (other): {_REASONS}",
        "Reports excluded",
        "Reports excluded (other)",
        "other_excluded.html",
        "",
    ),
    (
        "new_studies",
        "node15",
        "box10",
        "New studies included in review",
        "New studies included in review",
        "New studies included in review",
        "new_studies.html",
        "",
    ),
    (
        "new_reports",
        "NA",
        "box10",
        "Reports of new included studies",
        "Reports of new included studies",
        "NA",
        "NA",
        "",
    ),
    (
        "total_studies",
        "node22",
        "box16",
        "Total studies included in review",
        "Total studies included in review",
        "Total studies included in review",
        "total_studies.html",
        "",
    ),
    (
        "total_reports",
        "NA",
        "box16",
        "Reports of total included studies",
        "Reports of total included studies",
        "NA",
        "NA",
        "",
    ),
    (
        "identification",
        "node1",
        "identification",
        "Blue identification box",
        "Identification",
        "Blue identification box",
        "identification.html",
        "0",
    ),
    (
        "screening",
        "node2",
        "screening",
        "Blue screening box",
        "Screening",
        "Blue screening box",
        "screening.html",
        "0",
    ),
    (
        "included",
        "node3",
        "included",
        "Blue included box",
        "Included",
        "Blue included box",
        "included.html",
        "0",
    ),
    (
        "total_studies_ma",
        "node23",
        "box17",
        "Total studies included in meta-analysis",
        "Total studies included in meta-analysis",
        "Total studies included in meta-analysis",
        "total_studies_meta_analysis.html",
        "",
    ),
    (
        "total_reports_ma",
        "NA",
        "box17",
        "Reports of total included studies in meta-analysis",
        "Reports of total included studies in meta-analysis",
        "NA",
        "NA",
        "",
    ),
)
_TEMPLATE_URLS = {row[0]: row[6] for row in TEMPLATE}


def to_prisma2020_csv(counts: PrismaCounts) -> str:
    """The package's CSV template with the review's numbers (and links, where the counts give them)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in TEMPLATE:
        data, *texts, url, n = row
        if data in IDENTIFIERS:
            value = getattr(counts, data)
            n = _breakdown_text(value) if data in BREAKDOWNS else str(value)
            url = counts.url_for(data) or url
        writer.writerow([data, *texts, url, n])
    return out.getvalue()


def read_prisma2020_csv(text: str) -> PrismaCounts:
    """The counts in a CSV of the package's template (as written above, or by the package's Shiny app).
    A file with other columns, or a number that is not one, is refused with a message naming it."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = next(reader, None)
    if header is None or tuple(h.strip() for h in header) != COLUMNS:
        raise ValueError(f"Not a PRISMA2020 CSV: its columns must be {', '.join(COLUMNS)}.")
    values: dict[str, object] = {}
    urls: dict[str, str] = {}
    for line, row in enumerate(reader, start=2):
        if not row:
            continue
        if len(row) != len(COLUMNS):
            raise ValueError(f"Line {line} of the PRISMA2020 CSV has {len(row)} cells, not {len(COLUMNS)}.")
        data, url, n = row[0].strip(), row[6].strip(), row[7].strip()
        if data not in IDENTIFIERS:
            continue
        values[data] = _read_breakdown(data, n) if data in BREAKDOWNS else _read_number(data, n)
        if url and url != "NA" and url != _TEMPLATE_URLS[data]:
            urls[data] = url
    return PrismaCounts(**values, urls=urls)


def _breakdown_text(breakdown: dict[str, int]) -> str:
    if not breakdown:
        return "0"
    return "; ".join(f"{_clean_label(label)}, {n}" for label, n in breakdown.items())


def _clean_label(label: str) -> str:
    return re.sub(r"\s*[,;]\s*", " - ", " ".join(label.split()))


def _read_number(data: str, n: str) -> int:
    digits = n.replace(",", "").strip()
    if digits in ("", "NA"):
        return 0
    if not digits.isdigit():
        raise ValueError(f"In the PRISMA2020 CSV, {data} is “{n}”, not a whole number.")
    return int(digits)


def _read_breakdown(data: str, n: str) -> dict[str, int]:
    """As the package's PRISMA_parse_reasons_(): entries split at ";", the label before the first ",", the
    number after it. A bare number (no labels) is one entry with an empty label."""
    if re.fullmatch(r"[0-9,\s]*", n):
        total = _read_number(data, n)
        return {"": total} if total else {}
    breakdown: dict[str, int] = {}
    for entry in re.split(r";\s?", n):
        if not entry.strip():
            continue
        label, _comma, number = entry.partition(",")
        label = label.strip()
        if label in breakdown:
            raise ValueError(f"In the PRISMA2020 CSV, {data} names “{label}” twice.")
        breakdown[label] = _read_number(f"{data} “{label}”", number)
    return breakdown
