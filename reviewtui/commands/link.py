"""`reviewtui link`: say by hand that two cached threads are revisions of one series."""

from __future__ import annotations

import argparse

from reviewtui.commands.common import add_command, thread_cache
from reviewtui.errors import UsageError
from reviewtui.lore.fetch import parse_thread_ref


def register(subparsers) -> None:
    """Add the link subcommand."""
    parser = add_command(
        subparsers, "link", "Link cached threads as revisions of one series (your link wins)",
        "Put the cached threads holding THREAD and OTHER (any of their message-ids) in one "
        "series family, so tags carry over between them and --revision N finds them.",
    )
    parser.add_argument("thread", metavar="THREAD")
    parser.add_argument("others", nargs="*", metavar="OTHER")
    parser.add_argument("--unlink", action="store_true", help="remove the hand-made link of THREAD")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Record (or remove) the link in the cache index."""
    cache = thread_cache(args)
    roots = []
    for text in [args.thread, *args.others]:
        entry = cache.find(parse_thread_ref(text).msgid)
        if entry is None:
            raise UsageError(f"{text} is not cached; fetch or 'cache add' it first")
        roots.append(entry.msgid)
    if args.unlink:
        cache.set_link(roots, None)
        print(f"unlinked {', '.join(roots)}")
        return 0
    if len(roots) < 2:
        raise UsageError("give at least two threads to link")
    family = f"link:{roots[0]}"
    cache.set_link(roots, family)
    print(f"linked {len(roots)} threads as one series ({family})")
    return 0
