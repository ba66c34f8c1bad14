"""The PRISMA 2020 flow diagram for new systematic reviews with databases, registers and other sources
(Page et al., BMJ 2021;372:n71, figure 1; the template at prisma-statement.org), drawn with matplotlib to
SVG (every number a link, when the counts give one) and to PNG at print resolution.

Layout, as the template: a yellow title over the "databases and registers" column and a grey one over the
"other methods" column (drawn when any of its numbers is not zero, or when asked); in each column a main
box per stage with what leaves the flow in a box to its right; the Identification, Screening and Included
labels in blue down the left side. Records from other methods go straight to "Reports sought for
retrieval", as the template shows. What a review in progress has not decided yet ("awaiting") sits in a
dashed box under the box of what left the flow, both beside the stage they come from.

Every element that holds a number has an id, so the page and the tests can find it: `box-<identifier>` for
a box, `n-<identifier>` for the line with that number, `n-<identifier>-<i>` for the i-th line of a
breakdown (per database, per register, per reason)."""

from __future__ import annotations

from dataclasses import dataclass, field

from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

from review.figures import page, render, text_width, write
from review.prisma import BREAKDOWNS, PrismaCounts

# Sizes in inches unless named _PT. The package's boxes are 3.5 inches wide at 7 points; 2.9 at 9 reads
# better on a page and on paper.
_BOX = 2.9
_PAD = 0.09
_TEXT_PT = 9.0
_LINE = 0.165
_INDENT = 0.16
_ARROW_GAP = 0.42  # between a main box and the box to its right
_COLUMN_GAP = 0.38  # between the two columns
_ROW_GAP = 0.34
_SIDE = 0.34  # the blue labels' width
_SIDE_GAP = 0.16
_MARGIN = 0.15
_TITLE = 0.42
_STACK_GAP = 0.12
_YELLOW = "#FFC125"  # Goldenrod1, the package's title_colour
_GREY = "#DCDCDC"  # Gainsboro, its greybox_colour
_BLUE = "#BCD2EE"  # LightSteelBlue2, its side boxes
_AWAITING_FILL = "#F7F7F7"


@dataclass
class _Line:
    text: str
    number: int | None = None  # shown as " (n = 1,234)" after the text
    gid: str | None = None
    url: str | None = None
    indent: int = 0


@dataclass
class _Box:
    gid: str
    lines: list[_Line]
    fill: str = "white"
    dashed: bool = False
    centred: bool = False
    # Set by the layout: top-left corner and size.
    x: float = 0.0
    y: float = 0.0
    width: float = _BOX
    height: float = 0.0
    wrapped: list[tuple[_Line, str, bool]] = field(default_factory=list)  # line, text, holds the number

    def wrap(self) -> None:
        """Lines no wider than the box; " (n = …)" never splits and only its piece carries the link."""
        self.wrapped = []
        for line in self.lines:
            room = (self.width - 2 * _PAD - line.indent * _INDENT) * 72
            words = line.text.split()
            if line.number is not None:
                words.append(f"(n = {line.number:,})")
            pieces: list[str] = []
            for word in words:
                if pieces and text_width(f"{pieces[-1]} {word}", size=_TEXT_PT) <= room:
                    pieces[-1] = f"{pieces[-1]} {word}"
                else:
                    pieces.append(word)
            for i, piece in enumerate(pieces or [""]):
                self.wrapped.append((line, piece, line.number is not None and i == len(pieces) - 1))
        self.height = len(self.wrapped) * _LINE + 2 * _PAD

    def draw(self, ax) -> None:
        patch = FancyBboxPatch(
            (self.x, self.y),
            self.width,
            self.height,
            boxstyle="square,pad=0",
            facecolor=self.fill,
            edgecolor="black",
            linewidth=0.9,
            linestyle=(0, (4, 2)) if self.dashed else "solid",
            zorder=2,
        )
        patch.set_gid(f"box-{self.gid}")
        ax.add_patch(patch)
        # A box made taller than its text (to match the boxes beside it) keeps the text in its middle.
        first = self.middle - len(self.wrapped) * _LINE / 2
        for i, (line, text, holds_number) in enumerate(self.wrapped):
            x = self.x + self.width / 2 if self.centred else self.x + _PAD + line.indent * _INDENT
            label = write(
                ax,
                x,
                first + (i + 0.5) * _LINE,
                text,
                ha="center" if self.centred else "left",
                va="center_baseline",
                fontsize=_TEXT_PT,
                fontstyle="italic" if self.dashed else "normal",
                zorder=3,
            )
            if holds_number:
                label.set_gid(line.gid)
                label.set_url(line.url)

    @property
    def middle(self) -> float:
        return self.y + self.height / 2


def flow_diagram(
    counts: PrismaCounts, *, fmt: str = "svg", other_methods: bool | None = None, dpi: float = 300
) -> bytes:
    """The diagram as SVG or PNG bytes (PNG at `dpi`, 300 for print). The "other methods" column is drawn
    when `other_methods` is True, or when it is None and any of its numbers is not zero."""
    with_other = counts.has_other_methods if other_methods is None else other_methods
    return render(lambda: _Diagram(counts, with_other=with_other).figure(), fmt=fmt, dpi=dpi)


def _number(counts: PrismaCounts, identifier: str, text: str, indent: int = 0) -> _Line:
    return _Line(text, getattr(counts, identifier), f"n-{identifier}", counts.url_for(identifier), indent)


def _breakdown(counts: PrismaCounts, identifier: str, indent: int) -> list[_Line]:
    return [
        _Line(label or "Not specified", n, f"n-{identifier}-{i}", counts.url_for(identifier, label), indent)
        for i, (label, n) in enumerate(getattr(counts, identifier).items())
    ]


def _listing(gid: str, heading: str | None, *lines: _Line, fill: str = "white") -> _Box:
    return _Box(gid, [*([_Line(heading)] if heading else []), *lines], fill=fill)


def _identified(counts: PrismaCounts, *sources: tuple[str, str, str | None], fill: str = "white") -> _Box:
    """A column's first box, "Records identified from:", a line per source `(identifier, words, the
    identifier of its per-database or per-register breakdown or None)`; the box takes the first one's id."""
    lines = []
    for identifier, words, breakdown in sources:
        lines.append(_number(counts, identifier, words, 1))
        if breakdown:
            lines += _breakdown(counts, breakdown, 2)
    return _listing(sources[0][0], "Records identified from:", *lines, fill=fill)


_STAGE_WORDS = {
    # stage: the main box's words, then those of the box for what left the flow
    "screening": ("Records screened", "Records excluded"),
    "retrieval": ("Reports sought for retrieval", "Reports not retrieved"),
    "assessment": ("Reports assessed for eligibility", "Reports excluded:"),
}


def _stage(counts: PrismaCounts, main: str, left: str, waiting: str, stage: str, fill: str = "white"):
    """A stage of screening: its box, the box of what left the flow (with a line per reason after
    assessment) and, when some are still waiting, the box saying how many."""
    main_words, left_words = _STAGE_WORDS[stage]
    if left in BREAKDOWNS and getattr(counts, left):
        gone = _listing(left, left_words, *_breakdown(counts, left, 1), fill=fill)
    elif left in BREAKDOWNS:  # no reasons: no report excluded
        gone = _Box(
            left,
            [_Line(left_words.rstrip(":"), 0, f"n-{left}", counts.url_for(left))],
            fill=fill,
            centred=True,
        )
    else:
        gone = _Box(left, [_number(counts, left, left_words)], fill=fill, centred=True)
    beside = [gone]
    if getattr(counts, waiting):
        beside.append(
            _Box(
                waiting,
                [_number(counts, waiting, f"Awaiting {stage}")],
                fill=_AWAITING_FILL,
                dashed=True,
                centred=True,
            )
        )
    return _Box(main, [_number(counts, main, main_words)], fill=fill, centred=True), beside


class _Diagram:
    def __init__(self, counts: PrismaCounts, *, with_other: bool):
        self.counts = counts
        self.with_other = with_other
        c = counts
        # Each stage: its main box, and the boxes beside it (what left the flow, then what awaits).
        identified = _identified(
            c,
            ("database_results", "Databases", "database_specific_results"),
            ("register_results", "Registers", "register_specific_results"),
        )
        removed = _listing(
            "duplicates",
            "Records removed before screening:",
            _number(c, "duplicates", "Duplicate records removed", 1),
            _number(c, "excluded_automatic", "Records marked as ineligible by automation tools", 1),
            _number(c, "excluded_other", "Records removed for other reasons", 1),
        )
        self.db = [
            (identified, [removed]),
            _stage(c, "records_screened", "records_excluded", "records_awaiting_screening", "screening"),
            _stage(
                c, "dbr_sought_reports", "dbr_notretrieved_reports", "reports_awaiting_retrieval", "retrieval"
            ),
            _stage(c, "dbr_assessed", "dbr_excluded", "reports_awaiting_assessment", "assessment"),
        ]
        self.included = _listing(
            "new_studies",
            None,
            _number(c, "new_studies", "Studies included in review"),
            _number(c, "new_reports", "Reports of included studies"),
        )
        # Other methods have no screening of records: their row is empty there.
        other_identified = _identified(
            c,
            ("website_results", "Websites", None),
            ("organisation_results", "Organisations", None),
            ("citations_results", "Citation searching", None),
            fill=_GREY,
        )
        self.other = [
            (other_identified, []),
            None,
            _stage(
                c,
                "other_sought_reports",
                "other_notretrieved_reports",
                "other_reports_awaiting_retrieval",
                "retrieval",
                _GREY,
            ),
            _stage(
                c,
                "other_assessed",
                "other_excluded",
                "other_reports_awaiting_assessment",
                "assessment",
                _GREY,
            ),
        ]
        self._layout()

    def _columns(self):
        yield self.db, _MARGIN + _SIDE + _SIDE_GAP
        if self.with_other:
            yield self.other, _MARGIN + _SIDE + _SIDE_GAP + 2 * _BOX + _ARROW_GAP + _COLUMN_GAP

    def _layout(self) -> None:
        """Rows as tall as their tallest stage; in a stage, the main box at least as tall as the boxes
        beside it when there are two (so both arrows leave from its side), all centred on the row."""
        self.width = (
            _MARGIN
            + _SIDE
            + _SIDE_GAP
            + (2 if self.with_other else 1) * (2 * _BOX + _ARROW_GAP)
            + (_COLUMN_GAP if self.with_other else 0)
            + _MARGIN
        )
        for column, _left in self._columns():
            for stage in column:
                if stage:
                    main, beside = stage
                    for box in (main, *beside):
                        box.wrap()
                    if len(beside) > 1:
                        main.height = max(main.height, _stack_height(beside))
        self.included.wrap()
        # Tall enough for its side label, written upwards.
        self.included.height = max(
            self.included.height, text_width("Included", size=_TEXT_PT + 1, weight="bold") / 72 + 0.24
        )
        self.title_top = _MARGIN
        top = _MARGIN + _TITLE + _ROW_GAP * 0.7
        self.rows: list[tuple[float, float]] = []
        for i in range(len(self.db)):
            stages = [column[i] for column, _left in self._columns() if column[i]]
            height = max(max(main.height, _stack_height(beside)) for main, beside in stages)
            for column, left in self._columns():
                if column[i]:
                    _place(column[i], left=left, top=top, height=height)
            self.rows.append((top, height))
            top += height + _ROW_GAP
        db_left = _MARGIN + _SIDE + _SIDE_GAP
        self.included.x, self.included.y = db_left, top
        self.rows.append((top, self.included.height))
        self.height = top + self.included.height + _MARGIN

    def figure(self) -> Figure:
        figure, ax = page(self.width, self.height)
        self._titles(ax)
        for column, _left in self._columns():
            previous = None
            for stage in column:
                if not stage:
                    continue
                main, beside = stage
                for box in (main, *beside):
                    box.draw(ax)
                for box in beside:
                    _arrow(ax, (main.x + main.width, box.middle), (box.x, box.middle), dashed=box.dashed)
                if previous:
                    _arrow(
                        ax,
                        (previous.x + previous.width / 2, previous.y + previous.height),
                        (main.x + main.width / 2, main.y),
                    )
                previous = main
        self.included.draw(ax)
        assessed = self.db[-1][0]
        _arrow(
            ax,
            (assessed.x + assessed.width / 2, assessed.y + assessed.height),
            (self.included.x + self.included.width / 2, self.included.y),
        )
        if self.with_other:
            # Down from the other methods' assessed reports, then left into the included studies.
            other = self.other[-1][0]
            x = other.x + other.width / 2
            ax.plot(
                [x, x],
                [other.y + other.height, self.included.middle],
                color="black",
                linewidth=0.9,
                solid_capstyle="butt",
            )
            _arrow(
                ax, (x, self.included.middle), (self.included.x + self.included.width, self.included.middle)
            )
        return figure

    def _titles(self, ax) -> None:
        titles = [("Identification of studies via databases and registers", _YELLOW)]
        if self.with_other:
            titles.append(("Identification of studies via other methods", _GREY))
        for (_column, left), (title, fill) in zip(self._columns(), titles, strict=True):
            _rounded(ax, left, self.title_top, 2 * _BOX + _ARROW_GAP, _TITLE, fill)
            write(
                ax,
                left + _BOX + _ARROW_GAP / 2,
                self.title_top + _TITLE / 2,
                title,
                ha="center",
                va="center_baseline",
                fontsize=_TEXT_PT + 1,
                fontweight="bold",
            )
        (identification_top, identification_height), *screening, (included_top, included_height) = self.rows
        screening_top = screening[0][0]
        screening_height = screening[-1][0] + screening[-1][1] - screening_top
        for label, top, height in (
            ("Identification", identification_top, identification_height),
            ("Screening", screening_top, screening_height),
            ("Included", included_top, included_height),
        ):
            _rounded(ax, _MARGIN, top, _SIDE, height, _BLUE)
            write(
                ax,
                _MARGIN + _SIDE / 2,
                top + height / 2,
                label,
                ha="center",
                va="center",
                rotation=90,
                fontsize=_TEXT_PT + 1,
                fontweight="bold",
            )


def _stack_height(boxes: list[_Box]) -> float:
    return sum(box.height for box in boxes) + _STACK_GAP * max(len(boxes) - 1, 0)


def _place(stage: tuple[_Box, list[_Box]], *, left: float, top: float, height: float) -> None:
    main, beside = stage
    middle = top + height / 2
    main.x, main.y = left, middle - main.height / 2
    y = middle - _stack_height(beside) / 2
    for box in beside:
        box.x, box.y = left + _BOX + _ARROW_GAP, y
        y += box.height + _STACK_GAP


def _rounded(ax, x: float, y: float, width: float, height: float, fill: str) -> None:
    ax.add_patch(
        FancyBboxPatch(
            (x, y),
            width,
            height,
            boxstyle="round,pad=0,rounding_size=0.08",
            facecolor=fill,
            edgecolor="none",
            zorder=1,
        )
    )


def _arrow(ax, start: tuple[float, float], end: tuple[float, float], *, dashed: bool = False) -> None:
    ax.annotate(
        "",
        xy=end,
        xytext=start,
        arrowprops={
            "arrowstyle": "-|>",
            "color": "black",
            "linewidth": 0.9,
            "linestyle": (0, (4, 2)) if dashed else "solid",
            "shrinkA": 0,
            "shrinkB": 0,
            "mutation_scale": 11,
        },
        zorder=1,
    )
