"""Search a public-inbox server (lore by default) and keep the answers in the cache.

The search runs on the server: `POST <server>/?x=m&q=QUERY` answers with a gzipped mbox of
the matching messages (an empty body; public-inbox 1.9 expands the answer to whole threads
when the body says `x=m`). The request goes through liblore's LoreNode for the configured
server and its BoundedSession, the same ones `fetch` uses: one total deadline, and the answer
cut (not refused) at a size cap, as sent and once gunzipped; a cut answer keeps its whole
messages. Failures become one line through fetch's `net_errors`.
Each query's hit list is kept as one JSON file under `<cache dir>/searches/`, written
atomically with the time of the query, so an offline run can still show it.
"""

from __future__ import annotations

import hashlib
import json
import time
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from reviewtui.analysis.history import Hit, ThreadHits, read_hit
from reviewtui.errors import FetchError, NotCachedError
from reviewtui.lore.cache import ThreadCache, split_raw, write_atomic
from reviewtui.lore.fetch import Asked, Limits, Progress, ThreadRef, net_errors
from reviewtui.lore.sync import fetch_into_cache

MAX_ANSWER = 16 << 20  # gzipped bytes read from the server for one search
MAX_MBOX = 64 << 20  # bytes of mbox after gunzip
MAX_HITS = 500  # messages kept of one answer
MAX_QUERY = 1000  # characters
SEARCH_VERSION = 1


@dataclass(frozen=True)
class SearchResult:
    """The hits of one query on one server, and when the server was asked."""

    server: str
    query: str
    queried_at: str  # ISO 8601, UTC
    hits: tuple[Hit, ...]
    truncated: bool = False  # the answer had more than MAX_HITS messages (or hit a cap)
    elapsed: float = 0.0  # seconds the server took (0 when read from the cache)

    def as_json(self) -> dict[str, object]:
        """The cache file's content."""
        return {"version": SEARCH_VERSION, "server": self.server, "query": self.query,
                "queried_at": self.queried_at, "truncated": self.truncated,
                "hits": [h.as_json() for h in self.hits]}


@dataclass(frozen=True)
class SearchOutcome:
    """A result, and why it is the cached one when the server could not answer."""

    result: SearchResult
    offline: str | None = None  # the server's failure, when RESULT came from the cache


def check_query(query: str) -> str:
    """QUERY with blanks collapsed; ValueError when empty, too long or not printable."""
    text = " ".join((query or "").split())
    if not text:
        raise ValueError("empty search query")
    if len(text) > MAX_QUERY:
        raise ValueError(f"search query longer than {MAX_QUERY} characters")
    if any(not c.isprintable() for c in text):
        raise ValueError("search query with control characters")
    return text


def search_server(server: str, query: str, timeout: Limits = 30.0) -> SearchResult:
    """Ask SERVER for the messages matching QUERY (FetchError when it cannot answer).

    TIMEOUT: seconds, or NetLimits whose deadline the search shares with other requests.
    """
    from reviewtui.lore.fetch import lore_node, net_limits
    from reviewtui.lore.http import answer_cut, gunzip

    base = net_limits(timeout)  # REVIEWTUI_MAX_FETCH_BYTES, when smaller, caps a search too
    inflated = min(MAX_MBOX, base.max_bytes)
    node = lore_node(server, base.cut_at(min(MAX_ANSWER, base.max_bytes), inflated))
    url = f"{node.url}/?x=m&q={urllib.parse.quote_plus(query)}"
    asked = _asked(server)
    started = time.monotonic()
    with net_errors(asked):
        resp = node.request("POST", url, data="")
    if resp.status_code == 404:  # public-inbox: "No results found"
        return _result(server, query, [], False, time.monotonic() - started)
    if resp.status_code != 200:
        raise asked.status(resp.status_code)
    cut = answer_cut(resp)
    with net_errors(asked):
        mbox, whole = gunzip(resp.content, inflated, cut)
    if not whole:
        mbox = _whole_messages(mbox)
    raws = split_raw(mbox)
    truncated = cut or not whole or len(raws) > MAX_HITS
    return _result(server, query, raws[:MAX_HITS], truncated, time.monotonic() - started)


def _asked(server: str) -> Asked:
    """The search on SERVER, as its errors name it."""
    asked = Asked(server, "for the search", "search answer",
                  late="did not answer the search in time (timeout)")
    # 501: an inbox indexed without Xapian (indexlevel basic)
    return replace(asked, statuses={501: f"{asked.host} has no search index for this inbox "
                                         "(HTTP 501)"})


def _whole_messages(mbox: bytes) -> bytes:
    """The whole messages at the start of MBOX, a cut mbox (what follows the last is cut)."""
    cut = mbox.rfind(b"\nFrom ")
    return mbox[:cut + 1] if cut > 0 else b""


def _result(server: str, query: str, raws: Sequence[bytes], truncated: bool,
            elapsed: float) -> SearchResult:
    hits = {}
    for raw in raws:
        hit = read_hit(raw)
        if hit is not None:
            hits.setdefault(hit.msgid, hit)
    return SearchResult(server, query, _now(), tuple(hits.values()), truncated, elapsed)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class SearchCache:
    """One JSON file per (server, query) under the cache directory's `searches/`."""

    def __init__(self, root: Path) -> None:
        self.dir = Path(root) / "searches"

    def path(self, server: str, query: str) -> Path:
        """The file of QUERY on SERVER."""
        digest = hashlib.sha256(f"{server.rstrip('/')}\n{query}".encode()).hexdigest()
        return self.dir / f"{digest[:32]}.json"

    def load(self, server: str, query: str) -> SearchResult | None:
        """The cached result, or None (a damaged file counts as none)."""
        try:
            data = json.loads(self.path(server, query).read_bytes())
            hits = tuple(Hit(**{k: str(h[k]) for k in ("msgid", "root", "date", "author",
                                                       "subject")}) for h in data["hits"])
            if data.get("query") != query or data.get("version", 0) > SEARCH_VERSION:
                return None
            return SearchResult(server.rstrip("/"), query, str(data["queried_at"]), hits,
                                bool(data.get("truncated")))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def save(self, result: SearchResult) -> None:
        """Write RESULT atomically."""
        self.dir.mkdir(parents=True, exist_ok=True)
        data = json.dumps(result.as_json(), ensure_ascii=False, indent=1).encode()
        write_atomic(self.path(result.server, result.query), data)


def run_search(cache_root: Path, server: str, query: str, timeout: Limits = 30.0,
               cached_only: bool = False) -> SearchOutcome:
    """Ask SERVER (caching the answer); when it cannot answer, the cached answer, if any."""
    cache = SearchCache(cache_root)
    server = server.rstrip("/")
    if cached_only:
        cached = cache.load(server, query)
        if cached is None:
            raise NotCachedError(f"no cached search for {query!r} on {server}")
        return SearchOutcome(cached)
    try:
        result = search_server(server, query, timeout)
    except FetchError as exc:
        cached = cache.load(server, query)
        if cached is None:
            raise FetchError(f"{exc}; and no cached result for this search") from exc
        return SearchOutcome(cached, offline=str(exc))
    try:
        cache.save(result)
    except OSError:
        pass  # a read-only cache still shows the answer
    return SearchOutcome(result)


@dataclass(frozen=True)
class ThreadFetch:
    """Which hit threads are cached after fetching, and why the others are not."""

    cached: frozenset[str]  # thread roots (ThreadHits.root) now in the cache
    failed: tuple[tuple[str, str], ...] = ()  # (root, reason)


def fetch_hit_threads(cache: ThreadCache, server: str, rows: Sequence[ThreadHits],
                      timeout: Limits = 30.0, progress: Progress | None = None,
                      fetch: bool = True) -> ThreadFetch:
    """Fetch (with b4, into CACHE) the threads of ROWS that are not cached yet.

    After the first failure to reach the server the rest are not tried (each would wait for
    the timeout): they are reported as not cached.
    """
    cached: set[str] = set()
    failed: list[tuple[str, str]] = []
    down: str | None = None
    for row in rows:
        if any(cache.find(m) is not None for m in (row.root, *row.msgids)):
            cached.add(row.root)
            continue
        if not fetch:
            failed.append((row.root, "not fetched"))
            continue
        if down is not None:
            failed.append((row.root, down))
            continue
        try:
            _fetch_thread_of(cache, row, server, timeout, progress)
            cached.add(row.root)
        except FetchError as exc:
            reason = str(exc)
            failed.append((row.root, reason))
            if "cannot reach" in reason or "timeout" in reason:
                down = reason
    return ThreadFetch(frozenset(cached), tuple(failed))


def _fetch_thread_of(cache: ThreadCache, row: ThreadHits, server: str, timeout: Limits,
                     progress: Progress | None) -> None:
    """Fetch ROW's thread from its root (b4 keeps a message and what is below it), else from
    its first hit when the server does not have the root."""
    try:
        fetch_into_cache(cache, ThreadRef(row.root), server, progress, timeout)
    except FetchError as exc:
        if row.root == row.msgids[0] or "(404)" not in str(exc):
            raise
        fetch_into_cache(cache, ThreadRef(row.msgids[0]), server, progress, timeout)
