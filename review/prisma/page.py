"""The diagram as the PRISMA page shows it: an SVG document in a frame, whose links open in the page."""

from __future__ import annotations

import re

from review.prisma import PrismaCounts
from review.prisma.diagram import flow_diagram

_SIZE = re.compile(rb'<svg[^>]*?width="([\d.]+)pt" height="([\d.]+)pt"')
PX_PER_PT = 4 / 3


def diagram_for_page(counts: PrismaCounts) -> bytes:
    """The SVG with every link opening in the page around the frame, not inside it."""
    # matplotlib opens every link in a new window (target="_blank"); the SVG has no other target.
    return flow_diagram(counts, fmt="svg").replace(b'target="_blank"', b'target="_top"')


def diagram_size(counts: PrismaCounts) -> tuple[int, int]:
    """The diagram's width and height in CSS pixels, for its frame."""
    found = _SIZE.search(flow_diagram(counts, fmt="svg")[:2000])
    if found is None:
        return 800, 1000
    return tuple(round(float(v) * PX_PER_PT) for v in found.groups())
