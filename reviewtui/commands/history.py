"""`reviewtui history THREAD SITE_ID`: earlier and later series changing a site's function and API."""

from __future__ import annotations

import argparse
import json
import sys

from reviewtui import config
from reviewtui.commands.common import (
    add_command,
    add_thread_arguments,
    command_limits,
    stderr_progress,
)
from reviewtui.errors import UsageError


def register(subparsers) -> None:
    """Add the history subcommand."""
    parser = add_command(
        subparsers, "history", "A call site's history: other series changing its function and API",
        "Search the public-inbox server (lore by default) with its diff-aware prefixes for "
        "series that changed the site's function (dfhh:) in its file (dfn:) and removed or "
        "added its old or new API (dfa:/dfb:); fetch their threads into the cache with b4 and "
        "show each one's date, subject, link, matching hunk and FN/FP mentions. Offline, the "
        "cached part is shown and one line says what is missing.",
    )
    add_thread_arguments(parser, refresh=False)
    parser.add_argument("site", metavar="SITE_ID", help="the call site (id or unique prefix)")
    parser.add_argument("--since", metavar="DATE", help="only series from DATE on (YYYY-MM-DD)")
    parser.add_argument("--format", choices=("text", "json"), default="text",
                        help="text for people (default), json for tools")
    parser.add_argument("--cached", action="store_true",
                        help="use the cached search and threads only (no network)")
    parser.add_argument("--no-fetch", dest="fetch", action="store_false",
                        help="do not fetch the threads that are not cached")
    parser.add_argument("--timeout", metavar="SECONDS",
                        help="deadline for the whole command, search and thread fetches "
                        "(env REVIEWTUI_TIMEOUT; default 30)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Print the site's history."""
    from reviewtui.analysis.history import parse_since
    from reviewtui.session import find_site, review_context
    from reviewtui.site_history import site_history

    try:
        since = parse_since(args.since) if args.since else None
    except ValueError as exc:
        raise UsageError(f"--since: {exc}") from exc
    ctx = review_context(args)
    site = find_site(ctx, args.site)
    if not hasattr(site, "patch_subject"):
        raise UsageError(f"{args.site}: a remaining tree use has no history query; pick a site")
    cache = ctx.loaded.cache
    assert cache is not None
    server = config.server_url(args.server)
    try:
        report = site_history(ctx.loaded.series, ctx.revision, site, cache, server,
                              since=since, timeout=command_limits(args.timeout),
                              cached_only=args.cached, fetch=args.fetch,
                              progress=None if args.format == "json" else stderr_progress())
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    if args.format == "json":
        json.dump(report.as_json(), sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        print_report(report)
    notice = report.notice()
    if notice:
        print(f"reviewtui: {notice}", file=sys.stderr)
    return 0


def print_report(report) -> None:
    """The report as text, every mail-derived string escaped."""
    from reviewtui.tui.safe_text import clean_line

    site = report.site

    def say(text: str = "") -> None:
        print(clean_line(text))

    say(f"History of site {site.id}: {site.file} {site.function or '?'}(): "
        f"{site.old_api or '-'} -> {site.new_api or '-'}")
    say(f"query: {report.query.text}")
    say(f"server: {report.search.server} (asked {report.search.queried_at})")
    earlier = sum(1 for e in report.entries if e.relation == "earlier")
    say(f"{len(report.entries)} other series: {earlier} earlier, "
        f"{len(report.entries) - earlier} later")
    for entry in report.entries:
        say()
        say(f"[{entry.relation}] {entry.date[:10] or '?'}  {entry.subject}")
        say(f"  {entry.author}")
        say(f"  {entry.link}")
        if not entry.cached:
            say("  (not in the cache: no hunk or discussion)")
            continue
        for line in entry.hunk or ["(no hunk of this file changes the API here)"]:
            say(f"    {line}")
        if not entry.mentions:
            say("  no FN/FP mention in its discussion")
        for mention in entry.mentions:
            say(f"  {mention.kind.upper()}  {mention.author}: {mention.text}")
