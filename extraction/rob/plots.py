"""Risk-of-bias plots as robvis draws them (McGuinness & Higgins, Res Synth Methods 2021; mcguinlu/robvis,
`R/rob_traffic_light.R`, `R/rob_summary.R`, `R/helpers.R`), and the CSV robvis reads.

- Traffic light: one row per result, one column per domain and Overall; a coloured circle with a black
  rim and a symbol (+ Low, - Some concerns or Moderate, x High or Serious, ! Critical, ? No information)
  in each cell; grey strips for the domain and result names, the Overall column on a grey panel, the
  domains named in a caption and a "Judgement" legend of the judgements present, below on the right.
- Summary: one horizontal 100% bar per domain, D1 on top and "Overall risk of bias" last in bold, Low
  stacked from the left, the share of results (or of their weights) at each judgement, legend below.

Colours are robvis's `get_colour()`: its default ("cochrane") palette or its colour-blind one. A result
without a judgement in a domain is drawn as robvis draws "Not applicable": a plain grey dot."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache

from matplotlib.collections import LineCollection, PathCollection
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.patches import Patch, Rectangle
from matplotlib.path import Path
from matplotlib.textpath import TextPath
from matplotlib.transforms import Affine2D, IdentityTransform

from review.figures import FONT_FAMILY, page, render, text_width, write

NOT_APPLICABLE = None

PALETTES: dict[str, dict[str, str]] = {
    # robvis R/helpers.R get_colour(): colour = "cochrane" and colour = "colourblind".
    "default": {
        "low": "#02C100",
        "concerns": "#E2DF07",
        "high": "#BF0000",
        "critical": "#820000",
        "no_information": "#4EA1F7",
        "not_applicable": "#cccccc",
    },
    "colourblind": {
        "low": "#fed98e",
        "concerns": "#fe9929",
        "high": "#d95f0e",
        "critical": "#993404",
        "no_information": "#ffffff",
        "not_applicable": "#cccccc",
    },
}


@dataclass(frozen=True)
class Judgement:
    value: str  # as stored: "some_concerns"
    word: str  # as robvis reads it and as the traffic light's legend says it: "Some concerns"
    summary_label: str  # the summary plot's legend: "Some concerns", "High risk"
    symbol: str
    colour: str  # key in a palette


@dataclass(frozen=True)
class JudgementScale:
    """A tool's judgements from the least to the most risk, then "No information" (the summary plot's
    stacking order from the left)."""

    name: str
    judgements: tuple[Judgement, ...]

    def get(self, value: str | None) -> Judgement | None:
        if value is NOT_APPLICABLE:
            return None
        for judgement in self.judgements:
            if judgement.value == value:
                return judgement
        allowed = ", ".join(j.value for j in self.judgements)
        raise ValueError(f"“{value}” is not a {self.name} judgement (one of {allowed}, or none).")

    def legend_order(self) -> tuple[Judgement, ...]:
        # robvis lists the worst first in the traffic light's legend, then No information.
        graded = [j for j in self.judgements if j.value != "no_information"]
        return (*reversed(graded), *[j for j in self.judgements if j.value == "no_information"])


_LOW = Judgement("low", "Low", "Low risk", "+", "low")
_NO_INFORMATION = Judgement("no_information", "No information", "No information", "?", "no_information")
ROB2_SCALE = JudgementScale(
    "RoB 2",
    (
        _LOW,
        Judgement("some_concerns", "Some concerns", "Some concerns", "-", "concerns"),
        Judgement("high", "High", "High risk", "x", "high"),
        _NO_INFORMATION,
    ),
)
ROBINS_I_SCALE = JudgementScale(
    "ROBINS-I",
    (
        _LOW,
        Judgement("moderate", "Moderate", "Moderate risk", "-", "concerns"),
        Judgement("serious", "Serious", "Serious risk", "x", "high"),
        Judgement("critical", "Critical", "Critical risk", "!", "critical"),
        _NO_INFORMATION,
    ),
)
SCALES = {"rob2": ROB2_SCALE, "robins-i": ROBINS_I_SCALE}


@dataclass(frozen=True)
class RobResult:
    """One assessed result: its label (study, outcome, time point), the judgement per domain key (None, or
    no key, when the domain does not apply), the overall judgement and, for a weighted summary, its weight."""

    label: str
    judgements: Mapping[str, str | None]
    overall: str | None
    weight: float | None = None


Domains = Sequence[tuple[str, str]]  # (key, name): ("D1", "Bias arising from the randomization process")


def traffic_light(
    results: Sequence[RobResult],
    *,
    domains: Domains,
    scale: str = "rob2",
    palette: str = "default",
    fmt: str = "svg",
    dpi: float = 100,
) -> bytes:
    """The traffic-light plot as SVG or PNG bytes. Its height grows with the results (a quarter of an inch
    each), so 200 results stay legible; a PNG too tall for a picture gets a lower resolution."""
    judgements = _scale(scale)
    grid = _cells(results, domains=domains, scale=judgements)
    colours = _palette(palette)
    return render(
        lambda: _TrafficLight(grid, domains=domains, scale=judgements, colours=colours).figure(),
        fmt=fmt,
        dpi=dpi,
    )


def summary_plot(
    results: Sequence[RobResult],
    *,
    domains: Domains,
    scale: str = "rob2",
    palette: str = "default",
    weighted: bool = False,
    fmt: str = "svg",
    dpi: float = 150,
) -> bytes:
    """The summary bar chart as SVG or PNG bytes: per domain, the share of results (of their weights when
    `weighted`) at each judgement."""
    judgements = _scale(scale)
    grid = _cells(results, domains=domains, scale=judgements)
    if weighted:
        missing = [r.label for r in results if r.weight is None or not r.weight >= 0]
        if missing:
            raise ValueError(
                f"A weighted summary needs a weight of 0 or more for every result; not for: {', '.join(missing[:5])}."
            )
        weights = [float(r.weight) for r in results]
    else:
        weights = [1.0] * len(results)
    colours = _palette(palette)
    return render(
        lambda: _summary_figure(grid, weights, domains=domains, scale=judgements, colours=colours),
        fmt=fmt,
        dpi=dpi,
    )


# robvis's column layouts (BRIEF; robvis R/rob_traffic_light.R domain_names): the CSV column and the domain
# key it holds. robvis has no crossover template; its "Generic" tool reads any columns, named as here.
ROBVIS_LAYOUTS: dict[str, tuple[tuple[str, ...], str, bool]] = {
    # tool: (domain keys in column order, judgement scale, Weight column by default)
    "rob2": (("D1", "D2", "D3", "D4", "D5"), "rob2", True),
    "rob2-adherence": (("D1", "D2", "D3", "D4", "D5"), "rob2", True),
    "rob2-crossover": (("D1", "S", "D2", "D3", "D4", "D5"), "rob2", True),
    "rob2-cluster": (("D1", "D1b", "D2", "D3", "D4", "D5"), "rob2", False),
    "robins-i": (("D1", "D2", "D3", "D4", "D5", "D6", "D7"), "robins-i", False),
}


def robvis_csv(results: Sequence[RobResult], *, tool: str, include_weight: bool | None = None) -> str:
    """The CSV robvis reads by column position: Study, the tool's domains, Overall, then Weight (for RoB 2
    by default). Judgements are full words ("Some concerns"): robvis keeps the first letter of each word,
    so it drops single letters and reads "NI" as not applicable. A domain that does not apply is written
    "Not applicable". An empty weight suits `rob_summary(..., weighted = FALSE)`; `rob_traffic_light()`
    wants the file without its Weight column."""
    if tool not in ROBVIS_LAYOUTS:
        raise ValueError(f"No robvis layout for the tool “{tool}”; one of {', '.join(ROBVIS_LAYOUTS)}.")
    domain_keys, scale_name, weight_by_default = ROBVIS_LAYOUTS[tool]
    scale = SCALES[scale_name]
    with_weight = weight_by_default if include_weight is None else include_weight
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["Study", *domain_keys, "Overall", *(["Weight"] if with_weight else [])])
    for result in results:
        row = [result.label]
        row += [_robvis_word(scale, result.judgements.get(key), result.label) for key in domain_keys]
        row.append(_robvis_word(scale, result.overall, result.label))
        if with_weight:
            row.append("" if result.weight is None else _number(result.weight))
        writer.writerow(row)
    return out.getvalue()


def _robvis_word(scale: JudgementScale, value: str | None, label: str) -> str:
    try:
        judgement = scale.get(value)
    except ValueError as error:
        raise ValueError(f"{label}: {error}") from None
    return "Not applicable" if judgement is None else judgement.word


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _scale(name: str) -> JudgementScale:
    if name not in SCALES:
        raise ValueError(f"No judgement scale “{name}”; choose {' or '.join(SCALES)}.")
    return SCALES[name]


def _palette(name: str) -> dict[str, str]:
    if name not in PALETTES:
        raise ValueError(f"No palette “{name}”; choose {' or '.join(PALETTES)}.")
    return PALETTES[name]


@dataclass(frozen=True)
class _Cells:
    labels: list[str]
    columns: list[list[Judgement | None]]  # one list per domain, then Overall, each with one cell per result


def _cells(results: Sequence[RobResult], *, domains: Domains, scale: JudgementScale) -> _Cells:
    """Every judgement checked against the scale once, so a bad value is named with its result."""
    columns: list[list[Judgement | None]] = [[] for _ in range(len(domains) + 1)]
    for result in results:
        values = [result.judgements.get(key) for key, _name in domains] + [result.overall]
        for column, value in zip(columns, values, strict=True):
            try:
                column.append(scale.get(value))
            except ValueError as error:
                raise ValueError(f"{result.label}: {error}") from None
    return _Cells(labels=[r.label for r in results], columns=columns)


# Traffic light ----------------------------------------------------------------------------------------
# Sizes in inches unless named _PT (points). robvis uses 0.4 in a row at psize 10; a quarter of an inch
# keeps 200 results within 52 inches and still reads at 8 points.
_ROW = 0.25
_COLUMN = 0.55
_CIRCLE_PT = 13.5
_SYMBOL_PT = 12.0
_LABEL_PT = 8.0
_TEXT_PT = 9.0
_MARGIN = 0.12
_TITLE = 0.32  # "Risk of bias domains"
_STRIP = 0.26  # the grey strip naming the columns
_Y_TITLE = 0.3  # "Study", turned
_MAX_LABEL = 3.5
_LEGEND_LINE = 0.24
_CAPTION_LINE = 0.17
_MIN_WIDTH = 6.5
_STRIP_GREY = "#a9a9a9"  # robvis strip.background
_OVERALL_GREY = "#d3d3d3"  # robvis: the Overall column's panel
_BORDER_GREY = "#bebebe"  # ggplot2's "grey" panel border
_STRIP_EDGE = "#333333"  # theme_bw strip border (grey20)


# robvis draws the characters + - x ! ?; a hyphen is hard to see at this size, the minus sign is not.
_GLYPHS = {"-": "\N{MINUS SIGN}"}


@cache
def _symbol_path(symbol: str) -> Path:
    """The symbol as a path one unit (one em) high, centred on its own box, so it sits in the circle."""
    glyph = TextPath(
        (0, 0), _GLYPHS.get(symbol, symbol), size=1, prop=FontProperties(family=FONT_FAMILY, weight="bold")
    )
    box = glyph.get_extents()
    return glyph.transformed(Affine2D().translate(-(box.x0 + box.x1) / 2, -(box.y0 + box.y1) / 2))


class _TrafficLight:
    def __init__(self, cells: _Cells, *, domains: Domains, scale: JudgementScale, colours: dict[str, str]):
        self.cells = cells
        self.domains = domains
        self.scale = scale
        self.colours = colours
        self.headers = [key for key, _name in domains] + ["Overall"]
        self.label_width = min(
            max((text_width(label, size=_LABEL_PT) for label in cells.labels), default=0) / 72 + 0.2,
            _MAX_LABEL,
        )
        self.grid_left = _MARGIN + _Y_TITLE + self.label_width
        self.grid_top = _MARGIN + _TITLE + _STRIP
        present = {judgement for column in cells.columns for judgement in column}
        self.legend: list[Judgement | None] = [j for j in scale.legend_order() if j in present]
        if None in present:
            self.legend.append(None)
        legend_width = (
            max(text_width(self._legend_text(j), size=_TEXT_PT) for j in self.legend) / 72 + 0.55
            if self.legend
            else 0
        )
        self.width = max(self.grid_left + len(self.headers) * _COLUMN + _MARGIN, _MIN_WIDTH)
        # The domain columns share the width left over, as robvis's facets do.
        self.column = (self.width - self.grid_left - _MARGIN) / len(self.headers)
        self.legend_left = self.width - _MARGIN - legend_width
        self.caption = self._caption(self.legend_left - _MARGIN - 0.2)
        rows = len(cells.labels)
        below = max(len(self.caption) * _CAPTION_LINE, (len(self.legend) + 1) * _LEGEND_LINE)
        self.height = self.grid_top + rows * _ROW + 0.2 + below + 2 * _MARGIN

    def _legend_text(self, judgement: Judgement | None) -> str:
        return "Not applicable" if judgement is None else judgement.word

    def _caption(self, width: float) -> list[str]:
        lines = ["Domains:"]
        for key, name in self.domains:
            lines += _wrap(f"{key}: {name}.", width=width, size=_TEXT_PT, indent="      ")
        return lines

    def figure(self) -> Figure:
        figure, ax = page(self.width, self.height)
        self._grid(ax)
        self._lights(
            ax,
            self.cells.columns,
            top=self.grid_top,
            centre=self.grid_left + self.column / 2,
            gid="rob-cells",
        )
        self._below(ax)
        return figure

    def _grid(self, ax) -> None:
        rows = len(self.cells.labels)
        left, top = self.grid_left, self.grid_top
        right, bottom = left + len(self.headers) * self.column, top + rows * _ROW
        overall_left = right - self.column
        write(
            ax,
            (left + right) / 2,
            _MARGIN + _TITLE / 2,
            "Risk of bias domains",
            ha="center",
            va="center",
            fontsize=_TEXT_PT + 1,
        )
        write(
            ax,
            _MARGIN + _Y_TITLE / 2,
            (top + bottom) / 2,
            "Study",
            ha="center",
            va="center",
            rotation=90,
            fontsize=_TEXT_PT + 1,
        )
        strip_left = left - self.label_width
        for x, width, y, height, fill in (
            (left, overall_left - left, top, rows * _ROW, "white"),
            (overall_left, self.column, top, rows * _ROW, _OVERALL_GREY),
            (left, right - left, top - _STRIP, _STRIP, _STRIP_GREY),
            (strip_left, self.label_width, top, rows * _ROW, _STRIP_GREY),
        ):
            ax.add_patch(Rectangle((x, y), width, height, facecolor=fill, edgecolor="none"))
        panel_lines = [
            [(x, top), (x, bottom)] for x in (left + i * self.column for i in range(len(self.headers) + 1))
        ]
        panel_lines += [[(left, y), (right, y)] for y in (top + i * _ROW for i in range(rows + 1))]
        ax.add_collection(LineCollection(panel_lines, colors=_BORDER_GREY, linewidths=0.6), autolim=False)
        strip_lines = [
            [(x, top - _STRIP), (x, top)]
            for x in (left + i * self.column for i in range(len(self.headers) + 1))
        ]
        strip_lines += [[(left, top - _STRIP), (right, top - _STRIP)]]
        strip_lines += [[(strip_left, y), (left, y)] for y in (top + i * _ROW for i in range(rows + 1))]
        strip_lines += [[(strip_left, top), (strip_left, bottom)]]
        ax.add_collection(LineCollection(strip_lines, colors=_STRIP_EDGE, linewidths=0.5), autolim=False)
        for i, header in enumerate(self.headers):
            write(
                ax,
                left + (i + 0.5) * self.column,
                top - _STRIP / 2,
                header,
                ha="center",
                va="center",
                fontsize=_TEXT_PT,
            )
        max_points = (self.label_width - 0.12) * 72
        for i, label in enumerate(self.cells.labels):
            write(
                ax,
                strip_left + self.label_width / 2,
                top + (i + 0.5) * _ROW,
                _fit(label, max_points, _LABEL_PT),
                ha="center",
                va="center",
                fontsize=_LABEL_PT,
            )

    def _lights(
        self,
        ax,
        columns: Sequence[Sequence[Judgement | None]],
        *,
        top: float,
        centre: float,
        gid: str,
        pitch: float = _ROW,
    ) -> None:
        """One circle per cell, column by column, then the symbols in one collection per judgement (drawn
        once, placed many times in the SVG). Ids: `<gid>-circles`, `<gid>-symbols-<judgement>`."""
        xs, ys, fills, rims = [], [], [], []
        by_symbol: dict[tuple[str, str], list[tuple[float, float]]] = {}
        for c, column in enumerate(columns):
            x = centre + c * self.column
            for r, judgement in enumerate(column):
                y = top + (r + 0.5) * pitch
                xs.append(x)
                ys.append(y)
                fills.append(self.colours["not_applicable" if judgement is None else judgement.colour])
                rims.append("none" if judgement is None else "black")
                if judgement is not None:
                    by_symbol.setdefault((judgement.symbol, judgement.value), []).append((x, y))
        if xs:
            ax.scatter(
                xs,
                ys,
                s=_CIRCLE_PT**2,
                c=fills,
                edgecolors=rims,
                linewidths=0.7,
                zorder=3,
                gid=f"{gid}-circles",
            )
        for (symbol, value), offsets in by_symbol.items():
            symbols = PathCollection(
                (_symbol_path(symbol),),
                sizes=[_SYMBOL_PT**2],
                offsets=offsets,
                offset_transform=ax.transData,
                facecolors="black",
                edgecolors="none",
                zorder=4,
            )
            symbols.set_transform(IdentityTransform())
            symbols.set_gid(f"{gid}-symbols-{value}")
            ax.add_collection(symbols, autolim=False)

    def _below(self, ax) -> None:
        top = self.grid_top + len(self.cells.labels) * _ROW + 0.2
        for i, line in enumerate(self.caption):
            write(
                ax,
                _MARGIN + 0.1,
                top + (i + 0.5) * _CAPTION_LINE,
                line,
                ha="left",
                va="center",
                fontsize=_TEXT_PT,
            )
        if not self.legend:
            return
        write(
            ax,
            self.legend_left,
            top + _LEGEND_LINE / 2,
            "Judgement",
            ha="left",
            va="center",
            fontsize=_TEXT_PT,
        )
        # The legend's lights: one column of cells under the title, each beside its word.
        self._lights(
            ax,
            [self.legend],
            top=top + _LEGEND_LINE,
            centre=self.legend_left + 0.12,
            gid="rob-legend",
            pitch=_LEGEND_LINE,
        )
        for i, judgement in enumerate(self.legend):
            write(
                ax,
                self.legend_left + 0.32,
                top + (i + 1.5) * _LEGEND_LINE,
                self._legend_text(judgement),
                ha="left",
                va="center",
                fontsize=_TEXT_PT,
            )


def _wrap(text: str, *, width: float, size: float, indent: str = "") -> list[str]:
    """`text` in lines no wider than `width` inches, breaking between words."""
    lines: list[str] = []
    for word in text.split():
        candidate = f"{lines[-1]} {word}" if lines else word
        if lines and text_width(candidate, size=size) / 72 <= width:
            lines[-1] = candidate
        else:
            lines.append(f"{indent}{word}" if lines else word)
    return lines


def _fit(text: str, max_points: float, size: float) -> str:
    """`text`, shortened with an ellipsis when wider than `max_points`."""
    if text_width(text, size=size) <= max_points:
        return text
    low, high = 0, len(text)
    while low < high:  # the longest prefix that fits with the ellipsis
        middle = (low + high + 1) // 2
        if text_width(text[:middle].rstrip() + "…", size=size) <= max_points:
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip() + "…"


# Summary ----------------------------------------------------------------------------------------------
_BAR_PITCH = 0.34
_SUMMARY_WIDTH = 8.0


def _summary_figure(
    cells: _Cells,
    weights: Sequence[float],
    *,
    domains: Domains,
    scale: JudgementScale,
    colours: dict[str, str],
) -> Figure:
    names = [name for _key, name in domains] + ["Overall risk of bias"]
    keys = [key for key, _name in domains] + ["overall"]
    label_width = max(text_width(name, size=10, weight="bold") for name in names) / 72 + 0.25
    below = 0.72  # the percentages, then the legend
    height = 0.15 + len(names) * _BAR_PITCH + below
    figure = Figure(figsize=(_SUMMARY_WIDTH, height))
    ax = figure.add_axes(
        (
            label_width / _SUMMARY_WIDTH,
            below / height,
            1 - (label_width + 0.35) / _SUMMARY_WIDTH,
            len(names) * _BAR_PITCH / height,
        )
    )
    # Stacked from the left in the scale's order; Not applicable last, as robvis's factor levels put it.
    stack: list[Judgement | None] = [*scale.judgements, None]
    shares = [_shares(column, weights, stack) for column in cells.columns]
    positions = list(range(len(names) - 1, -1, -1))  # D1 on top, Overall at the bottom
    present = set()
    lefts = [0.0] * len(names)
    for level, judgement in enumerate(stack):
        widths = [share[level] for share in shares]
        drawn = [i for i, width in enumerate(widths) if width > 0]
        if drawn:
            present.add(level)
            colour = colours["not_applicable" if judgement is None else judgement.colour]
            bars = ax.barh(
                [positions[i] for i in drawn],
                [widths[i] for i in drawn],
                left=[lefts[i] for i in drawn],
                height=0.7,
                color=colour,
                edgecolor="black",
                linewidth=0.5,
            )
            for bar, i in zip(bars, drawn, strict=True):
                bar.set_gid(f"bar-{keys[i]}-{'not_applicable' if judgement is None else judgement.value}")
        lefts = [a + b for a, b in zip(lefts, widths, strict=True)]
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.5, len(names) - 0.5)
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1], ["0%", "25%", "50%", "75%", "100%"])
    ax.set_yticks(positions, names)
    ax.tick_params(axis="y", length=0, labelsize=10)
    ax.tick_params(axis="x", labelsize=9)
    ax.get_yticklabels()[-1].set_fontweight("bold")
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.spines["bottom"].set_linewidth(0.8)
    handles = [
        Patch(
            facecolor=colours["not_applicable" if j is None else j.colour],
            edgecolor="black",
            linewidth=0.5,
            label="Not applicable" if j is None else j.summary_label,
        )
        for level, j in enumerate(stack)
        if level in present
    ]
    if handles:
        legend = figure.legend(
            handles=handles,
            loc="lower center",
            bbox_to_anchor=(0.5, 0.04 / height),
            ncol=len(handles),
            fontsize=8,
            frameon=True,
            fancybox=False,
            edgecolor="black",
            handlelength=1.2,
            columnspacing=1.6,
        )
        legend.get_frame().set_linewidth(0.6)
    return figure


def _shares(
    column: Sequence[Judgement | None], weights: Sequence[float], stack: Sequence[Judgement | None]
) -> list[float]:
    totals = [0.0] * len(stack)
    index = {judgement: i for i, judgement in enumerate(stack)}
    for judgement, weight in zip(column, weights, strict=True):
        totals[index[judgement]] += weight
    whole = math.fsum(totals)
    return [t / whole if whole else 0.0 for t in totals]
