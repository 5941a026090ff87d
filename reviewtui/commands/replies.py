"""`reviewtui replies`: write the replies the reviewer queued, and nothing else; never sends."""

from __future__ import annotations

import argparse
import sys

from reviewtui.commands.common import add_command, add_thread_arguments
from reviewtui.commands.trailers import (
    add_output_arguments,
    output_mbox_from,
    require_identity,
    write_replies,
)
from reviewtui.errors import UsageError
from reviewtui.export.replies import queued_replies
from reviewtui.session import open_store, reply_material, review_context
from reviewtui.store import REVIEWED_BY
from reviewtui.text_safety import one_line


def register(subparsers) -> None:
    """Add the replies subcommand."""
    parser = add_command(
        subparsers, "replies", "Write the queued replies as emails (nothing is sent)",
        "Write one threaded reply per patch for which you queued one: a Reviewed-by "
        "(mark N reviewed --queue-reviewed-by, r in the review screen) or a reply asking for "
        "changes (mark N reviewed --request-changes, C in the review screen) that carries "
        "your site notes and line comments and no trailer. A patch only marked reviewed "
        "gets no reply.",
    )
    add_thread_arguments(parser)
    add_output_arguments(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Build the queued replies and write them."""
    args = output_mbox_from(args)
    ctx = review_context(args)
    revision = ctx.revision
    with open_store(args) as store:
        identity = require_identity(store)
        states = store.patch_states(ctx.family, revision.number,
                                    [p.subject for p in revision.patches])
        kinds = {p.number: states[p.subject].reply for p in revision.patches
                 if states[p.subject].reply}
        if not kinds:
            raise UsageError(
                f"no reply is queued for v{revision.number}; queue one with 'reviewtui mark "
                "THREAD N reviewed --queue-reviewed-by' or '--request-changes'")
        notes, comments = reply_material(store, ctx)
    replies = queued_replies(revision, kinds, identity, notes=notes, comments=comments)
    write_replies(args, replies)
    for reply in replies:
        what = "Reviewed-by" if kinds[reply.number] == REVIEWED_BY else "changes requested"
        print(f"reviewtui: {what} for {one_line(reply.subject)} from "
              f"{one_line(identity.address)}", file=sys.stderr)
    return 0
