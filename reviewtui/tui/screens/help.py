"""The help screen, generated from the key bindings so it cannot drift from them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

KEY_NAMES = {
    "left_square_bracket": "[",
    "right_square_bracket": "]",
    "full_stop": ".",
    "comma": ",",
    "slash": "/",
    "question_mark": "?",
    "minus": "-",
    "space": "space",
    "escape": "esc",
    "pageup": "PgUp",
    "pagedown": "PgDn",
}


def key_label(key: str) -> str:
    """How a Textual key name is shown to people ('full_stop' -> '.')."""
    return KEY_NAMES.get(key, key)


def help_rows(bindings: Iterable[BindingType]) -> list[tuple[str, str]]:
    """(keys, what it does) per action, keys of one action joined, in binding order.

    What it does: the binding's tooltip (the longer text), else its footer description.
    """
    rows: dict[str, tuple[list[str], str]] = {}
    for item in bindings:
        binding = item if isinstance(item, Binding) else Binding(*item)
        keys = [key_label(k.strip()) for k in binding.key.split(",")]
        if binding.key_display:
            keys = [binding.key_display] + keys[1:]
        if binding.action in rows:
            rows[binding.action][0].extend(k for k in keys if k not in rows[binding.action][0])
        else:
            rows[binding.action] = (keys, binding.tooltip or binding.description)
    return [(" ".join(keys), description) for keys, description in rows.values()]


def help_table(sections: Sequence[tuple[str, Iterable[BindingType]]]) -> Table:
    """A two-column table of keys and what they do, one block per section."""
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold cyan", no_wrap=True)
    table.add_column()
    for title, bindings in sections:
        table.add_row(Text(title, style="bold underline"), "")
        for keys, description in help_rows(bindings):
            table.add_row(Text(keys), Text(description))
        table.add_row("", "")
    return table


class HelpScreen(ModalScreen[None]):
    """Every key of the review screen, from its BINDINGS; any of esc, q, ? closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,question_mark", "close", "Close help")]

    def __init__(self, sections: Sequence[tuple[str, Iterable[BindingType]]]) -> None:
        super().__init__()
        self.sections = sections

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help", classes="dialog"):
            yield Static(Text("Keys", style="bold"), classes="dialog-title")
            yield Static(help_table(self.sections))
            yield Static(Text("Mouse: click a patch, a site or a diff line; the wheel scrolls. "
                              "esc closes.", style="dim"))

    def action_close(self) -> None:
        self.dismiss(None)
