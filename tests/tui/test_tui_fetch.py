"""Opening a thread that is not cached: fetched with b4 in the background, errors as notices."""

from __future__ import annotations

import socket
import time

import pytest
from conftest import SIZE, review_args, wait_for, wait_for_review

try:
    from support.cli import CORPUS, MIGRATE_V1
except ImportError:
    from tests.support.cli import CORPUS, MIGRATE_V1

from reviewtui.lore.cache import ThreadCache
from reviewtui.tui.app import make_app
from reviewtui.tui.screens.loading import LoadingScreen


@pytest.fixture
def silent_server():
    """A server that accepts connections and never answers."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}/all"
    sock.close()


@pytest.fixture
def closed_port():
    """A URL on a port nobody listens on (bound, not listening: nobody else can take it)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    yield f"http://127.0.0.1:{sock.getsockname()[1]}/all"
    sock.close()


async def test_uncached_thread_is_fetched_then_reviewed(pi_server, tmp_path, state_path):
    """The loading screen reports b4's steps; the review opens on the fetched thread."""
    server = pi_server(CORPUS / "migrate-folio-conversion.mbox")
    cache = tmp_path / "cache"
    app = make_app(review_args(state_path, "--server", server.base_url, cache=cache))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, LoadingScreen), what="loading")
        loading = app.screen
        screen = await wait_for_review(pilot, timeout=60)
        assert any("not cached: fetching it from" in step for step in loading.steps)
        assert any("Fetching thread" in step for step in loading.steps)
        assert len(screen.backend.series.messages) == 32
        assert screen.backend.source == f"cache:{MIGRATE_V1}"
    assert ThreadCache(cache).find(MIGRATE_V1) is not None


async def test_fetch_error_is_a_notice_not_a_traceback(closed_port, tmp_path, state_path):
    """A server that cannot be reached: the loading screen says so; q still quits."""
    app = make_app(review_args(state_path, "--server", closed_port, cache=tmp_path / "c"))
    async with app.run_test(size=SIZE) as pilot:
        # notify() is delivered as a message: wait for the notice too, not just the screen.
        await wait_for(pilot, lambda: isinstance(app.screen, LoadingScreen)
                       and bool(app.screen.failed_message) and bool(list(app._notifications)),
                       timeout=30, what="the failure")
        loading = app.screen
        assert f"cannot reach {closed_port}" in loading.failed_message
        notices = [n for n in app._notifications]
        assert notices and notices[-1].severity == "error"
        assert "cannot reach" in notices[-1].message
        await pilot.press("q")
        await pilot.pause()
    assert app._exception is None and app.return_code in (0, None)


async def test_quit_while_fetching_returns_at_once(silent_server, tmp_path, state_path,
                                                   monkeypatch):
    """q during a fetch that hangs: the app ends now, not when the fetch times out."""
    monkeypatch.setenv("REVIEWTUI_TIMEOUT", "5")  # the abandoned fetch thread ends soon too
    app = make_app(review_args(state_path, "--server", silent_server, cache=tmp_path / "c"))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, LoadingScreen)
                       and any("Fetching" in s for s in app.screen.steps), what="fetching")
        await pilot.pause(0.5)  # the spinner shows while the fetch hangs; the UI answers
        assert app.screen.query_one("#loading-indicator").display
        start = time.monotonic()
        await pilot.press("q")
    assert time.monotonic() - start < 2
    assert app._exception is None
