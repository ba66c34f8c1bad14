"""The PRISMA 2020 flow diagram (SVG, PNG) and the PRISMA2020 R package's CSV.

The template below is the package's `inst/extdata/PRISMA.csv` as published (prisma-flowdiagram/PRISMA2020,
version 1.1.4, commit 620aaf9, MIT licence), copied here byte for byte so that the writer is checked
against the package and not against itself. The diagram's numbers are those of a review counted by hand."""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET

import pytest
from PIL import Image

from review.prisma import PrismaCounts
from review.prisma.diagram import flow_diagram
from review.prisma.prisma_csv import read_prisma2020_csv, to_prisma2020_csv

PACKAGE_TEMPLATE = """\
data,node,box,description,boxtext,tooltips,url,n
NA,node4,prevstud,Grey title box; Previous studies,Previous studies,Grey title box; Previous studies,prevstud.html,0
previous_studies,node5,box1,Studies included in previous version of review,Studies included in previous version of review,Studies included in previous version of review,previous_studies.html,0
previous_reports,NA,box1,Reports of studies included in previous version of review,Reports of studies included in previous version of review,NA,previous_reports.html,0
NA,node6,newstud,Yellow title box; Identification of new studies via databases and registers,Identification of new studies via databases and registers,Yellow title box; Identification of new studies via databases and registers,newstud.html,0
database_results,node7,box2,Records identified from: Databases,Databases,Records identified from: Databases and Registers,database_results.html,0
database_specific_results,NA,box2,Records identified from: specific databases,Specific Databases,NA,database_results.html,"Database 1, xxx; Database 2, xxx; Database 3, xxx"
register_results,NA,box2,Records identified from: Registers,Registers,NA,NA,0
register_specific_results,NA,box2,Records identified from: specific registers,Specific Registers,NA,database_results.html,"Register 1, xxx; Register 2, xxx; Register 3, xxx"
NA,node16,othstud,Grey title box; Identification of new studies via other methods,Identification of new studies via other methods,Grey title box; Identification of new studies via other methods,othstud.html,0
website_results,node17,box11,Records identified from: Websites,Websites,"Records identified from: Websites, Organisations and Citation Searching",website_results.html,0
organisation_results,,box11,Records identified from: Organisations,Organisations,NA,NA,0
citations_results,NA,box11,Records identified from: Citation searching,Citation searching,NA,NA,0
duplicates,node8,box3,Duplicate records,Duplicate records,Duplicate records,duplicates.html,0
excluded_automatic,NA,box3,Records marked as ineligible by automation tools,Records marked as ineligible by automation tools,NA,NA,0
excluded_other,NA,box3,Records removed for other reasons,Records removed for other reasons,NA,NA,0
records_screened,node9,box4,Records screened (databases and registers),Records screened,Records screened (databases and registers),records_screened.html,0
records_excluded,node10,box5,Records excluded (databases and registers),Records excluded,Records excluded (databases and registers),records_excluded.html,0
dbr_sought_reports,node11,box6,Reports sought for retrieval (databases and registers),Reports sought for retrieval,Reports sought for retrieval (databases and registers),dbr_sought_reports.html,0
dbr_notretrieved_reports,node12,box7,Reports not retrieved (databases and registers),Reports not retrieved,Reports not retrieved (databases and registers),dbr_notretrieved_reports.html,0
other_sought_reports,node18,box12,Reports sought for retrieval (other),Reports sought for retrieval,Reports sought for retrieval (other),other_sought_reports.html,0
other_notretrieved_reports,node19,box13,Reports not retrieved (other),Reports not retrieved,Reports not retrieved (other),other_notretrieved_reports.html,0
dbr_assessed,node13,box8,Reports assessed for eligibility (databases and registers),Reports assessed for eligibility,Reports assessed for eligibility (databases and registers),dbr_assessed.html,0
dbr_excluded,node14,box9,"Reports excluded (databases and registers): [separate reasons and numbers using ; e.g. Reason1, xxx; Reason2, xxx; Reason3, xxx]",Reports excluded,Reports excluded (databases and registers),dbrexcludedrecords.html,"Reason1, xxx; Reason2, xxx; Reason3, xxx"
other_assessed,node20,box14,Reports assessed for eligibility (other),Reports assessed for eligibility,Reports assessed for eligibility (other),other_assessed.html,0
other_excluded,node21,box15,"Reports excluded (other): [separate reasons and numbers using ; e.g. Reason1, xxx; Reason2, xxx; Reason3, xxx]",Reports excluded,Reports excluded (other),other_excluded.html,"Reason1, xxx; Reason2, xxx; Reason3, xxx"
new_studies,node15,box10,New studies included in review,New studies included in review,New studies included in review,new_studies.html,0
new_reports,NA,box10,Reports of new included studies,Reports of new included studies,NA,NA,0
total_studies,node22,box16,Total studies included in review,Total studies included in review,Total studies included in review,total_studies.html,0
total_reports,NA,box16,Reports of total included studies,Reports of total included studies,NA,NA,0
identification,node1,identification,Blue identification box,Identification,Blue identification box,identification.html,0
screening,node2,screening,Blue screening box,Screening,Blue screening box,screening.html,0
included,node3,included,Blue included box,Included,Blue included box,included.html,0
total_studies_ma,node23,box17,Total studies included in meta-analysis,Total studies included in meta-analysis,Total studies included in meta-analysis,total_studies_meta_analysis.html,0
total_reports_ma,NA,box17,Reports of total included studies in meta-analysis,Reports of total included studies in meta-analysis,NA,NA,0"""
NS = {"svg": "http://www.w3.org/2000/svg", "xlink": "http://www.w3.org/1999/xlink"}


def counts(**changes) -> PrismaCounts:
    """A review counted by hand: 1,280 records identified, 400 removed, 880 screened (790 excluded,
    75 sought, 15 waiting), 75 sought (3 not retrieved, 70 assessed, 2 waiting), 70 + 20 assessed
    (56 + 15 excluded, 15 reports of 7 studies, 4 waiting)."""
    values = {
        "database_results": 1200,
        "database_specific_results": {"MEDLINE (Ovid)": 700, "Embase": 450, "PsycINFO": 50},
        "register_results": 80,
        "register_specific_results": {"ClinicalTrials.gov": 60, "WHO ICTRP": 20},
        "website_results": 5,
        "organisation_results": 2,
        "citations_results": 14,
        "duplicates": 380,
        "excluded_automatic": 0,
        "excluded_other": 20,
        "records_screened": 880,
        "records_excluded": 790,
        "records_awaiting_screening": 15,
        "dbr_sought_reports": 75,
        "dbr_notretrieved_reports": 3,
        "reports_awaiting_retrieval": 2,
        "dbr_assessed": 70,
        "dbr_excluded": {
            "Wrong population": 20,
            "Wrong intervention": 12,
            "Not a randomised trial": 18,
            "Conference abstract only": 6,
        },
        "reports_awaiting_assessment": 4,
        "other_sought_reports": 21,
        "other_notretrieved_reports": 1,
        "other_assessed": 20,
        "other_excluded": {"Wrong comparator": 8, "Duplicate publication": 7},
        "new_studies": 7,
        "new_reports": 15,
        "total_studies": 7,
        "total_reports": 15,
    }
    return PrismaCounts(**{**values, **changes})


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_the_hand_counted_review_adds_up():
    assert counts().inconsistencies() == []
    problems = counts(records_excluded=789, new_studies=16).inconsistencies()
    assert problems == [
        "records excluded + reports sought + awaiting screening = 879, but records screened = 880.",
        "16 studies included from only 15 reports.",
    ]
    assert counts(database_specific_results={"Embase": 1}).inconsistencies() == [
        "The databases' records add up to 1, not 1200."
    ]


def test_csv_has_exactly_the_package_templates_rows_and_columns():
    template = rows(PACKAGE_TEMPLATE)
    ours = rows(to_prisma2020_csv(counts()))
    assert len(ours) == len(template) == 35  # the header and 34 rows
    assert ours[0] == template[0] == ["data", "node", "box", "description", "boxtext", "tooltips", "url", "n"]
    for mine, theirs in zip(ours[1:], template[1:], strict=True):
        assert mine[:7] == theirs[:7]  # data, node, box, texts and (no link given) the template's url


def test_csv_holds_the_numbers_in_n():
    template = rows(PACKAGE_TEMPLATE)
    n = {row[0]: row[7] for row in rows(to_prisma2020_csv(counts()))[1:] if row[0] != "NA"}
    assert n["database_results"] == "1200"
    assert n["database_specific_results"] == "MEDLINE (Ovid), 700; Embase, 450; PsycINFO, 50"
    assert (
        n["dbr_excluded"]
        == "Wrong population, 20; Wrong intervention, 12; Not a randomised trial, 18; Conference abstract only, 6"
    )
    assert n["other_excluded"] == "Wrong comparator, 8; Duplicate publication, 7"
    assert (n["duplicates"], n["excluded_automatic"], n["records_screened"], n["new_reports"]) == (
        "380",
        "0",
        "880",
        "15",
    )
    # A new review has no previous studies; no meta-analysis numbers are known here.
    assert (n["previous_studies"], n["previous_reports"], n["total_studies_ma"], n["total_reports_ma"]) == (
        "0",
        "0",
        "",
        "",
    )
    assert [row[7] for row in template[1:] if row[0] == "NA"] == ["0", "0", "0"]
    assert to_prisma2020_csv(counts(other_excluded={})).count("other_excluded.html,0\n") == 1


def test_csv_reads_back_what_it_wrote():
    original = counts(
        records_awaiting_screening=0,
        reports_awaiting_retrieval=0,
        reports_awaiting_assessment=0,
        urls={
            "records_screened": "https://example.org/records?stage=title&decision=any",
            "dbr_excluded": "/r/excluded",
        },
    )
    assert read_prisma2020_csv(to_prisma2020_csv(original)) == original
    empty = PrismaCounts()
    assert read_prisma2020_csv(to_prisma2020_csv(empty)) == empty


def test_csv_links_go_in_url():
    text = to_prisma2020_csv(counts(urls={"records_screened": "/r/1?a=1&b=2"}))
    assert [row[6] for row in rows(text) if row[0] == "records_screened"] == ["/r/1?a=1&b=2"]


def test_labels_keep_clear_of_the_packages_separators():
    text = to_prisma2020_csv(counts(database_specific_results={"Embase, Ovid": 450, "CENTRAL; Wiley": 750}))
    assert read_prisma2020_csv(text).database_specific_results == {
        "Embase - Ovid": 450,
        "CENTRAL - Wiley": 750,
    }


def test_reads_a_file_the_shiny_app_wrote():
    filled = PACKAGE_TEMPLATE.replace(
        "Database 1, xxx; Database 2, xxx; Database 3, xxx", "PubMed, 1,234; Embase, 56"
    )
    filled = filled.replace("Register 1, xxx; Register 2, xxx; Register 3, xxx", "0")
    filled = filled.replace("Reason1, xxx; Reason2, xxx; Reason3, xxx", "Wrong design, 3;Wrong population, 2")
    read = read_prisma2020_csv(filled)
    assert read.database_specific_results == {"PubMed": 1234, "Embase": 56}
    assert read.register_specific_results == {}
    assert read.dbr_excluded == read.other_excluded == {"Wrong design": 3, "Wrong population": 2}
    assert read.urls == {}  # the template's own placeholder pages are not links


def test_a_foreign_or_broken_file_is_refused_with_a_reason():
    with pytest.raises(ValueError, match="Not a PRISMA2020 CSV"):
        read_prisma2020_csv("Study,D1,D2\nA,Low,High\n")
    with pytest.raises(
        ValueError, match=r"database_specific_results “Database 1” is “ xxx”, not a whole number"
    ):
        read_prisma2020_csv(PACKAGE_TEMPLATE)
    broken = to_prisma2020_csv(counts()).replace("records_screened.html,880", "records_screened.html,lots")
    with pytest.raises(ValueError, match="records_screened is “lots”"):
        read_prisma2020_csv(broken)
    with pytest.raises(ValueError, match="must be a web address or a path"):
        read_prisma2020_csv(to_prisma2020_csv(counts()).replace("duplicates.html", "javascript:alert(1)"))


def test_counts_are_whole_numbers_and_links_are_web_addresses():
    with pytest.raises(ValueError, match="duplicates must be a whole number of 0 or more"):
        counts(duplicates=-1)
    with pytest.raises(ValueError, match="dbr_excluded “Other” must be a whole number"):
        counts(dbr_excluded={"Other": 1.5})
    with pytest.raises(ValueError, match="must be a web address or a path"):
        counts(urls={"duplicates": "javascript:alert(1)"})


def svg_root(data: PrismaCounts, **options) -> ET.Element:
    return ET.fromstring(flow_diagram(data, **options))


def box(root: ET.Element, gid: str) -> tuple[float, float, float, float]:
    """Left, top, right, bottom of a box, from its path."""
    path = root.find(f".//svg:g[@id='box-{gid}']/svg:path", NS)
    numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", path.get("d"))]
    return min(numbers[0::2]), min(numbers[1::2]), max(numbers[0::2]), max(numbers[1::2])


def number(root: ET.Element, gid: str) -> tuple[str, float, float, str | None]:
    """The text holding a number, its anchor point and the link around it."""
    group = root.find(f".//svg:g[@id='n-{gid}']", NS)
    link = group.find("svg:a", NS)
    text = group.find(".//svg:text", NS)
    href = None if link is None else link.get(f"{{{NS['xlink']}}}href")
    return text.text, float(text.get("x")), float(text.get("y")), href


BOXES = {
    "database_results": [
        "database_results",
        "register_results",
        *[f"database_specific_results-{i}" for i in range(3)],
        *[f"register_specific_results-{i}" for i in range(2)],
    ],
    "duplicates": ["duplicates", "excluded_automatic", "excluded_other"],
    "records_screened": ["records_screened"],
    "records_excluded": ["records_excluded"],
    "records_awaiting_screening": ["records_awaiting_screening"],
    "dbr_sought_reports": ["dbr_sought_reports"],
    "dbr_notretrieved_reports": ["dbr_notretrieved_reports"],
    "reports_awaiting_retrieval": ["reports_awaiting_retrieval"],
    "dbr_assessed": ["dbr_assessed"],
    "dbr_excluded": [f"dbr_excluded-{i}" for i in range(4)],
    "reports_awaiting_assessment": ["reports_awaiting_assessment"],
    "website_results": ["website_results", "organisation_results", "citations_results"],
    "other_sought_reports": ["other_sought_reports"],
    "other_notretrieved_reports": ["other_notretrieved_reports"],
    "other_assessed": ["other_assessed"],
    "other_excluded": ["other_excluded-0", "other_excluded-1"],
    "new_studies": ["new_studies", "new_reports"],
}
EXPECTED_TEXT = {
    "database_results": "Databases (n = 1,200)",
    "database_specific_results-0": "MEDLINE (Ovid) (n = 700)",
    "register_results": "Registers (n = 80)",
    "register_specific_results-1": "WHO ICTRP (n = 20)",
    "duplicates": "Duplicate records removed (n = 380)",
    "excluded_other": "(n = 20)",  # "Records removed for other reasons" wraps before its number
    "records_screened": "Records screened (n = 880)",
    "records_excluded": "Records excluded (n = 790)",
    "records_awaiting_screening": "Awaiting screening (n = 15)",
    "dbr_sought_reports": "Reports sought for retrieval (n = 75)",
    "dbr_notretrieved_reports": "Reports not retrieved (n = 3)",
    "reports_awaiting_retrieval": "Awaiting retrieval (n = 2)",
    "dbr_assessed": "Reports assessed for eligibility (n = 70)",
    "dbr_excluded-2": "Not a randomised trial (n = 18)",
    "reports_awaiting_assessment": "Awaiting assessment (n = 4)",
    "website_results": "Websites (n = 5)",
    "citations_results": "Citation searching (n = 14)",
    "other_sought_reports": "Reports sought for retrieval (n = 21)",
    "other_assessed": "Reports assessed for eligibility (n = 20)",
    "other_excluded-1": "Duplicate publication (n = 7)",
    "new_studies": "Studies included in review (n = 7)",
    "new_reports": "Reports of included studies (n = 15)",
}


def test_every_number_lands_in_its_box():
    root = svg_root(counts())
    for box_gid, number_gids in BOXES.items():
        left, top, right, bottom = box(root, box_gid)
        for gid in number_gids:
            _text, x, y, _href = number(root, gid)
            assert left <= x <= right and top <= y <= bottom, (gid, box_gid)
    for gid, expected in EXPECTED_TEXT.items():
        assert number(root, gid)[0] == expected


def test_boxes_stand_where_the_template_puts_them():
    root = svg_root(counts())
    boxes = {gid: box(root, gid) for gid in BOXES}
    middle = {gid: (b[1] + b[3]) / 2 for gid, b in boxes.items()}
    # Down the databases column: identification, screening, retrieval, eligibility, included.
    column = ["database_results", "records_screened", "dbr_sought_reports", "dbr_assessed", "new_studies"]
    assert [boxes[g][1] for g in column] == sorted(boxes[g][1] for g in column)
    assert len({round(boxes[g][0], 1) for g in column}) == 1
    # What leaves the flow stands to the right, on the same row; what waits below it.
    for main, beside, waiting in (
        ("records_screened", "records_excluded", "records_awaiting_screening"),
        ("dbr_sought_reports", "dbr_notretrieved_reports", "reports_awaiting_retrieval"),
        ("dbr_assessed", "dbr_excluded", "reports_awaiting_assessment"),
    ):
        assert boxes[beside][0] > boxes[main][2] and boxes[waiting][0] == boxes[beside][0]
        assert boxes[main][1] <= middle[beside] < middle[waiting] <= boxes[main][3]
    assert boxes["duplicates"][0] > boxes["database_results"][2]
    # Other methods: a second column, its sought and assessed reports on the rows of the first's.
    assert boxes["website_results"][0] > boxes["duplicates"][2]
    assert middle["other_sought_reports"] == pytest.approx(
        (boxes["dbr_notretrieved_reports"][1] + boxes["reports_awaiting_retrieval"][3]) / 2
    )
    assert boxes["other_excluded"][0] > boxes["other_assessed"][2]


def test_titles_and_side_labels():
    words = [t.text for t in svg_root(counts()).iterfind(".//svg:text", NS)]
    for expected in (
        "Identification of studies via databases and registers",
        "Identification of studies via other methods",
        "Identification",
        "Screening",
        "Included",
        "Records identified from:",
        "Records removed before screening:",
        "Reports excluded:",
    ):
        assert expected in words


def test_numbers_link_to_their_records_and_text_is_escaped():
    data = counts(
        urls={
            "records_screened": "/reviews/ketamine/records/?stage=title&decision=<any>",
            "new_studies": "https://example.org/s",
        },
        breakdown_urls={"dbr_excluded": {"<script>alert(1)</script>": "/r/?reason=7"}},
        dbr_excluded={"<script>alert(1)</script>": 56},
    )
    svg = flow_diagram(data)
    assert b"<script>" not in svg
    root = ET.fromstring(svg)
    assert number(root, "records_screened")[3] == "/reviews/ketamine/records/?stage=title&decision=<any>"
    assert number(root, "new_studies")[3] == "https://example.org/s"
    assert number(root, "dbr_excluded-0")[0] == "<script>alert(1)</script> (n = 56)"
    assert number(root, "dbr_excluded-0")[3] == "/r/?reason=7"
    assert number(root, "duplicates")[3] is None


def test_other_methods_and_awaiting_boxes_only_when_there_is_something():
    quiet = counts(
        website_results=0,
        organisation_results=0,
        citations_results=0,
        other_sought_reports=0,
        other_notretrieved_reports=0,
        other_assessed=0,
        other_excluded={},
        records_awaiting_screening=0,
        reports_awaiting_retrieval=0,
        reports_awaiting_assessment=0,
    )
    root = svg_root(quiet)
    ids = {g.get("id") for g in root.iterfind(".//svg:g", NS)}
    assert (
        "box-website_results" not in ids
        and "box-records_awaiting_screening" not in ids
        and "box-records_excluded" in ids
    )
    assert "Identification of studies via other methods" not in [
        t.text for t in root.iterfind(".//svg:text", NS)
    ]
    root = svg_root(quiet, other_methods=True)
    ids = {g.get("id") for g in root.iterfind(".//svg:g", NS)}
    assert "box-website_results" in ids and "box-other_excluded" in ids
    assert number(root, "other_excluded")[0] == "Reports excluded (n = 0)"


def test_png_at_print_resolution():
    data = counts()
    svg = svg_root(data)
    png = Image.open(io.BytesIO(flow_diagram(data, fmt="png")))
    assert png.format == "PNG"
    assert png.info["dpi"] == pytest.approx((300, 300), abs=0.01)
    width_pt, height_pt = (float(svg.get(side).removesuffix("pt")) for side in ("width", "height"))
    assert png.size == (round(width_pt / 72 * 300), round(height_pt / 72 * 300))
