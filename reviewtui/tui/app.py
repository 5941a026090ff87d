"""The reviewtui application and the make_app() factory shared by the CLI and the tests."""

from __future__ import annotations

import argparse
import gc
from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.message import Message

from reviewtui.errors import ReviewtuiError
from reviewtui.tui.background import BackgroundJob
from reviewtui.tui.loader import start_loading


class ReviewApp(App[None]):
    """Review one series revision; loads it in the background when not given ready."""

    CSS_PATH = "app.tcss"
    TITLE = "reviewtui"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit"),
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("tab", "focus_next", "Next pane", show=False,
                tooltip="Move to the next pane (shift+tab: the previous one)"),
    ]

    class LoadProgress(Message):
        """A step of the background load (posted from its thread)."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, args: argparse.Namespace | None = None, backend=None,
                 job: BackgroundJob | None = None, state: str | Path | None = None) -> None:
        super().__init__()
        self.args = args
        self.backend = backend
        self.job = job
        self.state = state if state is not None else getattr(args, "state", None)
        self.load_error: BaseException | None = None  # what stopped the load, if anything

    def on_mount(self) -> None:
        if self.backend is not None:
            self._show_review()
            return
        from reviewtui.tui.screens.loading import LoadingScreen

        what = getattr(self.args, "thread", None) or getattr(self.args, "mbox", None) or "?"
        self.push_screen(LoadingScreen(str(what)))
        self.load()

    def _show_review(self) -> None:
        from reviewtui.tui.screens.review import ReviewScreen

        _freeze_heap()
        self.push_screen(ReviewScreen(self.backend))

    @work(exclusive=True, group="load")
    async def load(self) -> None:
        """Wait for the background load (fetch if needed, parse, analyse), then show it."""
        job = self.job if self.job is not None else start_loading(self.args)
        self.job = job
        job.listen(lambda text: self.post_message(self.LoadProgress(text)))
        try:
            prepared = await job.wait()
            from reviewtui.tui.backend import ReviewBackend

            self.backend = ReviewBackend.open(prepared, self.state, getattr(self.args, "tz", None))
        except ReviewtuiError as exc:
            self._load_failed(exc, str(exc))
            return
        except Exception as exc:  # noqa: BLE001 - a bug or an odd mbox: say it, never a traceback
            self._load_failed(exc, f"{type(exc).__name__}: {exc}")
            return
        from reviewtui.tui.screens.review import ReviewScreen

        _freeze_heap()
        await self.switch_screen(ReviewScreen(self.backend))

    def _load_failed(self, error: BaseException, message: str) -> None:
        from reviewtui.tui.safe_text import clean

        self.load_error = error
        self.notify(clean(message), title="cannot open the thread", severity="error",
                    markup=False, timeout=30)
        failed = getattr(self.screen, "failed", None)
        if failed is not None:
            failed(message)

    @on(LoadProgress)
    def _progress(self, message: LoadProgress) -> None:
        add = getattr(self.screen, "add_step", None)
        if add is not None:
            add(message.text)

    def action_help(self) -> None:
        from reviewtui.tui.screens.help import HelpScreen
        from reviewtui.tui.screens.remaining import RemainingScreen
        from reviewtui.tui.screens.review import ReviewScreen
        from reviewtui.tui.widgets.patch_view import PatchView

        if isinstance(self.screen, HelpScreen):
            return
        if isinstance(self.screen, RemainingScreen):
            self.push_screen(HelpScreen([
                ("Remaining call sites", RemainingScreen.BINDINGS),
                ("Everywhere", self.BINDINGS),
            ]))
            return
        self.push_screen(HelpScreen([
            ("Review", ReviewScreen.BINDINGS),
            ("Diff (centre pane)", PatchView.BINDINGS),
            ("Everywhere", self.BINDINGS),
        ]))

    def on_unmount(self) -> None:
        if self.backend is not None:
            self.backend.close()


def _freeze_heap() -> None:
    """Keep the loaded thread out of garbage collections, and collect less often.

    The model of a thread is a few hundred thousand long-lived objects, and every frame
    allocates thousands of short-lived ones (Textual strips and their caches): with the
    default thresholds a collection every few keys paused the UI for ~100 ms.
    """
    gc.freeze()
    gc.set_threshold(50_000, 50, 100)


def make_app(args: argparse.Namespace | None = None, *, backend=None,
             job: BackgroundJob | None = None, state: str | Path | None = None) -> ReviewApp:
    """The app for ARGS (thread, --mbox, --revision, --cache-dir...), or for a ready BACKEND.

    JOB: the load already started with start_loading(ARGS) (the CLI starts it early).
    """
    if args is None and backend is None:
        raise ValueError("make_app needs the command's arguments or a backend")
    return ReviewApp(args=args, backend=backend, job=job, state=state)
