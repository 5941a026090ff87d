"""The reviewer's thread cache in front of a read-only one: the threads shipped for the demo.

A source checkout of reviewtui ships real threads in `cache/`. When the reviewer's own cache
lacks a thread, it is read from there, so the demo's threads open with the default cache as
well as with `--cache-dir cache`. Nothing is ever written to the shipped cache: a refresh of a
shipped thread stores the whole thread, old and new messages, in the reviewer's cache, which
from then on wins.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from reviewtui.lore.cache import CachedThread, ThreadCache, raw_msgid, split_raw


class LayeredCache(ThreadCache):
    """ThreadCache at ROOT that also reads the threads of FALLBACK it does not have itself."""

    def __init__(self, root: Path, fallback: ThreadCache) -> None:
        super().__init__(root)
        self.fallback = fallback

    def own(self, entry: CachedThread) -> bool:
        """True when ENTRY lives in the reviewer's cache, not in the shipped one."""
        return super().find(entry.msgid) is not None

    def threads(self) -> list[CachedThread]:
        """The reviewer's threads, then the shipped threads they do not hold, newest first."""
        own = super().threads()
        held = {m for t in own for m in t.msgids} | {t.msgid for t in own}
        shipped = [t for t in self.fallback.threads()
                   if t.msgid not in held and not held.intersection(t.msgids)]
        return sorted([*own, *shipped], key=lambda e: e.date, reverse=True)

    def shipped(self) -> list[CachedThread]:
        """The shipped threads this cache shows (those the reviewer's cache does not hold)."""
        return [t for t in self.threads() if not self.own(t)]

    def find(self, msgid: str) -> CachedThread | None:
        """The thread holding MSGID: the reviewer's copy first."""
        return super().find(msgid) or self.fallback.find(msgid)

    def path_of(self, entry: CachedThread) -> Path:
        """The mbox file of ENTRY, in whichever cache holds it."""
        return super().path_of(entry) if self.own(entry) else self.fallback.path_of(entry)

    def read(self, msgid: str) -> tuple[CachedThread, bytes]:
        """Entry and bytes of the thread holding MSGID (NotCachedError names the own cache)."""
        if super().find(msgid) is None and self.fallback.find(msgid) is not None:
            return self.fallback.read(msgid)
        return super().read(msgid)

    def links(self) -> dict[str, str]:
        """Hand-made links of both caches; the reviewer's win."""
        return {**self.fallback.links(), **super().links()}

    def store(self, msgs: list[bytes], *, root_msgid: str, server: str | None = None,
              as_of: datetime | None = None, merge: bool = True) -> tuple[CachedThread, int]:
        """Store into the reviewer's cache, with the shipped copy of the thread merged in."""
        seed: list[bytes] = []
        if merge:
            wanted = {root_msgid, *(m for m in map(raw_msgid, msgs) if m)}
            for msgid in sorted(wanted):
                if super().find(msgid) is None and self.fallback.find(msgid) is not None:
                    entry, data = self.fallback.read(msgid)
                    if not any(raw_msgid(s) == entry.msgid for s in seed):
                        seed.extend(split_raw(data))
        entry, added = super().store([*seed, *msgs], root_msgid=root_msgid, server=server,
                                     as_of=as_of, merge=merge)
        shipped = {raw_msgid(s) for s in seed}
        fresh = {raw_msgid(m) for m in msgs} - shipped
        return entry, min(added, len(fresh))
