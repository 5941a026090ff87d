"""A loaded revision under review: catalogue, call sites, family key, store and identity.

Shared by every command that reads or writes review state, and by the TUI.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from reviewtui import config
from reviewtui.analysis.callsite import CallSite
from reviewtui.analysis.catalogue import Catalogue, load_catalogue
from reviewtui.commands.common import (
    LoadedThread,
    ThreadSource,
    catalogue_path,
    load_thread,
    open_thread,
    read_thread,
)
from reviewtui.errors import ReviewtuiError, UsageError
from reviewtui.lore.cache import CachedThread
from reviewtui.model.thread import Patch, Revision, Series
from reviewtui.store import ReviewStore, SiteTag, patch_key

if TYPE_CHECKING:
    from reviewtui.analysis.sites import RevisionSites
    from reviewtui.analysis.tree_audit import TreeRow
    from reviewtui.sitecache import PatchOutline, RevisionOutline, SiteSnapshot, TalkIds
    from reviewtui.tree.audit import TreeReport


@dataclass
class ReviewContext:
    """A loaded revision with its catalogue, call sites and series family key."""

    loaded: LoadedThread
    catalogue: Catalogue
    sites: list[CallSite]
    family: str
    tree: TreeReport | None = None  # with --tree PATH: the tree audit of the series
    remaining: list[TreeRow] = field(default_factory=list)  # tree uses left on an old API

    @property
    def revision(self) -> Revision:
        """The revision the command works on."""
        return self.loaded.revision


def review_context(args: argparse.Namespace) -> ReviewContext:
    """Load THREAD, analyse its revision and compute the family key shared by its revisions."""
    from reviewtui.analysis.sites import analyse_revision

    tree = getattr(args, "tree", None)
    if tree:
        from reviewtui.tree.scan import check_tree

        check_tree(tree)  # fail before loading the thread
    loaded = open_thread(args)
    catalogue = load_catalogue(catalogue_path(args))
    sites = analyse_revision(loaded.revision, catalogue)
    ctx = ReviewContext(loaded, catalogue, sites, loaded.family)
    if tree:
        scan_tree(ctx, tree, getattr(args, "tree_state", "auto"))
    return ctx


@dataclass
class SiteContext:
    """A revision's call sites, catalogue and family: what `sites`, `tag`, `untag` and `mark`
    need. It comes from the sites cache when that is current (no message is parsed), else
    from loading and analysing the thread, which refreshes the sites cache."""

    catalogue: Catalogue
    found: RevisionSites
    revision: RevisionOutline
    family: str
    thread_problems: tuple[str, ...] = ()
    talk: dict[str, TalkIds] | None = None  # site id -> its discussion, when asked for
    tree: TreeReport | None = None
    remaining: list[TreeRow] = field(default_factory=list)

    @property
    def sites(self) -> list[CallSite]:
        """The revision's call sites, patch by patch."""
        return self.found.sites


def site_context(args: argparse.Namespace, *, discussion: bool = False) -> SiteContext:
    """The sites of the revision open_thread would choose (with their discussion if
    DISCUSSION), from the sites cache when it is current."""
    from reviewtui import sitecache
    from reviewtui.lore.revisions import family_of

    tree = getattr(args, "tree", None)
    if tree:
        from reviewtui.tree.scan import check_tree

        check_tree(tree)  # fail before loading the thread
    catalogue = load_catalogue(catalogue_path(args))
    thread = read_thread(args)
    key = sitecache.catalogue_fingerprint(catalogue_path(args))
    snap = _cached_snapshot(args, thread, key)
    if snap is None or (discussion and snap.talk is None):
        snap = _analyse(args, thread, catalogue, key, discussion)
    ctx = SiteContext(catalogue, snap.found, snap.revision,
                      family_of(thread.cache, snap.identity).key, snap.thread_problems, snap.talk)
    if tree:
        scan_tree(ctx, tree, getattr(args, "tree_state", "auto"))
    return ctx


def prepare_sites(args: argparse.Namespace, msgid: str) -> bool:
    """Analyse the cached thread MSGID now, as `sites` would open it, so that later `sites`,
    `tag`, `untag` and `mark` read the sites cache instead of parsing the whole series.

    Best effort: a thread reviewtui cannot analyse is still cached; False says so.
    """
    quiet = argparse.Namespace(**{**vars(args), "thread": msgid, "mbox": None,
                                  "revision": None, "refresh": False, "tree": None,
                                  "announce": False})
    try:
        site_context(quiet, discussion=True)
    except ReviewtuiError:
        return False
    return True


def _cached_snapshot(args: argparse.Namespace, thread: ThreadSource, key: str,
                     ) -> SiteSnapshot | None:
    """The cached snapshot of the revision open_thread would choose, if the cache has it."""
    from reviewtui import sitecache
    from reviewtui.commands.common import announce, newest_cached, switched_notice

    if thread.entry is None:
        return None
    cache = thread.cache
    digest = _digest(thread.entry, thread.data)
    facts = sitecache.thread_facts(cache, thread.entry, digest, key)
    if facts is None:
        return None
    wanted = getattr(args, "revision", None)
    if wanted is not None:
        if wanted not in facts.revisions:
            return None  # another thread of the family: the full path finds it
        return sitecache.lookup(cache, thread.entry, digest, key, wanted)
    newest = newest_cached(cache, facts.identity, facts.latest)
    if newest is None:
        return sitecache.lookup(cache, thread.entry, digest, key, facts.latest)
    entry, data = cache.read(newest.msgid)
    digest = _digest(entry, data)
    later = sitecache.thread_facts(cache, entry, digest, key)
    snap = None if later is None else sitecache.lookup(cache, entry, digest, key, later.latest)
    if snap is not None:
        announce(args, switched_notice(later.latest, facts.latest))
    return snap


def _digest(entry: CachedThread, data: bytes) -> str:
    """The sha256 of a cached thread's DATA (the index's, which cache.read has checked)."""
    from reviewtui import sitecache

    return entry.sha256 or sitecache.thread_digest(data)


def _analyse(args: argparse.Namespace, thread: ThreadSource, catalogue: Catalogue, key: str,
             discussion: bool) -> SiteSnapshot:
    """Load and analyse THREAD; keep the result (and the facts of every cached thread parsed
    on the way) in the sites cache."""
    from reviewtui import sitecache
    from reviewtui.analysis.discussion import site_talk_map
    from reviewtui.analysis.sites import scan_revision

    parsed: dict[str, tuple[CachedThread, bytes, Series]] = {}
    loaded = load_thread(args, thread,
                         seen=lambda entry, data, series: parsed.update(
                             {entry.key: (entry, data, series)}))
    found = scan_revision(loaded.revision, catalogue)
    talk = None
    if discussion:
        talk = {sid: sitecache.TalkIds(*(tuple(t.msgids(g)) for g in sitecache.TALK_GROUPS))
                for sid, t in site_talk_map(loaded.series, loaded.revision, found.sites).items()}
    snap = sitecache.SiteSnapshot.of(loaded.series, loaded.revision, found, talk)
    for name, (entry, data, series) in parsed.items():
        mine = loaded.entry is not None and name == loaded.entry.key
        sitecache.store(thread.cache, entry, _digest(entry, data), key, series,
                        snap if mine else None)
    return snap


def scan_tree(ctx: ReviewContext | SiteContext, tree: str, state: str | None) -> None:
    """Fill CTX's tree audit and its remaining call sites from the kernel tree TREE."""
    from reviewtui.analysis.tree_audit import tree_site_records
    from reviewtui.tree.audit import run_tree_audit

    ctx.tree = run_tree_audit(tree, ctx.sites, ctx.catalogue,
                              assume=None if state in (None, "auto") else state)
    ctx.remaining = tree_site_records(ctx.tree.audit)


def add_tree_arguments(parser: argparse.ArgumentParser) -> None:
    """--tree PATH (a kernel tree: its remaining call sites join the sites) and --tree-state."""
    parser.add_argument("--tree", metavar="PATH",
                        help="kernel source tree: include the call sites the series left on "
                        "an API it converts away from (see tree-audit)")
    parser.add_argument("--tree-state", choices=("auto", "before", "after"), default="auto",
                        help="whether the tree is before or after the series (default: detect)")


def open_store(args: argparse.Namespace) -> ReviewStore:
    """The review store chosen by --state / REVIEWTUI_STATE / the XDG data dir."""
    return ReviewStore.open(config.state_file(getattr(args, "state", None)))


def stored_tags(args: argparse.Namespace, ctx: ReviewContext | SiteContext,
                sites: Sequence[CallSite | TreeRow] | None = None) -> dict[str, SiteTag]:
    """Tags of SITES (default: the context's sites); a missing state file is not created."""
    chosen = list(ctx.sites if sites is None else sites)
    if not config.state_file(getattr(args, "state", None)).exists():
        return {s.id: SiteTag(s.id, ctx.revision.number, None) for s in chosen}
    with open_store(args) as store:
        return store.tags_for(ctx.family, ctx.revision.number, chosen)


def reviewer_identity(store: ReviewStore | None) -> config.Identity | None:
    """REVIEWTUI_NAME/EMAIL, else the identity stored in the state file, else git config."""
    override = store.reviewer_override() if store is not None else None
    name = os.environ.get("REVIEWTUI_NAME") or (override[0] if override else None)
    email = os.environ.get("REVIEWTUI_EMAIL") or (override[1] if override else None)
    return config.reviewer(name, email)


def reply_material(store: ReviewStore, ctx: ReviewContext) -> tuple[list, list]:
    """The site notes and line comments of the context's revision, as replies quote them."""
    from reviewtui.export.replies import LineNote, SiteNote

    tags = store.tags_for(ctx.family, ctx.revision.number, ctx.sites)
    notes = [SiteNote(site, tags[site.id].note) for site in ctx.sites if tags[site.id].note]
    numbers = {patch_key(p.subject): p.number for p in ctx.revision.patches}
    comments = [LineNote(numbers[c.patch_key], c.file, c.side, c.line, c.body)
                for c in store.line_comments(ctx.family, ctx.revision.number)
                if c.patch_key in numbers]
    return notes, comments


def find_site(ctx: ReviewContext | SiteContext, site_id: str) -> CallSite:
    """The site whose id is SITE_ID (or a unique prefix of it); UsageError lists the valid ones."""
    candidates = [*ctx.sites, *ctx.remaining]
    exact = [s for s in candidates if s.id == site_id]
    found = exact or [s for s in candidates if site_id and s.id.startswith(site_id)]
    if len(found) == 1:
        return found[0]
    rev = ctx.revision
    if not ctx.sites and not ctx.remaining:
        raise UsageError(f"v{rev.number} of this series has no call sites to tag")
    listing = "; ".join(
        f"{s.id} ({patch_label(rev, s.patch)} {s.file} {s.function or '?'})" for s in ctx.sites)
    if ctx.remaining:
        listing += "; remaining in the tree: " + "; ".join(
            f"{r.id} ({r.file}:{r.use.line} {r.function or '?'})" for r in ctx.remaining)
    what = "ambiguous" if found else "unknown"
    raise UsageError(f"{what} site {site_id!r}; sites of v{rev.number}: {listing}")


def check_requirement(catalogue: Catalogue, requirement: str) -> str:
    """REQUIREMENT if the catalogue defines it; UsageError listing the valid tags otherwise."""
    if requirement in catalogue.requirements:
        return requirement
    valid = "; ".join(f"{r.tag} ({r.meaning})" for r in catalogue.requirements.values())
    raise UsageError(f"unknown requirement {requirement!r}; valid: {valid}")


def find_patch(revision: Revision | RevisionOutline, text: str) -> Patch | PatchOutline:
    """Patch N (or 'N/M') of REVISION; UsageError lists the patches."""
    number = text.split("/", 1)[0].strip()
    patch = revision.patch(int(number)) if number.isdigit() else None
    if patch is None:
        listing = "; ".join(f"{p.label} {p.subject}" for p in revision.patches)
        raise UsageError(f"no patch {text!r} in v{revision.number}; patches: {listing}")
    return patch


def patch_label(revision: Revision | RevisionOutline, number: int | None) -> str:
    """'n/m' of patch NUMBER ('tree' for a remaining tree use, which has no patch)."""
    if number is None:
        return "tree"
    patch = revision.patch(number)
    return patch.label if patch else str(number)
