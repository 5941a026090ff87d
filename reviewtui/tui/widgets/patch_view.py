"""The centre pane: commit message and diff with C colours, a line cursor and site marks.

Long lines wrap at the pane's width (a continuation row starts under the code with a `↪` in
the gutter), so a diff line is readable in full on an 80-column terminal; the cursor, the
sites and the comments stay on the patch's lines (`lines`), the display rows only map them.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from reviewtui.tui.highlight import code_spans, highlight_code
from reviewtui.tui.patch_lines import PatchLine
from reviewtui.tui.safe_text import clean, clean_line
from reviewtui.tui.verdicts import MATCH_STYLE, verdict_colour, verdict_style
from reviewtui.tui.wrap import wrap_points


def set_virtual_size(view: ScrollView, size: Size) -> None:
    """Change a fixed-size ScrollView's virtual size without a screen-wide layout.

    Widget.virtual_size is a layout-triggering reactive: every new patch or discussion would
    re-arrange and repaint the whole screen. These views' own size never depends on their
    content, so updating the scrollbars and repainting the view is enough.
    """
    if size == view.virtual_size:
        return
    view.set_reactive(ScrollView.virtual_size, size)
    view._scroll_update(size)
    view.refresh()


@dataclass(frozen=True)
class SiteMark:
    """How one call site is marked in the diff: its number in the series and its verdict."""

    label: str  # "site 2/3"
    verdict: str
    requirement: str | None
    change: str = ""  # "FN introduced · FP removed" (the API change is in the lines below)




class PatchView(ScrollView, can_focus=True):
    """Line-API view of one patch with a line cursor (the current line decides the site)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,j", "cursor_down", "Line down", show=False),
        Binding("up,k", "cursor_up", "Line up", show=False),
        Binding("pagedown,space", "page_down", "Page down", show=False),
        Binding("pageup,b", "page_up", "Page up", show=False),
        Binding("home,g", "first_line", "Top", show=False),
        Binding("end,G", "last_line", "Bottom", show=False),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "patch-view--cursor",
        "patch-view--added",
        "patch-view--removed",
        "patch-view--hunk",
        "patch-view--file",
        "patch-view--subject",
        "patch-view--gutter",
        "patch-view--site",
        "patch-view--comment",
        "patch-view--problem",
        "patch-view--mine",
    }

    cursor = reactive(0, always_update=True, init=False)

    class CursorMoved(Message):
        """The line cursor moved to LINE (index into the view's lines)."""

        def __init__(self, view: PatchView, line: int) -> None:
            super().__init__()
            self.view = view
            self.line = line

        @property
        def control(self) -> PatchView:
            return self.view

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.lines: list[PatchLine] = []
        self._marks: Mapping[str, SiteMark] = {}
        self._first_of: dict[str, int] = {}
        self._by_hunk: dict[tuple[int | None, int | None], list[tuple[int, str]]] = {}
        self._query = ""
        self._digits = 4
        self._styles: dict[str, Style] = {}
        self._cache: LRUCache[int, Strip] = LRUCache(2048)
        # Display rows: _starts[i] is the first row of lines[i]; the last entry is the total.
        self._starts: list[int] = [0]
        self._cuts: dict[int, list[int]] = {}  # cells where a wrapped line's rows start
        self._wrap_width = 0

    # -- content ----------------------------------------------------------------------

    def show(self, lines: list[PatchLine], marks: Mapping[str, SiteMark], cursor: int = 0) -> None:
        """Display LINES (a new patch) with site MARKS and the cursor on line CURSOR."""
        self.lines = lines
        self._marks = marks
        self._first_of = {}
        self._by_hunk = {}
        for index, line in enumerate(lines):
            for site_id in line.sites:
                self._first_of.setdefault(site_id, index)
                self._by_hunk.setdefault((line.file_index, line.hunk_index), []).append(
                    (index, site_id))
        self._cache.clear()
        numbers = [n for line in lines for n in (line.old_no, line.new_no) if n is not None]
        self._digits = max(4, len(str(max(numbers, default=0))))
        self._wrap(self._content_width())
        self.scroll_to(0, 0, animate=False, immediate=True)
        self.cursor = self._clamp(cursor)
        self.refresh()

    def set_marks(self, marks: Mapping[str, SiteMark]) -> None:
        """Replace the site marks (a tag changed a verdict) and redraw."""
        self._marks = marks
        self._cache.clear()
        self._wrap(self._content_width(), force=True)
        self.refresh()

    # -- wrapping ---------------------------------------------------------------------

    def _content_width(self) -> int:
        return self.scrollable_content_region.width

    def _indent(self, line: PatchLine) -> int:
        """Cells a continuation row of LINE starts with: code continues 4 cells right of its
        own indentation (while that leaves 24 cells), notes and headings under their text."""
        if line.is_code:
            code = clean(line.text)
            lead = len(code) - len(code.lstrip(" "))
            indent = self.gutter_width + 1 + lead + 4
            return indent if self._wrap_width - indent >= 24 else self.gutter_width + 1
        if line.kind in ("mine", "site"):
            return self.gutter_width + 2
        return 1

    def _plain(self, line: PatchLine) -> str:
        """LINE drawn in full as plain text (as _segments draws it, colours aside)."""
        if line.is_code:
            return " " * self.gutter_width + line.kind + clean(line.text)
        if line.kind == "mine":
            return " " * self.gutter_width + "✎ " + clean_line(line.text)
        if line.kind == "site":
            return " " * self.gutter_width + self._site_heading(line).plain
        return " " + clean_line(line.text)

    def _wrap(self, width: int, force: bool = False) -> None:
        """Break each line at WIDTH (0: not laid out yet, one row each) into display rows."""
        if width == self._wrap_width and not force and len(self._starts) == len(self.lines) + 1:
            return
        self._wrap_width = width
        starts = [0]
        cuts: dict[int, list[int]] = {}
        total = 0
        for index, line in enumerate(self.lines):
            rows = 1
            # A character is at most 8 cells (a tab, or a control shown as <U+XXXX>).
            if width > 0 and (line.kind == "site"
                              or self.gutter_width + 2 + 8 * len(line.text) > width):
                plain = self._plain(line)
                if cell_len(plain) > width:
                    points = wrap_points(plain, width, self._indent(line))
                    if points:
                        cuts[index] = [cell for _char, cell in points]
                        rows += len(points)
            total += rows
            starts.append(total)
        self._starts = starts
        self._cuts = cuts
        set_virtual_size(self, Size(max(width, 1), total))

    def row_of(self, index: int) -> int:
        """The first display row of line INDEX."""
        return self._starts[index] if 0 <= index < len(self._starts) else 0

    def rows_of(self, index: int) -> int:
        """How many display rows line INDEX takes."""
        if 0 <= index < len(self._starts) - 1:
            return self._starts[index + 1] - self._starts[index]
        return 1

    def line_at(self, row: int) -> int:
        """The line drawn on display row ROW."""
        return max(0, min(bisect_right(self._starts, row) - 1, len(self.lines) - 1))

    def on_resize(self) -> None:
        if self._content_width() != self._wrap_width:
            self._wrap(self._content_width())
            self._cache.clear()
            self.scroll_to_region(self._cursor_region(), animate=False, immediate=True)
        self.refresh()

    def set_query(self, query: str) -> None:
        """Highlight QUERY (case-insensitive) wherever it occurs."""
        if query.lower() == self._query:
            return
        self._query = query.lower()
        self._cache.clear()
        self.refresh()

    @property
    def gutter_width(self) -> int:
        """Comment mark, site mark, old and new line numbers."""
        return 2 + 2 * (self._digits + 1)

    def nearest_site(self) -> str | None:
        """The site under the cursor, else the nearest one in the cursor's hunk."""
        line = self.current
        if line is None:
            return None
        if line.sites:
            return line.sites[0]
        in_hunk = self._by_hunk.get((line.file_index, line.hunk_index), [])
        if line.hunk_index is None or not in_hunk:
            return None
        return min(in_hunk, key=lambda entry: abs(entry[0] - self.cursor))[1]

    def line_of_site(self, site_id: str) -> int | None:
        """Index of the first line of SITE_ID."""
        return self._first_of.get(site_id)

    @property
    def current(self) -> PatchLine | None:
        """The line under the cursor."""
        return self.lines[self.cursor] if 0 <= self.cursor < len(self.lines) else None

    # -- cursor -----------------------------------------------------------------------

    def _clamp(self, line: int) -> int:
        return max(0, min(line, len(self.lines) - 1)) if self.lines else 0

    def move_to(self, line: int, *, center: bool = False) -> None:
        """Put the cursor on LINE and scroll it into view.

        CENTER: show it a third down the view, or with the top of the patch (its commit
        message) when it fits on the first screen.
        """
        self.cursor = self._clamp(line)
        if center:
            # Before the first layout (the first patch at start-up) the view has no size
            # yet: the screen's height minus title, scrollbar and footer is close enough.
            height = self.scrollable_content_region.height or max(1, self.app.size.height - 4)
            row = self.row_of(self.cursor)
            top = 0 if row + self.rows_of(self.cursor) <= height - 4 else max(0, row - height // 3)
            self.scroll_to(y=top, animate=False, immediate=True)

    def _cursor_region(self) -> Region:
        return Region(0, self.row_of(self.cursor), 1, self.rows_of(self.cursor))

    def watch_cursor(self, old: int, new: int) -> None:
        self.refresh_lines(self.row_of(old), self.rows_of(old))
        self.refresh_lines(self.row_of(new), self.rows_of(new))
        self.scroll_to_region(self._cursor_region(), animate=False, immediate=True)
        self.post_message(self.CursorMoved(self, new))

    def action_cursor_down(self) -> None:
        self.cursor = self._clamp(self.cursor + 1)

    def action_cursor_up(self) -> None:
        self.cursor = self._clamp(self.cursor - 1)

    def _page(self, direction: int) -> None:
        rows = max(1, self.scrollable_content_region.height - 1)
        line = self.line_at(self.row_of(self.cursor) + direction * rows)
        if line == self.cursor:
            line += direction
        self.cursor = self._clamp(line)

    def action_page_down(self) -> None:
        self._page(1)

    def action_page_up(self) -> None:
        self._page(-1)

    def action_first_line(self) -> None:
        self.cursor = 0

    def action_last_line(self) -> None:
        self.cursor = self._clamp(len(self.lines) - 1)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is not None and self.lines:
            self.cursor = self.line_at(offset.y + self.scroll_offset.y)

    # -- rendering --------------------------------------------------------------------

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._cache.clear()
        self._styles.clear()

    def render_line(self, y: int) -> Strip:
        scroll_y = self.scroll_offset.y
        row = scroll_y + y
        width = self.scrollable_content_region.width
        base = self._styles.get("")
        if base is None:
            base = self._styles[""] = self.rich_style
        if row >= self._starts[-1] or not self.lines:
            return Strip.blank(width, base)
        index = self.line_at(row)
        part = row - self._starts[index]
        strip = self._cache.get(index)
        if strip is None:
            # The widget's own style under every segment (its background, mostly).
            strip = Strip(self._segments(index)).apply_style(base)
            self._cache[index] = strip
        line = self.lines[index]
        cuts = self._cuts.get(index)
        if cuts:
            start = cuts[part - 1] if part else 0
            end = cuts[part] if part < len(cuts) else strip.cell_length
            strip = strip.crop(start, end)
            if part:
                strip = Strip.join([self._continuation(line), strip])
        if index == self.cursor:
            strip = self._with_cursor(strip)
            base = base + self._style("cursor")
        return strip.crop_extend(0, width, base).apply_offsets(0, row)

    def _continuation(self, line: PatchLine) -> Strip:
        """The indent a continuation row of LINE starts with: a ↪ in the gutter, and the
        +/- column in the line's colour."""
        base = self._styles.get("") or self.rich_style
        indent = self._indent(line)
        if self._wrap_width - indent < 8:  # too narrow for a hanging indent (wrap_points)
            return Strip([])
        if line.is_code:
            kind = {"+": self._style("added"), "-": self._style("removed")}.get(line.kind)
            segments = [Segment(" " * (self.gutter_width - 2)),
                        Segment("↪ ", self._style("gutter")), Segment(line.kind, kind),
                        Segment(" " * (indent - self.gutter_width - 1), kind)]
        elif line.kind == "mine":
            segments = [Segment(" " * self.gutter_width), Segment("  ", self._style("mine"))]
        else:
            segments = [Segment(" " * indent)]
        return Strip(segments).apply_style(base)

    def _with_cursor(self, strip: Strip) -> Strip:
        """STRIP under the cursor: its background, except on badges (verdicts keep theirs)."""
        cursor = self._style("cursor")
        plain = {self._style("added").bgcolor, self._style("removed").bgcolor,
                 self.rich_style.bgcolor, None}
        segments = [
            Segment(seg.text, (seg.style or Style()) + cursor)
            if seg.style is None or seg.style.bgcolor in plain else seg
            for seg in strip
        ]
        return Strip(segments, strip.cell_length)

    def _style(self, name: str) -> Style:
        style = self._styles.get(name)
        if style is None:
            style = self.get_component_rich_style(f"patch-view--{name}", partial=True)
            self._styles[name] = style
        return style

    def _gutter(self, line: PatchLine) -> list[Segment]:
        marks = [Segment("●", self._style("comment")) if line.comments else Segment(" ")]
        if line.sites:
            mark = self._marks.get(line.sites[0])
            marks.append(Segment("▌", verdict_colour(mark.verdict) if mark else self._style("site")))
        else:
            marks.append(Segment(" "))
        old = "" if line.old_no is None else str(line.old_no)
        new = "" if line.new_no is None else str(line.new_no)
        width = self._digits
        marks.append(Segment(f"{old:>{width}} {new:>{width}} ", self._style("gutter")))
        return marks

    def _segments(self, index: int) -> list[Segment]:
        """The line at INDEX, built from segments (no Text layout: this runs per line)."""
        line = self.lines[index]
        if self._query:
            text = self._line_text(line)
            return list(text.render(self.app.console))
        if line.is_code:
            out = self._gutter(line)
            base = {"+": self._style("added"), "-": self._style("removed")}.get(line.kind)
            if line.sites:
                base = base + self._style("site") if base else self._style("site")
            out.append(Segment(line.kind, base))
            code = clean(line.text)
            pos = 0
            for start, end, style in code_spans(code):
                if start > pos:
                    out.append(Segment(code[pos:start], base))
                out.append(Segment(code[start:end], base + style if base else style))
                pos = end
            if pos < len(code):
                out.append(Segment(code[pos:], base))
            return out
        return list(self._line_text(line).render(self.app.console))

    def _line_text(self, line: PatchLine) -> Text:
        text = Text(no_wrap=True, end="")
        if line.is_code:
            text.append_text(Text.assemble(*((seg.text, seg.style) for seg in self._gutter(line))))
            body = Text(line.kind, no_wrap=True, end="")
            body.append_text(highlight_code(line.text))
            if line.kind == "+":
                body.stylize(self._style("added"))
            elif line.kind == "-":
                body.stylize(self._style("removed"))
            if line.sites:
                body.stylize(self._style("site"))
            text.append_text(body)
        elif line.kind == "site":
            text.append_text(Text.assemble(*((seg.text, seg.style) for seg in self._gutter(line))))
            text.append_text(self._site_heading(line))
        elif line.kind == "mine":
            text.append(" " * self.gutter_width)
            text.append("✎ " + clean_line(line.text), self._style("mine"))
        else:
            text.append(" ")  # prose and headers use the gutter's width too
            style = {
                "subject": "subject", "file": "file", "hunk": "hunk", "problem": "problem",
            }.get(line.kind)
            text.append(clean_line(line.text), self._style(style) if style else None)
        if self._query:
            self._highlight_query(text)
        return text

    def _site_heading(self, line: PatchLine) -> Text:
        out = Text(no_wrap=True, end="")
        mark = self._marks.get(line.sites[0])
        if mark is None:
            return out
        out.append(f"▼ {mark.label} ", verdict_colour(mark.verdict))
        out.append(f" {mark.verdict} ", verdict_style(mark.verdict))
        if mark.requirement:
            out.append(f" {mark.requirement}", "bold cyan")
        if mark.change:
            out.append("  " + clean_line(mark.change), "italic")
        return out

    def _highlight_query(self, text: Text) -> None:
        plain = text.plain.lower()
        start = plain.find(self._query, self.gutter_width)
        while start != -1:
            text.stylize(MATCH_STYLE, start, start + len(self._query))
            start = plain.find(self._query, start + len(self._query))

