"""Fetch a thread into the cache, or add only what is new to a cached one."""

from __future__ import annotations

from datetime import datetime, timezone

from reviewtui.lore.cache import CachedThread, ThreadCache, message_to_raw
from reviewtui.lore.fetch import Progress, ThreadRef, fetch_thread, fetch_updates


def fetch_into_cache(
    cache: ThreadCache,
    ref: ThreadRef,
    server: str,
    progress: Progress | None = None,
    timeout: float = 30.0,
) -> tuple[CachedThread, int]:
    """Fetch the whole thread of REF and store it; returns the entry and new-message count."""
    fetched = fetch_thread(ref.msgid, server, progress, timeout)
    return cache.store(
        fetched.messages,
        root_msgid=fetched.root,
        server=server,
        as_of=fetched.as_of or datetime.now(timezone.utc),
    )


def refresh_thread(
    cache: ThreadCache,
    ref: ThreadRef,
    server: str,
    progress: Progress | None = None,
    timeout: float = 30.0,
) -> tuple[CachedThread, int]:
    """Add messages that arrived since the last fetch; fetch the whole thread if not cached."""
    entry = cache.find(ref.msgid)
    if entry is None or not entry.as_of:
        return fetch_into_cache(cache, ref, server, progress, timeout)
    since = datetime.fromisoformat(entry.as_of)
    updates = fetch_updates(entry.msgid, server, since, progress, timeout)
    if not updates:
        if progress:
            progress("no new messages")
        return entry, 0
    stored, added = cache.store(
        [message_to_raw(m) for m in updates], root_msgid=entry.msgid, server=server, as_of=datetime.now(timezone.utc)
    )
    if progress:
        progress(f"{added} new message(s)")
    return stored, added
