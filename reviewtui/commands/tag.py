"""`reviewtui tag`, `untag` and `mark`: record review state from the command line."""

from __future__ import annotations

import argparse

from reviewtui.analysis.callsite import CallSite
from reviewtui.commands.common import add_command, add_thread_arguments
from reviewtui.errors import UsageError
from reviewtui.session import (
    add_tree_arguments,
    check_requirement,
    find_patch,
    find_site,
    open_store,
    patch_label,
    reviewer_identity,
    site_context,
)
from reviewtui.store import CHANGES_REQUESTED, PATCH_STATES, REVIEWED_BY, ReviewStore
from reviewtui.text_safety import one_line


def _who(store: ReviewStore) -> str:
    identity = reviewer_identity(store)
    return identity.address if identity else ""


# -- commands -------------------------------------------------------------------------------

def register(subparsers) -> None:
    """Add the tag, untag and mark subcommands."""
    tag = add_command(
        subparsers, "tag", "Tag a call site with its required semantics",
        "Record which sharing semantics a call site requires (a requirement tag of the "
        "catalogue) and an optional note. The tag carries over to later revisions of the "
        "series while the site is unchanged.",
    )
    add_thread_arguments(tag)
    add_tree_arguments(tag)
    tag.add_argument("site", metavar="SITE_ID", help="site id (or a unique prefix), see 'sites'")
    tag.add_argument("requirement", metavar="REQUIREMENT",
                     help="fn-unsafe, fp-unsafe, estimate-ok, policy, not-sharing, ...")
    tag.add_argument("--note", default="", metavar="TEXT", help="free-text note for the site")
    tag.set_defaults(run=run_tag)

    untag = add_command(subparsers, "untag", "Remove the tag of a call site")
    add_thread_arguments(untag)
    add_tree_arguments(untag)
    untag.add_argument("site", metavar="SITE_ID", help="site id (or a unique prefix)")
    untag.set_defaults(run=run_untag)

    mark = add_command(
        subparsers, "mark", "Set the review state of a patch, and queue a reply",
        "Mark a patch reviewed, skipped or unreviewed. That records your progress only: no "
        "reply is ever written for it. A reply is written only when you queue one: "
        "--queue-reviewed-by (a reply ending with your Reviewed-by) or --request-changes "
        "(a reply carrying your site notes and line comments, no trailer). 'reviewtui "
        "replies' writes what is queued.",
    )
    add_thread_arguments(mark)
    mark.add_argument("patch", metavar="PATCH", help="patch number (N or N/M)")
    # dest must not be "state": that is the global --state FILE option.
    mark.add_argument("patch_state", choices=PATCH_STATES, metavar="STATE",
                      help=f"one of: {', '.join(PATCH_STATES)}")
    reply = mark.add_mutually_exclusive_group()
    reply.add_argument("--queue-reviewed-by", action="store_true",
                       help="queue a Reviewed-by reply for this patch (with STATE reviewed)")
    reply.add_argument("--request-changes", action="store_true",
                       help="queue a reply asking for changes: your notes and line comments, "
                       "no trailer (with STATE reviewed)")
    reply.add_argument("--unqueue", action="store_true",
                       help="drop the reply queued for this patch")
    mark.set_defaults(run=run_mark)


def run_tag(args: argparse.Namespace) -> int:
    """Tag one site and print it with its verdict."""
    from reviewtui.analysis.verdict import verdict

    ctx = site_context(args)
    site = find_site(ctx, args.site)
    requirement = check_requirement(ctx.catalogue, args.requirement)
    with open_store(args) as store:
        store.set_tag(ctx.family, ctx.revision.number, site, requirement, args.note,
                      _who(store))
    if isinstance(site, CallSite):
        label = patch_label(ctx.revision, site.patch)
        outcome = f"verdict {verdict(site, requirement, ctx.catalogue)}"
    else:  # a remaining tree use: the series does not change it, so there is no delta
        label, outcome = "tree", "remaining in the tree"
    print(one_line(f"{site.id} ({label} {site.file} {site.function or '?'}): {requirement}, "
                   f"{outcome}"))
    return 0


def run_untag(args: argparse.Namespace) -> int:
    """Remove a site's tag in this revision."""
    ctx = site_context(args)
    site = find_site(ctx, args.site)
    with open_store(args) as store:
        removed = store.clear_tag(ctx.family, ctx.revision.number, site.id)
    print(one_line(f"{site.id}: untagged" if removed
                   else f"{site.id}: had no tag in v{ctx.revision.number}"))
    return 0


def run_mark(args: argparse.Namespace) -> int:
    """Set a patch's review state and, when asked, the reply queued for it."""
    wants = args.queue_reviewed_by or args.request_changes
    if wants and args.patch_state != "reviewed":
        option = "--queue-reviewed-by" if args.queue_reviewed_by else "--request-changes"
        raise UsageError(f"{option} goes with the state 'reviewed'")
    ctx = site_context(args)  # the patch list comes from the sites cache when it is current
    patch = find_patch(ctx.revision, args.patch)
    queued = True if args.queue_reviewed_by else (False if args.unqueue else None)
    changes = True if args.request_changes else (False if args.unqueue else None)
    with open_store(args) as store:
        state = store.set_patch_state(ctx.family, ctx.revision.number, patch.subject,
                                      args.patch_state, queued=queued, changes_requested=changes,
                                      who=_who(store))
    queued_text = {REVIEWED_BY: " (Reviewed-by queued)",
                   CHANGES_REQUESTED: " (reply asking for changes queued)"}.get(state.reply, "")
    print(one_line(f"{patch.label} {patch.subject}: {state.state}{queued_text}"))
    return 0
