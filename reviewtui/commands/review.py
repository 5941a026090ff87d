"""`reviewtui review`: open a series for review (prints the analysed series for now)."""

from __future__ import annotations

import argparse

from rich.console import Console
from rich.markup import escape

from reviewtui.commands.common import add_command, add_thread_arguments, open_thread


def register(subparsers) -> None:
    """Add the review subcommand."""
    parser = add_command(subparsers, "review", "Review a series: patches, call sites, discussion")
    add_thread_arguments(parser)
    parser.add_argument("--print", action="store_true", dest="print_only",
                        help="print the analysed series instead of opening the review screen")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Print the series overview."""
    loaded = open_thread(args)
    console = Console(highlight=False)
    rev = loaded.revision
    console.print(f"[bold]{escape(rev.subject)}[/] v{rev.number} by {escape(rev.author)} "
                  f"<{escape(rev.email)}>  ({len(loaded.series.messages)} messages, "
                  f"revisions: {', '.join(f'v{n}' for n in sorted(loaded.series.revisions))})")
    for patch in rev.patches:
        files = ", ".join(f"{escape(f.path)} ({len(f.hunks)} hunks)" for f in patch.diff.files)
        console.print(f"  [cyan]{patch.label}[/] {escape(patch.subject)}")
        console.print(f"       {files}; {len(patch.replies)} replies; "
                      f"{len(patch.followup_trailers)} trailers")
    return 0
