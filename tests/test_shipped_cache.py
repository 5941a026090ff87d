"""The shipped demo threads are read behind the default cache, and never written."""

from __future__ import annotations

import hashlib
import json
import shutil

try:
    from support.cli import DEMO_CACHE, MIGRATE_V1, run_cli
except ImportError:
    from tests.support.cli import DEMO_CACHE, MIGRATE_V1, run_cli

from reviewtui.lore.cache import ThreadCache, split_raw
from reviewtui.lore.shipped import LayeredCache


def _digest(root) -> str:
    h = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and p.name != ".lock"):
        h.update(path.name.encode() + path.read_bytes())
    return h.hexdigest()


def test_the_default_cache_reads_the_shipped_threads(cli_env, tmp_path):
    env = {**cli_env, "REVIEWTUI_SHIPPED_CACHE": str(DEMO_CACHE)}
    out = run_cli("sites", MIGRATE_V1, "--revision", "1", "--format", "json", env=env)
    assert out.returncode == 0, out.stderr
    assert len(json.loads(out.stdout)) == 3
    listed = json.loads(run_cli("cache", "ls", "--format", "json", env=env).stdout)
    assert len(listed) == 4 and all(t["shipped"] for t in listed)
    off = run_cli("sites", MIGRATE_V1, env={**cli_env, "REVIEWTUI_SHIPPED_CACHE": ""})
    assert off.returncode != 0 and "is not in the cache" in off.stderr
    # An explicit --cache-dir is exactly that cache.
    own = run_cli("--cache-dir", str(tmp_path / "empty"), "sites", MIGRATE_V1, env=env)
    assert own.returncode != 0 and "is not in the cache" in own.stderr


def test_a_new_reply_to_a_shipped_thread_lands_whole_in_the_own_cache(tmp_path):
    shipped = tmp_path / "shipped"
    shutil.copytree(DEMO_CACHE, shipped)
    before = _digest(shipped)
    cache = LayeredCache(tmp_path / "own", ThreadCache(shipped))
    _entry, data = cache.read(MIGRATE_V1)
    raws = split_raw(data)
    reply = (b"From: Rita Reviewer <rita@example.org>\nSubject: Re: [PATCH 0/4] x\n"
             b"Message-ID: <late-reply@example.org>\n"
             b"In-Reply-To: <" + MIGRATE_V1.encode() + b">\n"
             b"References: <" + MIGRATE_V1.encode() + b">\n"
             b"Date: Mon, 4 Sep 2023 10:00:00 +0000\n\nA late reply.\n")
    stored, added = cache.store([reply], root_msgid=MIGRATE_V1)
    assert added == 1 and stored.messages == len(raws) + 1
    assert cache.own(stored) and not cache.fallback.find("late-reply@example.org")
    again, data = cache.read("late-reply@example.org")
    assert again.msgid == MIGRATE_V1 and len(split_raw(data)) == len(raws) + 1
    assert [t.msgid for t in cache.shipped()].count(MIGRATE_V1) == 0  # the own copy wins
    assert _digest(shipped) == before
