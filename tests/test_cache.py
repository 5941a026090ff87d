"""The durable thread cache: safe names, byte-exact storage, lookup by any message-id."""

from __future__ import annotations

import json
import os

import pytest

from reviewtui.errors import CacheError, NotCachedError
from reviewtui.lore.cache import ThreadCache, raw_msgid, safe_name, split_raw, write_atomic

try:
    from support.cli import CORPUS, DEMO_CACHE, MIGRATE_V1
except ImportError:
    from tests.support.cli import CORPUS, DEMO_CACHE, MIGRATE_V1


@pytest.mark.parametrize("msgid", [
    "../../etc/passwd@x", "a/b@c", "..@..", ".hidden@x", "x" * 500 + "@y", "sp ace\n@x", "ü@ß",
])
def test_safe_name_has_no_separators_or_dot_start(msgid):
    name = safe_name(msgid)
    assert "/" not in name and "\0" not in name and not name.startswith(".")
    assert len(name) <= 80 and name.isascii()
    assert name == safe_name(msgid) and name != safe_name(msgid + "1")


def test_store_is_byte_exact_and_indexed_by_every_msgid(tmp_path):
    data = (CORPUS / "migrate-folio-conversion.mbox").read_bytes()
    cache = ThreadCache(tmp_path)
    entry, added = cache.store(split_raw(data), root_msgid=MIGRATE_V1)
    assert added == 32 and entry.messages == 32 and entry.msgid == MIGRATE_V1
    assert cache.path_of(entry).read_bytes() == data
    for msgid in entry.msgids:
        assert cache.find(msgid).msgid == MIGRATE_V1
    # A reply id finds the thread too, and storing again adds nothing.
    assert cache.read("ZMpKYfNWA/jNgEuL@casper.infradead.org")[1] == data
    assert cache.store(split_raw(data), root_msgid=MIGRATE_V1)[1] == 0


def test_merge_adds_only_new_messages(tmp_path):
    raws = split_raw((CORPUS / "migrate-folio-conversion.mbox").read_bytes())
    cache = ThreadCache(tmp_path)
    cache.store(raws[:20], root_msgid=MIGRATE_V1)
    entry, added = cache.store(raws[15:], root_msgid=MIGRATE_V1)
    assert added == 12 and entry.messages == 32
    assert sorted(entry.msgids) == sorted(cache.find(MIGRATE_V1).msgids)


def test_missing_thread_says_how_to_get_it(tmp_path):
    with pytest.raises(NotCachedError, match="reviewtui fetch"):
        ThreadCache(tmp_path).read("nope@example.org")


def test_corrupt_index_is_a_clear_error(tmp_path):
    (tmp_path / "index.json").write_text("{ not json")
    with pytest.raises(CacheError, match="corrupt"):
        ThreadCache(tmp_path).threads()


def test_atomic_write_leaves_old_file_on_failure(tmp_path, monkeypatch):
    target = tmp_path / "f"
    target.write_bytes(b"old")

    def boom(*_a):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        write_atomic(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["f"]


def test_shipped_demo_cache_is_consistent():
    cache = ThreadCache(DEMO_CACHE)
    entries = {e.msgid: e for e in cache.threads()}
    assert len(entries) == 4
    index = json.loads(cache.index_path.read_text())
    assert set(index["msgids"].values()) == set(index["threads"])
    for name in ("migrate-folio-conversion", "migrate-folio-conversion-v2",
                 "mapcount-large-folio-sharing", "mapcount-large-folio-sharing-v2"):
        data = (CORPUS / f"{name}.mbox").read_bytes()
        first = split_raw(data)[0]
        entry = cache.find(raw_msgid(first))
        assert cache.path_of(entry).read_bytes() == data


def test_rebuild_recovers_a_corrupt_index(tmp_path, cli_env):
    from support.cli import run_cli

    cache = tmp_path / "c"
    for name in ("migrate-folio-conversion", "mapcount-large-folio-sharing"):
        assert run_cli("--cache-dir", str(cache), "cache", "add", str(CORPUS / f"{name}.mbox"),
                       env=cli_env).returncode == 0
    (cache / "index.json").write_text("garbage")
    res = run_cli("--cache-dir", str(cache), "cache", "ls", env=cli_env)
    assert res.returncode == 6 and "cache rebuild" in res.stderr
    res = run_cli("--cache-dir", str(cache), "cache", "rebuild", env=cli_env)
    assert res.returncode == 0 and "re-indexed 2" in res.stdout
    assert ThreadCache(cache).find("ZMpKYfNWA/jNgEuL@casper.infradead.org").msgid == MIGRATE_V1
