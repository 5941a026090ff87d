"""`R`: the call sites the series left in the kernel tree (review --tree PATH), to tag too.

A remaining site is a use of an API the series converts away from that the series does not
touch. The reviewer tags it like a call site (t: a requirement of the catalogue, e.g.
estimate-ok for "fine as is"; e: a note); each change is written to the store at once, keyed
by the row's stable id, so `reviewtui audit --tree PATH` shows the same tags.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from reviewtui.tui.safe_text import clean_line
from reviewtui.tui.screens.tagging import ask_note, ask_requirement

if TYPE_CHECKING:
    from reviewtui.tui.backend import ReviewBackend


@dataclass(frozen=True)
class RemainingItem:
    """One remaining tree use as the screen lists it."""

    row_id: str
    file: str
    line: int
    function: str
    api: str
    text: str  # the source line
    requirement: str | None
    note: str = ""
    carried: bool = False  # tagged on an earlier revision of the series
    tagged_by: str = ""
    previous: str = ""  # what an earlier revision tagged near here, when untagged now


# (column key, title)
COLUMNS = (("where", "file:line"), ("function", "function"), ("api", "API"),
           ("text", "source line"), ("requirement", "requirement"), ("note", "note"))
NOTE_WIDTH = 40


def remaining_item(backend: ReviewBackend, row_id: str) -> RemainingItem:
    """Remaining tree use ROW_ID with its tag, from the backend."""
    row = backend.remaining_row(row_id)
    tag = backend.tag_of(row_id)
    previous = ""
    if tag is not None and not tag.tagged and tag.previous:
        previous = "; ".join(p.describe() for p in tag.previous)
    return RemainingItem(
        row_id=row.id, file=row.file, line=row.use.line, function=row.function or "",
        api=row.use.api, text=row.use.text, requirement=backend.requirement_of(row_id),
        note=backend.note_of(row_id), carried=bool(tag and tag.carried),
        tagged_by=tag.who if tag is not None else "", previous=previous,
    )


def remaining_cells(item: RemainingItem) -> list[Text]:
    """The table cells of ITEM (all Text: nothing from the tree is read as markup)."""
    note = clean_line(item.note.split("\n", 1)[0])
    if len(note) > NOTE_WIDTH:
        note = note[:NOTE_WIDTH - 1] + "…"
    requirement = clean_line(item.requirement or "—") + (" (carried)" if item.carried else "")
    return [
        Text(clean_line(f"{item.file}:{item.line}"), style="bold"),
        Text(clean_line(item.function or "—")),
        Text(clean_line(item.api), style="red"),
        Text(clean_line(item.text)),
        Text(requirement, style="cyan" if item.requirement else "dim"),
        Text(note, style="italic"),
    ]


def counts_text(items: list[RemainingItem]) -> Text:
    """'3 remaining call sites: 1 tagged · 2 untagged'."""
    tagged = sum(1 for item in items if item.requirement)
    text = Text(f"{len(items)} remaining call site{'' if len(items) == 1 else 's'}: ",
                style="bold", end="")
    text.append(f"{tagged} tagged", "cyan" if tagged else "dim")
    text.append(" · ")
    untagged = len(items) - tagged
    text.append(f"{untagged} untagged", "bold yellow" if untagged else "dim")
    return text


def detail_text(item: RemainingItem | None) -> Text:
    """The row under the cursor in full: where, the line, its tag and the whole note."""
    if item is None:
        return Text("no remaining call site", style="dim italic")
    text = Text(end="")
    text.append(clean_line(f"{item.file}:{item.line}"), "bold")
    text.append(clean_line(f" {item.function or '(no function)'}  ·  id {item.row_id}") + "\n")
    text.append(clean_line(item.text) + "\n")
    text.append("requirement ", "bold")
    text.append(clean_line(item.requirement or "—"), "cyan")
    if item.carried:
        text.append(" (carried from an earlier revision)", "dim")
    if item.tagged_by:
        text.append(clean_line(f"  tagged by {item.tagged_by}"), "dim")
    text.append("\n")
    if item.previous:
        text.append(clean_line(item.previous) + "\n", "yellow")
    if item.note:
        text.append("note ", "bold")
        text.append(clean_line(item.note), "italic")
    return text


class RemainingScreen(Screen[None]):
    """Every remaining use of the tree with its tag; t and e write to the store at once."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,R", "back", "Back", tooltip="Back to the review (esc, q or R)"),
        Binding("t", "tag", "Tag",
                tooltip="Tag the remaining site: pick its requirement (estimate-ok: fine as is)"),
        Binding("e", "note", "Note", tooltip="Edit the note of the (tagged) remaining site"),
        Binding("j", "cursor(1)", "Next row", show=False,
                tooltip="Next remaining site (also down arrow)"),
        Binding("k", "cursor(-1)", "Previous row", show=False,
                tooltip="Previous remaining site (also up arrow)"),
    ]

    def __init__(self, backend: ReviewBackend) -> None:
        super().__init__()
        self.backend = backend
        self.items: list[RemainingItem] = []

    def _title(self) -> Text:
        rev = self.backend.revision
        text = Text(no_wrap=True, overflow="ellipsis", end="")
        text.append(" Remaining call sites ", "bold reverse")
        text.append(" " + clean_line(f"{rev.subject} v{rev.number}"), "bold")
        text.append("  · tree " + clean_line(self.backend.tree_root()), "dim")
        return text

    def _state(self) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis", end="")
        text.append("tree state ", "bold")
        text.append(clean_line(self.backend.tree_state()))
        apis = self.backend.old_apis()
        text.append("  · the series converts away from ", "dim")
        text.append(clean_line(", ".join(apis) or "no API"), "red" if apis else "dim")
        return text

    def compose(self) -> ComposeResult:
        yield Static(self._title(), id="remaining-title")
        yield Static(self._state(), id="remaining-state")
        yield Static(id="remaining-counts")
        table: DataTable[Text] = DataTable(id="remaining-table", cursor_type="row",
                                           zebra_stripes=True)
        yield table
        yield Static(id="remaining-detail")
        yield Footer()

    def on_mount(self) -> None:
        self.items = [remaining_item(self.backend, row.id) for row in self.backend.remaining]
        table = self.query_one(DataTable)
        for key, title in COLUMNS:
            table.add_column(title, key=key)
        for item in self.items:
            table.add_row(*remaining_cells(item), key=item.row_id)
        self.query_one("#remaining-counts", Static).update(self._counts())
        self._show_detail()
        table.focus()

    def _counts(self) -> Text:
        if self.items:
            return counts_text(self.items)
        apis = ", ".join(self.backend.old_apis())
        why = (f"no use of {apis} is left in the tree" if apis
               else "the series converts away from no API")
        return Text(clean_line(f"0 remaining call sites: {why}"), style="dim")

    @property
    def current(self) -> RemainingItem | None:
        """The row under the cursor."""
        table = self.query_one(DataTable)
        if self.items and 0 <= table.cursor_row < len(self.items):
            return self.items[table.cursor_row]
        return None

    def _show_detail(self) -> None:
        self.query_one("#remaining-detail", Static).update(detail_text(self.current))

    @on(DataTable.RowHighlighted, "#remaining-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._show_detail()

    def _redraw(self, row_id: str) -> None:
        index = next(i for i, item in enumerate(self.items) if item.row_id == row_id)
        self.items[index] = item = remaining_item(self.backend, row_id)
        table = self.query_one(DataTable)
        for (key, _title), cell in zip(COLUMNS, remaining_cells(item), strict=True):
            table.update_cell(row_id, key, cell, update_width=True)
        self.query_one("#remaining-counts", Static).update(self._counts())
        self._show_detail()

    # -- actions -------------------------------------------------------------------------

    def _need_row(self) -> RemainingItem | None:
        item = self.current
        if item is None:
            self.notify("no remaining call site to tag", severity="warning", timeout=3)
        return item

    def _where(self, item: RemainingItem) -> str:
        return (f"tree {item.file}:{item.line} {item.function or '(no function)'}: {item.text}\n"
                f"remaining call of {item.api}, an API the series converts away from")

    def action_tag(self) -> None:
        item = self._need_row()
        if item is None:
            return

        def done(tag: str | None) -> None:
            self._redraw(item.row_id)
            self.notify(clean_line(f"{item.file}:{item.line}: {tag or 'untagged'}"),
                        markup=False, timeout=3)

        ask_requirement(self, self.backend.requirements(), item.requirement, self._where(item),
                        lambda tag: self.backend.set_remaining_requirement(item.row_id, tag),
                        done)

    def action_note(self) -> None:
        item = self._need_row()
        if item is None:
            return

        def done(_note: str) -> None:
            self._redraw(item.row_id)
            self.notify("note saved", timeout=2)

        ask_note(self, item.requirement, self.backend.note_of(item.row_id), self._where(item),
                 lambda note: self.backend.set_remaining_note(item.row_id, note), done)

    def action_cursor(self, step: int) -> None:
        table = self.query_one(DataTable)
        table.move_cursor(row=max(0, table.cursor_row + step))

    def action_back(self) -> None:
        self.dismiss(None)
