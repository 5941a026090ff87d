"""`reviewtui search QUERY`: a worklist of threads from the server's search (lore by default)."""

from __future__ import annotations

import argparse
import json
import sys

from reviewtui import config
from reviewtui.commands.common import add_command, command_limits, stderr_progress, thread_cache
from reviewtui.errors import UsageError


def register(subparsers) -> None:
    """Add the search subcommand."""
    parser = add_command(
        subparsers, "search", "Search the public-inbox server; list the threads it finds",
        "Run a public-inbox search (lore's query language: s: f: d: dfn: dfhh: dfa: dfb: "
        "dfctx: ...) on the server and list the threads of the matching messages, oldest "
        "first, saying which are cached. The answer is cached; offline, the cached answer is "
        "shown. Example: reviewtui search dfb:folio_mapcount dfn:mm/ d:2024-01-01..",
    )
    parser.add_argument("query", nargs="+", metavar="QUERY",
                        help="the public-inbox query (several words are joined by blanks)")
    parser.add_argument("--fetch", action="store_true",
                        help="also fetch the threads that are not cached yet (with b4)")
    parser.add_argument("--cached", action="store_true",
                        help="show the cached answer without asking the server")
    parser.add_argument("--format", choices=("table", "json"), default="table",
                        help="table for people (default), json for tools")
    parser.add_argument("--timeout", metavar="SECONDS",
                        help="deadline for the whole command, search and thread fetches "
                        "(env REVIEWTUI_TIMEOUT; default 30)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Search, optionally fetch, print the threads."""
    from reviewtui.analysis.history import group_hits
    from reviewtui.lore.search import check_query, fetch_hit_threads, run_search
    from reviewtui.site_history import link

    try:
        query = check_query(" ".join(args.query))
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    server = config.server_url(args.server)
    cache = thread_cache(args)
    timeout = command_limits(args.timeout)
    outcome = run_search(cache.root, server, query, timeout, cached_only=args.cached)
    rows = group_hits(outcome.result.hits)
    fetch = args.fetch and not args.cached and outcome.offline is None
    progress = stderr_progress() if fetch else None
    fetched = fetch_hit_threads(cache, server, rows, timeout, progress, fetch=fetch)
    threads = [{**row.as_json(), "msgid": row.root, "cached": row.root in fetched.cached,
                "link": link(server, row.root)} for row in rows]
    for item in threads:
        del item["root"]
    if args.format == "json":
        json.dump({"server": outcome.result.server, "query": query,
                   "queried_at": outcome.result.queried_at, "offline": outcome.offline,
                   "truncated": outcome.result.truncated, "threads": threads},
                  sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        _print_table(threads, outcome.result.queried_at, server, query)
    notes = []
    if outcome.offline:
        notes.append(f"{outcome.offline}: showing the search cached {outcome.result.queried_at}")
    if args.fetch and fetched.failed:
        notes.append(f"{len(fetched.failed)} thread(s) not fetched: {fetched.failed[0][1]}")
    if outcome.result.truncated:
        notes.append("the server's answer was cut at the size limit")
    if notes:
        print(f"reviewtui: {'; '.join(notes)}", file=sys.stderr)
    return 0


def _print_table(threads: list[dict], queried_at: str, server: str, query: str) -> None:
    from reviewtui.tui.safe_text import clean_line

    print(clean_line(f"{len(threads)} thread(s) for {query} on {server} (asked {queried_at})"))
    for item in threads:
        mark = "cached" if item["cached"] else "-"
        hits = len(item["hits"])
        print(clean_line(f"{item['date'][:10] or '?':10}  {mark:6}  {item['msgid']}"))
        print(clean_line(f"    {item['subject']}"))
        print(clean_line(f"    {item['author']}  ({hits} matching message(s))"))
