"""Fixtures for the TUI tests: the demo thread parsed once, apps on a fresh state file."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pytest

try:
    from support.cli import DEMO_CACHE, MIGRATE_V1
except ImportError:
    from tests.support.cli import DEMO_CACHE, MIGRATE_V1

from reviewtui.cli import build_parser
from reviewtui.tui.backend import Prepared, ReviewBackend, prepare

SIZE = (200, 50)  # the terminal size of every Pilot and snapshot test


def review_args(state: Path, *extra: str, cache: Path = DEMO_CACHE,
                thread: str | None = MIGRATE_V1) -> argparse.Namespace:
    """Arguments exactly as `reviewtui --cache-dir CACHE --state STATE review THREAD` parses.

    The demo thread is reviewed at v1 (--revision 1), the revision its discussion is about;
    by default reviewtui would open the cached v2.
    """
    argv = ["--cache-dir", str(cache), "--state", str(state), "review"]
    if thread:
        argv.append(thread)
    if thread == MIGRATE_V1 and "--revision" not in extra:
        argv += ["--revision", "1"]
    return build_parser().parse_args([*argv, *extra])


@pytest.fixture(autouse=True)
def _dates_in_utc(monkeypatch) -> None:
    """Mail dates shown in UTC: the default, the local zone, differs between machines."""
    monkeypatch.setenv("REVIEWTUI_TZ", "UTC")


@pytest.fixture(scope="session")
def demo_prepared(tmp_path_factory) -> Prepared:
    """The demo thread (migrate v1) loaded and analysed once for the whole session."""
    state = tmp_path_factory.mktemp("unused") / "state.sqlite3"
    return prepare(review_args(state), lambda _text: None)


@pytest.fixture
def colour(monkeypatch) -> None:
    """Colours on (the isolated environment sets NO_COLOR, which Textual honours)."""
    monkeypatch.delenv("NO_COLOR", raising=False)


@pytest.fixture
def state_path(tmp_path) -> Path:
    """A review-state file of this test only."""
    return tmp_path / "state.sqlite3"


@pytest.fixture
def demo_backend(demo_prepared, state_path):
    """A backend on the demo thread with an empty review store."""
    backend = ReviewBackend.open(demo_prepared, state_path)
    yield backend
    backend.close()


async def wait_for(pilot, condition, timeout: float = 15.0, what: str = "condition") -> None:
    """Pause the pilot until CONDITION() holds (AssertionError after TIMEOUT seconds)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.02)


async def last_notice(pilot, timeout: float = 10.0):
    """The newest notification, once one has been delivered (notify() posts a message)."""
    await wait_for(pilot, lambda: bool(list(pilot.app._notifications)), timeout, "a notice")
    return list(pilot.app._notifications)[-1]


async def wait_for_review(pilot, timeout: float = 15.0):
    """Wait until the app shows the review screen; returns it."""
    from reviewtui.tui.screens.review import ReviewScreen

    await wait_for(pilot, lambda: isinstance(pilot.app.screen, ReviewScreen), timeout,
                   "the review screen")
    await pilot.pause()
    return pilot.app.screen

