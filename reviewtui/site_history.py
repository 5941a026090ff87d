"""A call site's history: earlier and later series that change the same function and API.

Shared by `reviewtui history` and the TUI's history screen. The server searches (see
lore.search), the hit threads are fetched into the cache with b4, and each is read from the
cache for its matching hunk and the FN/FP mentions of its discussion. Offline, the cached
search and the cached threads are shown, and `notice` says what is missing.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass
from datetime import datetime

from reviewtui.analysis.callsite import CallSite
from reviewtui.analysis.history import (
    HistoryEntry,
    SiteQuery,
    ThreadHits,
    discussion_mentions,
    group_hits,
    matching_hunk,
    relation,
    site_query,
)
from reviewtui.errors import ReviewtuiError
from reviewtui.lore.cache import ThreadCache
from reviewtui.lore.fetch import Limits, Progress
from reviewtui.lore.search import SearchResult, fetch_hit_threads, run_search
from reviewtui.model.thread import Revision, Series


@dataclass(frozen=True)
class HistoryReport:
    """The history of one site: the query, its result and what could not be had."""

    site: CallSite
    query: SiteQuery
    search: SearchResult
    entries: tuple[HistoryEntry, ...]
    offline: str | None = None  # why the server could not answer (the search is the cached one)
    missing: tuple[tuple[str, str], ...] = ()  # (thread root, reason) of threads not cached

    def notice(self) -> str | None:
        """One line on what is stale or missing, or None when everything is there."""
        parts = []
        if self.offline:
            parts.append(f"{self.offline}: showing the search cached {self.search.queried_at}")
        if self.missing:
            roots = ", ".join(root for root, _ in self.missing[:3])
            more = "…" if len(self.missing) > 3 else ""
            parts.append(f"{len(self.missing)} of {len(self.entries)} series not in the cache "
                         f"({roots}{more}): no hunk or discussion for them")
        if self.search.truncated:
            parts.append("the server's answer was cut at the size limit")
        return "; ".join(parts) or None

    def as_json(self) -> dict[str, object]:
        """The `history --format json` contract."""
        return {
            "site": self.site.id,
            "server": self.search.server,
            "query": self.query.text,
            "queried_at": self.search.queried_at,
            "offline": self.offline,
            "missing": [{"root": root, "reason": reason} for root, reason in self.missing],
            "truncated": self.search.truncated,
            "series": [e.as_json() for e in self.entries],
        }


def link(server: str, msgid: str) -> str:
    """The message on SERVER (for lore: https://lore.kernel.org/all/<msgid>/)."""
    return f"{server.rstrip('/')}/{urllib.parse.quote(msgid, safe='@+=-._~!$*,;:')}/"


def revision_date(revision: Revision) -> datetime | None:
    """When REVISION was posted (its cover letter, else its first patch)."""
    first = revision.cover or (revision.patches[0].message if revision.patches else None)
    return first.date if first is not None else None


def site_history(series: Series, revision: Revision, site: CallSite, cache: ThreadCache,
                 server: str, *, since: str | None = None, timeout: Limits = 30.0,
                 cached_only: bool = False, fetch: bool = True,
                 progress: Progress | None = None) -> HistoryReport:
    """Search SERVER for the series changing SITE's function and API, fetch and summarise them."""
    query = site_query(site, since)
    outcome = run_search(cache.root, server, query.text, timeout, cached_only)
    own = set(series.messages)
    rows = group_hits(h for h in outcome.result.hits if h.msgid not in own and h.root not in own)
    online = fetch and not cached_only and outcome.offline is None
    fetched = fetch_hit_threads(cache, server, rows, timeout, progress, fetch=online)
    reference = revision_date(revision)
    entries = tuple(_entry(cache, row, query, server, reference, row.root in fetched.cached)
                    for row in rows)
    missing = fetched.failed
    if outcome.offline and not missing:
        missing = tuple((e.root, "offline") for e in entries if not e.cached)
    return HistoryReport(site, query, outcome.result, entries, outcome.offline, missing)


def _entry(cache: ThreadCache, row: ThreadHits, query: SiteQuery, server: str,
           reference: datetime | None, cached: bool) -> HistoryEntry:
    entry = HistoryEntry(root=row.root, date=row.date, subject=row.subject, author=row.author,
                         link=link(server, row.root), relation=relation(row.date, reference),
                         hits=row.msgids, cached=False)
    if not cached:
        return entry
    from dataclasses import replace

    from reviewtui.analysis.discussion import analyse_discussion
    from reviewtui.model.load import load_series

    try:
        found, data = cache.read(row.msgids[0])
        other = load_series(data)
    except ReviewtuiError:
        return entry
    hunk: list[str] = []
    patches: set[int] = set()
    revision_number = None
    for msgid in row.msgids:
        message = other.messages.get(msgid)
        if message is None:
            continue
        if message.patch:
            patches.add(message.patch)
        revision_number = revision_number or message.revision
        hunk = hunk or matching_hunk(message.body, query)
    revision = other.revisions.get(revision_number) if revision_number else None
    revision = revision or other.latest
    mentions = discussion_mentions(other, analyse_discussion(other, revision), patches)
    return replace(entry, subject=found.subject or row.subject, cached=True,
                   hunk=tuple(hunk), mentions=tuple(mentions))
