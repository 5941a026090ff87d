"""Pick a site's requirement tag from the catalogue (each with its one-line meaning)."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from reviewtui.tui.safe_text import clean, clean_line

CLEAR = ""  # the picker's answer for "remove the tag"


@dataclass(frozen=True)
class TagChoice:
    """A requirement tag and what it means."""

    tag: str
    meaning: str


MEANING_WIDTH = 64  # the dialog is 90 wide: number, tag, then the meaning wrapped here


def choice_prompt(number: int, choice: TagChoice, current: bool) -> Text:
    """'1● fn-unsafe     meaning...', the meaning wrapped under itself."""
    lines = textwrap.wrap(clean_line(choice.meaning), MEANING_WIDTH) or [""]
    text = Text(end="")
    text.append(f"{number}{'●' if current else ' '} ", "bold")
    text.append(f"{clean_line(choice.tag):<13} ", "bold cyan")
    text.append(lines[0])
    for line in lines[1:]:
        text.append("\n" + " " * 17 + line)
    return text


class TagPicker(ModalScreen[str | None]):
    """Answers the chosen tag, CLEAR to untag, or None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "cancel", "Cancel"),
        Binding("0,minus", "clear", "Untag"),
        *(Binding(str(n), f"pick({n})", f"Pick tag {n}", show=False) for n in range(1, 10)),
    ]

    def __init__(self, choices: list[TagChoice], current: str | None, where: str) -> None:
        super().__init__()
        self.choices = choices
        self.current = current
        self.where = where

    def compose(self) -> ComposeResult:
        with Vertical(id="tag-picker", classes="dialog"):
            yield Static(Text("Requirement of this site", style="bold"), classes="dialog-title")
            yield Static(Text(clean(self.where), style="dim"), classes="dialog-subtitle")
            options = [Option(choice_prompt(number, choice, choice.tag == self.current),
                              id=choice.tag)
                       for number, choice in enumerate(self.choices, start=1)]
            options.append(Option(Text("0   (untag: no requirement)", style="dim"), id=":clear"))
            yield OptionList(*options, id="tag-options", markup=False)
            yield Static(Text("enter choose · 1-9 pick · 0 untag · esc cancel", style="dim"),
                         classes="dialog-help")

    def on_mount(self) -> None:
        options = self.query_one("#tag-options", OptionList)
        tags = [c.tag for c in self.choices]
        options.highlighted = tags.index(self.current) if self.current in tags else 0

    @on(OptionList.OptionSelected, "#tag-options")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        option_id = event.option.id or ""
        self.dismiss(CLEAR if option_id == ":clear" else option_id)

    def action_pick(self, number: int) -> None:
        if 1 <= number <= len(self.choices):
            self.dismiss(self.choices[number - 1].tag)

    def action_clear(self) -> None:
        self.dismiss(CLEAR)

    def action_cancel(self) -> None:
        self.dismiss(None)
