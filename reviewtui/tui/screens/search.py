"""`/`: search the diffs and the discussion, pick a hit to jump to it."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from reviewtui.tui.safe_text import clean_line
from reviewtui.tui.search import SearchHit
from reviewtui.tui.verdicts import MATCH_STYLE


def hit_prompt(hit: SearchHit, query: str, label: str) -> Text:
    """'2/4 diff  <line with the match highlighted>'."""
    text = Text(no_wrap=True, overflow="ellipsis", end="")
    text.append(f"{label:>6} ", "bold")
    text.append(f"{hit.where:<4} ", "cyan" if hit.where == "diff" else "magenta")
    if hit.author:
        text.append(clean_line(hit.author)[:20] + ": ", "dim")
    start = len(text)
    text.append(clean_line(hit.preview)[:300])
    lower = text.plain.lower()
    needle = query.lower()
    pos = lower.find(needle, start)
    while pos != -1 and needle:
        text.stylize(MATCH_STYLE, pos, pos + len(needle))
        pos = lower.find(needle, pos + len(needle))
    return text


class SearchScreen(ModalScreen[tuple[str, SearchHit | None] | None]):
    """Answers (query, chosen hit), ("", None) to clear the highlight, or None (cancel)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel search")]

    def __init__(self, run: Callable[[str], list[SearchHit]], label: Callable[[int], str],
                 query: str = "") -> None:
        super().__init__()
        self.run = run
        self.label = label
        self.initial = query
        self.hits: list[SearchHit] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="search", classes="dialog"):
            yield Static(Text("Search diffs and discussion", style="bold"), classes="dialog-title")
            yield Input(self.initial, placeholder="text to find", id="search-input")
            yield Static(id="search-count")
            yield OptionList(id="search-hits", markup=False)
            yield Static(Text("enter search / go to hit · tab to the hits · empty enter clears "
                              "the highlight · esc cancel", style="dim"), classes="dialog-help")

    def on_mount(self) -> None:
        self.query_one("#search-input", Input).focus()
        if self.initial:
            self._search(self.initial)

    def _search(self, query: str) -> None:
        self.hits = self.run(query)
        hits = self.query_one("#search-hits", OptionList)
        hits.set_options(Option(hit_prompt(h, query, self.label(h.patch))) for h in self.hits)
        noun = "hit" if len(self.hits) == 1 else "hits"
        self.query_one("#search-count", Static).update(Text(f"{len(self.hits)} {noun}",
                                                            style="dim"))

    @on(Input.Submitted, "#search-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        query = event.value.strip()
        if not query:
            self.dismiss(("", None))  # an empty search clears the highlight
            return
        self._search(query)
        if self.hits:
            hits = self.query_one("#search-hits", OptionList)
            hits.highlighted = 0
            hits.focus()

    @on(OptionList.OptionSelected, "#search-hits")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        query = self.query_one("#search-input", Input).value.strip()
        self.dismiss((query, self.hits[event.option_index]))

    def action_cancel(self) -> None:
        self.dismiss(None)
