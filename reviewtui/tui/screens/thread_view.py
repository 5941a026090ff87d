"""`T`: the whole thread as a mutt-like index (date, author, tree + subject); enter opens one.

Dates are shown in one zone (the review's --tz / REVIEWTUI_TZ, else local): senders write their
own offsets, and 17:53 +0800 is before 13:21 +0100. Siblings are in the order they were sent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from reviewtui.analysis.quotes import quote_depth
from reviewtui.model.thread import Message, Series
from reviewtui.tui.safe_text import clean, clean_line
from reviewtui.tui.times import UTC_CLOCK, Clock

_RE = re.compile(r"^(?:\s*(?:re|aw|sv|fwd?)\s*:\s*)+", re.IGNORECASE)


@dataclass(frozen=True)
class ThreadRow:
    """One message in thread order with the tree drawn before its subject."""

    message: Message
    tree: str  # "├─>" style prefix, mutt's way
    show_subject: bool  # False when it only repeats its parent's


def thread_rows(series: Series) -> list[ThreadRow]:
    """Every message depth first, siblings oldest first (by the instant, whatever the
    sender's zone); a missing parent makes a root."""
    known = series.messages
    children: dict[str | None, list[Message]] = {}
    for msg in series.ordered_messages():
        parent = msg.in_reply_to if msg.in_reply_to in known else None
        if parent is None and msg.parents and msg.parents[0] in known:
            parent = msg.parents[0]
        if parent == msg.msgid:
            parent = None
        children.setdefault(parent, []).append(msg)
    rows: list[ThreadRow] = []
    seen: set[str] = set()

    def walk(parent: Message | None, prefix: str) -> None:
        kids = [m for m in children.get(parent.msgid if parent else None, [])
                if m.msgid not in seen]
        for i, msg in enumerate(kids):
            seen.add(msg.msgid)
            last = i == len(kids) - 1
            tree = "" if parent is None else prefix + ("└─>" if last else "├─>")
            same = parent is not None and _RE.sub("", msg.subject) == _RE.sub("", parent.subject)
            rows.append(ThreadRow(msg, tree, not same))
            walk(msg, "" if parent is None else prefix + ("  " if last else "│ "))

    walk(None, "")
    return rows


def row_prompt(row: ThreadRow, clock: Clock = UTC_CLOCK) -> Text:
    """'2023-08-02 12:30  Matthew Wilcox        ├─>Re: [PATCH 2/4] ...' (CLOCK's zone)."""
    msg = row.message
    when = clock.short(msg.date)
    text = Text(no_wrap=True, overflow="ellipsis", end="")
    text.append(when + "  ", "dim")
    who = clean_line(msg.author or msg.email or "?")
    text.append(f"{who[:20]:<20}  ", "bold" if msg.kind != "reply" else "")
    text.append(row.tree, "#8fa1b3")
    if row.show_subject:
        text.append(clean_line(msg.subject), "cyan" if msg.kind in ("patch", "cover") else "")
    if msg.trailers:
        text.append(f"  +{len(msg.trailers)} trailer{'s' if len(msg.trailers) > 1 else ''}",
                    "green")
    return text


def message_text(msg: Message, clock: Clock = UTC_CLOCK) -> Text:
    """Headers and body of MSG, quoted lines coloured by depth; the date in CLOCK's zone."""
    out = Text(end="")
    date = clock.full(msg.date)
    for name, value in (("From", msg.sender), ("Date", date), ("Subject", msg.subject),
                        ("Message-ID", f"<{msg.msgid}>")):
        out.append(f"{name}: ", "bold")
        out.append(clean_line(value) + "\n")
    if msg.trailers:
        out.append("Trailers: ", "bold")
        out.append(clean_line(", ".join(msg.trailers)) + "\n", "green")
    out.append("\n")
    for line in msg.body.split("\n"):
        depth, _rest = quote_depth(line)
        style = ("#8fa1b3" if depth % 2 else "#a3be8c") if depth else ""
        if not depth and msg.kind == "patch" and line[:1] in "+-" and line[:3] not in ("---", "+++"):
            style = "green" if line.startswith("+") else "red"
        out.append(clean(line) + "\n", style)
    return out


class ThreadIndex(OptionList):
    """The message index, with mutt's j/k."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Next message", show=False),
        Binding("k", "cursor_up", "Previous message", show=False),
    ]


class ThreadScreen(Screen[None]):
    """Index on the left, the highlighted message on the right; enter shows it full width."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,T", "back", "Back"),
        Binding("enter", "open_full", "Open message", priority=True),
        Binding("J", "scroll_message(5)", "Scroll message down"),
        Binding("K", "scroll_message(-5)", "Scroll message up"),
    ]

    # Narrower than this, the index goes above the message (both full width).
    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]] | None] = [
        (0, "-narrow"), (150, "-wide")]

    def __init__(self, series: Series, start_msgid: str | None = None,
                 clock: Clock = UTC_CLOCK) -> None:
        super().__init__()
        self.series = series
        self.start_msgid = start_msgid
        self.clock = clock
        self.rows = thread_rows(series)

    def compose(self) -> ComposeResult:
        title = Text(f"Thread: {len(self.series.messages)} messages", style="bold", end="")
        title.append(f"  times in {clean_line(self.clock.name())}", "cyan")
        title.append("  (enter: open in full, esc: back)", "dim")
        yield Static(title, id="thread-title")
        with Container(id="thread-body"):
            yield ThreadIndex(*(Option(row_prompt(row, self.clock)) for row in self.rows),
                              id="thread-index", markup=False)
            with VerticalScroll(id="message-scroll"):
                yield Static(id="message-body")
        yield Footer()

    def on_mount(self) -> None:
        index = self.query_one(ThreadIndex)
        ids = [row.message.msgid for row in self.rows]
        index.highlighted = ids.index(self.start_msgid) if self.start_msgid in ids else 0
        index.focus()

    @property
    def current(self) -> Message | None:
        """The highlighted message."""
        highlighted = self.query_one(ThreadIndex).highlighted
        return self.rows[highlighted].message if highlighted is not None else None

    @on(OptionList.OptionHighlighted, "#thread-index")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        msg = self.rows[event.option_index].message
        self.query_one("#message-body", Static).update(message_text(msg, self.clock))
        self.query_one("#message-scroll", VerticalScroll).scroll_home(animate=False)

    def action_open_full(self) -> None:
        """Toggle the message between the split view and full width."""
        self.toggle_class("-full")
        if self.has_class("-full"):
            self.query_one("#message-scroll").focus()
        else:
            self.query_one(ThreadIndex).focus()

    def action_scroll_message(self, lines: int) -> None:
        self.query_one("#message-scroll", VerticalScroll).scroll_relative(y=lines, animate=False)

    def action_back(self) -> None:
        if self.has_class("-full"):
            self.action_open_full()
        else:
            self.dismiss(None)
