"""Time the diff-aware searches and `history` against a local public-inbox-httpd.

    python bench/bench_history.py [--runs N]

Starts a public-inbox 1.9 server on 127.0.0.1 (V2 inbox, Xapian, indexlevel full) holding the
four corpus threads plus the threads the tests make from them, then prints:
  query       median / max time of each search (POST ?x=m&q=..., answer read and split),
              the gzipped answer's size and the number of hits
  history     `site_history()` in-process for migrate v1 1/4's site: cold (the hit threads
              fetched into an empty copy of the cache) and warm (everything cached)
  cache       the size of the search cache files written
Needs public-inbox, git and perl; stops the server it started.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from support.cli import CORPUS, DEMO_CACHE
from support.history_threads import write_extra_mbox
from support.public_inbox import PublicInboxServer

from reviewtui.analysis.catalogue import load_catalogue
from reviewtui.analysis.sites import analyse_revision
from reviewtui.lore.cache import ThreadCache
from reviewtui.lore.search import search_server
from reviewtui.model.load import load_series
from reviewtui.site_history import site_history

QUERIES = (
    ("dfn:mm/migrate.c dfhh:add_page_for_migration (dfa:page_mapcount OR dfb:page_mapcount "
    "OR dfa:folio_estimated_sharers OR dfb:folio_estimated_sharers)"),
    "dfb:folio_estimated_sharers dfn:mm/ d:2023-08-01..",
    "dfhh:hpage_collapse_scan_pmd dfb:folio_mapcount",
    "dfn:mm",
    "s:migrate",
)
THREADS = ("migrate-folio-conversion", "migrate-folio-conversion-v2",
           "mapcount-large-folio-sharing", "mapcount-large-folio-sharing-v2")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="reviewtui-bench-history-"))
    os.environ.update(XDG_CACHE_HOME=str(work / "xdg"), GIT_CONFIG_GLOBAL="/dev/null")
    extra = write_extra_mbox(CORPUS, work / "extra.mbox")
    started = time.perf_counter()
    with PublicInboxServer(CORPUS / f"{THREADS[0]}.mbox") as srv:
        for name in THREADS[1:]:
            srv.import_mbox(CORPUS / f"{name}.mbox")
        srv.import_mbox(extra)
        print(f"server up with {len(THREADS)} corpus threads + extra in "
              f"{time.perf_counter() - started:.2f} s")
        print(f"{'query':70} {'median':>8} {'max':>8} {'hits':>5}")
        for query in QUERIES:
            times, hits = [], 0
            for _ in range(args.runs):
                t = time.perf_counter()
                hits = len(search_server(srv.base_url, query, 10).hits)
                times.append(time.perf_counter() - t)
            print(f"{query[:70]:70} {statistics.median(times) * 1000:6.1f}ms "
                  f"{max(times) * 1000:6.1f}ms {hits:5}")
        series = load_series((CORPUS / f"{THREADS[0]}.mbox").read_bytes())
        site = analyse_revision(series.latest, load_catalogue())[0]
        for label in ("cold", "warm", "warm"):
            if label == "cold":
                cache_dir = work / "cache"
                shutil.rmtree(cache_dir, ignore_errors=True)
                shutil.copytree(DEMO_CACHE, cache_dir)
            t = time.perf_counter()
            report = site_history(series, series.latest, site, ThreadCache(cache_dir),
                                  srv.base_url, timeout=10)
            print(f"history {label}: {time.perf_counter() - t:.3f} s, "
                  f"{len(report.entries)} series, {len(report.missing)} missing")
        t = time.perf_counter()
        site_history(series, series.latest, site, ThreadCache(cache_dir), srv.base_url,
                     cached_only=True)
        print(f"history cached only (no network): {time.perf_counter() - t:.3f} s")
        files = list((cache_dir / "searches").iterdir())
        print(f"search cache: {len(files)} file(s), "
              f"{sum(f.stat().st_size for f in files):,} bytes")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
