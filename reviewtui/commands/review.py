"""`reviewtui review`: open a series in the review screen (or print it with --print)."""

from __future__ import annotations

import argparse
import sys

from reviewtui.commands.common import add_command, add_thread_arguments, output_console, shown
from reviewtui.errors import ReviewtuiError, UsageError
from reviewtui.session import add_tree_arguments
from reviewtui.text_safety import one_line


def register(subparsers) -> None:
    """Add the review subcommand."""
    parser = add_command(subparsers, "review", "Review a series: patches, call sites, discussion")
    add_thread_arguments(parser)
    add_tree_arguments(parser)  # R in the review screen: the remaining call sites of the tree
    parser.add_argument("--print", action="store_true", dest="print_only",
                        help="print the analysed series instead of opening the review screen "
                        "(also when stdout is not a terminal)")
    parser.add_argument("--tz", metavar="ZONE",
                        help="show mail dates in ZONE: local, UTC or a zone name such as "
                        "Europe/Berlin (default: REVIEWTUI_TZ, else local)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Open the review screen; print the series when asked or when not on a terminal."""
    from reviewtui import config

    config.display_zone(args.tz)  # a bad --tz / REVIEWTUI_TZ is a usage error, at once
    if args.print_only or not (sys.stdout.isatty() and sys.stdin.isatty()):
        return print_series(args)
    if not (getattr(args, "thread", None) or getattr(args, "mbox", None)):
        raise UsageError("give a THREAD (message-id or lore URL) or --mbox FILE")
    from reviewtui.tui.loader import start_loading

    job = start_loading(args)  # loads while Textual is imported and the first frame drawn
    from reviewtui.tui.app import make_app

    app = make_app(args, job=job)
    app.run()
    if isinstance(app.load_error, ReviewtuiError):
        raise app.load_error  # shown in the app; the exit code says it too
    if app.load_error is not None:
        print(f"reviewtui: error: {one_line(app.load_error)}", file=sys.stderr)
        return 1
    return 0


def print_series(args: argparse.Namespace) -> int:
    """Print the series overview: patches, their call sites with delta, tag and verdict."""
    from reviewtui.analysis.verdict import verdict
    from reviewtui.session import review_context, stored_tags

    ctx = review_context(argparse.Namespace(**{**vars(args), "announce": False}))
    loaded, rev = ctx.loaded, ctx.revision
    tags = stored_tags(args, ctx)
    console = output_console()
    if loaded.notice:
        console.print(f"[bold yellow]{shown(loaded.notice)}[/]")
    console.print(f"[bold]{shown(rev.subject)}[/] v{rev.number} by {shown(rev.author)} "
                  f"<{shown(rev.email)}>  ({len(loaded.series.messages)} messages, "
                  f"revisions: {', '.join(f'v{n}' for n in sorted(loaded.series.revisions))})")
    for problem in loaded.series.problems:
        console.print(f"  [yellow]problem:[/] {shown(problem)}")
    for patch in rev.patches:
        files = ", ".join(f"{shown(f.path)} ({len(f.hunks)} hunks)" for f in patch.diff.files)
        console.print(f"  [cyan]{patch.label}[/] {shown(patch.subject)}")
        console.print(f"       {files}; {len(patch.replies)} replies; "
                      f"{len(patch.followup_trailers)} trailers")
        for site in (s for s in ctx.sites if s.patch == patch.number):
            requirement = tags[site.id].requirement if site.id in tags else None
            console.print(
                f"       [bold]site {site.id}[/] {shown(site.function or '(file scope)')}: "
                f"{shown(site.old_api or '-')} -> {shown(site.new_api or '-')}, "
                f"FP {site.fp}, FN {site.fn}; {shown(requirement or 'untagged')}, "
                f"verdict {verdict(site, requirement, ctx.catalogue)}")
            for witness in site.witnesses:
                console.print(f"         {shown(witness.title)} ({shown(witness.scenario)}): "
                              f"{shown(witness.text)}")
    if ctx.remaining:
        console.print(f"  {len(ctx.remaining)} remaining call site(s) in the tree "
                      "(reviewtui tree-audit lists them)")
    return 0
