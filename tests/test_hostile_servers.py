"""Hostile servers on 127.0.0.1: bombs, endless and trickling answers, resets, 500s, redirects.

Every failure is one `reviewtui: error:` line, a non-zero exit and a cache left byte for byte
as it was. The server is the standard-library one of tests/support/hostile_http.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from reviewtui.cli import main

try:
    from support.cli import CORPUS, MIGRATE_V1, run_cli
    from support.hostile_http import HostileServer, gzip_bomb
except ImportError:
    from tests.support.cli import CORPUS, MIGRATE_V1, run_cli
    from tests.support.hostile_http import HostileServer, gzip_bomb

from test_fetch_cli import snapshot

MIGRATE = CORPUS / "migrate-folio-conversion.mbox"
LIMIT = 32 << 20  # the tests lower the limit so that they move little data


@pytest.fixture
def server():
    srv = HostileServer(MIGRATE)
    yield srv
    srv.stop()


def _measured(args: list[str], env: dict[str, str], out: Path) -> tuple[int, float, int, str]:
    """Run the command line; exit code, seconds, peak RSS in KiB and stderr."""
    start = time.monotonic()
    with open(out / "stdout", "wb") as fo, open(out / "stderr", "wb") as fe:
        proc = subprocess.Popen([sys.executable, "-m", "reviewtui.cli", *args], env=env,
                                stdout=fo, stderr=fe)
        try:
            _pid, status, usage = os.wait4(proc.pid, 0)
        finally:
            proc.returncode = 0  # reaped by wait4
    seconds = time.monotonic() - start
    return (os.waitstatus_to_exitcode(status), seconds, usage.ru_maxrss,
            (out / "stderr").read_text(errors="replace"))


def _error_line(stderr: str) -> str:
    errors = [ln for ln in stderr.splitlines() if ln.startswith("reviewtui: error:")]
    assert len(errors) == 1 and "Traceback" not in stderr, stderr
    return errors[0]


def _seeded(tmp_path: Path, env, server: HostileServer) -> Path:
    """A cache holding the thread, fetched from the server while it still behaved."""
    cache = tmp_path / "cache"
    server.mode = "serve"
    res = run_cli("--cache-dir", str(cache), "--server", server.base_url, "fetch", MIGRATE_V1,
                  env=env)
    assert res.returncode == 0, res.stderr
    return cache


@pytest.mark.parametrize("mode", ["bomb", "bomb-encoded", "endless", "huge-length"])
def test_oversized_answers_stop_at_the_limit(mode, server, tmp_path, cli_env):
    server.bomb = gzip_bomb(2)  # 2 GiB of zeros in about 2 MB
    cache = _seeded(tmp_path, cli_env, server)
    before = snapshot(cache)
    server.mode = mode
    env = dict(cli_env, REVIEWTUI_MAX_FETCH_BYTES=str(LIMIT))
    code, _seconds, rss_kib, stderr = _measured(
        ["--cache-dir", str(cache), "--server", server.base_url, "fetch", "--timeout", "60",
         MIGRATE_V1], env, tmp_path)
    line = _error_line(stderr)
    assert code == 3 and "sent more than 32 MiB" in line and "--max-size" in line, line
    # Bounded memory: the process never holds much more than the limit (2 GiB were offered).
    assert rss_kib < 4 * LIMIT // 1024 + 200 * 1024, rss_kib
    assert snapshot(cache) == before


def test_max_size_option_and_its_validation(server, tmp_path, cli_env):
    cache = tmp_path / "cache"
    res = run_cli("--cache-dir", str(cache), "--server", server.base_url, "fetch",
                  "--max-size", "4K", MIGRATE_V1, env=cli_env)
    assert res.returncode == 3 and "sent more than 4 KiB" in _error_line(res.stderr)
    assert not (cache / "index.json").exists()
    res = run_cli("--cache-dir", str(cache), "--server", server.base_url, "fetch",
                  "--max-size", "1M", MIGRATE_V1, env=cli_env)
    assert res.returncode == 0, res.stderr  # the real thread is about 200 KiB
    for bad in ("0", "-5", "lots", "1.5G"):
        res = run_cli("--server", server.base_url, "fetch", "--max-size", bad, MIGRATE_V1,
                      env=cli_env)
        assert res.returncode == 2 and "--max-size must be a size" in _error_line(res.stderr)
    res = run_cli("--server", server.base_url, "fetch", MIGRATE_V1,
                  env=dict(cli_env, REVIEWTUI_MAX_FETCH_BYTES="huge"))
    assert res.returncode == 2 and "REVIEWTUI_MAX_FETCH_BYTES" in _error_line(res.stderr)


@pytest.mark.parametrize("mode", ["slow-body", "slow-headers"])
def test_timeout_is_a_deadline_for_the_whole_fetch(mode, server, tmp_path, cli_env):
    server.mode, server.pause = mode, 0.3  # one byte every 0.3 s: no read ever times out
    cache = tmp_path / "cache"
    code, seconds, _rss, stderr = _measured(
        ["--cache-dir", str(cache), "--server", server.base_url, "fetch", "--timeout", "2",
         MIGRATE_V1], cli_env, tmp_path)
    line = _error_line(stderr)
    assert code == 3 and "did not answer within 2 s (timeout)" in line, line
    assert seconds < 2 + 3  # the deadline plus start-up, not the minutes the trickle would take
    assert not (cache / "index.json").exists()


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf", "soon"])
def test_bad_timeouts_are_usage_errors(value, tmp_path, capsys, monkeypatch):
    args = ["--cache-dir", str(tmp_path), "--server", "http://127.0.0.1:9/all", "fetch"]
    assert main([*args, "--timeout", value, MIGRATE_V1]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "reviewtui: error: --timeout must be a number of seconds greater than 0" in line
    monkeypatch.setenv("REVIEWTUI_TIMEOUT", value)
    assert main([*args, MIGRATE_V1]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "reviewtui: error: REVIEWTUI_TIMEOUT must be" in line


def test_connection_reset_is_named(server, tmp_path, cli_env):
    cache = _seeded(tmp_path, cli_env, server)
    before = snapshot(cache)
    server.mode = "reset"
    res = run_cli("--cache-dir", str(cache), "--server", server.base_url, "fetch", MIGRATE_V1,
                  env=cli_env)
    line = _error_line(res.stderr)
    assert res.returncode == 3 and "connection reset by server" in line, line
    assert "timeout" not in line
    assert snapshot(cache) == before


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/all", "file:///etc", "gopher://x/all"])
def test_non_http_servers_are_refused(url, tmp_path, cli_env):
    res = run_cli("--cache-dir", str(tmp_path), "--server", url, "fetch", MIGRATE_V1,
                  env=cli_env)
    line = _error_line(res.stderr)
    assert res.returncode == 2 and "must be an http:// or https:// URL" in line, line


@pytest.mark.parametrize("command", [["fetch", "--refresh"], ["sites", "--refresh"]])
def test_refresh_reports_server_errors(command, server, tmp_path, cli_env):
    cache = _seeded(tmp_path, cli_env, server)
    before = snapshot(cache)
    server.mode = "error"
    res = run_cli("--cache-dir", str(cache), "--server", server.base_url, *command, MIGRATE_V1,
                  env=cli_env)
    line = _error_line(res.stderr)
    assert res.returncode == 3 and "answered HTTP 500" in line, line
    assert "no new messages" not in res.stderr
    assert any(method == "POST" for method, _path in server.requests)  # the rt: search
    assert snapshot(cache) == before


def test_answer_without_the_asked_message_is_refused(server, tmp_path, cli_env):
    cache = _seeded(tmp_path, cli_env, server)
    before = snapshot(cache)
    # The server answers every message-id with the migrate thread.
    res = run_cli("--cache-dir", str(cache), "--server", server.base_url, "fetch",
                  "someone-else@example.org", env=cli_env)
    line = _error_line(res.stderr)
    assert res.returncode == 3 and "do not include it" in line, line
    assert snapshot(cache) == before


def test_redirect_to_another_host_is_refused(server, tmp_path, cli_env):
    server.mode = "redirect"
    res = run_cli("--cache-dir", str(tmp_path / "c"), "--server", server.base_url, "fetch",
                  MIGRATE_V1, env=cli_env)
    line = _error_line(res.stderr)
    assert res.returncode == 3 and "redirected to another host (http://127.0.0.2:" in line
    assert len(server.requests) == 1  # nothing was asked of the other host
