"""Matplotlib figures as SVG or PNG bytes, for the PRISMA diagram and the risk-of-bias plots.

No pyplot: a `Figure` is made, drawn and dropped, so nothing lingers between requests. The few settings
that only exist as rcParams (how SVG writes text, the seed of its element ids) are process-wide, so building
and saving a figure happen under one lock; matplotlib is not thread-safe in any case."""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache, lru_cache

import matplotlib
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, findfont, get_font
from matplotlib.ft2font import LoadFlags
from matplotlib.text import Text

FONT_FAMILY = "DejaVu Sans"  # ships with matplotlib, so a PNG looks the same on every server
FORMATS = ("svg", "png")
MAX_PNG_PIXELS = 60_000  # Agg draws at most 2**16 pixels a side

# SVG text stays text (searchable, selectable, readable by a screen reader; links on numbers), and the ids
# matplotlib gives elements are the same from one run to the next.
# A browser without DejaVu Sans falls back to a narrower sans-serif, so text still fits its box.
_SETTINGS = {
    "svg.fonttype": "none",
    "svg.hashsalt": "concord",
    "font.family": ["sans-serif"],
    "font.sans-serif": [FONT_FAMILY, "Arial", "Helvetica", "Liberation Sans"],
    # FreeType's auto-hinter costs a third of the time of drawing a label, for nothing visible at 100 dpi
    # and more; unhinted glyphs also keep the widths text_width() measures.
    "text.hinting": "none",
}
_LOCK = threading.RLock()


@contextmanager
def figure_settings() -> Iterator[None]:
    with _LOCK, matplotlib.rc_context(_SETTINGS):
        yield


def render(build: Callable[[], Figure], *, fmt: str, dpi: float = 150) -> bytes:
    """Build a figure with `build()` and save it as `fmt` ("svg" or "png", at `dpi`; lower when the
    picture would be too large for Agg, as a very tall traffic-light plot would)."""
    if fmt not in FORMATS:
        raise ValueError(f"No figure format “{fmt}”; choose SVG or PNG.")
    out = io.BytesIO()
    with figure_settings():
        figure = build()
        dpi = min(dpi, MAX_PNG_PIXELS / max(figure.get_size_inches()))
        # No creation date in the file, so the same data gives the same bytes.
        if fmt == "svg":
            figure.savefig(out, format="svg", metadata={"Date": None})
        else:
            # zlib level 3 writes a tall plot about as small as the default 6, in a third less time.
            figure.savefig(
                out, format="png", dpi=dpi, metadata={"Software": None}, pil_kwargs={"compress_level": 3}
            )
    return out.getvalue()


def page(width: float, height: float) -> tuple[Figure, Axes]:
    """A figure of `width` × `height` inches whose one axes, without ticks or frame, measures inches from
    the top left corner, as a page does: what the diagrams lay out by hand is placed straight in it."""
    figure = Figure(figsize=(width, height))
    ax = figure.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(height, 0)
    ax.set_axis_off()
    return figure, ax


def write(ax: Axes, x: float, y: float, text: str, **style) -> Text:
    """Text on a figure, taken as typed: a "$" in a study's or a source's name never starts mathematics."""
    return ax.text(x, y, text, parse_math=False, **style)


@lru_cache(maxsize=4096)
def text_width(text: str, *, size: float, weight: str = "normal") -> float:
    """Width in points of one line of `text` in the figures' font (for wrapping and sizing boxes), measured
    as matplotlib's own text layout does. Call it while building a figure (under the lock): a font object
    is not thread-safe."""
    font = get_font(findfont(_font_properties(weight)))
    font.set_size(size, 72)
    font.set_text(text, 0.0, flags=LoadFlags.NO_HINTING)
    width, _height = font.get_width_height()
    return width / 64  # FreeType measures in 64ths of a pixel


@cache
def _font_properties(weight: str) -> FontProperties:
    return FontProperties(family=FONT_FAMILY, weight=weight)
