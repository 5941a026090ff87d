"""The right pane: the discussion of the current site or hunk first, then the rest."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.containers import Vertical
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Static

from reviewtui.tui.safe_text import clean, clean_line, clean_lines
from reviewtui.tui.verdicts import FN_STYLE, FP_STYLE, MATCH_STYLE
from reviewtui.tui.widgets.patch_view import set_virtual_size
from reviewtui.tui.wrap import wrap_points

QUOTE_STYLE = "#8fa1b3"


class Hanging(Text):
    """A Text whose continuation rows start with `continuation` (a quoted line's '> ↪ ')."""

    continuation: Text = Text("")


@dataclass(frozen=True)
class Mention:
    """A false-negative ("fn") or false-positive ("fp") mention: offsets into the comment text."""

    start: int
    end: int
    kind: str


@dataclass(frozen=True)
class CommentView:
    """One comment as the pane shows it: who, when, the lines it answers, what it says."""

    msgid: str
    author: str
    email: str
    date: datetime | None
    text: str
    quoted: tuple[str, ...] = ()
    mentions: tuple[Mention, ...] = ()
    depth: int = 0  # nesting in the thread (whole-thread mode indents by it)
    subject: str = ""


@dataclass(frozen=True)
class CommentGroup:
    """A headed group of comments between the focus and the rest ("elsewhere in this hunk")."""

    heading: str
    comments: Sequence[CommentView] = ()
    empty: str = "none"


@dataclass(frozen=True)
class DiscussionContent:
    """What the pane shows: a title, the comments on the focus, groups, then the others."""

    title: str
    focus_heading: str
    focus: Sequence[CommentView] = ()
    rest_heading: str = ""
    rest: Sequence[CommentView] = field(default_factory=tuple)
    empty: str = "no comments"
    groups: Sequence[CommentGroup] = ()


def format_date(date: datetime | None) -> str:
    """DATE as it is given (the caller converts it to the display zone), with that zone's
    name: 'Wed, 02 Aug 2023 12:30 UTC'."""
    if date is None:
        return "(no date)"
    return date.strftime("%a, %d %b %Y %H:%M ") + (date.tzname() or date.strftime("%z"))


def comment_parts(comment: CommentView, query: str = "", same_quote: bool = False,
                  ) -> list[Text]:
    """Header, quoted lines (one screen line each) and body of COMMENT, highlighted.

    SAME_QUOTE: the comment above is from the same mail under the same quote, which is then
    not shown again.
    """
    indent = "  " * min(comment.depth, 8)
    header = Text(no_wrap=True, overflow="ellipsis", style="on #2c313a")
    header.append(indent)
    header.append(clean_line(comment.author or comment.email or "(unknown)"), "bold")
    if comment.email:
        header.append(" <" + clean_line(comment.email) + ">", "dim")
    header.append("  " + format_date(comment.date), "italic dim")
    parts = [header]
    if comment.subject:
        parts.append(Text(indent + clean_line(comment.subject), style="dim", no_wrap=True,
                          overflow="ellipsis"))
    if same_quote and comment.quoted:
        parts.append(Text(indent + "(same quoted lines as the comment above)",
                          style="dim italic", no_wrap=True, overflow="ellipsis"))
    # A quoted line a mail client wrapped holds a line break: shown as two quoted lines.
    # Quotes wrap at the pane's width like the text (a cut diff line could hide the change).
    for line in () if same_quote else comment.quoted:
        for shown in clean_lines(line):
            quote = Hanging(indent + "> " + shown, style=QUOTE_STYLE)
            quote.continuation = Text(indent + "> ↪ ", style=QUOTE_STYLE)
            parts.append(quote)
    body = _with_mentions(comment.text.rstrip("\n"), comment.mentions)
    if indent:
        body = Text("\n").join(Text(indent) + line for line in body.split("\n"))
    parts.append(body)
    if query:
        for part in parts:
            highlight(part, query)
    return parts


def _with_mentions(raw: str, mentions: Sequence[Mention]) -> Text:
    """RAW cleaned piece by piece so mention offsets (into RAW) stay right."""
    body = Text()
    pos = 0
    for mention in sorted(mentions, key=lambda m: m.start):
        if mention.start < pos or mention.end > len(raw):
            continue
        body.append(clean(raw[pos:mention.start]))
        body.append(clean(raw[mention.start:mention.end]),
                    FN_STYLE if mention.kind == "fn" else FP_STYLE)
        pos = mention.end
    body.append(clean(raw[pos:]))
    return body


def highlight(text: Text, query: str) -> None:
    """Stylize every case-insensitive occurrence of QUERY in TEXT."""
    plain = text.plain.lower()
    needle = query.lower()
    start = plain.find(needle)
    while start != -1 and needle:
        text.stylize(MATCH_STYLE, start, start + len(needle))
        start = plain.find(needle, start + len(needle))


BLANK = Text("", no_wrap=True)


def section_parts(comments: Sequence[CommentView], query: str = "") -> list[Text]:
    """COMMENTS one after the other; a mail's second comment under one quote skips the quote."""
    parts: list[Text] = []
    previous: CommentView | None = None
    for comment in comments:
        same = (previous is not None and previous.msgid == comment.msgid
                and previous.quoted == comment.quoted)
        parts.extend(comment_parts(comment, query, same_quote=same))
        parts.append(BLANK)
        previous = comment
    return parts


class WrappedLines(ScrollView, can_focus=True):
    """Texts wrapped once per content and width, drawn line by line (a quoted line wraps
    with a hanging indent)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,j", "scroll_down", "Scroll down", show=False),
        Binding("up,k", "scroll_up", "Scroll up", show=False),
        Binding("pagedown,space", "page_down", "Page down", show=False),
        Binding("pageup,b", "page_up", "Page up", show=False),
        Binding("home,g", "scroll_home", "Top", show=False),
        Binding("end,G", "scroll_end", "Bottom", show=False),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.parts: list[Text] = []
        # Segments per wrapped line; Strips (costly to create) only for lines on screen.
        self._lines: list[list[Segment]] = []
        self._wrapped = 0  # parts wrapped into _lines so far
        self._strips: LRUCache[int, Strip] = LRUCache(256)
        self._base: Style | None = None
        self._width = 0

    def set_parts(self, parts: list[Text]) -> None:
        """Show PARTS from the top: the first screenful now, the rest after the frame."""
        self.parts = parts
        self._restart()
        self.scroll_to(0, 0, animate=False, immediate=True)
        self.refresh()

    def plain_lines(self) -> list[str]:
        """The wrapped lines as text (tests, search)."""
        self._wrap_until(None)
        return ["".join(segment.text for segment in line) for line in self._lines]

    def _content_width(self) -> int:
        return max(1, self.scrollable_content_region.width or self.size.width or 80)

    def _restart(self) -> None:
        self._width = self._content_width()
        self._lines = []
        self._wrapped = 0
        self._strips.clear()
        self._wrap_until(self.size.height + 8)
        if self._wrapped < len(self.parts):
            parts = self.parts
            self.call_after_refresh(lambda: self._wrap_rest(parts))

    def _wrap_rest(self, parts: list[Text]) -> None:
        if parts is self.parts:  # not replaced meanwhile
            self._wrap_until(None)

    def _wrap_until(self, lines: int | None) -> None:
        """Wrap parts until there are LINES lines (None: all of them)."""
        if self._wrapped >= len(self.parts):
            return
        console = self.app.console
        options = console.options.update(width=self._width, height=None, no_wrap=False)
        while self._wrapped < len(self.parts) and (lines is None or len(self._lines) < lines):
            part = self.parts[self._wrapped]
            if "\n" not in part.plain and (part.no_wrap or part.cell_len <= self._width):
                # One screen line: truncating beats a full layout pass (most parts are these).
                self._lines.append(self._one_row(part, console))
            elif isinstance(part, Hanging) and "\n" not in part.plain:
                points = wrap_points(part.plain, self._width, part.continuation.cell_len)
                for i, piece in enumerate(part.divide([char for char, _cell in points])):
                    self._lines.append(
                        self._one_row(part.continuation + piece if i else piece, console))
            else:
                self._lines.extend(console.render_lines(part, options, pad=False,
                                                        new_lines=False))
            self._wrapped += 1
        # Until everything is wrapped, count one line per part still waiting.
        pending = len(self.parts) - self._wrapped
        set_virtual_size(self, Size(self._width, len(self._lines) + pending))

    def _one_row(self, text: Text, console) -> list[Segment]:
        """TEXT as one screen row (cut at the width)."""
        line = text.copy()
        line.truncate(self._width, overflow="ellipsis")
        segments = list(line.render(console))
        if line.style and not line.spans:  # Text.render drops a lone base style
            base = console.get_style(line.style)
            segments = [Segment(seg.text, base) for seg in segments]
        return segments

    def on_resize(self) -> None:
        if self._content_width() != self._width:
            self._restart()
        self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._base = None
        self._strips.clear()

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.scrollable_content_region.width
        if self._base is None:
            self._base = self.rich_style
        base = self._base
        index = scroll_y + y
        if index >= len(self._lines):
            self._wrap_until(index + 1)
        if index >= len(self._lines):
            return Strip.blank(width, base)
        strip = self._strips.get(index)
        if strip is None:
            strip = Strip(self._lines[index]).apply_style(base)
            strip = strip.crop_extend(0, width, base)
            self._strips[index] = strip
        if scroll_x:
            strip = strip.crop_extend(scroll_x, scroll_x + width, base)
        return strip.apply_offsets(scroll_x, index)


class DiscussionBody(WrappedLines):
    """The comments of the discussion pane."""


class WrappedText(WrappedLines):
    """Any long text (the site detail) wrapped at the width and scrolled, like the comments."""

    def show(self, text: Text) -> None:
        """Show TEXT from its top."""
        self.set_parts([text])


class DiscussionPane(Vertical):
    """Title line plus the scrolling comments."""

    content: DiscussionContent | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="discussion-title")
        yield DiscussionBody(id="discussion-body")

    def show(self, content: DiscussionContent, query: str = "") -> None:
        """Render CONTENT and scroll back to the top."""
        self.content = content
        self.query_one("#discussion-title", Static).update(Text(clean_line(content.title)),
                                                           layout=False)
        parts: list[Text] = []
        sections = [(content.focus_heading, content.focus, content.empty),
                    *((g.heading, g.comments, g.empty) for g in content.groups)]
        if content.rest_heading:
            sections.append((content.rest_heading, content.rest, "nothing else"))
        for i, (heading, comments, empty) in enumerate(sections):
            parts.append(Text(heading, style="bold reverse", no_wrap=True))
            if not comments:
                parts.append(Text(empty, style="dim italic"))
                if i < len(sections) - 1:
                    parts.append(BLANK)
            parts.extend(section_parts(comments, query))
        self.query_one(DiscussionBody).set_parts(parts)

    def scroll_by_lines(self, lines: int) -> None:
        """Scroll the body (J/K from anywhere)."""
        self.query_one(DiscussionBody).scroll_relative(y=lines, animate=False)
