"""`reviewtui fetch`: retrieve a thread with b4 and keep it in the offline cache."""

from __future__ import annotations

import argparse

from reviewtui import config
from reviewtui.commands.common import add_command, stderr_progress, thread_cache
from reviewtui.lore.fetch import check_server, parse_thread_ref
from reviewtui.lore.http import NetLimits
from reviewtui.lore.sync import discover_revisions, fetch_into_cache, refresh_thread
from reviewtui.text_safety import one_line


def register(subparsers) -> None:
    """Add the fetch subcommand."""
    parser = add_command(
        subparsers, "fetch", "Fetch a thread (cover, patches, all follow-ups) into the cache",
        "Fetch the whole thread holding THREAD from the public-inbox server with b4 and store "
        "it in the cache; later commands read it offline.",
    )
    parser.add_argument("thread", metavar="THREAD",
                        help="message-id, <msgid>, id:msgid or lore URL of any message of the thread")
    parser.add_argument("--refresh", action="store_true",
                        help="for a cached thread, add only the messages that arrived since")
    parser.add_argument("--revisions", action="store_true",
                        help="also find and fetch newer and older revisions of the series")
    parser.add_argument("--timeout", metavar="SECONDS",
                        help="total time the fetch may take (env REVIEWTUI_TIMEOUT; default 30)")
    parser.add_argument("--max-size", metavar="SIZE",
                        help="largest answer accepted, as sent or inflated, e.g. 64M or 1G "
                        "(env REVIEWTUI_MAX_FETCH_BYTES; default 256M)")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress lines")
    parser.add_argument("--no-analysis", action="store_true",
                        help="store only; by default the call sites are analysed now, so that "
                        "sites, tag and mark answer at once later")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Fetch (or refresh) and report what the cache now holds."""
    limits_args = (config.network_timeout(args.timeout), config.max_fetch_bytes(args.max_size))
    ref = parse_thread_ref(args.thread)
    server = check_server(config.server_url(args.server or ref.server))
    cache = thread_cache(args)
    progress = None if args.quiet else stderr_progress()
    timeout = NetLimits.start(*limits_args)  # one deadline for the whole command
    if args.refresh:
        entry, added = refresh_thread(cache, ref, server, progress, timeout)
    else:
        entry, added = fetch_into_cache(cache, ref, server, progress, timeout)
    print(f"{one_line(entry.msgid)}: {entry.messages} messages cached ({added} new) "
          f"in {cache.root}")
    if args.revisions:
        for other in discover_revisions(cache, entry, server, progress, timeout):
            print(f"{one_line(other.msgid)}: {other.messages} messages cached "
                  f"({one_line(other.subject)})")
    if not args.no_analysis:
        analyse_cached(args, entry.msgid, progress)
    return 0


def analyse_cached(args: argparse.Namespace, msgid: str, progress) -> None:
    """Fill the sites cache for the thread MSGID just stored (see session.prepare_sites)."""
    from reviewtui.session import prepare_sites

    if progress:
        progress("analysing call sites")
    if not prepare_sites(args, msgid) and progress:
        progress("no call sites analysed now (see 'reviewtui sites')")
