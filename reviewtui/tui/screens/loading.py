"""Shown while the thread is fetched, parsed and analysed; says what failed, if anything."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Center, Middle, Vertical
from textual.screen import Screen
from textual.widgets import Footer, LoadingIndicator, Static

from reviewtui.tui.safe_text import clean


class LoadingScreen(Screen[None]):
    """The last steps reported by the loader, and a progress indicator for slow loads."""

    MAX_STEPS = 8
    # A cached thread opens before this: no animation competing with the parse for the CPU.
    SPINNER_DELAY = 0.4

    def __init__(self, what: str) -> None:
        super().__init__()
        self.what = what
        self.steps: list[str] = []
        self.failed_message = ""
        self._ready = False  # widgets composed: a load can report (or fail) before that

    def compose(self) -> ComposeResult:
        with Middle(), Center(), Vertical(id="loading-box"):
            yield Static(Text(clean(f"Opening {self.what}"), style="bold"), id="loading-title")
            yield LoadingIndicator(id="loading-indicator")
            yield Static(id="loading-steps")
        yield Footer()

    def on_mount(self) -> None:
        self._ready = True
        self.query_one("#loading-indicator").display = False
        self.set_timer(self.SPINNER_DELAY, self._show_spinner)
        if self.failed_message:
            self._show_failure()
        elif self.steps:
            self._show_steps()

    def _show_spinner(self) -> None:
        if not self.failed_message:
            self.query_one("#loading-indicator").display = True

    def add_step(self, text: str) -> None:
        """Show one more progress line."""
        self.steps.append(text)
        if self._ready and not self.failed_message:
            self._show_steps()

    def _show_steps(self) -> None:
        shown = "\n".join(self.steps[-self.MAX_STEPS:])
        self.query_one("#loading-steps", Static).update(Text(clean(shown), style="dim"))

    def failed(self, message: str) -> None:
        """Stop the indicator and show MESSAGE (at mount, when the load failed before it)."""
        self.failed_message = message
        if self._ready:
            self._show_failure()

    def _show_failure(self) -> None:
        message = self.failed_message
        self.query_one("#loading-indicator").display = False
        body = Text(clean(message), style="bold red")
        body.append("\n\npress q to quit", style="dim")
        self.query_one("#loading-steps", Static).update(body)
