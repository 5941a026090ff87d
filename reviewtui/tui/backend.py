"""The one module through which the TUI reaches the rest of reviewtui.

`prepare()` does the slow part in a background thread: fetch the thread when it is not
cached, parse it, extract call sites, analyse the discussion. `ReviewBackend` then owns the
review store (SQLite objects belong to the thread that opened them, so it is opened on the
UI thread) and answers everything the screens ask, writing each change at once.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from reviewtui import config
from reviewtui.analysis.callsite import CallSite
from reviewtui.analysis.discussion import Comment, Discussion, analyse_discussion
from reviewtui.analysis.tree_audit import TreeRow
from reviewtui.analysis.verdict import verdict as site_verdict
from reviewtui.commands.common import thread_cache
from reviewtui.config import Identity
from reviewtui.model.thread import Message, Patch, Revision, Series
from reviewtui.session import (
    ReviewContext,
    reply_material,
    review_context,
    reviewer_identity,
    scan_tree,
)
from reviewtui.store import LineComment, PatchState, ReviewStore, SiteTag
from reviewtui.tui.patch_lines import AnchorKey
from reviewtui.tui.times import Clock

Progress = Callable[[str], None]
_SIDES = {"old": "-", "new": "+"}
TRAILER_KINDS = (("Acked-by:", "acked"), ("Reviewed-by:", "reviewed"), ("Tested-by:", "tested"))


@dataclass
class Prepared:
    """Everything computed off the UI thread (the CLI's ReviewContext plus the discussion)."""

    context: ReviewContext
    discussion: Discussion


def prepare(args: argparse.Namespace, progress: Progress) -> Prepared:
    """Fetch (when not cached or --refresh), parse and analyse the thread ARGS name.

    With --tree PATH, also scan that kernel tree for the call sites the series leaves on an
    API it converts away from (the context's `tree` and `remaining`, as review_context fills
    them for the CLI).
    """
    tree = getattr(args, "tree", None)
    if tree:
        from reviewtui.tree.scan import check_tree

        check_tree(tree)  # a bad --tree fails now, before any fetch
    thread = getattr(args, "thread", None)
    if thread and not getattr(args, "mbox", None):
        from reviewtui.lore.fetch import parse_thread_ref

        ref = parse_thread_ref(thread)
        cache = thread_cache(args)
        refresh = getattr(args, "refresh", False)
        if refresh or cache.find(ref.msgid) is None:
            from reviewtui.lore.sync import fetch_into_cache, refresh_thread

            server = config.server_url(getattr(args, "server", None) or ref.server)
            step = refresh_thread if refresh else fetch_into_cache
            if not refresh:
                progress(f"{ref.msgid} is not cached: fetching it from {server}")
            step(cache, ref, server, progress=progress, timeout=config.network_timeout())
        # open_thread must not refresh again (it would print progress on our screen).
        args = argparse.Namespace(**{**vars(args), "refresh": False})
    args = argparse.Namespace(**{**vars(args), "announce": False})  # the title bar says it
    progress("Parsing the thread and finding call sites")
    # The tree is scanned below, not by review_context, so the scan has its own progress line.
    context = review_context(argparse.Namespace(**{**vars(args), "tree": None}))
    if tree:
        progress(f"Scanning the tree {tree} ...")
        scan_tree(context, tree, getattr(args, "tree_state", "auto"))
    progress("Anchoring the discussion")
    discussion = analyse_discussion(context.loaded.series, context.revision, context.sites)
    return Prepared(context, discussion)


def trailer_counts(trailers: Sequence[str]) -> dict[str, int]:
    """How many Acked-by / Reviewed-by / Tested-by trailers TRAILERS hold."""
    counts = {name: 0 for _, name in TRAILER_KINDS}
    for trailer in trailers:
        for prefix, name in TRAILER_KINDS:
            if trailer.lower().startswith(prefix.lower()):
                counts[name] += 1
    return counts


@dataclass(frozen=True)
class ExportResult:
    """Where an export went."""

    directory: Path
    files: tuple[Path, ...]
    warnings: tuple[str, ...] = field(default_factory=tuple)


class ReviewBackend:
    """One revision under review: its sites, tags, verdicts, discussion and patch states."""

    def __init__(self, prepared: Prepared, store: ReviewStore, clock: Clock | None = None,
                 ) -> None:
        context = prepared.context
        self.prepared = prepared
        self.store = store
        # Mail dates in one zone: --tz, REVIEWTUI_TZ, else the local zone.
        self.clock = clock if clock is not None else Clock(config.display_zone())
        self.series: Series = context.loaded.series
        self.revision: Revision = context.revision
        self.family = context.family
        self.source = context.loaded.source
        self.notice = context.loaded.notice  # e.g. "v2 exists: reviewing v2; --revision 1 ..."
        self.catalogue = context.catalogue
        self.sites = context.sites
        self.discussion = prepared.discussion
        self._by_id = {site.id: site for site in self.sites}
        self._position = {site.id: i for i, site in enumerate(self.sites)}
        self._by_patch: dict[int, list[CallSite]] = {}
        for site in self.sites:
            self._by_patch.setdefault(site.patch, []).append(site)
        # With --tree: the uses the series leaves on an API it converts away from. They are
        # tagged like sites (same store table, keyed by their own id), so one dict holds both.
        self.tree = context.tree
        self.remaining: list[TreeRow] = list(context.remaining)
        self._remaining_by_id = {row.id: row for row in self.remaining}
        self._tags: dict[str, SiteTag] = store.tags_for(self.family, self.revision.number,
                                                        [*self.sites, *self.remaining])
        subjects = [p.subject for p in self.revision.patches]
        self._states: dict[str, PatchState] = store.patch_states(
            self.family, self.revision.number, subjects)

    @classmethod
    def open(cls, prepared: Prepared, state: str | Path | None = None,
             tz: str | None = None) -> ReviewBackend:
        """Open the review store (on the calling thread) for PREPARED; TZ: --tz."""
        clock = Clock(config.display_zone(tz))
        return cls(prepared, ReviewStore.open(config.state_file(state)), clock)

    def close(self) -> None:
        """Close the store (every write is already committed)."""
        self.store.close()

    # -- series and sites ---------------------------------------------------------------

    @cached_property
    def reviewer(self) -> Identity | None:
        """Who reviews (asked only when first needed: git config runs a process)."""
        return reviewer_identity(self.store)

    @property
    def who(self) -> str:
        """The reviewer as recorded with each change."""
        return self.reviewer.address if self.reviewer else ""

    def patch(self, number: int) -> Patch | None:
        """Patch NUMBER of the revision."""
        return self.revision.patch(number)

    def site(self, site_id: str) -> CallSite:
        """The site with id SITE_ID."""
        return self._by_id[site_id]

    def sites_of(self, number: int) -> list[CallSite]:
        """Sites of patch NUMBER in diff order."""
        return self._by_patch.get(number, [])

    def ordinal(self, site: CallSite) -> int:
        """SITE's 1-based number within its patch."""
        return self.sites_of(site.patch).index(site) + 1

    def site_number(self, site: CallSite) -> str:
        """'2/3': SITE's place among every site of the series, in series order."""
        return f"{self._position[site.id] + 1}/{len(self.sites)}"

    def requirements(self) -> list[tuple[str, str]]:
        """(tag, one-line meaning) of every requirement in the catalogue."""
        return [(r.tag, r.meaning) for r in self.catalogue.requirements.values()]

    def requirement_of(self, site_id: str) -> str | None:
        """The site's (or remaining tree use's) requirement tag, carried over too."""
        tag = self._tags.get(site_id)
        return tag.requirement if tag is not None else None

    def note_of(self, site_id: str) -> str:
        """The site's note ('' when none)."""
        tag = self._tags.get(site_id)
        return tag.note if tag is not None else ""

    def tag_of(self, site_id: str) -> SiteTag | None:
        """The stored tag record of a site."""
        return self._tags.get(site_id)

    def verdict_of(self, site_id: str) -> str:
        """Requirement x delta for the site."""
        return site_verdict(self._by_id[site_id], self.requirement_of(site_id), self.catalogue)

    def verdict_meaning(self, verdict: str) -> str:
        """One line saying what VERDICT means."""
        return self.catalogue.verdicts.get(verdict, "")

    # -- remaining call sites of the tree (--tree PATH) -----------------------------------

    @property
    def has_tree(self) -> bool:
        """True when a kernel tree was scanned (review --tree PATH)."""
        return self.tree is not None

    def tree_state(self) -> str:
        """The tree state line: 'before the series (detected: ...)' ('' without a tree)."""
        return self.tree.audit.state.describe() if self.tree is not None else ""

    def tree_root(self) -> str:
        """The scanned tree's directory ('' without a tree)."""
        return str(self.tree.scan.root) if self.tree is not None else ""

    def old_apis(self) -> list[str]:
        """The APIs the series converts away from (what a remaining use still calls)."""
        return sorted(self.tree.audit.old_apis) if self.tree is not None else []

    def remaining_row(self, row_id: str) -> TreeRow:
        """The remaining tree use with id ROW_ID."""
        return self._remaining_by_id[row_id]

    def remaining_counts(self) -> tuple[int, int]:
        """(tagged, untagged) remaining tree uses."""
        tagged = sum(1 for row in self.remaining if self.requirement_of(row.id) is not None)
        return tagged, len(self.remaining) - tagged

    def set_remaining_requirement(self, row_id: str, requirement: str | None) -> None:
        """Tag a remaining tree use, e.g. 'estimate-ok' for 'fine as is' (None: untag)."""
        self._write_requirement(self._remaining_by_id[row_id], requirement)

    def set_remaining_note(self, row_id: str, note: str) -> None:
        """Replace the note of a tagged remaining tree use (ValueError when untagged)."""
        self._write_note(self._remaining_by_id[row_id], note)

    # -- writes (each one committed before it returns) ---------------------------------------

    def set_requirement(self, site_id: str, requirement: str | None) -> None:
        """Tag the site (None: untag)."""
        self._write_requirement(self._by_id[site_id], requirement)

    def set_note(self, site_id: str, note: str) -> None:
        """Replace the note of a tagged site (ValueError when it has no requirement yet)."""
        self._write_note(self._by_id[site_id], note)

    def _write_requirement(self, item: CallSite | TreeRow, requirement: str | None) -> None:
        rev = self.revision.number
        if requirement:
            self._tags[item.id] = self.store.set_tag(self.family, rev, item, requirement,
                                                     self.note_of(item.id), self.who)
        else:
            self.store.clear_tag(self.family, rev, item.id)
            self._tags.update(self.store.tags_for(self.family, rev, [item]))

    def _write_note(self, item: CallSite | TreeRow, note: str) -> None:
        requirement = self.requirement_of(item.id)
        if requirement is None:
            raise ValueError("tag the site first (t): a note belongs to its requirement")
        self._tags[item.id] = self.store.set_tag(self.family, self.revision.number, item,
                                                 requirement, note, self.who)

    def patch_state(self, number: int) -> PatchState:
        """Review state of patch NUMBER."""
        patch = self.revision.patch(number)
        if patch is None:
            return PatchState("", self.revision.number)
        return self._states.get(patch.subject) or PatchState(patch.subject, self.revision.number)

    def set_patch_state(self, number: int, state: str | None = None,
                        queued: bool | None = None,
                        changes_requested: bool | None = None) -> PatchState:
        """Set reviewed/skip/unreviewed and/or the reply queued for patch NUMBER."""
        patch = self.revision.patch(number)
        if patch is None:
            raise ValueError("the cover letter has no review state")
        result = self.store.set_patch_state(self.family, self.revision.number, patch.subject,
                                            state, queued=queued,
                                            changes_requested=changes_requested, who=self.who)
        self._states[patch.subject] = result
        return result

    def queued_replies(self) -> dict[int, str]:
        """Patch number -> the reply queued for it ('reviewed-by', 'changes-requested')."""
        return {p.number: reply for p in self.revision.patches
                if (reply := self.patch_state(p.number).reply)}

    # -- line comments -------------------------------------------------------------------

    def line_comments_of(self, number: int) -> dict[tuple[str, str, int], LineComment]:
        """Patch NUMBER's line comments by (file, side, line)."""
        patch = self.revision.patch(number)
        if patch is None:
            return {}
        return {(c.file, c.side, c.line): c for c in self.store.line_comments(
            self.family, self.revision.number, patch.subject)}

    def set_line_comment(self, number: int, file: str, side: str, line: int,
                         body: str) -> LineComment | None:
        """Store the comment on one diff line of patch NUMBER ('' deletes it)."""
        patch = self.revision.patch(number)
        if patch is None:
            raise ValueError("the cover letter has no diff to comment on")
        return self.store.set_line_comment(self.family, self.revision.number, patch.subject,
                                           file, side, line, body, self.who)

    # -- history on the server ------------------------------------------------------------

    def history_fetcher(self, site_id: str, args: argparse.Namespace | None):
        """(server, fetcher) for the history screen of SITE_ID: fetcher(cached_only, progress)."""
        from reviewtui.site_history import site_history

        server = config.server_url(getattr(args, "server", None))
        loaded = self.prepared.context.loaded
        cache = loaded.cache if loaded.cache is not None else thread_cache(args or
                                                                            argparse.Namespace())
        site = self.site(site_id)

        def fetch(cached_only: bool, progress: Progress):
            return site_history(self.series, self.revision, site, cache, server,
                                timeout=config.network_timeout(), cached_only=cached_only,
                                progress=progress)
        return server, fetch

    # -- discussion ----------------------------------------------------------------------

    def comments_of_patch(self, number: int) -> list[Comment]:
        """Comments anchored to patch NUMBER (0: cover letter), oldest first."""
        return self.discussion.comments_for_patch(number)

    def comments_of_site(self, site_id: str) -> list[Comment]:
        """Comments on one call site."""
        return self.discussion.comments_for_site(site_id)

    def comment_counts(self, number: int) -> dict[AnchorKey, int]:
        """Comments per (file, side, line) of patch NUMBER, for the diff gutter."""
        counts: dict[AnchorKey, int] = {}
        for comment in self.comments_of_patch(number):
            anchor = comment.anchor
            if anchor and anchor.file and anchor.line is not None and anchor.side in _SIDES:
                key = (anchor.file, _SIDES[anchor.side], anchor.line)
                counts[key] = counts.get(key, 0) + 1
        return counts

    def thread_messages(self, number: int) -> list[Message]:
        """Replies below patch NUMBER (0: cover letter) in thread order (depth first)."""
        if number == 0:
            replies = self.revision.cover_replies
            root = self.revision.cover.msgid if self.revision.cover else None
        else:
            patch = self.revision.patch(number)
            replies = patch.replies if patch else []
            root = patch.msgid if patch else None
        return thread_order(replies, root)

    def message_depth(self, msg: Message) -> int:
        """Depth of MSG under its patch (a direct reply is 0)."""
        return max(0, len(msg.parents) - 1)

    def trailer_counts(self, number: int) -> dict[str, int]:
        """Acked/Reviewed/Tested-by counts given to patch NUMBER in follow-ups."""
        patch = self.revision.patch(number)
        if patch is None:
            return trailer_counts(self.revision.cover_trailers)
        return trailer_counts(patch.followup_trailers)

    # -- exports -------------------------------------------------------------------------

    def export(self, directory: str | Path) -> ExportResult:
        """Write the audit table (md, csv, json, html) and the replies the reviewer queued.

        With a tree, the table has the remaining call sites too, built by the same code as
        `reviewtui audit --tree PATH` (it reads their tags back from the store).
        """
        from reviewtui.export.audit import build_audit, render, write_audit
        from reviewtui.export.replies import queued_replies, write_eml_dir

        directory = Path(directory)
        files: list[Path] = []
        warnings: list[str] = []
        audit = build_audit(self.series, self.revision, self.sites, self._tags, self.catalogue,
                            self.discussion)
        if self.tree is not None:
            from reviewtui.commands.audit import with_remaining

            audit = with_remaining(audit, self.prepared.context,
                                   argparse.Namespace(state=str(self.store.path)))
        for fmt in ("md", "csv", "json", "html"):
            files.append(write_audit(render(audit, fmt), directory / f"audit.{fmt}"))
        kinds = self.queued_replies()
        if kinds and self.reviewer is None:
            warnings.append("no reviewer identity (git config user.name / user.email): "
                            "replies not written")
        elif kinds:
            notes, comments = reply_material(self.store, self.prepared.context)
            built = queued_replies(self.revision, kinds, self.reviewer, notes=notes,
                                   comments=comments)
            files.extend(write_eml_dir(built, directory / "replies"))
        else:
            warnings.append("no reply is queued (r: Reviewed-by, C: ask for changes): "
                            "no replies written")
        return ExportResult(directory, tuple(files), tuple(warnings))


def thread_order(messages: Sequence[Message], root: str | None) -> list[Message]:
    """MESSAGES depth first under ROOT, siblings oldest first (orphans at the end)."""
    known = {m.msgid for m in messages}
    children: dict[str | None, list[Message]] = {}
    for msg in messages:
        parent = msg.parents[0] if msg.parents else None
        if parent not in known:
            parent = root
        children.setdefault(parent, []).append(msg)
    out: list[Message] = []
    seen: set[str] = set()

    def walk(parent: str | None) -> None:
        for msg in children.get(parent, []):
            if msg.msgid not in seen:
                seen.add(msg.msgid)
                out.append(msg)
                walk(msg.msgid)

    walk(root)
    out.extend(m for m in messages if m.msgid not in seen)
    return out

