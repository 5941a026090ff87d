"""`i`: the current site in full (views.site_detail: delta, witnesses, alternatives, note)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, Static

from reviewtui.tui.widgets.discussion import WrappedText


class SiteDetailScreen(Screen[None]):
    """The whole text, wrapped at the terminal's width and scrolled with j/k, space/b."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,i", "back", "Back"),
    ]

    def __init__(self, detail: Text) -> None:
        super().__init__()
        self.detail = detail

    def compose(self) -> ComposeResult:
        yield Static(Text.assemble((" Site detail ", "bold reverse"),
                                   ("  j/k space/b scroll · esc, q or i: back", "dim")),
                     id="detail-title")
        yield WrappedText(id="detail-body")
        yield Footer()

    def on_mount(self) -> None:
        body = self.query_one(WrappedText)
        body.show(self.detail)
        body.focus()

    def action_back(self) -> None:
        self.dismiss(None)
