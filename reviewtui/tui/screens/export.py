"""`w`: confirm where to write the audit table and the replies; then say what was written.

The first dialog edits a directory, so it takes the keys typed (its input is highlighted and
says so); the second closes on any key, so no key is lost to it.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from reviewtui.store.records import CHANGES_REQUESTED, REVIEWED_BY
from reviewtui.tui.safe_text import clean_line


class ExportScreen(ModalScreen[Path | None]):
    """Answers the directory to write into, or None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, directory: Path, queued: dict[str, str],
                 remaining: int | None = None) -> None:
        """QUEUED: patch label -> the reply queued for it ('reviewed-by', 'changes-requested');
        REMAINING: how many remaining call sites of the tree the table lists (None: no tree)."""
        super().__init__()
        self.directory = directory
        self.queued = queued
        self.remaining = remaining

    def compose(self) -> ComposeResult:
        with Vertical(id="export", classes="dialog"):
            yield Static(Text("Export", style="bold"), classes="dialog-title")
            what = Text("The audit table (audit.md, .csv, .json, .html", end="")
            if self.remaining is not None:
                what.append(f", with the {self.remaining} remaining call site"
                            f"{'' if self.remaining == 1 else 's'} of the tree")
            what.append(")")
            trailer = [label for label, kind in self.queued.items() if kind == REVIEWED_BY]
            changes = [label for label, kind in self.queued.items() if kind == CHANGES_REQUESTED]
            if trailer:
                what.append("\nReviewed-by replies for ")
                what.append(", ".join(trailer), "bold")
            if changes:
                what.append("\nReplies asking for changes (notes and comments, no trailer) for ")
                what.append(", ".join(changes), "bold")
            if self.queued:
                what.append(" (replies/*.eml)")
            else:
                what.append("\nNo reply: none is queued (r queues a Reviewed-by, C a reply "
                            "asking for changes; d only marks your progress)", "dim")
            yield Static(what)
            yield Static(Text.assemble(("Directory", "bold"),
                                       (" (the keys you type edit it):", "dim")))
            yield Input(clean_line(str(self.directory)), id="export-dir")
            yield Static(Text.assemble(("enter", "bold"), " writes · ", ("esc", "bold"),
                                       " cancels · nothing is sent"), classes="dialog-help")

    def on_mount(self) -> None:
        self.query_one("#export-dir", Input).focus()

    @on(Input.Submitted, "#export-dir")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        value = event.value.strip()
        self.dismiss(Path(value).expanduser() if value else None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ExportDone(ModalScreen[None]):
    """Says where the files went (a toast would cut the list short); any key closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,enter,q", "close", "Close")]

    def __init__(self, directory: Path, files: list[str], warnings: list[str]) -> None:
        super().__init__()
        self.directory = directory
        self.files = files
        self.warnings = warnings

    def compose(self) -> ComposeResult:
        with Vertical(id="export-done", classes="dialog"):
            yield Static(Text("Exported", style="bold"), classes="dialog-title")
            body = Text(f"Wrote {len(self.files)} files to ", end="")
            body.append(clean_line(str(self.directory)), "bold")
            body.append(":\n")
            for name in self.files:
                body.append(f"  {clean_line(name)}\n")
            for warning in self.warnings:
                body.append(f"\n{clean_line(warning)}", "yellow")
            yield Static(body, id="export-files")
            yield Static(Text("Nothing was sent. Any key closes this.", style="dim"),
                         classes="dialog-help")

    def on_key(self, event: events.Key) -> None:
        event.stop()
        event.prevent_default()
        self.action_close()

    def on_click(self) -> None:
        self.action_close()

    def action_close(self) -> None:
        if self.is_current:
            self.dismiss(None)
