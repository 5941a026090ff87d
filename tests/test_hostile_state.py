"""A review-state file with damaged b-tree pages is refused, untouched, with one clear line."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from pathlib import Path

import pytest

try:
    from support.cli import DEMO_CACHE, MIGRATE_V1, isolated_env, run_cli
except ImportError:
    from tests.support.cli import DEMO_CACHE, MIGRATE_V1, isolated_env, run_cli

PAGE = 4096


@pytest.fixture(scope="module")
def tagged_state(tmp_path_factory) -> tuple[Path, list[str]]:
    """A real state file: every site of the migrate series tagged, a patch marked."""
    home = tmp_path_factory.mktemp("home")
    return _state_with_tags(tmp_path_factory.mktemp("state"), isolated_env(home))


def _copy(tagged: tuple[Path, list[str]], tmp_path: Path) -> tuple[Path, list[str]]:
    state = tmp_path / "state.sqlite3"
    shutil.copyfile(tagged[0], state)
    return state, tagged[1]


def _state_with_tags(tmp_path: Path, env) -> tuple[Path, list[str]]:
    state = tmp_path / "state.sqlite3"
    base = ["--cache-dir", str(DEMO_CACHE), "--state", str(state)]
    sites = [s["id"] for s in json.loads(run_cli(*base, "sites", "--format", "json", MIGRATE_V1,
                                                 env=env).stdout)]
    for site in sites:
        res = run_cli(*base, "tag", MIGRATE_V1, site, "fn-unsafe", "--note", "x" * 300, env=env)
        assert res.returncode == 0, res.stderr
    assert run_cli(*base, "mark", MIGRATE_V1, "1", "reviewed", env=env).returncode == 0
    assert not Path(f"{state}-wal").exists() or Path(f"{state}-wal").stat().st_size == 0
    return state, sites


def _root_page(state: Path, name: str) -> int:
    with sqlite3.connect(state) as conn:
        return conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?",
                            (name,)).fetchone()[0]


@pytest.mark.parametrize("where", [("site_tag", 8), ("sqlite_autoindex_site_tag_1", 8),
                                   ("site_tag", 0), ("patch_state", 3)])
def test_damaged_pages_are_refused(where, tagged_state, tmp_path, cli_env):
    state, sites = _copy(tagged_state, tmp_path)
    table, offset = where
    page = _root_page(state, table)
    with open(state, "r+b") as fh:  # overwrite the page header / cell pointers with junk
        fh.seek((page - 1) * PAGE + offset)
        fh.write(b"\xff\x7f\x00\x13" * 2)
    with sqlite3.connect(state) as conn:  # the damage is real: SQLite's own check sees it
        try:
            assert conn.execute("PRAGMA quick_check").fetchall() != [("ok",)]
        except sqlite3.DatabaseError as exc:
            assert "malformed" in str(exc)
    digest = hashlib.sha256(state.read_bytes()).hexdigest()
    base = ["--cache-dir", str(DEMO_CACHE), "--state", str(state)]
    for args in (("tag", MIGRATE_V1, sites[0], "fp-unsafe"), ("sites", MIGRATE_V1)):
        res = run_cli(*base, *args, env=cli_env)
        assert res.returncode == 7 and "Traceback" not in res.stderr, (args, res.stderr)
        (line,) = res.stderr.strip().splitlines()
        assert line.startswith(f"reviewtui: error: review state {state} is damaged (")
        assert "nothing was changed" in line
    assert hashlib.sha256(state.read_bytes()).hexdigest() == digest


def test_a_sound_state_file_still_opens(tagged_state, tmp_path, cli_env):
    state, sites = _copy(tagged_state, tmp_path)
    res = run_cli("--cache-dir", str(DEMO_CACHE), "--state", str(state), "sites", "--format",
                  "json", MIGRATE_V1, env=cli_env)
    assert res.returncode == 0
    assert {s["requirement"] for s in json.loads(res.stdout)} == {"fn-unsafe"}
    assert len(sites) >= 2
