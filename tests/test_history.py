"""Site history and search on a real public-inbox-httpd with the corpus plus threads made from it."""

from __future__ import annotations

import json
import shutil

import pytest

try:
    from support.cli import CORPUS, DEMO_CACHE, MADVISE_V1, MIGRATE_V1, MIGRATE_V2, run_cli
    from support.history_threads import (
        CONCURRENT,
        CONCURRENT_COVER,
        DECOY_FILE,
        DECOY_FUNCTION,
        EARLIER,
        EARLIER_REVIEW,
        FN_REVIEW,
        write_extra_mbox,
    )
    from support.public_inbox import PublicInboxServer
except ImportError:
    from tests.support.cli import CORPUS, DEMO_CACHE, MADVISE_V1, MIGRATE_V1, MIGRATE_V2, run_cli
    from tests.support.history_threads import (
        CONCURRENT,
        CONCURRENT_COVER,
        DECOY_FILE,
        DECOY_FUNCTION,
        EARLIER,
        EARLIER_REVIEW,
        FN_REVIEW,
        write_extra_mbox,
    )
    from tests.support.public_inbox import PublicInboxServer

S1 = "84513eb03846"  # v1 1/4 add_page_for_migration(): page_mapcount -> folio_estimated_sharers
MADVISE_V2 = "20230808020917.2230692-1-fengwei.yin@intel.com"
THREADS = ("migrate-folio-conversion", "migrate-folio-conversion-v2",
           "mapcount-large-folio-sharing", "mapcount-large-folio-sharing-v2")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One server for the module: the four corpus threads and the extra ones, indexed."""
    reason = PublicInboxServer.unavailable_reason()
    if reason is not None:
        pytest.skip(reason)
    extra = write_extra_mbox(CORPUS, tmp_path_factory.mktemp("extra") / "extra.mbox")
    srv = PublicInboxServer(CORPUS / f"{THREADS[0]}.mbox").start()
    try:
        for name in THREADS[1:]:
            srv.import_mbox(CORPUS / f"{name}.mbox")
        srv.import_mbox(extra)
        yield srv
    finally:
        srv.stop()


@pytest.fixture
def cache(tmp_path):
    """A copy of the demo cache (the four corpus threads), writable by the test."""
    path = tmp_path / "cache"
    shutil.copytree(DEMO_CACHE, path)
    return path


def _cli(cli_env, cache, server_url, *args):
    return run_cli("--cache-dir", str(cache), "--server", server_url, *args, env=cli_env)


def _json(res):
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


def test_query_is_built_from_the_site():
    from reviewtui.analysis.catalogue import load_catalogue
    from reviewtui.analysis.history import site_query
    from reviewtui.analysis.sites import analyse_revision
    from reviewtui.model.load import load_series

    series = load_series((CORPUS / "migrate-folio-conversion.mbox").read_bytes())
    sites = {s.id: s for s in analyse_revision(series.latest, load_catalogue())}
    assert site_query(sites[S1]).text == (
        "dfn:mm/migrate.c dfhh:add_page_for_migration (dfa:page_mapcount OR dfb:page_mapcount"
        " OR dfa:folio_estimated_sharers OR dfb:folio_estimated_sharers)")
    # 2/4 renames the function: both names are searched; --since adds a date range.
    renamed = next(s for s in sites.values() if s.patch == 2)
    assert site_query(renamed, "20240101").text == (
        "dfn:mm/migrate.c (dfhh:numamigrate_isolate_page OR dfhh:numamigrate_isolate_folio) "
        "(dfa:total_mapcount OR dfb:total_mapcount OR dfa:folio_estimated_sharers OR "
        "dfb:folio_estimated_sharers) d:20240101..")


def test_history_finds_exactly_the_earlier_and_concurrent_series(server, cache, cli_env):
    data = _json(_cli(cli_env, cache, server.base_url, "history", MIGRATE_V1, "-v", "1", S1,
                      "--format", "json"))
    assert data["offline"] is None and data["missing"] == []
    assert [(s["root"], s["relation"]) for s in data["series"]] == [
        (EARLIER, "earlier"), (CONCURRENT_COVER, "later")]
    earlier, concurrent = data["series"]
    assert earlier["hits"] == [EARLIER] and concurrent["hits"] == [CONCURRENT]
    assert earlier["date"] == "2022-03-14T10:00:00+00:00"
    assert earlier["link"] == f"{server.base_url}/{EARLIER}/"
    assert earlier["cached"] and concurrent["cached"]
    assert "-\tif (page_mapcount(page) > 1 && !migrate_all)" in earlier["hunk"]
    assert "+\tif (folio_estimated_sharers(folio) > 1 && !migrate_all)" in earlier["hunk"]
    assert earlier["hunk"][0].startswith("@@ -2079,45 +2080,42 @@ static int add_page_for_migration")
    assert [(m["kind"], m["msgid"]) for m in earlier["mentions"]] == [("fn", EARLIER_REVIEW)]
    assert "false negatives" in earlier["mentions"][0]["text"]
    assert FN_REVIEW[:40] in earlier["mentions"][0]["text"]
    assert concurrent["subject"] == "[PATCH 0/1] mm: migrate: another look at move_pages() sharing"
    assert concurrent["mentions"] == []
    # Their threads are now in the cache, found by any of their message-ids.
    listed = _json(run_cli("--cache-dir", str(cache), "cache", "ls", "--format", "json",
                           env=cli_env))
    roots = {t["msgid"] for t in listed}
    assert {EARLIER, CONCURRENT_COVER} <= roots
    assert DECOY_FILE not in roots and DECOY_FUNCTION not in roots


def test_history_since_and_text_output(server, cache, cli_env):
    res = _cli(cli_env, cache, server.base_url, "history", MIGRATE_V1, "-v", "1", S1, "--since",
               "2023-01-01")
    assert res.returncode == 0, res.stderr
    out = res.stdout
    assert "d:20230101.." in out
    assert "1 other series: 0 earlier, 1 later" in out
    assert "[later] 2023-08-05  [PATCH 0/1] mm: migrate: another look at move_pages() sharing" in out
    assert EARLIER not in out
    bad = _cli(cli_env, cache, server.base_url, "history", MIGRATE_V1, "-v", "1", S1, "--since", "soon")
    assert bad.returncode == 2 and bad.stderr.startswith("reviewtui: error: --since:")


def test_v2_site_history_is_the_earlier_revision(server, cache, cli_env):
    """v2 4/8 keeps page_mapcount() in migrate_misplaced_page(): v1 3/4 changed it before."""
    data = _json(_cli(cli_env, cache, server.base_url, "history", MIGRATE_V2, "eb06188f883b",
                      "--format", "json"))
    assert [(s["root"], s["relation"], s["hits"]) for s in data["series"]] == [
        (MIGRATE_V1, "earlier", ["20230802095346.87449-4-wangkefeng.wang@huawei.com"])]
    hunk = data["series"][0]["hunk"]
    assert "-\tif (page_mapcount(page) != 1 && page_is_file_lru(page) &&" in hunk
    assert "+\tif (folio_estimated_sharers(folio) != 1 && folio_is_file_lru(folio) &&" in hunk


@pytest.mark.parametrize("query, roots", [
    ("dfhh:hpage_collapse_scan_pmd dfb:folio_mapcount", [DECOY_FUNCTION]),
    ("dfb:folio_estimated_sharers dfn:mm/migrate.c",
     [EARLIER, MIGRATE_V1, CONCURRENT_COVER]),
    ("dfb:folio_estimated_sharers d:2023-08-03..", [CONCURRENT_COVER, MADVISE_V2, DECOY_FILE]),
    ("dfn:mm/migrate_device.c", [DECOY_FILE]),
    ("s:madvise dfhh:madvise_cold_or_pageout_pte_range", [MADVISE_V1, MADVISE_V2]),
    ("f:alice dfa:page_mapcount", [EARLIER, DECOY_FILE]),
    ("dfhh:no_such_function_anywhere", []),
])
def test_search_returns_exactly_the_expected_threads(server, cache, cli_env, query, roots):
    data = _json(_cli(cli_env, cache, server.base_url, "search", *query.split(),
                      "--format", "json"))
    assert [t["msgid"] for t in data["threads"]] == roots
    assert data["query"] == query and data["offline"] is None
    for thread in data["threads"]:
        assert set(thread) == {"msgid", "date", "author", "subject", "hits", "cached", "link"}
        assert thread["cached"] == (thread["msgid"] in (MIGRATE_V1, MADVISE_V1, MADVISE_V2))


def test_search_fetch_and_table(server, cache, cli_env):
    query = ("dfhh:hpage_collapse_scan_pmd", "dfb:folio_mapcount")
    res = _cli(cli_env, cache, server.base_url, "search", *query)
    assert res.returncode == 0, res.stderr
    assert f"2023-09-02  -       {DECOY_FUNCTION}" in res.stdout
    res = _cli(cli_env, cache, server.base_url, "search", *query, "--fetch")
    assert f"2023-09-02  cached  {DECOY_FUNCTION}" in res.stdout
    again = _json(_cli(cli_env, cache, server.base_url, "search", *query, "--cached",
                       "--format", "json"))
    assert [(t["msgid"], t["cached"]) for t in again["threads"]] == [(DECOY_FUNCTION, True)]


def test_server_down_shows_the_cached_part_and_one_line(pi_server, cache, cli_env, tmp_path):
    extra = write_extra_mbox(CORPUS, tmp_path / "extra.mbox")
    srv = pi_server(CORPUS / f"{THREADS[0]}.mbox")
    srv.import_mbox(extra)
    url = srv.base_url
    # Online: the search is cached; the earlier series' thread is fetched, the other is not.
    first = _json(_cli(cli_env, cache, url, "history", MIGRATE_V1, "-v", "1", S1, "--no-fetch",
                       "--format", "json"))
    assert [(s["root"], s["cached"]) for s in first["series"]] == [
        (EARLIER, False), (CONCURRENT_COVER, False)]
    assert _cli(cli_env, cache, url, "fetch", EARLIER).returncode == 0
    srv.stop()
    down = _cli(cli_env, cache, url, "history", MIGRATE_V1, "-v", "1", S1)
    assert down.returncode == 0
    lines = down.stderr.strip().splitlines()
    assert len(lines) == 1, down.stderr
    assert "connection refused" in lines[0]
    assert f"showing the search cached {first['queried_at']}" in lines[0]
    assert f"1 of 2 series not in the cache ({CONCURRENT_COVER})" in lines[0]
    # The cached part: both series listed; the fetched one with its hunk and FN review.
    assert "[earlier] 2022-03-14" in down.stdout and "[later] 2023-08-05" in down.stdout
    assert "FN  Bob Reviewer: " in down.stdout
    assert "(not in the cache: no hunk or discussion)" in down.stdout
    # A search never asked before: one error line, non-zero exit, nothing written.
    before = sorted(p.name for p in (cache / "searches").iterdir())
    res = _cli(cli_env, cache, url, "search", "dfn:mm/madvise.c")
    assert res.returncode == 3
    assert res.stderr.startswith("reviewtui: error: cannot reach")
    assert res.stderr.count("\n") == 1 and "no cached result" in res.stderr
    assert sorted(p.name for p in (cache / "searches").iterdir()) == before
