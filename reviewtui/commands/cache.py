"""`reviewtui cache`: list cached threads, import local mboxes."""

from __future__ import annotations

import argparse

from rich.table import Table

from reviewtui.commands.common import add_command, output_console, shown, thread_cache
from reviewtui.errors import MboxError
from reviewtui.lore.cache import split_raw
from reviewtui.lore.fetch import read_mbox_file
from reviewtui.lore.shipped import LayeredCache
from reviewtui.model.load import load_series
from reviewtui.text_safety import json_dumps, one_line


def register(subparsers) -> None:
    """Add the cache subcommand and its actions."""
    parser = add_command(subparsers, "cache", "List or add threads in the offline cache")
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    ls = add_command(actions, "ls", "List cached threads")
    ls.add_argument("--format", choices=("table", "json"), default="table")
    ls.set_defaults(run=run_ls)
    add = add_command(actions, "add", "Import a local mbox (b4 mbox, a mail client...) into the cache")
    add.add_argument("file", metavar="FILE", help="mbox file")
    add.add_argument("--no-analysis", action="store_true",
                     help="store only; by default the call sites are analysed now")
    add.set_defaults(run=run_add)
    rebuild = add_command(actions, "rebuild",
                          "Rebuild the cache index from the thread files (after corruption)")
    rebuild.set_defaults(run=run_rebuild)
    parser.set_defaults(run=lambda args: (parser.print_help(), 2)[1])


def run_rebuild(args: argparse.Namespace) -> int:
    """Re-index every cached thread file."""
    threads = thread_cache(args).rebuild()
    print(f"re-indexed {len(threads)} thread(s) in {thread_cache(args).root}")
    return 0


def run_ls(args: argparse.Namespace) -> int:
    """Print the cached threads as a table or JSON (shipped demo threads marked as such)."""
    cache = thread_cache(args)
    threads = cache.threads()
    shipped = {t.msgid for t in cache.shipped()} if isinstance(cache, LayeredCache) else set()
    if args.format == "json":
        print(json_dumps([{**t.as_json(), "shipped": t.msgid in shipped} for t in threads],
                         indent=2))  # ASCII: nothing raw
        return 0
    title = f"{len(threads)} cached thread(s)"
    if shipped:
        title += f", {len(shipped)} of them shipped with reviewtui (read-only)"
    table = Table(title=title, title_justify="left")
    for col in ("date", "messages", "author", "subject", "msgid"):
        table.add_column(col, overflow="fold")
    for t in threads:
        mark = " (shipped)" if t.msgid in shipped else ""
        table.add_row(shown(t.date[:10]), f"{t.messages}{mark}", shown(t.author),
                      shown(t.subject), shown(t.msgid))
    output_console().print(table)
    return 0


def run_add(args: argparse.Namespace) -> int:
    """Validate an mbox as a patch thread and store it."""
    data = read_mbox_file(args.file)
    try:
        series = load_series(data)
    except MboxError as exc:
        raise MboxError(f"{args.file}: {exc}") from exc
    entry, added = thread_cache(args).store(split_raw(data), root_msgid=series.root_msgid)
    print(f"{one_line(entry.msgid)}: {entry.messages} messages cached ({added} new)")
    if not args.no_analysis:
        from reviewtui.commands.common import already_parsed
        from reviewtui.session import prepare_sites

        already_parsed(data, series)  # what the cache now holds, when it is exactly DATA
        prepare_sites(args, entry.msgid)
    return 0
