"""Edit a free-text note: of a call site, or a comment on one diff line."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static, TextArea

from reviewtui.tui.safe_text import clean


class NoteEditor(ModalScreen[str | None]):
    """Answers the edited note (ctrl+s), or None when cancelled (escape)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save note"),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(self, note: str, where: str, title: str = "Note on this site") -> None:
        super().__init__()
        self.note = note
        self.where = where
        self.title = title

    def compose(self) -> ComposeResult:
        with Vertical(id="note-editor", classes="dialog"):
            yield Static(Text(self.title, style="bold"), classes="dialog-title")
            yield Static(Text(clean(self.where), style="dim"), classes="dialog-subtitle")
            yield TextArea(self.note, id="note-text", soft_wrap=True, show_line_numbers=False)
            yield Static(Text("ctrl+s save · esc cancel", style="dim"), classes="dialog-help")

    def on_mount(self) -> None:
        area = self.query_one("#note-text", TextArea)
        area.focus()
        area.move_cursor(area.document.end)

    def action_save(self) -> None:
        self.dismiss(self.query_one("#note-text", TextArea).text.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)
