"""The cache under crashes, damage and a full disk: always readable, errors in one line."""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from reviewtui.cli import main
from reviewtui.lore.cache import ThreadCache, raw_msgid, raw_to_mbox, split_raw

try:
    from support.cli import CORPUS, MADVISE_V1, MIGRATE_V1, REPO, run_cli
    from support.hostile_http import HostileServer
except ImportError:
    from tests.support.cli import CORPUS, MADVISE_V1, MIGRATE_V1, REPO, run_cli
    from tests.support.hostile_http import HostileServer

from test_fetch_cli import snapshot

MIGRATE = CORPUS / "migrate-folio-conversion.mbox"
RUNNER = Path(__file__).resolve().parent / "support" / "crash_runner.py"


def _without_cover(tmp_path: Path) -> Path:
    """The migrate thread without its cover letter: its cached root is another message."""
    raws = [r for r in split_raw(MIGRATE.read_bytes()) if raw_msgid(r) != MIGRATE_V1]
    path = tmp_path / "no-cover.mbox"
    path.write_bytes(raw_to_mbox(raws))
    return path


def _assert_readable(cache: Path, capsys) -> None:
    """Every indexed thread reads back whole, and the full thread can be added again."""
    threads = ThreadCache(cache)
    for entry in threads.threads():
        _entry, data = threads.read(entry.msgid)  # checksum / count checked
        assert len(split_raw(data)) == entry.messages
    assert main(["--cache-dir", str(cache), "cache", "add", str(MIGRATE)]) == 0
    assert main(["--cache-dir", str(cache), "review", "--print", MIGRATE_V1]) == 0
    assert "4/4" in capsys.readouterr().out
    (entry,) = ThreadCache(cache).threads()
    assert entry.msgid == MIGRATE_V1 and entry.messages == 32
    # A new file the index never named may stay behind; a rebuild does not take it for a
    # second thread (a larger file holds all its messages).
    assert main(["--cache-dir", str(cache), "cache", "rebuild"]) == 0
    (entry,) = ThreadCache(cache).threads()
    assert entry.msgid == MIGRATE_V1 and entry.messages == 32


def test_a_kill_at_every_step_of_a_root_changing_merge_leaves_a_readable_cache(
        tmp_path, cli_env, capsys):
    seed = tmp_path / "seed"
    res = run_cli("--cache-dir", str(seed), "cache", "add", str(_without_cover(tmp_path)),
                  env=cli_env)
    assert res.returncode == 0, res.stderr
    (first,) = ThreadCache(seed).threads()
    assert first.msgid != MIGRATE_V1  # adding the cover letter will change the root
    env = dict(cli_env, PYTHONPATH=str(REPO))
    killed = 0
    for step in range(1, 40):
        cache = tmp_path / f"run{step}"
        shutil.copytree(seed, cache)
        proc = subprocess.run(
            [sys.executable, str(RUNNER), str(step), "--cache-dir", str(cache), "cache", "add",
             str(MIGRATE)], check=False, env=env, capture_output=True, text=True, timeout=120)
        if proc.returncode != -signal.SIGKILL:
            assert proc.returncode == 0, proc.stderr
            break
        killed += 1
        _assert_readable(cache, capsys)
    else:
        pytest.fail("the merge never completed")
    # Temporary thread file, its fsync and rename, the same for the index, then the unlink.
    assert killed >= 7


def test_a_truncated_thread_file_is_reported_not_loaded(tmp_path, cli_env):
    cache = tmp_path / "cache"
    assert run_cli("--cache-dir", str(cache), "cache", "add", str(MIGRATE),
                   env=cli_env).returncode == 0
    (entry,) = ThreadCache(cache).threads()
    path = cache / "threads" / entry.file_name
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 5])  # cut in the middle of a message
    for args in (("review", "--print", MIGRATE_V1), ("sites", MIGRATE_V1)):
        res = run_cli("--cache-dir", str(cache), *args, env=cli_env)
        assert res.returncode == 6 and "Traceback" not in res.stderr
        line = res.stderr.strip().splitlines()[-1]
        assert "is damaged: it holds" in line and "of the 32 messages" in line
        assert "cache rebuild" in line and f"reviewtui fetch {MIGRATE_V1}" in line
    # Fetching the thread again repairs it (a merge with the damaged copy is refused).
    assert run_cli("--cache-dir", str(cache), "cache", "add", str(MIGRATE),
                   env=cli_env).returncode == 6
    server = HostileServer(MIGRATE)
    try:
        res = run_cli("--cache-dir", str(cache), "--server", server.base_url, "fetch",
                      MIGRATE_V1, env=cli_env)
    finally:
        server.stop()
    assert res.returncode == 0 and "32 messages cached" in res.stdout, res.stderr
    assert ThreadCache(cache).read(MIGRATE_V1)[1] == data


def test_an_index_without_checksums_still_loads_and_still_finds_truncation(tmp_path, cli_env):
    cache = tmp_path / "cache"
    assert run_cli("--cache-dir", str(cache), "cache", "add", str(MIGRATE),
                   env=cli_env).returncode == 0
    index = json.loads((cache / "index.json").read_text())
    for key, entry in index["threads"].items():  # the index as reviewtui wrote it before
        (cache / "threads" / entry.pop("file")).rename(cache / "threads" / f"{key}.mbox")
        del entry["sha256"]
    (cache / "index.json").write_text(json.dumps(index))
    (entry,) = ThreadCache(cache).threads()
    assert entry.sha256 is None and entry.file_name == f"{entry.key}.mbox"
    res = run_cli("--cache-dir", str(cache), "review", "--print", MIGRATE_V1, env=cli_env)
    assert res.returncode == 0, res.stderr
    path = cache / "threads" / entry.file_name
    path.write_bytes(path.read_bytes()[:50000])
    res = run_cli("--cache-dir", str(cache), "review", "--print", MIGRATE_V1, env=cli_env)
    assert res.returncode == 6 and "of the 32 messages the index lists" in res.stderr


@pytest.mark.parametrize("damage", [
    ("messages", "32"), ("msgids", "not a list"), ("msgid", 5), ("file", "../../etc/passwd"),
    ("sha256", 12), ("subject", ["x"]), ("as_of", {"a": 1}),
])
def test_wrong_field_types_in_the_index_are_one_clear_error(damage, tmp_path, capsys):
    cache = tmp_path / "cache"
    assert main(["--cache-dir", str(cache), "cache", "add", str(MIGRATE)]) == 0
    index = json.loads((cache / "index.json").read_text())
    field, value = damage
    next(iter(index["threads"].values()))[field] = value
    (cache / "index.json").write_text(json.dumps(index))
    capsys.readouterr()
    for args in (("cache", "ls"), ("review", "--print", MIGRATE_V1),
                 ("cache", "add", str(MIGRATE))):
        assert main(["--cache-dir", str(cache), *args]) == 6
        (line,) = capsys.readouterr().err.strip().splitlines()
        assert "is corrupt" in line and "cache rebuild" in line
    assert main(["--cache-dir", str(cache), "cache", "rebuild"]) == 0
    assert main(["--cache-dir", str(cache), "review", "--print", MIGRATE_V1]) == 0


@pytest.mark.parametrize("tables", [
    [], {"threads": [], "msgids": {}}, {"threads": {}, "msgids": {"a@b": 3}},
    {"threads": {}, "msgids": {}, "links": ["x"]}, {"threads": {}, "msgids": {}, "version": "1"},
])
def test_wrong_table_types_in_the_index(tables, tmp_path, capsys):
    (tmp_path / "index.json").write_text(json.dumps(tables))
    assert main(["--cache-dir", str(tmp_path), "cache", "ls"]) == 6
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "cache rebuild" in line


@pytest.mark.parametrize("failing_call", [1, 2])
def test_disk_full_is_one_line_and_changes_nothing(failing_call, tmp_path, monkeypatch, capsys):
    cache = tmp_path / "cache"
    assert main(["--cache-dir", str(cache), "cache", "add", str(_without_cover(tmp_path))]) == 0
    before = snapshot(cache)
    calls = 0
    real_fsync = os.fsync

    def full(fd):
        nonlocal calls
        calls += 1
        if calls == failing_call:  # 1: the thread file, 2: the index
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_fsync(fd)

    monkeypatch.setattr(os, "fsync", full)
    capsys.readouterr()
    assert main(["--cache-dir", str(cache), "cache", "add", str(MIGRATE)]) == 6
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "No space left on device" in err[0]
    assert "the cache was not changed" in err[0]
    assert snapshot(cache) == before
    assert not list(cache.rglob(".tmp-*"))


def test_fetch_on_a_full_disk(tmp_path, monkeypatch, capsys):
    server = HostileServer(MIGRATE)
    monkeypatch.setattr(os, "fsync", lambda fd: (_ for _ in ()).throw(
        OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))))
    try:
        code = main(["--cache-dir", str(tmp_path / "c"), "--server", server.base_url, "fetch",
                     "--quiet", MIGRATE_V1])
    finally:
        server.stop()
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 6 and len(err) == 1 and "No space left on device" in err[0]
    assert not list((tmp_path / "c").rglob("*.mbox"))


def test_rebuild_keeps_hand_made_links_and_the_tags_under_them(tmp_path, cli_env):
    cache = tmp_path / "cache"
    state = tmp_path / "state.sqlite3"
    base = ["--cache-dir", str(cache), "--state", str(state)]
    for name in ("migrate-folio-conversion", "mapcount-large-folio-sharing"):
        assert run_cli(*base, "cache", "add", str(CORPUS / f"{name}.mbox"),
                       env=cli_env).returncode == 0
    assert run_cli(*base, "link", MIGRATE_V1, MADVISE_V1, env=cli_env).returncode == 0
    sites = json.loads(run_cli(*base, "sites", MADVISE_V1, "--format", "json",
                               env=cli_env).stdout)
    site = sites[0]["id"]
    assert run_cli(*base, "tag", MADVISE_V1, site, "fn-unsafe", env=cli_env).returncode == 0
    links = ThreadCache(cache).links()
    assert links == {MIGRATE_V1: f"link:{MIGRATE_V1}", MADVISE_V1: f"link:{MIGRATE_V1}"}

    def tag_of_site() -> str | None:
        rows = json.loads(run_cli(*base, "sites", MADVISE_V1, "--format", "json",
                                  env=cli_env).stdout)
        return next(r["requirement"] for r in rows if r["id"] == site)

    assert run_cli(*base, "cache", "rebuild", env=cli_env).returncode == 0
    assert ThreadCache(cache).links() == links and tag_of_site() == "fn-unsafe"
    # Even when index.json itself is lost, links.json keeps them.
    (cache / "index.json").write_text("garbage")
    assert run_cli(*base, "cache", "rebuild", env=cli_env).returncode == 0
    assert ThreadCache(cache).links() == links and tag_of_site() == "fn-unsafe"
