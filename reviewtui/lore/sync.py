"""Fetch a thread into the cache, or add only what is new to a cached one."""

from __future__ import annotations

from datetime import UTC, datetime

from reviewtui.errors import FetchError
from reviewtui.lore.cache import CachedThread, ThreadCache, message_to_raw
from reviewtui.lore.fetch import (
    Limits,
    Progress,
    ThreadRef,
    fetch_thread,
    fetch_updates,
    net_limits,
)
from reviewtui.lore.http import AnswerRefused
from reviewtui.text_safety import one_line


def fetch_into_cache(
    cache: ThreadCache,
    ref: ThreadRef,
    server: str,
    progress: Progress | None = None,
    timeout: Limits | None = None,
) -> tuple[CachedThread, int]:
    """Fetch the whole thread of REF and store it; returns the entry and new-message count."""
    fetched = fetch_thread(ref.msgid, server, progress, timeout)
    return cache.store(
        fetched.messages,
        root_msgid=fetched.root,
        server=server,
        as_of=fetched.as_of or datetime.now(UTC),
        repair=True,  # a whole thread: it replaces a damaged cached copy
    )


def refresh_thread(
    cache: ThreadCache,
    ref: ThreadRef,
    server: str,
    progress: Progress | None = None,
    timeout: Limits | None = None,
) -> tuple[CachedThread, int]:
    """Add messages that arrived since the last fetch; fetch the whole thread if not cached."""
    timeout = net_limits(timeout)
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
        [message_to_raw(m) for m in updates], root_msgid=entry.msgid, server=server, as_of=datetime.now(UTC)
    )
    if progress:
        progress(f"{added} new message(s)")
    return stored, added


def discover_revisions(
    cache: ThreadCache,
    entry: CachedThread,
    server: str,
    progress: Progress | None = None,
    timeout: Limits | None = None,
) -> list[CachedThread]:
    """Find newer and older revisions of ENTRY's series (b4's search) and cache their threads."""
    import b4.mbox
    from liblore.utils import parse_message

    from reviewtui.lore.cache import split_raw
    from reviewtui.lore.fetch import lore_node

    say = progress or (lambda _text: None)
    timeout = net_limits(timeout)
    lore_node(server, timeout)
    msgs = [parse_message(raw) for raw in split_raw(cache.path_of(entry).read_bytes())]
    known = set(entry.msgids)
    found: dict[str, str] = {}
    for direction, word in ((1, "newer"), (-1, "older")):
        say(f"Looking for {word} revisions on {server}")
        try:
            extra = b4.mbox.get_extra_series(list(msgs), direction=direction, nocache=True)
        except AnswerRefused as exc:  # a limit broken: the whole operation ends here
            raise FetchError(exc.line(f"searching for {word} revisions")) from exc
        except Exception as exc:  # noqa: BLE001 - b4 search errors must not lose the fetch
            say(f"search for {word} revisions failed: {one_line(str(exc))}")
            continue
        for msg in extra:
            msgid = b4.LoreMessage.get_clean_msgid(msg)
            subject = b4.LoreSubject(msg.get("Subject", ""))
            if msgid and msgid not in known and not subject.reply and subject.counter <= 1:
                found.setdefault(msgid, subject.full_subject)
    stored: list[CachedThread] = []
    seen_roots = {entry.msgid}
    for msgid, subject in found.items():
        if cache.find(msgid) is not None and cache.find(msgid).msgid in seen_roots:
            continue
        say(f"Found {one_line(subject)}")
        other, _added = fetch_into_cache(cache, ThreadRef(msgid), server, progress, timeout)
        if other.msgid not in seen_roots:
            seen_roots.add(other.msgid)
            stored.append(other)
    return stored
