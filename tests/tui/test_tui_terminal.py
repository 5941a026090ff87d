"""End to end in a real terminal: `reviewtui review` inside tmux, driven by keys, read back."""

from __future__ import annotations

import re
import shlex
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import uuid

import pytest

try:
    from support.cli import DEMO_CACHE, MIGRATE_V1
except ImportError:
    from tests.support.cli import DEMO_CACHE, MIGRATE_V1

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


class Tmux:
    """One tmux server of our own (its own socket, our environment) running one command."""

    def __init__(self, command: list[str], env: dict[str, str], size=(200, 50)) -> None:
        self.socket = f"reviewtui-test-{uuid.uuid4().hex[:8]}"
        self.env = env
        # The shell line prints the exit status and keeps the pane for us to read it.
        line = f"{shlex.join(command)}; echo REVIEWTUI-EXIT=$?; sleep 60"
        self.tmux("new-session", "-d", "-s", "t", "-x", str(size[0]), "-y", str(size[1]), line)

    def tmux(self, *args: str) -> str:
        result = subprocess.run(["tmux", "-L", self.socket, "-f", "/dev/null", *args],
                                env=self.env, capture_output=True, text=True, timeout=20,
                                check=True)
        return result.stdout

    def screen(self) -> str:
        """The visible pane as text."""
        return self.tmux("capture-pane", "-p", "-t", "t")

    def wait_for(self, text: str, timeout: float = 20.0) -> str:
        """Poll the pane until TEXT shows; the pane's text."""
        deadline = time.monotonic() + timeout
        while True:
            shown = self.screen()
            if text in shown:
                return shown
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} did not show within {timeout}s; screen:\n{shown}")
            time.sleep(0.05)

    def wait_until(self, found, what: str, timeout: float = 20.0):
        """Poll the pane until FOUND(screen) is truthy; its value."""
        deadline = time.monotonic() + timeout
        while True:
            shown = self.screen()
            value = found(shown)
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"{what} did not show within {timeout}s; screen:\n{shown}")
            time.sleep(0.05)

    def keys(self, *keys: str) -> None:
        """Type KEYS (tmux key names, or literal text with -l semantics for single chars)."""
        for key in keys:
            self.tmux("send-keys", "-t", "t", key)

    def kill(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], env=self.env,
                       capture_output=True, timeout=20, check=False)


def reviewtui(*args: str) -> list[str]:
    return [sys.executable, "-m", "reviewtui.cli", *args]


def test_review_demo_thread_in_tmux(tmp_path, cli_env):
    """First frame, ] to 2/4, t 1 to tag its site, q; the tag is in the state file."""
    state = tmp_path / "state.sqlite3"
    term = Tmux(reviewtui("--cache-dir", str(DEMO_CACHE), "--state", str(state), "review",
                          MIGRATE_V1, "--revision", "1"), cli_env)
    try:
        term.wait_for("4 patches · 3 sites · 3 untagged")
        # The discussion of the first site is drawn once the screen has mounted: keys now
        # reach it (no sleeping: under load any fixed pause can be too short).
        first = term.wait_for("On this site: site 1/3")
        assert "[PATCH 1/4] mm: migrate: use a folio in add_page_for_migration()" in first
        assert "Discussion of 1/4" in first
        term.keys("]")
        shown = term.wait_for("Discussion of 2/4")
        assert "numamigrate_isolate_page" in shown
        assert "I don't know if this is the right logic." in shown  # Matthew Wilcox, anchored
        term.keys("t")
        assert "fn-unsafe" in term.wait_for("Requirement of this site")
        term.keys("1")
        term.wait_for("2 untagged")  # the title bar counts it at once
        shown = term.wait_for("risk")  # the site's row and detail follow (slower under load)
        assert "2 untagged" in shown
        term.keys("q")
        shown = term.wait_for("REVIEWTUI-EXIT=", timeout=10)
        assert "REVIEWTUI-EXIT=0" in shown and "Traceback" not in shown
    finally:
        term.kill()
    with sqlite3.connect(state) as db:
        rows = db.execute("SELECT requirement FROM site_tag").fetchall()
    assert rows == [("fn-unsafe",)]


def test_quit_during_a_hanging_fetch_in_tmux(tmp_path, cli_env):
    """An uncached thread from a server that never answers: q exits at once, cleanly."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    server = f"http://127.0.0.1:{sock.getsockname()[1]}/all"
    term = Tmux(reviewtui("--cache-dir", str(tmp_path / "cache"), "--state",
                          str(tmp_path / "state.sqlite3"), "--server", server, "review",
                          MIGRATE_V1), {**cli_env, "REVIEWTUI_TIMEOUT": "60"})
    try:
        term.wait_for("Fetching thread")
        start = time.monotonic()
        term.keys("q")
        shown = term.wait_for("REVIEWTUI-EXIT=", timeout=10)
        assert time.monotonic() - start < 3
        assert "REVIEWTUI-EXIT=0" in shown and "Traceback" not in shown
    finally:
        term.kill()
        sock.close()


def test_fetch_failure_shows_then_exits_with_its_code_in_tmux(tmp_path, cli_env):
    """Nobody listens on the server's port: the screen says so, q exits with the fetch code."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))  # bound, not listening: refused, and nobody else takes it
    server = f"http://127.0.0.1:{sock.getsockname()[1]}/all"
    term = Tmux(reviewtui("--cache-dir", str(tmp_path / "cache"), "--state",
                          str(tmp_path / "state.sqlite3"), "--server", server, "review",
                          MIGRATE_V1), cli_env)
    try:
        shown = term.wait_for("press q to quit")
        assert f"cannot reach {server}" in shown and "Traceback" not in shown
        term.keys("q")
        shown = term.wait_for("REVIEWTUI-EXIT=", timeout=10)
        assert "REVIEWTUI-EXIT=3" in shown  # FetchError's exit code, as the CLI gives it
        assert f"reviewtui: error: cannot reach {server}" in shown
    finally:
        term.kill()
        sock.close()


_SCROLLBAR = " ▁▂▃▄▅▆▇█"
_CODE_ROW = re.compile(r"^[ ●][ ▌]([ \d]{4,}) ([ \d]{4,}) ([ +-])(.*)$")
_CONTINUATION = re.compile(r"^ +↪ ([ +-])(.*)$")


def diff_lines(screen: str) -> list[tuple[str, str]]:
    """(kind, code) of each diff line on SCREEN, wrapped rows joined, spaces squeezed."""
    lines: list[tuple[str, str]] = []
    for row in screen.splitlines():
        row = row.rstrip(_SCROLLBAR)
        code = _CODE_ROW.match(row)
        more = _CONTINUATION.match(row)
        if code and (code.group(1).strip() or code.group(2).strip()):
            lines.append((code.group(3), " ".join(code.group(4).split())))
        elif more and lines:
            lines[-1] = (lines[-1][0], " ".join((lines[-1][1] + " " + more.group(2)).split()))
    return lines


def test_read_a_site_at_80x24_in_tmux(tmp_path, cli_env):
    """80x24: . to site 2/3 (2/4); its removed and added lines are read from the screen, the
    diff spans the terminal and the site's discussion is under it."""
    removed = "if (PageTransHuge(page) && total_mapcount(page) > 1)"
    added = "if (folio_test_pmd_mappable(folio) && folio_estimated_sharers(folio) > 1)"
    # The terminal's own size, as a reviewer's shell has it (COLUMNS would override it).
    env = {k: v for k, v in cli_env.items() if k not in ("COLUMNS", "LINES")}
    term = Tmux(reviewtui("--cache-dir", str(DEMO_CACHE), "--state",
                          str(tmp_path / "state.sqlite3"), "review", MIGRATE_V1,
                          "--revision", "1"), {**env, "REVIEWTUI_TZ": "UTC"}, size=(80, 24))

    def both_lines(shown: str) -> list[tuple[str, str]] | None:
        found = diff_lines(shown)
        return found if ("-", removed) in found and ("+", added) in found else None

    try:
        term.wait_for("On this site: site 1/3")
        term.keys(".")
        lines = term.wait_until(both_lines, "site 2/3's removed and added lines")
        shown = term.screen()
        rows = shown.splitlines()
        assert len(rows) == 24 and max(len(row) for row in rows) <= 80
        banner = next(row for row in rows if "▼ site 2/3" in row)
        assert "FN introduced · FP removed" in banner
        below = rows.index(next(row for row in rows if row.startswith("Discussion of 2/4")))
        assert below > rows.index(banner)
        # The diff has the terminal's width (not a sliver): its rows fill most of it.
        assert max(len(row.rstrip(_SCROLLBAR)) for row in rows[3:below]) >= 70
        assert "Matthew Wilcox" in "\n".join(rows[below:])
        assert ("-", removed) in lines and "^J" not in shown
        term.keys("q")
        shown = term.wait_for("REVIEWTUI-EXIT=", timeout=10)
        assert "REVIEWTUI-EXIT=0" in shown and "Traceback" not in shown
    finally:
        term.kill()
