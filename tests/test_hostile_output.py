"""Hostile mail text on the command line: no raw escape, control or bidi character is printed,
and broken input (Message-ID <>, endless devices) is one error line, never a traceback."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from reviewtui.cli import main
from reviewtui.text_safety import clean_line, escape_controls, json_dumps

try:
    from support.cli import CORPUS, MIGRATE_V1, run_cli
    from support.hostile_mail import ESC_TEXT, with_escapes
except ImportError:
    from tests.support.cli import CORPUS, MIGRATE_V1, run_cli
    from tests.support.hostile_mail import ESC_TEXT, with_escapes

MIGRATE = CORPUS / "migrate-folio-conversion.mbox"
PATCH_1 = "20230802095346.87449-2-wangkefeng.wang@huawei.com"
RAW = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def test_escaping_shows_every_dangerous_character():
    assert escape_controls(ESC_TEXT) == (
        "^[]52;c;ZWNobyBwd25lZA==^G^[[31mred^[[0m<U+202E>evil<U+202C>")
    assert clean_line("a\tb\r\nc\x9bd") == "a       b^Jc<U+009B>d"
    text = json_dumps({"s": ESC_TEXT + "\x85\u2028"})
    assert not RAW.search(text) and json.loads(text) == {"s": ESC_TEXT + "\x85\u2028"}


@pytest.fixture
def hostile_cache(tmp_path, cli_env):
    data = with_escapes(with_escapes(MIGRATE.read_bytes(), MIGRATE_V1), PATCH_1)
    mbox = tmp_path / "hostile.mbox"
    mbox.write_bytes(data)
    base = ["--cache-dir", str(tmp_path / "cache"), "--state", str(tmp_path / "state.sqlite3")]
    res = run_cli(*base, "cache", "add", str(mbox), env=cli_env)
    assert res.returncode == 0 and not RAW.search(res.stdout + res.stderr), res.stderr
    return base


def _clean_run(base, *args, env) -> str:
    res = run_cli(*base, *args, env=env)
    assert res.returncode == 0, res.stderr
    found = RAW.search(res.stdout + res.stderr)
    assert found is None, (args, res.stdout[max(0, found.start() - 80):found.end() + 80])
    return res.stdout


def test_no_command_prints_raw_escapes(hostile_cache, cli_env):
    base = hostile_cache
    listing = _clean_run(base, "cache", "ls", env=cli_env)
    assert "^[" in listing  # the cover letter's subject, shown
    assert "^[" in _clean_run(base, "review", "--print", MIGRATE_V1, env=cli_env)
    sites = json.loads(_clean_run(base, "sites", "--format", "json", MIGRATE_V1, env=cli_env))
    assert any("\x1b" in s["patch_subject"] for s in sites)  # JSON keeps the data exact
    site = next(s["id"] for s in sites if s["patch"] == 1)
    tagged = _clean_run(base, "tag", MIGRATE_V1, site, "fn-unsafe", "--note", ESC_TEXT,
                        env=cli_env)
    assert site in tagged
    table = _clean_run(base, "sites", MIGRATE_V1, env=cli_env)
    assert "<U+202E>evil" in table and "^[]52;c;" in table  # the note, shown not obeyed
    assert "^[" in _clean_run(base, "mark", MIGRATE_V1, "1", "reviewed", env=cli_env)
    _clean_run(base, "thread", MIGRATE_V1, env=cli_env)
    _clean_run(base, "thread", "--format", "json", MIGRATE_V1, env=cli_env)
    for fmt in ("md", "csv", "json", "html"):
        out = _clean_run(base, "audit", MIGRATE_V1, "--format", fmt, env=cli_env)
        if fmt in ("md", "csv", "html"):
            assert "<U+202E>evil" in out.replace("&lt;", "<").replace("&gt;", ">"), fmt


def _with_msgid(data: bytes, old: str, new: str) -> bytes:
    return re.sub(rb"(?mi)^(Message-ID:\s*)<" + re.escape(old.encode()) + rb">",
                  rb"\1" + new.encode(), data, count=1)


@pytest.mark.parametrize("msgid", [PATCH_1, MIGRATE_V1])
@pytest.mark.parametrize("value", ["<>", "<", "<@>", ""])
def test_unusable_message_ids_are_skipped(msgid, value, tmp_path, capsys):
    mbox = tmp_path / "x.mbox"
    mbox.write_bytes(_with_msgid(MIGRATE.read_bytes(), msgid, value))
    for args in (["review", "--print", "--mbox", str(mbox)], ["sites", "--mbox", str(mbox)],
                 ["thread", "--mbox", str(mbox)],
                 ["--cache-dir", str(tmp_path / "c"), "cache", "add", str(mbox)]):
        assert main(args) == 0, (args, capsys.readouterr().err)
    assert "31 messages" in capsys.readouterr().out  # only the message without an id is gone


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_endless_devices_are_refused_at_once(device, tmp_path, cli_env):
    if not Path(device).exists():
        pytest.skip(f"no {device}")
    for args in (["review", "--print", "--mbox", device],
                 ["--cache-dir", str(tmp_path), "cache", "add", device]):
        res = run_cli(*args, env=cli_env, timeout=60)
        assert res.returncode == 5 and "Traceback" not in res.stderr
        assert res.stderr.strip().splitlines() == [
            f"reviewtui: error: {device}: not an mbox (binary data)"]


def test_an_endless_text_stream_stops_at_the_size_limit(tmp_path, cli_env):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    endless = ("import sys\nline = b'From x\\n' + b'y' * 4000 + b'\\n'\n"
               "with open(sys.argv[1], 'wb') as out:\n"
               "    try:\n        while True: out.write(line)\n"
               "    except BrokenPipeError: pass\n")
    writer = subprocess.Popen([sys.executable, "-c", endless, str(fifo)],
                              stderr=subprocess.DEVNULL)
    try:
        res = run_cli("review", "--print", "--mbox", str(fifo),
                      env=dict(cli_env, REVIEWTUI_MAX_FETCH_BYTES="8M"), timeout=60)
    finally:
        writer.kill()
        writer.wait()
    assert res.returncode == 5
    assert res.stderr.strip().splitlines() == [
        (f"reviewtui: error: {fifo}: larger than 8 MiB; not read (raise the limit with "
         "REVIEWTUI_MAX_FETCH_BYTES)")]
