"""`reviewtui fetch`: retrieve a thread with b4 and keep it in the offline cache."""

from __future__ import annotations

import argparse

from reviewtui import config
from reviewtui.commands.common import add_command, stderr_progress, thread_cache
from reviewtui.lore.fetch import parse_thread_ref
from reviewtui.lore.sync import discover_revisions, fetch_into_cache, refresh_thread


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
    parser.add_argument("--timeout", type=float, metavar="SECONDS",
                        help="network timeout (env REVIEWTUI_TIMEOUT; default 30)")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress lines")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Fetch (or refresh) and report what the cache now holds."""
    ref = parse_thread_ref(args.thread)
    server = config.server_url(args.server or ref.server)
    cache = thread_cache(args)
    progress = None if args.quiet else stderr_progress()
    timeout = config.network_timeout(args.timeout)
    if args.refresh:
        entry, added = refresh_thread(cache, ref, server, progress, timeout)
    else:
        entry, added = fetch_into_cache(cache, ref, server, progress, timeout)
    print(f"{entry.msgid}: {entry.messages} messages cached ({added} new) in {cache.root}")
    if args.revisions:
        for other in discover_revisions(cache, entry, server, progress, timeout):
            print(f"{other.msgid}: {other.messages} messages cached ({other.subject})")
    return 0
