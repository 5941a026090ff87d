"""Start loading a thread for review in the background (no Textual import here).

The CLI calls start_loading() first thing, so fetching/parsing runs while Textual is still
being imported and the first frame drawn.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from reviewtui.tui.background import BackgroundJob, Progress

if TYPE_CHECKING:
    from reviewtui.tui.backend import Prepared


def start_loading(args: argparse.Namespace) -> BackgroundJob[Prepared]:
    """A running job that fetches (if needed), parses and analyses the thread ARGS name."""

    def job(progress: Progress) -> Prepared:
        from reviewtui.tui.backend import prepare

        prepared = prepare(args, progress)
        # Warm up here what the first frame needs, or the UI thread would stall on it:
        # the review screen's modules and the C lexer.
        import reviewtui.tui.screens.review  # noqa: F401
        from reviewtui.tui.highlight import code_spans

        code_spans("static int x = 0;")
        return prepared

    return BackgroundJob(job, name="reviewtui-load")
