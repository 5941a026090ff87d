"""`s`: every call site of the series with its verdict, like the audit table; enter jumps."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from reviewtui.tui.safe_text import clean_line
from reviewtui.tui.verdicts import verdict_style


@dataclass(frozen=True)
class SummaryRow:
    """One site as the summary lists it."""

    site_id: str
    patch_label: str
    number: str  # "2/3": the site's place in the series
    file: str
    function: str
    old_api: str
    new_api: str
    old: str
    new: str
    fp: str
    fn: str
    requirement: str | None
    verdict: str
    note: str
    comments: int


COLUMNS = ("patch", "site", "function", "verdict", "requirement", "FN", "FP", "change",
           "comments", "note", "file", "removed", "added")

_DELTA_STYLE = {"introduced": "bold red", "removed": "green", "unchanged": "dim",
                "unknown": "magenta"}


def row_cells(row: SummaryRow) -> list[Text]:
    """The table cells of ROW (all Text: nothing is read as markup)."""
    note = row.note.split("\n", 1)[0]
    return [
        Text(row.patch_label, style="bold"),
        Text(row.number),
        Text(clean_line(row.function or "—")),
        Text(f" {row.verdict} ", style=verdict_style(row.verdict)),
        Text(clean_line(row.requirement or "—"), style="cyan" if row.requirement else "dim"),
        Text(row.fn, style=_DELTA_STYLE.get(row.fn, "")),
        Text(row.fp, style=_DELTA_STYLE.get(row.fp, "")),
        Text(clean_line(f"{row.old_api or '—'} → {row.new_api or '—'}")),
        Text(str(row.comments) if row.comments else ""),
        Text(clean_line(note)[:50], style="italic"),
        Text(clean_line(row.file)),
        Text(clean_line(row.old or "—"), style="red"),
        Text(clean_line(row.new or "—"), style="green"),
    ]


def counts_line(rows: list[SummaryRow]) -> Text:
    """'12 sites: 2 risk · 1 cost · 9 untagged'."""
    counts = Counter(row.verdict for row in rows)
    text = Text(f"{len(rows)} site{'' if len(rows) == 1 else 's'}: ", style="bold", end="")
    for i, (verdict, count) in enumerate(sorted(counts.items())):
        if i:
            text.append(" · ")
        text.append(f" {verdict} ", verdict_style(verdict))
        text.append(f" {count}")
    return text


class SummaryScreen(Screen[str | None]):
    """Answers the site to jump to, or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,s", "back", "Back"),
        Binding("enter", "jump", "Go to site"),
        Binding("j", "cursor(1)", "Next row", show=False),
        Binding("k", "cursor(-1)", "Previous row", show=False),
    ]

    def __init__(self, title: str, rows: list[SummaryRow], current: str | None = None, *,
                 remaining: Text | None = None) -> None:
        """REMAINING: the line on the tree's remaining call sites (with --tree PATH)."""
        super().__init__()
        self.title_text = title
        self.rows = rows
        self.current = current
        self.remaining = remaining

    def compose(self) -> ComposeResult:
        yield Static(Text(clean_line(self.title_text), style="bold"), id="summary-title")
        counts = counts_line(self.rows)
        if self.remaining is not None:
            counts.append("\n")
            counts.append_text(self.remaining)
        yield Static(counts, id="summary-counts")
        table: DataTable[Text] = DataTable(id="summary-table", cursor_type="row", zebra_stripes=True)
        yield table
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns(*COLUMNS)
        for row in self.rows:
            table.add_row(*row_cells(row), key=row.site_id)
        ids = [row.site_id for row in self.rows]
        if self.current in ids:
            table.move_cursor(row=ids.index(self.current))
        table.focus()

    @on(DataTable.RowSelected, "#summary-table")
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.dismiss(event.row_key.value)

    def action_jump(self) -> None:
        table = self.query_one(DataTable)
        if self.rows and 0 <= table.cursor_row < len(self.rows):
            self.dismiss(self.rows[table.cursor_row].site_id)

    def action_cursor(self, step: int) -> None:
        table = self.query_one(DataTable)
        table.move_cursor(row=max(0, table.cursor_row + step))

    def action_back(self) -> None:
        self.dismiss(None)
