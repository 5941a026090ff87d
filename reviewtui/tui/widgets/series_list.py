"""The left pane's series list: cover letter and patches with review state and counts."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from reviewtui.tui.safe_text import clean_line
from reviewtui.tui.verdicts import REPLY_MARKS, STATE_MARKS
from reviewtui.tui.widgets.fixed import FixedSize


@dataclass(frozen=True)
class SeriesItem:
    """What the list shows for the cover letter (number 0) or one patch."""

    number: int
    label: str  # "0/4", "2/4"
    subject: str
    state: str = "unreviewed"
    reply: str | None = None  # the queued reply: 'reviewed-by', 'changes-requested'
    acked: int = 0
    reviewed: int = 0
    tested: int = 0
    sites: int = 0
    untagged: int = 0
    risky: int = 0
    replies: int = 0


def series_prompt(item: SeriesItem) -> Text:
    """Two lines: marks, label and subject; then trailers, sites (N? untagged, N! at risk
    or to review) and replies."""
    text = Text(no_wrap=True, overflow="ellipsis", end="")
    mark = STATE_MARKS.get(item.state, "?")
    text.append(mark, "bold green" if item.state == "reviewed" else "dim")
    text.append(REPLY_MARKS.get(item.reply or "", " "),
                "bold cyan" if item.reply == "reviewed-by" else "bold yellow")
    text.append(f"{item.label:>5} ", "bold")
    text.append(clean_line(item.subject))
    text.append("\n")
    text.append("        ")
    if item.number == 0:
        text.append(f"cover letter · {item.replies} repl{'y' if item.replies == 1 else 'ies'}",
                    "dim")
        return text
    text.append(f"A{item.acked} R{item.reviewed} T{item.tested}",
                "green" if item.reviewed or item.acked else "dim")
    text.append(f" · {item.sites} site{'' if item.sites == 1 else 's'}", "dim")
    if item.untagged:
        text.append(f" {item.untagged}?", "bold cyan")
    if item.risky:
        text.append(f" {item.risky}!", "bold red")
    if item.replies:
        text.append(f" · ✉{item.replies}", "dim")
    return text


class SeriesList(FixedSize, OptionList):
    """Cover and patches; highlighting an entry opens it (see ReviewScreen)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)
        self.numbers: list[int] = []

    def set_items(self, items: list[SeriesItem]) -> None:
        """Replace every entry."""
        self.numbers = [item.number for item in items]
        self.set_options(Option(series_prompt(item), id=f"patch-{item.number}") for item in items)

    def update_item(self, item: SeriesItem) -> None:
        """Redraw the entry of ITEM's patch."""
        if item.number in self.numbers:
            self.replace_option_prompt_at_index(self.numbers.index(item.number),
                                                series_prompt(item))

    def select_number(self, number: int) -> None:
        """Highlight the entry of patch NUMBER (no message if it already is)."""
        if number in self.numbers:
            index = self.numbers.index(number)
            if self.highlighted != index:
                self.highlighted = index
