"""`reviewtui tag`, `untag` and `mark`: record review state from the command line.

Also home of the small helpers every review-state command shares (store, family, sites,
reviewer identity, site and patch look-up).
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass

from reviewtui import config
from reviewtui.analysis.callsite import CallSite
from reviewtui.analysis.catalogue import Catalogue, load_catalogue
from reviewtui.commands.common import (
    LoadedThread,
    add_command,
    add_thread_arguments,
    catalogue_path,
    open_thread,
    thread_cache,
)
from reviewtui.errors import UsageError
from reviewtui.model.thread import Patch, Revision
from reviewtui.store import PATCH_STATES, ReviewStore, SiteTag


@dataclass
class ReviewContext:
    """A loaded revision with its catalogue, call sites and series family key."""

    loaded: LoadedThread
    catalogue: Catalogue
    sites: list[CallSite]
    family: str

    @property
    def revision(self) -> Revision:
        """The revision the command works on."""
        return self.loaded.revision


def review_context(args: argparse.Namespace) -> ReviewContext:
    """Load THREAD, analyse its revision and compute the family key shared by its revisions."""
    from reviewtui.analysis.sites import analyse_revision
    from reviewtui.lore.revisions import series_key

    loaded = open_thread(args)
    catalogue = load_catalogue(catalogue_path(args))
    sites = analyse_revision(loaded.revision, catalogue)
    family = series_key(thread_cache(args), loaded.series, loaded.revision)
    return ReviewContext(loaded, catalogue, sites, family)


def open_store(args: argparse.Namespace) -> ReviewStore:
    """The review store chosen by --state / REVIEWTUI_STATE / the XDG data dir."""
    return ReviewStore.open(config.state_file(getattr(args, "state", None)))


def stored_tags(args: argparse.Namespace, ctx: ReviewContext) -> dict[str, SiteTag]:
    """Tags of the context's sites; a state file that does not exist yet is not created."""
    if not config.state_file(getattr(args, "state", None)).exists():
        return {s.id: SiteTag(s.id, ctx.revision.number, None) for s in ctx.sites}
    with open_store(args) as store:
        return store.tags_for(ctx.family, ctx.revision.number, ctx.sites)


def reviewer_identity(store: ReviewStore | None) -> config.Identity | None:
    """REVIEWTUI_NAME/EMAIL, else the identity stored in the state file, else git config."""
    override = store.reviewer_override() if store is not None else None
    name = os.environ.get("REVIEWTUI_NAME") or (override[0] if override else None)
    email = os.environ.get("REVIEWTUI_EMAIL") or (override[1] if override else None)
    return config.reviewer(name, email)


def find_site(ctx: ReviewContext, site_id: str) -> CallSite:
    """The site whose id is SITE_ID (or a unique prefix of it); UsageError lists the valid ones."""
    exact = [s for s in ctx.sites if s.id == site_id]
    found = exact or [s for s in ctx.sites if site_id and s.id.startswith(site_id)]
    if len(found) == 1:
        return found[0]
    rev = ctx.revision
    if not ctx.sites:
        raise UsageError(f"v{rev.number} of this series has no call sites to tag")
    listing = "; ".join(
        f"{s.id} ({_patch_label(rev, s.patch)} {s.file} {s.function or '?'})" for s in ctx.sites)
    what = "ambiguous" if found else "unknown"
    raise UsageError(f"{what} site {site_id!r}; sites of v{rev.number}: {listing}")


def check_requirement(catalogue: Catalogue, requirement: str) -> str:
    """REQUIREMENT if the catalogue defines it; UsageError listing the valid tags otherwise."""
    if requirement in catalogue.requirements:
        return requirement
    valid = "; ".join(f"{r.tag} ({r.meaning})" for r in catalogue.requirements.values())
    raise UsageError(f"unknown requirement {requirement!r}; valid: {valid}")


def find_patch(revision: Revision, text: str) -> Patch:
    """Patch N (or 'N/M') of REVISION; UsageError lists the patches."""
    number = text.split("/", 1)[0].strip()
    patch = revision.patch(int(number)) if number.isdigit() else None
    if patch is None:
        listing = "; ".join(f"{p.label} {p.subject}" for p in revision.patches)
        raise UsageError(f"no patch {text!r} in v{revision.number}; patches: {listing}")
    return patch


def _patch_label(revision: Revision, number: int) -> str:
    patch = revision.patch(number)
    return patch.label if patch else str(number)


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
    tag.add_argument("site", metavar="SITE_ID", help="site id (or a unique prefix), see 'sites'")
    tag.add_argument("requirement", metavar="REQUIREMENT",
                     help="fn-unsafe, fp-unsafe, estimate-ok, policy, not-sharing, ...")
    tag.add_argument("--note", default="", metavar="TEXT", help="free-text note for the site")
    tag.set_defaults(run=run_tag)

    untag = add_command(subparsers, "untag", "Remove the tag of a call site")
    add_thread_arguments(untag)
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
    label = _patch_label(ctx.revision, site.patch)
    print(f"{site.id} ({label} {site.file} {site.function or '?'}): {requirement}, "
          f"verdict {verdict(site, requirement, ctx.catalogue)}")
    return 0


def run_untag(args: argparse.Namespace) -> int:
    """Remove a site's tag in this revision."""
    ctx = review_context(args)
    site = find_site(ctx, args.site)
    with open_store(args) as store:
        removed = store.clear_tag(ctx.family, ctx.revision.number, site.id)
    print(f"{site.id}: untagged" if removed else f"{site.id}: had no tag in v{ctx.revision.number}")
    return 0


def run_mark(args: argparse.Namespace) -> int:
    """Set a patch's review state (and the reviewed-by flag)."""
    if args.queue_reviewed_by and args.patch_state != "reviewed":
        raise UsageError("--queue-reviewed-by goes with the state 'reviewed'")
    from reviewtui.lore.revisions import series_key

    loaded = open_thread(args)
    patch = find_patch(loaded.revision, args.patch)
    family = series_key(thread_cache(args), loaded.series, loaded.revision)
    with open_store(args) as store:
        state = store.set_patch_state(family, loaded.revision.number, patch.subject,
                                      args.patch_state, queued=args.queue_reviewed_by,
                                      who=_who(store))
    queued = " (Reviewed-by queued)" if state.queued else ""
    print(f"{patch.label} {patch.subject}: {state.state}{queued}")
    return 0
