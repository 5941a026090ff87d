"""`reviewtui trailers`: write Reviewed-by (Acked-by, Tested-by) replies as emails; never sends."""

from __future__ import annotations

import argparse
import sys

from reviewtui.commands.common import add_command, add_thread_arguments
from reviewtui.config import Identity
from reviewtui.errors import UsageError
from reviewtui.export.replies import TRAILERS, Reply, build_replies, write_eml_dir, write_mbox
from reviewtui.lore.cache import raw_to_mbox
from reviewtui.session import (
    find_patch,
    open_store,
    reply_material,
    review_context,
    reviewer_identity,
)
from reviewtui.store import REVIEWED_BY
from reviewtui.text_safety import one_line


def register(subparsers) -> None:
    """Add the trailers subcommand."""
    parser = add_command(
        subparsers, "trailers", "Write Reviewed-by replies as emails (nothing is sent)",
        "Write one threaded reply per chosen patch (or one to the cover letter with --cover) "
        "that quotes the call sites you noted and ends with your trailer. Send them with your "
        "mail client or git send-email.",
    )
    add_thread_arguments(parser)
    choose = parser.add_mutually_exclusive_group()
    choose.add_argument("--patches", metavar="LIST", help="patch numbers, e.g. 1,3 or 1-3")
    choose.add_argument("--queued", "--reviewed", dest="reviewed", action="store_true",
                        help="the patches with a Reviewed-by queued in this revision "
                        "(mark N reviewed --queue-reviewed-by, or r in the review screen); "
                        "marking a patch reviewed alone never gives a trailer")
    parser.add_argument("--trailer", choices=TRAILERS, default="Reviewed-by",
                        help="the trailer the replies end with (default: Reviewed-by)")
    parser.add_argument("--cover", action="store_true",
                        help="one reply to the cover letter for the whole series "
                        "(all patches must be chosen; the default choice with --cover)")
    add_output_arguments(parser)
    parser.set_defaults(run=run)


def add_output_arguments(parser: argparse.ArgumentParser) -> None:
    """-o DIR (one .eml per reply) or --mbox-out FILE (one mbox; default: stdout)."""
    out = parser.add_mutually_exclusive_group()
    out.add_argument("-o", "--output-dir", metavar="DIR", help="write one .eml file per reply")
    out.add_argument("--mbox-out", metavar="FILE",
                     help="write all replies to one mbox file (default: mbox on stdout); "
                     "with THREAD given, --mbox FILE does the same")


def parse_numbers(text: str) -> list[int]:
    """'1,3' or '1-3,5' as patch numbers; UsageError on anything else."""
    numbers: set[int] = set()
    for part in text.replace(" ", "").split(","):
        first, _, last = part.partition("-")
        if not first.isdigit() or (last and not last.isdigit()):
            raise UsageError(f"--patches {text!r}: give numbers like 1,3 or 1-3")
        low, high = int(first), int(last or first)
        if low > high or high - low > 1000:
            raise UsageError(f"--patches {text!r}: bad range {part}")
        numbers.update(range(low, high + 1))
    return sorted(numbers)


def output_mbox_from(args: argparse.Namespace) -> argparse.Namespace:
    """With THREAD given, --mbox FILE is where the replies go (the issue's `--mbox FILE`)."""
    if not (args.thread and args.mbox):
        return args
    if args.output_dir or args.mbox_out:
        raise UsageError("choose one output: -o DIR or --mbox FILE")
    return argparse.Namespace(**{**vars(args), "mbox_out": args.mbox, "mbox": None})


def run(args: argparse.Namespace) -> int:
    """Build the replies and write them."""
    args = output_mbox_from(args)
    ctx = review_context(args)
    revision = ctx.revision
    with open_store(args) as store:
        identity = require_identity(store)
        if args.reviewed:
            states = store.patch_states(ctx.family, revision.number,
                                        [p.subject for p in revision.patches])
            chosen = [p.number for p in revision.patches
                      if states[p.subject].reply == REVIEWED_BY]
            if not chosen:
                raise UsageError(
                    f"no patch of v{revision.number} has a Reviewed-by queued (marking a patch "
                    "reviewed records progress only); queue one with 'reviewtui mark THREAD N "
                    "reviewed --queue-reviewed-by' or name them with --patches")
        elif args.patches:
            chosen = [find_patch(revision, str(n)).number
                      for n in parse_numbers(args.patches)]
        elif args.cover:
            chosen = [p.number for p in revision.patches]
        else:
            raise UsageError("choose the patches: --patches LIST, --queued or --cover")
        notes, comments = reply_material(store, ctx)
    replies = build_replies(revision, chosen, identity, trailer=args.trailer, notes=notes,
                            cover=args.cover, comments=comments)
    write_replies(args, replies)
    for reply in replies:
        print(f"reviewtui: {args.trailer} for {one_line(reply.subject)} from "
              f"{one_line(identity.address)}", file=sys.stderr)
    return 0


def require_identity(store) -> Identity:
    """The reviewer identity, or a UsageError saying how to set it."""
    identity = reviewer_identity(store)
    if identity is None:
        raise UsageError("who are you? set REVIEWTUI_NAME and REVIEWTUI_EMAIL, or git "
                         "config user.name and user.email")
    return identity


def write_replies(args: argparse.Namespace, replies: list[Reply]) -> None:
    """Write REPLIES where -o / --mbox-out say (stdout as one mbox by default)."""
    if args.output_dir:
        for path in write_eml_dir(replies, args.output_dir):
            print(path)
    elif args.mbox_out:
        print(write_mbox(replies, args.mbox_out))
    else:
        sys.stdout.buffer.write(raw_to_mbox([r.as_bytes() for r in replies]))
        sys.stdout.flush()
