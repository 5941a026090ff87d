"""`reviewtui tag`, `untag` and `mark`: record review state from the command line."""

from __future__ import annotations

import argparse

from reviewtui.analysis.callsite import CallSite
from reviewtui.commands.common import add_command, add_thread_arguments, open_thread
from reviewtui.errors import UsageError
from reviewtui.session import (
    add_tree_arguments,
    check_requirement,
    find_patch,
    find_site,
    open_store,
    patch_label,
    review_context,
    reviewer_identity,
)
from reviewtui.store import PATCH_STATES, ReviewStore
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
        subparsers, "mark", "Set the review state of a patch",
        "Mark a patch reviewed, skipped or unreviewed; --queue-reviewed-by also queues a "
        "Reviewed-by reply for 'reviewtui trailers --reviewed'.",
    )
    add_thread_arguments(mark)
    mark.add_argument("patch", metavar="PATCH", help="patch number (N or N/M)")
    # dest must not be "state": that is the global --state FILE option.
    mark.add_argument("patch_state", choices=PATCH_STATES, metavar="STATE",
                      help=f"one of: {', '.join(PATCH_STATES)}")
    mark.add_argument("--queue-reviewed-by", action="store_true",
                      help="queue a Reviewed-by reply for this patch")
    mark.set_defaults(run=run_mark)


def run_tag(args: argparse.Namespace) -> int:
    """Tag one site and print it with its verdict."""
    from reviewtui.analysis.verdict import verdict

    ctx = review_context(args)
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
    ctx = review_context(args)
    site = find_site(ctx, args.site)
    with open_store(args) as store:
        removed = store.clear_tag(ctx.family, ctx.revision.number, site.id)
    print(one_line(f"{site.id}: untagged" if removed
                   else f"{site.id}: had no tag in v{ctx.revision.number}"))
    return 0


def run_mark(args: argparse.Namespace) -> int:
    """Set a patch's review state (and the reviewed-by flag)."""
    if args.queue_reviewed_by and args.patch_state != "reviewed":
        raise UsageError("--queue-reviewed-by goes with the state 'reviewed'")
    loaded = open_thread(args)
    patch = find_patch(loaded.revision, args.patch)
    family = loaded.family
    with open_store(args) as store:
        state = store.set_patch_state(family, loaded.revision.number, patch.subject,
                                      args.patch_state, queued=args.queue_reviewed_by,
                                      who=_who(store))
    queued = " (Reviewed-by queued)" if state.queued else ""
    print(one_line(f"{patch.label} {patch.subject}: {state.state}{queued}"))
    return 0
