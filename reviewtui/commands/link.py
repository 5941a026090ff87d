"""`reviewtui link`: say by hand that two cached threads are revisions of one series."""

from __future__ import annotations

import argparse

from reviewtui import config
from reviewtui.commands.common import add_command, thread_cache
from reviewtui.errors import UsageError
from reviewtui.lore.cache import ThreadCache
from reviewtui.lore.fetch import parse_thread_ref
from reviewtui.lore.revisions import series_key
from reviewtui.model.load import load_series
from reviewtui.store import ReviewStore
from reviewtui.text_safety import one_line


def register(subparsers) -> None:
    """Add the link subcommand."""
    parser = add_command(
        subparsers, "link", "Link cached threads as revisions of one series (your link wins)",
        "Put the cached threads holding THREAD and OTHER (any of their message-ids) in one "
        "series family, so tags carry over between them and --revision N finds them.",
    )
    parser.add_argument("thread", metavar="THREAD")
    parser.add_argument("others", nargs="*", metavar="OTHER")
    parser.add_argument("--unlink", action="store_true",
                        help="remove the hand-made link (review records stay with THREAD)")
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
    if not args.unlink and len(roots) < 2:
        raise UsageError("give at least two threads to link")
    before = {root: _family(cache, root) for root in roots}
    cache.set_link(roots, None if args.unlink else f"link:{roots[0]}")
    # Review records follow THREAD (the first one) when a family splits up again.
    moved = _move_tags(args, {before[root]: _family(cache, root) for root in reversed(roots)})
    verb = "unlinked" if args.unlink else f"linked {len(roots)} threads as one series:"
    print(one_line(f"{verb} {', '.join(roots)}")
          + (f" ({moved} review records moved)" if moved else ""))
    return 0


def _family(cache: ThreadCache, root: str) -> str:
    """The family key the cached thread rooted at ROOT has now."""
    _entry, data = cache.read(root)
    series = load_series(data)
    return series_key(cache, series, series.latest)


def _move_tags(args: argparse.Namespace, moves: dict[str, str]) -> int:
    """Re-key stored tags and patch states so linking never orphans them."""
    path = config.state_file(getattr(args, "state", None))
    if not path.exists():
        return 0
    with ReviewStore.open(path) as store:
        return sum(store.move_family(old, new) for old, new in moves.items() if old != new)
