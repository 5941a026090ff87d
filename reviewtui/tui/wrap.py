"""Where a long display line breaks: at a space or after a comma or bracket, else anywhere.

Pure. The diff view and the discussion's quoted lines use it so that a continuation row can
start with a hanging indent (a diff line continues under its code, not under the gutter).
"""

from __future__ import annotations

from rich.cells import get_character_cell_size

# A row may break right after one of these (code has few spaces in long expressions).
_BREAK_AFTER = frozenset(" ,;(&|")


def wrap_points(text: str, width: int, indent: int) -> list[tuple[int, int]]:
    """(character offset, cell offset) where each continuation row of TEXT starts.

    The first row holds up to WIDTH cells, each further row WIDTH - INDENT (it starts with an
    indent of INDENT cells). A row breaks after the last space, comma, semicolon, bracket or
    operator character that leaves it at least half full, else at its last cell. Empty when
    TEXT fits in WIDTH cells.
    """
    if width <= 0:
        return []
    step = width - indent if width - indent >= 8 else width
    points: list[tuple[int, int]] = []
    capacity = width
    row_start_cells = 0
    cells = 0
    last_break: tuple[int, int] | None = None
    index = 0
    while index < len(text):
        size = get_character_cell_size(text[index])
        if cells + size - row_start_cells > capacity:
            if last_break is not None and last_break[1] - row_start_cells >= capacity // 2:
                cut = last_break
            else:
                cut = (index, cells)
            if cut[1] == row_start_cells:  # one character wider than a row: it gets one
                cells += size
                index += 1
                continue
            points.append(cut)
            row_start_cells = cut[1]
            capacity = step
            last_break = None
            index, cells = cut
            continue
        cells += size
        index += 1
        if text[index - 1] in _BREAK_AFTER:
            last_break = (index, cells)
    return points
