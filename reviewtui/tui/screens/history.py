"""`h`: the current site's history on the server: other series changing its function and API.

The cached history shows at once (when there is one); the server is asked in the background
and its answer replaces it. Offline, the cached part stays and the status line says what is
missing. Everything shown comes from mail or the server: it reaches the screen as Text of
cleaned strings only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Static

from reviewtui.errors import ReviewtuiError
from reviewtui.site_history import HistoryReport
from reviewtui.tui.background import BackgroundJob
from reviewtui.tui.safe_text import clean_line
from reviewtui.tui.verdicts import FN_STYLE, FP_STYLE
from reviewtui.tui.widgets.discussion import BLANK, DiscussionBody

# (cached_only, progress) -> the report; run off the event loop.
Fetcher = Callable[[bool, Callable[[str], None]], HistoryReport]


def _line(text: str, style: str = "") -> Text:
    return Text(clean_line(text), style=style, no_wrap=True, overflow="ellipsis")


def report_parts(report: HistoryReport) -> list[Text]:
    """The report as screen lines: a header per series, its hunk, its FN/FP mentions."""
    earlier = sum(1 for e in report.entries if e.relation == "earlier")
    parts = [_line(f"query: {report.query.text}", "dim"),
             _line(f"{report.search.server} · asked {report.search.queried_at} · "
                   f"{len(report.entries)} other series: {earlier} earlier, "
                   f"{len(report.entries) - earlier} later", "dim"), BLANK]
    if not report.entries:
        parts.append(_line("no other series changed this function and API", "dim italic"))
    for entry in report.entries:
        head = Text(no_wrap=True, overflow="ellipsis", style="on #2c313a")
        head.append(f" {entry.relation} ", "bold reverse" if entry.relation == "earlier"
                    else "bold")
        head.append(f" {entry.date[:10] or '?'}  ", "italic")
        head.append(clean_line(entry.subject), "bold")
        parts.append(head)
        parts.append(_line(f"  {entry.author}  {entry.link}", "dim"))
        if not entry.cached:
            parts.append(_line("  not in the cache: no hunk or discussion", "yellow"))
        for line in entry.hunk:
            style = {"-": "red", "+": "green", "@": "cyan"}.get(line[:1], "")
            parts.append(_line(f"    {line}", style))
        if entry.cached and not entry.mentions:
            parts.append(_line("  no FN/FP mention in its discussion", "dim italic"))
        for mention in entry.mentions:
            text = Text(no_wrap=False)
            text.append(f"  {mention.kind.upper()} ",
                        FN_STYLE if mention.kind == "fn" else FP_STYLE)
            text.append(clean_line(f" {mention.author}: {mention.text}"))
            parts.append(text)
        parts.append(BLANK)
    return parts


class HistoryScreen(Screen[None]):
    """The history of one call site; r asks the server again."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,h", "back", "Back"),
        Binding("r", "refresh", "Ask again", tooltip="Ask the server again"),
        Binding("j,down", "scroll(1)", "Down", show=False),
        Binding("k,up", "scroll(-1)", "Up", show=False),
    ]

    class Progress(Message):
        """A step of the background search (posted from its thread)."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, title: str, server: str, fetcher: Fetcher) -> None:
        super().__init__()
        self.title_text = title
        self.server = server
        self.fetcher = fetcher
        self.report: HistoryReport | None = None
        self._asking = False  # progress lines arriving after the answer are stale

    def compose(self) -> ComposeResult:
        yield Static(Text(clean_line(self.title_text), style="bold"), id="history-title")
        yield Static(id="history-status")
        yield DiscussionBody(id="history-body")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(DiscussionBody).focus()
        self.load(cached_first=True)

    def _status(self, text: str, style: str = "dim") -> None:
        self.query_one("#history-status", Static).update(_line(text, style), layout=False)

    def on_history_screen_progress(self, message: Progress) -> None:
        if self._asking:
            self._status(message.text)

    def _show(self, report: HistoryReport) -> None:
        self.report = report
        self.query_one(DiscussionBody).set_parts(report_parts(report))

    @work(exclusive=True, group="history")
    async def load(self, cached_first: bool = False) -> None:
        """Show the cached history, then ask the server in the background."""
        if cached_first:
            try:
                self._show(await BackgroundJob(lambda p: self.fetcher(True, p)).wait())
            except ReviewtuiError:
                pass  # nothing cached yet
        self._status(f"asking {self.server} …")
        self._asking = True
        job = BackgroundJob(lambda p: self.fetcher(False, p), name="reviewtui-history")
        job.listen(lambda text: self.post_message(self.Progress(text)))
        try:
            report = await job.wait()
        except (ReviewtuiError, ValueError) as exc:
            self._asking = False
            self._status(str(exc), "bold yellow")
            if self.report is None:
                self.query_one(DiscussionBody).set_parts([_line("no cached history", "dim")])
            return
        self._asking = False
        self._show(report)
        notice = report.notice()
        self._status(notice or f"up to date: {len(report.entries)} other series",
                     "bold yellow" if notice else "dim")

    def action_refresh(self) -> None:
        self.load()

    def action_scroll(self, lines: int) -> None:
        self.query_one(DiscussionBody).scroll_relative(y=lines, animate=False)

    def action_back(self) -> None:
        self.dismiss(None)
