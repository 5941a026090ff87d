"""`reviewtui review` without a terminal: it prints the analysed series instead."""

from __future__ import annotations

try:
    from support.cli import DEMO_CACHE, MIGRATE_V1, run_cli
except ImportError:
    from tests.support.cli import DEMO_CACHE, MIGRATE_V1, run_cli


def test_print_option_prints_the_series(tmp_path, cli_env):
    result = run_cli("--cache-dir", str(DEMO_CACHE), "--state", str(tmp_path / "s.sqlite3"),
                     "review", "--print", MIGRATE_V1, "-v", "1", env=cli_env)
    assert result.returncode == 0, result.stderr
    assert "mm: migrate: more folio conversion v1 by Kefeng Wang" in result.stdout
    assert "2/4 mm: migrate: convert numamigrate_isolate_page()" in result.stdout
    assert "mm/migrate.c (3 hunks); 3 replies; 0 trailers" in result.stdout
    flat = " ".join(result.stdout.split())
    assert ("site c2fcda17f0a0 numamigrate_isolate_page: total_mapcount -> "
            "folio_estimated_sharers, FP removed, FN introduced; untagged, verdict untagged") in flat
    tagged = run_cli("--cache-dir", str(DEMO_CACHE), "--state", str(tmp_path / "s.sqlite3"),
                     "tag", MIGRATE_V1, "-v", "1", "c2fcda17f0a0", "fn-unsafe", env=cli_env)
    assert tagged.returncode == 0, tagged.stderr
    again = run_cli("--cache-dir", str(DEMO_CACHE), "--state", str(tmp_path / "s.sqlite3"),
                    "review", "--print", MIGRATE_V1, "-v", "1", env=cli_env)
    assert "FN introduced; fn-unsafe, verdict risk" in " ".join(again.stdout.split())


def test_output_to_a_pipe_prints_too(tmp_path, cli_env):
    """Not a terminal (here: pipes): no TUI, the same printout as --print."""
    args = ("--cache-dir", str(DEMO_CACHE), "--state", str(tmp_path / "s.sqlite3"), "review")
    piped = run_cli(*args, MIGRATE_V1, "-v", "1", env=cli_env)
    printed = run_cli(*args, "--print", MIGRATE_V1, "-v", "1", env=cli_env)
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout == printed.stdout and "4/4" in piped.stdout


def test_the_latest_cached_revision_is_reviewed_by_default(tmp_path, cli_env):
    """The v1 message-id opens v2 (cached and linked) and says so; --revision 1 warns of v2."""
    args = ("--cache-dir", str(DEMO_CACHE), "--state", str(tmp_path / "s.sqlite3"), "review",
            "--print", MIGRATE_V1)
    latest = run_cli(*args, env=cli_env)
    assert latest.returncode == 0, latest.stderr
    first, second = latest.stdout.splitlines()[:2]
    assert first == "v2 exists: reviewing v2; --revision 1 for v1"
    assert second.startswith("mm: migrate: more folio conversion and unify v2 by Kefeng Wang")
    older = run_cli(*args, "--revision", "1", env=cli_env)
    assert older.stdout.splitlines()[0] == "v2 exists (newer than v1): --revision 2 reviews it"
    assert "more folio conversion v1 by Kefeng Wang" in older.stdout
    sites = run_cli("--cache-dir", str(DEMO_CACHE), "sites", MIGRATE_V1, "--format", "json",
                    env=cli_env)
    assert sites.returncode == 0
    assert sites.stderr == "reviewtui: v2 exists: reviewing v2; --revision 1 for v1\n"


def test_review_without_a_thread_is_a_usage_error(tmp_path, cli_env):
    result = run_cli("--cache-dir", str(DEMO_CACHE), "review", env=cli_env)
    assert result.returncode == 2
    assert "give a THREAD" in result.stderr and "Traceback" not in result.stderr


def test_an_unknown_time_zone_is_a_usage_error(tmp_path, cli_env):
    """--tz and REVIEWTUI_TZ name the zone of the review screen's dates; a bad one says so."""
    args = ("--cache-dir", str(DEMO_CACHE), "--state", str(tmp_path / "s.sqlite3"), "review",
            "--print", MIGRATE_V1, "-v", "1")
    bad = run_cli(*args, "--tz", "Mars/Olympus_Mons", env=cli_env)
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr == ("reviewtui: error: unknown time zone 'Mars/Olympus_Mons' (--tz / "
                          "REVIEWTUI_TZ: local, UTC or a zone name such as Europe/Berlin)\n")
    env_bad = run_cli(*args, env={**cli_env, "REVIEWTUI_TZ": "Nowhere"})
    assert env_bad.returncode == 2 and "unknown time zone 'Nowhere'" in env_bad.stderr
    for zone in ("UTC", "local", "Europe/Berlin"):
        good = run_cli(*args, "--tz", zone, env=cli_env)
        assert good.returncode == 0, good.stderr
