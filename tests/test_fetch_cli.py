"""`reviewtui fetch` end to end: a real public-inbox-httpd on 127.0.0.1, and every bad input."""

from __future__ import annotations

import gzip
import hashlib
import http.server
import json
import socket
import threading
from pathlib import Path

import pytest

from reviewtui.lore.cache import raw_msgid, split_raw

try:
    from support.cli import CORPUS, MIGRATE_V1, MIGRATE_V2, run_cli
except ImportError:
    from tests.support.cli import CORPUS, MIGRATE_V1, MIGRATE_V2, run_cli

MIGRATE = CORPUS / "migrate-folio-conversion.mbox"


def snapshot(root: Path) -> dict[str, str]:
    """Every file under ROOT with its hash (the cache 'exactly as it was')."""
    if not root.exists():
        return {}
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*")) if p.is_file() and p.name != ".lock"
    }


def _late_reply() -> bytes:
    return (
        b"From: Late Reviewer <late@example.org>\n"
        b"To: wangkefeng.wang@huawei.com\n"
        b"Subject: Re: [PATCH 3/4] mm: migrate: make migrate_misplaced_page() to take a folio\n"
        b"Date: Thu, 31 Aug 2023 10:00:00 +0000\n"
        b"Message-ID: <late-reply-1@example.org>\n"
        b"In-Reply-To: <20230802095346.87449-4-wangkefeng.wang@huawei.com>\n"
        b"References: <20230802095346.87449-1-wangkefeng.wang@huawei.com> "
        b"<20230802095346.87449-4-wangkefeng.wang@huawei.com>\n"
        b"\n"
        b"Reviewed-by: Late Reviewer <late@example.org>\n"
    )


def test_fetch_refresh_and_server_down(pi_server, tmp_path, cli_env):
    server = pi_server(MIGRATE)
    cache = tmp_path / "cache"
    res = run_cli("--cache-dir", str(cache), "--server", server.base_url, "fetch",
                  f"<{MIGRATE_V1}>", env=cli_env)
    assert res.returncode == 0, res.stderr
    assert "Fetching thread" in res.stderr  # progress on the terminal
    listed = json.loads(run_cli("--cache-dir", str(cache), "cache", "ls", "--format", "json",
                                env=cli_env).stdout)
    assert [t["msgid"] for t in listed] == [MIGRATE_V1] and listed[0]["messages"] == 32
    assert "analysing call sites" in res.stderr
    analysed = list((cache / "analysis").glob("*.json"))  # sites, tag, mark answer at once
    assert len(analysed) == 1 and MIGRATE_V1 in analysed[0].read_text()
    served = {raw_msgid(r): r for r in split_raw(MIGRATE.read_bytes())}
    cached_file = cache / listed[0]["file"]
    cached = {raw_msgid(r) for r in split_raw(cached_file.read_bytes())}
    assert cached == set(served) == set(listed[0]["msgids"])

    # A later reply arrives: --refresh adds exactly that one.
    server.add_message(_late_reply())
    res = run_cli("--cache-dir", str(cache), "--server", server.base_url, "fetch", "--refresh",
                  f"id:{MIGRATE_V1}", env=cli_env)
    assert res.returncode == 0, res.stderr
    assert "33 messages cached (1 new)" in res.stdout
    listed = json.loads(run_cli("--cache-dir", str(cache), "cache", "ls", "--format", "json",
                                env=cli_env).stdout)
    assert not cached_file.exists()  # the store wrote a new file, then removed the old one
    after = {raw_msgid(r) for r in split_raw((cache / listed[0]["file"]).read_bytes())}
    assert after - cached == {"late-reply-1@example.org"}

    # Offline commands read the cache; the new reply is part of the model now.
    res = run_cli("--cache-dir", str(cache), "review", "--print", "late-reply-1@example.org",
                  env=cli_env)
    assert res.returncode == 0 and "3/4" in res.stdout

    # Unknown message-id: 404 from the real server, one line, cache untouched.
    before = snapshot(cache)
    res = run_cli("--cache-dir", str(cache), "--server", server.base_url, "fetch",
                  "no-such-message@example.org", env=cli_env)
    assert res.returncode != 0 and res.stderr.splitlines()[-1] == (
        f"reviewtui: error: no-such-message@example.org: no such message on {server.base_url} (404)"
    )
    assert snapshot(cache) == before

    # Server down: connection refused.
    base = server.base_url
    server.stop()
    res = run_cli("--cache-dir", str(cache), "--server", base, "fetch", "--refresh", MIGRATE_V1,
                  env=cli_env)
    assert res.returncode != 0
    errors = [ln for ln in res.stderr.splitlines() if ln.startswith("reviewtui: error:")]
    assert errors == [f"reviewtui: error: cannot reach {base}: connection refused"]
    assert snapshot(cache) == before


def test_lore_url_is_accepted(pi_server, tmp_path, cli_env):
    server = pi_server(MIGRATE)
    url = f"{server.base_url}/ZMpKYfNWA%2FjNgEuL@casper.infradead.org/"
    res = run_cli("--cache-dir", str(tmp_path), "fetch", url, env=cli_env)
    assert res.returncode == 0, res.stderr
    assert f"{MIGRATE_V1}: 32 messages cached" in res.stdout


class _Handler(http.server.BaseHTTPRequestHandler):
    payload = b""

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/gzip")
        self.send_header("Content-Length", str(len(self.payload)))
        self.end_headers()
        self.wfile.write(self.payload)

    def log_message(self, *_args):
        pass


@pytest.fixture
def truncated_server():
    body = gzip.compress(MIGRATE.read_bytes())
    handler = type("H", (_Handler,), {"payload": body[: len(body) // 2]})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/all"
    httpd.shutdown()
    httpd.server_close()
    thread.join()


@pytest.fixture
def silent_server():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)  # accepts connections (kernel backlog) but never answers
    yield f"http://127.0.0.1:{sock.getsockname()[1]}/all"
    sock.close()


@pytest.fixture
def refused_url():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"http://127.0.0.1:{port}/all"


def _seeded_cache(tmp_path: Path, env) -> Path:
    cache = tmp_path / "cache"
    res = run_cli("--cache-dir", str(cache), "cache", "add", str(MIGRATE), env=env)
    assert res.returncode == 0, res.stderr
    return cache


@pytest.mark.parametrize("case", ["refused", "timeout", "truncated"])
def test_network_failures(case, tmp_path, cli_env, request):
    url = {
        "refused": lambda: request.getfixturevalue("refused_url"),
        "timeout": lambda: request.getfixturevalue("silent_server"),
        "truncated": lambda: request.getfixturevalue("truncated_server"),
    }[case]()
    cache = _seeded_cache(tmp_path, cli_env)
    before = snapshot(cache)
    res = run_cli("--cache-dir", str(cache), "--server", url, "fetch", "--timeout", "1",
                  "other-thread@example.org", env=cli_env, timeout=60)
    assert res.returncode != 0
    lines = res.stderr.strip().splitlines()
    assert len([ln for ln in lines if ln.startswith("reviewtui: error:")]) == 1
    assert "Traceback" not in res.stderr
    expected = {"refused": "cannot reach", "timeout": "timeout", "truncated": "truncated"}[case]
    assert expected in lines[-1]
    assert snapshot(cache) == before


@pytest.mark.parametrize("content, message", [
    (b"", "empty"),
    (b"\x00\x01binary junk\xff\n", "not an mbox"),
    (b"Dear friend,\nthis is a letter.\n", "not an mbox"),
])
def test_bad_mbox_files(content, message, tmp_path, cli_env):
    cache = _seeded_cache(tmp_path, cli_env)
    before = snapshot(cache)
    bad = tmp_path / "bad.mbox"
    bad.write_bytes(content)
    for args in (("cache", "add", str(bad)), ("review", "--print", "--mbox", str(bad))):
        res = run_cli("--cache-dir", str(cache), *args, env=cli_env)
        assert res.returncode != 0 and message in res.stderr
        assert len(res.stderr.strip().splitlines()) == 1
    assert snapshot(cache) == before


@pytest.mark.parametrize("thread", ["../../etc/passwd", "..", "a/../../b", "", "foo bar@x"])
def test_hostile_message_ids(thread, tmp_path, cli_env):
    cache = _seeded_cache(tmp_path, cli_env)
    before = snapshot(cache)
    res = run_cli("--cache-dir", str(cache), "--server", "http://127.0.0.1:9/all", "fetch",
                  "--timeout", "1", thread, env=cli_env)
    assert res.returncode != 0 and "Traceback" not in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
    assert snapshot(cache) == before


def test_slash_in_msgid_is_stored_safely(tmp_path, cli_env):
    cache = _seeded_cache(tmp_path, cli_env)
    res = run_cli("--cache-dir", str(cache), "review", "--print",
                  "<ZMpKYfNWA/jNgEuL@casper.infradead.org>", env=cli_env)
    assert res.returncode == 0, res.stderr
    assert all(p.parent.name == "threads" for p in (cache / "threads").iterdir())


def test_mbox_option_and_revision(tmp_path, cli_env):
    res = run_cli("review", "--print", "--mbox", str(MIGRATE), env=cli_env)
    assert res.returncode == 0 and "4/4" in res.stdout
    res = run_cli("review", "--print", "--mbox", str(MIGRATE), "--revision", "3", env=cli_env)
    assert res.returncode == 2 and "v3" in res.stderr


def test_not_cached_never_touches_network(tmp_path, cli_env):
    env = dict(cli_env, REVIEWTUI_SERVER="http://127.0.0.1:9/all")
    res = run_cli("--cache-dir", str(tmp_path), "review", "--print", MIGRATE_V1, env=env)
    assert res.returncode != 0 and "not in the cache" in res.stderr
    assert "cannot reach" not in res.stderr


def test_help_for_every_command(cli_env):
    from reviewtui.cli import COMMANDS

    assert run_cli("--help", env=cli_env).returncode == 0
    for name in COMMANDS:
        res = run_cli(name.replace("_", "-"), "--help", env=cli_env)
        assert res.returncode == 0 and "usage:" in res.stdout


def test_fetch_finds_other_revisions(tmp_path, cli_env, pi_server):
    both = tmp_path / "both.mbox"
    both.write_bytes(MIGRATE.read_bytes() + (CORPUS / "migrate-folio-conversion-v2.mbox").read_bytes())
    server = pi_server(both)
    cache = tmp_path / "cache"
    res = run_cli("--cache-dir", str(cache), "--server", server.base_url, "fetch", "--revisions",
                  MIGRATE_V1, env=cli_env)
    assert res.returncode == 0, res.stderr
    listed = json.loads(run_cli("--cache-dir", str(cache), "cache", "ls", "--format", "json",
                                env=cli_env).stdout)
    assert sorted(t["msgid"] for t in listed) == sorted([MIGRATE_V1, MIGRATE_V2])
    # The v1 thread now opens its v2 with --revision 2, and the latest by default stays v1's.
    res = run_cli("--cache-dir", str(cache), "review", "--print", MIGRATE_V1, "--revision", "2",
                  env=cli_env)
    assert res.returncode == 0 and "8/8" in res.stdout


def test_only_the_chosen_command_is_loaded():
    from reviewtui.cli import chosen_command

    assert chosen_command(["--cache-dir", "cache", "review", "x"]) == "review"
    assert chosen_command(["--state", "tag", "sites", "x"]) == "sites"  # a file named "tag"
    assert chosen_command(["tree-audit", "x", "--tree", "."]) == "tree_audit"
    assert chosen_command(["--help"]) is None
