"""Where the review screen's panes go for a terminal size: the diff first, always.

Pure: the screen asks `arrange()` on every resize and key that changes the layout, and applies
the answer (CSS classes and sizes). Three arrangements by width:

- wide: series and sites | diff | discussion, when all three fit at their useful widths;
- split: diff | discussion, the series shrunk to a one-line header above them;
- stacked: the diff over the discussion (80 to ~170 columns), the series as that header.

On top of that the reviewer can show the series list in any arrangement (`l`), hide both side
panes (`v`: the diff alone) or zoom the focused pane (`z`: it alone).
"""

from __future__ import annotations

from dataclasses import dataclass

# Kernel code is 80 columns (tabs of 8), a few more now and then: with the gutter (two
# 4-digit line numbers, the comment and site marks), the +/- column and the scrollbar a diff
# line needs 94; 96 leaves room for a slightly longer one.
DIFF_WIDTH = 96
# Mail is wrapped near 72 columns: the discussion needs 74 for a line to stay one line.
DISCUSSION_WIDTH = 74
DISCUSSION_MAX = 90
LEFT_WIDTH = 28
LEFT_MAX = 36
# The smallest terminal the screen is laid out for; below it the panes only get smaller.
MIN_SIZE = (80, 24)

PANES = ("left", "diff", "discussion")


@dataclass(frozen=True)
class Arrangement:
    """What the screen shows and how wide / high the side panes are (cells)."""

    mode: str  # "wide", "split", "stacked"
    left: bool  # the series and sites column
    header: bool  # the one-line series header (when the column is not shown)
    discussion: bool
    stacked: bool  # the discussion under the diff rather than beside it
    left_width: int = LEFT_WIDTH
    discussion_width: int = DISCUSSION_WIDTH
    discussion_height: int = 0  # rows, when stacked
    zoom: str | None = None  # the one pane shown alone: "left", "diff", "discussion"


def mode_for(width: int) -> str:
    """The arrangement WIDTH columns allow."""
    if width >= LEFT_WIDTH + DIFF_WIDTH + DISCUSSION_WIDTH:
        return "wide"
    if width >= DIFF_WIDTH + DISCUSSION_WIDTH:
        return "split"
    return "stacked"


def arrange(width: int, height: int, *, series: bool | None = None, sides: bool = True,
            zoom: str | None = None) -> Arrangement:
    """The panes for a WIDTH x HEIGHT screen area (between the title bars and the footer).

    SERIES: show the series column (None: when the width allows it); SIDES: False hides the
    series column and the discussion; ZOOM: the one pane to show alone.
    """
    mode = mode_for(width)
    if zoom in PANES:
        return Arrangement(mode, left=zoom == "left", header=zoom != "left",
                           discussion=zoom == "discussion", stacked=False,
                           left_width=width, discussion_width=width, zoom=zoom)
    left = (mode == "wide" if series is None else series) and sides
    discussion = sides
    stacked = mode == "stacked"
    left_width = max(24, min(LEFT_MAX, width * 15 // 100)) if left else 0
    if mode == "wide" and left:
        room = width - DIFF_WIDTH - DISCUSSION_WIDTH  # what the diff and discussion leave
        left_width = max(LEFT_WIDTH, min(left_width, room))
    rest = width - left_width
    discussion_width = max(DISCUSSION_WIDTH, min(DISCUSSION_MAX, rest - DIFF_WIDTH))
    if stacked:
        discussion_width = rest
    # The header line is on whenever the column is off; stacked, the diff keeps 60% of rows.
    body = height - (0 if left else 1)
    discussion_height = max(6, body * 2 // 5) if stacked and discussion else 0
    return Arrangement(mode, left=left, header=not left, discussion=discussion,
                       stacked=stacked, left_width=left_width,
                       discussion_width=discussion_width, discussion_height=discussion_height)
