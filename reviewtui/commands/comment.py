"""`reviewtui comment`: comment on one line of a patch's diff (scripting; `c` in the TUI)."""

from __future__ import annotations

import argparse

from reviewtui.commands.common import add_command, add_thread_arguments, open_thread
from reviewtui.errors import UsageError
from reviewtui.session import find_patch, open_store, reviewer_identity
from reviewtui.store import patch_key
from reviewtui.text_safety import one_line


def register(subparsers) -> None:
    """Add the comment subcommand."""
    parser = add_command(
        subparsers, "comment", "Comment on one diff line of a patch",
        "Attach a comment to one line of a patch's diff (any line, not only call sites). "
        "Replies quote that line with a little context and put the comment under it, as an "
        "inline review. An empty TEXT deletes the comment; --list shows the revision's "
        "comments.",
    )
    add_thread_arguments(parser)
    parser.add_argument("patch", nargs="?", metavar="PATCH", help="patch number (N or N/M)")
    parser.add_argument("location", nargs="?", metavar="FILE:LINE",
                        help="file and line number: the post-image number of an added or "
                        "context line (with --old: the pre-image number of a removed line)")
    parser.add_argument("text", nargs="?", metavar="TEXT", help="the comment ('' deletes it)")
    parser.add_argument("--old", action="store_true",
                        help="LINE is a pre-image line number (a removed line)")
    parser.add_argument("--list", action="store_true", help="list the comments of the revision")
    parser.set_defaults(run=run)


def parse_location(text: str) -> tuple[str, int]:
    """'mm/migrate.c:2166' as (file, line); UsageError otherwise."""
    path, _, number = text.rpartition(":")
    if not path or not number.isdigit() or int(number) < 1:
        raise UsageError(f"{text!r}: give FILE:LINE, e.g. mm/migrate.c:2166")
    return path, int(number)


def run(args: argparse.Namespace) -> int:
    """Store, delete or list line comments."""
    if args.mbox and args.thread is not None and args.text is None:
        # With --mbox there is no THREAD: the positionals start one place earlier.
        args.patch, args.location, args.text, args.thread = (
            args.thread, args.patch, args.location, None)
    loaded = open_thread(args)
    revision = loaded.revision
    if args.list:
        with open_store(args) as store:
            comments = store.line_comments(loaded.family, revision.number)
        labels = {patch_key(p.subject): p.label for p in revision.patches}
        numbers = {patch_key(p.subject): p.number for p in revision.patches}
        comments.sort(key=lambda c: (numbers.get(c.patch_key, 0), c.file, c.line, c.side))
        for c in comments:
            where = f"{labels.get(c.patch_key, '?')} {c.file}:{c.line}"
            side = " (old)" if c.side == "old" else ""
            print(one_line(f"{where}{side}: {' '.join(c.body.split())}"))
        if not comments:
            print(f"no line comments on v{revision.number}")
        return 0
    if args.patch is None or args.location is None or args.text is None:
        raise UsageError("give PATCH FILE:LINE TEXT (or --list)")
    patch = find_patch(revision, args.patch)
    path, line = parse_location(args.location)
    side = "old" if args.old else "new"
    if patch.diff.locate(path, side, line) is None:
        files = ", ".join(f.path for f in patch.diff.files) or "none"
        what = "removed or context" if args.old else "added or context"
        raise UsageError(f"{patch.label} has no {what} line {path}:{line} "
                         f"(files: {files}; --old for pre-image numbers)")
    with open_store(args) as store:
        identity = reviewer_identity(store)
        stored = store.set_line_comment(loaded.family, revision.number, patch.subject, path,
                                        side, line, args.text,
                                        identity.address if identity else "")
    state = "deleted" if stored is None else "saved"
    print(one_line(f"{patch.label} {path}:{line}: comment {state}"))
    return 0
