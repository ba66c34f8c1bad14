"""The risk-of-bias plots and the robvis CSV against robvis itself (mcguinlu/robvis, commit c7c1bdd of
June 2023): colours from R/helpers.R get_colour(), symbols from the shape scales of
R/rob_traffic_light.R (l = 43 "+", s = 45 "-", h = 120 "x", c = 33 "!", n = 63 "?"), the legend order from
their factor levels, and how robvis reads a judgement from clean_data() in R/helpers.R. Shares in the
summary are counted by hand."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET

import pytest
from PIL import Image

from extraction.rob.plots import RobResult, robvis_csv, summary_plot, traffic_light

NS = {"svg": "http://www.w3.org/2000/svg", "xlink": "http://www.w3.org/1999/xlink"}
ROB2 = [
    ("D1", "Bias arising from the randomization process"),
    ("D2", "Bias due to deviations from intended interventions"),
    ("D3", "Bias due to missing outcome data"),
    ("D4", "Bias in measurement of the outcome"),
    ("D5", "Bias in selection of the reported result"),
]
ROBINS_I = [
    ("D1", "Bias due to confounding"),
    ("D2", "Bias due to selection of participants"),
    ("D3", "Bias in classification of interventions"),
    ("D4", "Bias due to deviations from intended interventions"),
    ("D5", "Bias due to missing data"),
    ("D6", "Bias in measurement of outcomes"),
    ("D7", "Bias in selection of the reported result"),
]
# robvis get_colour(), colour = "cochrane" and "colourblind" (SVG writes hex in lower case).
LOW, CONCERNS, HIGH, CRITICAL, NI, NA = "#02c100", "#e2df07", "#bf0000", "#820000", "#4ea1f7", "#cccccc"
BLIND = {"low": "#fed98e", "some_concerns": "#fe9929", "high": "#d95f0e", "no_information": "#ffffff"}

WILLIAMS = RobResult(
    "Williams 2018 (HAM-D, day 1)",
    {"D1": "low", "D2": "some_concerns", "D3": "low", "D4": "high", "D5": "no_information"},
    "high",
    weight=3,
)
TIGER = RobResult(
    "Tiger 2020 (MADRS, day 7)",
    {"D1": "some_concerns", "D2": "low", "D3": "low", "D4": "low", "D5": "low"},
    "some_concerns",
    weight=1,
)

COHORT = RobResult(
    "Cohort 2019",
    {
        "D1": "critical",
        "D2": "serious",
        "D3": "moderate",
        "D4": "low",
        "D5": "no_information",
        "D6": "low",
        "D7": "low",
    },
    "critical",
)


def parse(svg: bytes) -> ET.Element:
    return ET.fromstring(svg)


def uses(root: ET.Element, gid: str) -> list[tuple[float, float, str]]:
    """The marks of a collection: centre (to 0.1 pt) and fill. Matplotlib writes many as one path placed
    by <use> elements, and a few as paths in full."""
    group = root.find(f".//svg:g[@id='{gid}']", NS)
    assert group is not None, gid
    found = []
    for mark in [*group.iterfind(".//svg:use", NS), *group.iterfind("svg:path", NS)]:
        fill = re.search(r"fill: (#[0-9a-f]{6}|none)", mark.get("style", ""))
        if mark.get("d"):
            x0, x1, y = path_box(mark.get("d"))
            x, y = (x0 + x1) / 2, y
        else:
            x, y = float(mark.get("x")), float(mark.get("y"))
        found.append((round(x, 1), round(y, 1), fill.group(1) if fill else ""))
    return found


def path_box(d: str) -> tuple[float, float, float]:
    """Left and right x and middle y of an SVG path of straight lines."""
    numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", d)]
    xs, ys = numbers[0::2], numbers[1::2]
    return min(xs), max(xs), (min(ys) + max(ys)) / 2


def cell_grid(root: ET.Element) -> list[list[str]]:
    """The circles' fills as rows (results, top to bottom) of columns (domains, then Overall)."""
    circles = uses(root, "rob-cells-circles")
    xs = sorted({x for x, _y, _f in circles})
    ys = sorted({y for _x, y, _f in circles})  # SVG's y grows downwards
    grid = [[""] * len(xs) for _ in ys]
    for x, y, fill in circles:
        grid[ys.index(y)][xs.index(x)] = fill
    return grid


def texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iterfind(".//svg:text", NS)]


def test_traffic_light_colours_each_cell_as_robvis_does():
    root = parse(traffic_light([WILLIAMS, TIGER], domains=ROB2))
    assert cell_grid(root) == [
        [LOW, CONCERNS, LOW, HIGH, NI, HIGH],
        [CONCERNS, LOW, LOW, LOW, LOW, CONCERNS],
    ]


def test_traffic_light_puts_each_symbol_on_its_judgements_circles():
    root = parse(traffic_light([WILLIAMS, TIGER], domains=ROB2))
    circles = uses(root, "rob-cells-circles")
    by_colour = {
        colour: {(x, y) for x, y, fill in circles if fill == colour} for colour in (LOW, CONCERNS, HIGH, NI)
    }
    for value, colour in (("low", LOW), ("some_concerns", CONCERNS), ("high", HIGH), ("no_information", NI)):
        assert {(x, y) for x, y, _f in uses(root, f"rob-cells-symbols-{value}")} == by_colour[colour]
    assert len(by_colour[HIGH]) == 2 and len(by_colour[LOW]) == 6


def test_traffic_light_names_columns_results_and_domains_with_a_robvis_legend():
    words = texts(parse(traffic_light([WILLIAMS, TIGER], domains=ROB2)))
    for expected in [
        "Risk of bias domains",
        "Study",
        "D1",
        "D5",
        "Overall",
        WILLIAMS.label,
        TIGER.label,
        "Domains:",
    ]:
        assert expected in words
    assert "D1: Bias arising from the randomization process." in words
    assert "D5: Bias in selection of the reported result." in words
    # robvis: levels c("h", "s", "l", "n"), only those present (drop = TRUE).
    assert words[-5:] == ["Judgement", "High", "Some concerns", "Low", "No information"]


def test_traffic_light_colour_blind_palette():
    root = parse(traffic_light([WILLIAMS], domains=ROB2, palette="colourblind"))
    assert cell_grid(root) == [
        [
            BLIND["low"],
            BLIND["some_concerns"],
            BLIND["low"],
            BLIND["high"],
            BLIND["no_information"],
            BLIND["high"],
        ]
    ]


def test_traffic_light_robins_i_scale_with_critical():
    root = parse(traffic_light([COHORT], domains=ROBINS_I, scale="robins-i"))
    assert cell_grid(root) == [[CRITICAL, HIGH, CONCERNS, LOW, NI, LOW, LOW, CRITICAL]]
    assert len(uses(root, "rob-cells-symbols-critical")) == 2
    # robvis ROBINS-I levels c("c", "s", "m", "l", "n").
    assert texts(root)[-6:] == ["Judgement", "Critical", "Serious", "Moderate", "Low", "No information"]


def test_a_domain_that_does_not_apply_is_a_plain_grey_dot():
    result = RobResult(
        "Cluster 2021", {"D1": "low", "D2": None, "D3": "low", "D4": "low", "D5": "low"}, "low"
    )
    root = parse(traffic_light([result], domains=ROB2))
    circles = uses(root, "rob-cells-circles")
    assert cell_grid(root) == [[LOW, NA, LOW, LOW, LOW, LOW]]
    assert len(uses(root, "rob-cells-symbols-low")) == 5  # no symbol on the grey dot
    grey = root.find(".//svg:g[@id='rob-cells-circles']", NS).findall(".//svg:use", NS)[1]
    assert grey.get("style") == f"fill: {NA}"  # no black rim
    assert len(circles) == 6 and texts(root)[-1] == "Not applicable"


def test_labels_are_text_as_typed_and_long_ones_are_shortened():
    odd = RobResult("Price $x$ & <Co> 2019", WILLIAMS.judgements, "high")
    long = RobResult("A very long study label " * 8, WILLIAMS.judgements, "high")
    words = texts(parse(traffic_light([odd, long], domains=ROB2)))
    assert "Price $x$ & <Co> 2019" in words
    shortened = [w for w in words if w.startswith("A very long")]
    assert len(shortened) == 1 and shortened[0].endswith("…") and len(shortened[0]) < len(long.label)


def test_traffic_light_of_200_results_grows_tall_enough_to_read():
    results = [RobResult(f"Study {i}", TIGER.judgements, "low") for i in range(200)]
    few = Image.open(io.BytesIO(traffic_light(results[:20], domains=ROB2, fmt="png")))
    many = Image.open(io.BytesIO(traffic_light(results, domains=ROB2, fmt="png")))
    # A quarter of an inch a row: 25 pixels at the default 100 dpi, for 8-point labels and 13.5-point circles.
    assert many.height - few.height == pytest.approx(180 * 25, abs=2)
    assert many.width == few.width
    assert sum(1 for w in texts(parse(traffic_light(results, domains=ROB2))) if w.startswith("Study ")) == 200


def test_the_same_data_gives_the_same_svg():
    assert traffic_light([WILLIAMS, TIGER], domains=ROB2) == traffic_light([WILLIAMS, TIGER], domains=ROB2)


def test_judgements_outside_the_scale_are_refused_with_the_result_named():
    bad = RobResult("Jelen 2021", {**TIGER.judgements, "D3": "moderate"}, "low")
    with pytest.raises(ValueError, match=r"Jelen 2021: “moderate” is not a RoB 2 judgement"):
        traffic_light([bad], domains=ROB2)
    with pytest.raises(ValueError, match="No judgement scale “quadas”"):
        traffic_light([TIGER], domains=ROB2, scale="quadas")
    with pytest.raises(ValueError, match="No palette"):
        traffic_light([TIGER], domains=ROB2, palette="neon")
    with pytest.raises(ValueError, match="No figure format"):
        traffic_light([TIGER], domains=ROB2, fmt="gif")


def bars(root: ET.Element) -> dict[str, tuple[float, float, float]]:
    """Each bar's id with its left and right x and its middle y, from the SVG path of its rectangle."""
    found = {}
    for group in root.iterfind(".//svg:g", NS):
        if group.get("id", "").startswith("bar-"):
            found[group.get("id")] = path_box(group.find("svg:path", NS).get("d"))
    return found


FOUR = [
    RobResult("A", {"D1": "low", "D2": "low", "D3": "low", "D4": "low", "D5": "low"}, "low", weight=5),
    RobResult(
        "B",
        {"D1": "low", "D2": "low", "D3": "low", "D4": "low", "D5": "some_concerns"},
        "some_concerns",
        weight=1,
    ),
    RobResult(
        "C", {"D1": "some_concerns", "D2": "low", "D3": "high", "D4": "low", "D5": "low"}, "high", weight=1
    ),
    RobResult(
        "D", {"D1": "high", "D2": "low", "D3": "no_information", "D4": "low", "D5": "low"}, "high", weight=1
    ),
]


def shares(found: dict[str, tuple[float, float, float]], key: str) -> dict[str, float]:
    mine = {
        bar_id.removeprefix(f"bar-{key}-"): (x0, x1)
        for bar_id, (x0, x1, _y) in found.items()
        if bar_id.startswith(f"bar-{key}-")
    }
    left, right = min(x0 for x0, _x1 in mine.values()), max(x1 for _x0, x1 in mine.values())
    return {value: round((x1 - x0) / (right - left), 4) for value, (x0, x1) in mine.items()}


def test_summary_shares_counted_by_hand():
    found = bars(parse(summary_plot(FOUR, domains=ROB2)))
    assert shares(found, "D1") == {"low": 0.5, "some_concerns": 0.25, "high": 0.25}
    assert shares(found, "D2") == {"low": 1.0}
    assert shares(found, "D3") == {"low": 0.5, "high": 0.25, "no_information": 0.25}
    assert shares(found, "overall") == {"low": 0.25, "some_concerns": 0.25, "high": 0.5}


def test_weighted_summary_counts_weights():
    found = bars(parse(summary_plot(FOUR, domains=ROB2, weighted=True)))
    # Weights 5, 1, 1, 1 of 8.
    assert shares(found, "D1") == {"low": 0.75, "some_concerns": 0.125, "high": 0.125}
    assert shares(found, "overall") == {"low": 0.625, "some_concerns": 0.125, "high": 0.25}
    with pytest.raises(ValueError, match="weight of 0 or more for every result; not for: A"):
        summary_plot([RobResult("A", FOUR[0].judgements, "low")], domains=ROB2, weighted=True)


def test_summary_stacks_low_from_the_left_d1_on_top_and_overall_last_in_bold():
    root = parse(summary_plot(FOUR, domains=ROB2, palette="colourblind"))
    found = bars(root)
    d1 = {bar_id: x0 for bar_id, (x0, _x1, _y) in found.items() if bar_id.startswith("bar-D1-")}
    assert sorted(d1, key=d1.get) == ["bar-D1-low", "bar-D1-some_concerns", "bar-D1-high"]
    middles = [found[f"bar-{key}-low"][2] for key in ("D1", "D2", "D3", "D4", "D5", "overall")]
    assert middles == sorted(middles)  # down the page
    labels = {t.text: t.get("style") for t in root.iterfind(".//svg:text", NS)}
    assert "font-weight: 700" in labels["Overall risk of bias"]
    assert "font-weight" not in labels["Bias arising from the randomization process"]
    legend = [w for w in texts(root) if w in ("Low risk", "Some concerns", "High risk", "No information")]
    assert legend == ["Low risk", "Some concerns", "High risk", "No information"]
    fills = {
        re.search(r"fill: (#[0-9a-f]{6})", g.find("svg:path", NS).get("style")).group(1)
        for g in root.iterfind(".//svg:g", NS)
        if g.get("id", "").startswith("bar-D1-")
    }
    assert fills == {BLIND["low"], BLIND["some_concerns"], BLIND["high"]}


def test_png_files_are_pictures():
    for data in (
        traffic_light([WILLIAMS], domains=ROB2, fmt="png"),
        summary_plot([WILLIAMS], domains=ROB2, fmt="png"),
    ):
        image = Image.open(io.BytesIO(data))
        assert image.format == "PNG" and image.width > 500


def robvis_reads(word: str) -> str:
    """robvis R/helpers.R clean_data(): the first letter of every word of two letters or more, lower case;
    "na" and "n" become "x" (not applicable); then the first letter."""
    initials = re.sub(r"\b([^\W\d_])[^\W\d_]+|.", lambda m: (m.group(1) or "").upper(), word).strip().lower()
    return "x" if initials in ("na", "n") else initials[:1]


def test_robvis_csv_for_rob2():
    assert robvis_csv([WILLIAMS, TIGER], tool="rob2").splitlines() == [
        "Study,D1,D2,D3,D4,D5,Overall,Weight",
        '"Williams 2018 (HAM-D, day 1)",Low,Some concerns,Low,High,No information,High,3',
        '"Tiger 2020 (MADRS, day 7)",Some concerns,Low,Low,Low,Low,Some concerns,1',
    ]
    # robvis reads our words as the judgements meant, and would read "NI" as not applicable.
    assert [
        robvis_reads(w) for w in ("Low", "Some concerns", "High", "No information", "Not applicable")
    ] == ["l", "s", "h", "n", "x"]
    assert robvis_reads("NI") == "x"


def test_robvis_csv_layouts_of_the_other_tools():
    cluster = RobResult(
        "Cluster 2021",
        {"D1": "low", "D1b": None, "D2": "low", "D3": "high", "D4": "low", "D5": "low"},
        "high",
        weight=2.5,
    )
    assert robvis_csv([cluster], tool="rob2-cluster").splitlines() == [
        "Study,D1,D1b,D2,D3,D4,D5,Overall",
        "Cluster 2021,Low,Not applicable,Low,High,Low,Low,High",
    ]
    assert (
        robvis_csv([cluster], tool="rob2-cluster", include_weight=True).splitlines()[1].endswith(",High,2.5")
    )
    crossover = RobResult(
        "Jelen 2021",
        {"D1": "low", "S": "some_concerns", "D2": "low", "D3": "low", "D4": "low", "D5": "low"},
        "some_concerns",
    )
    assert robvis_csv([crossover], tool="rob2-crossover").splitlines() == [
        "Study,D1,S,D2,D3,D4,D5,Overall,Weight",
        "Jelen 2021,Low,Some concerns,Low,Low,Low,Low,Some concerns,",
    ]
    assert robvis_csv([COHORT], tool="robins-i").splitlines() == [
        "Study,D1,D2,D3,D4,D5,D6,D7,Overall",
        "Cohort 2019,Critical,Serious,Moderate,Low,No information,Low,Low,Critical",
    ]
    assert [robvis_reads(w) for w in ("Critical", "Serious", "Moderate")] == ["c", "s", "m"]


def test_robvis_csv_refuses_what_robvis_could_not_read():
    with pytest.raises(ValueError, match="No robvis layout for the tool “quadas”"):
        robvis_csv([TIGER], tool="quadas")
    with pytest.raises(ValueError, match="Tiger 2020 .*“serious” is not a RoB 2 judgement"):
        robvis_csv([RobResult(TIGER.label, TIGER.judgements, "serious")], tool="rob2")


def test_no_results_still_draw():
    for fmt in ("svg", "png"):
        assert traffic_light([], domains=ROB2, fmt=fmt)
        assert summary_plot([], domains=ROB2, weighted=True, fmt=fmt)
