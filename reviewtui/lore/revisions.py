"""Link revisions of one series that live in different threads of the cache.

2023-era series carry no change-id and v2 cover letters do not reply to v1, so the links are
heuristic: a change-id when present, a link from one cover letter to a message of the other
thread, or the same author with a matching subject stem. A link the reviewer made by hand
(`reviewtui link`) wins over all of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from reviewtui.lore.cache import CachedThread, ThreadCache
from reviewtui.model.thread import Revision, Series

_PREFIX = re.compile(r"^\s*(?:(?:re|fwd?|aw)\s*:\s*|\[[^\]]*\]\s*)+", re.IGNORECASE)
_REVISION = re.compile(r"\[[^\]]*?\bv(\d+)\b[^\]]*\]", re.IGNORECASE)
_LORE_MSGID = re.compile(r"https?://[^\s/]+/(?:[^\s/]+/)?([^\s/<>]+@[^\s/<>]+?)/?(?=[\s>)\]]|$)")


def subject_stem(subject: str) -> str:
    """The subject without Re:/[PATCH vN n/m] prefixes, lower-cased, spaces collapsed."""
    return " ".join(_PREFIX.sub("", subject or "").lower().split())


def subject_revision(subject: str) -> int:
    """The vN of a subject prefix (1 when absent)."""
    match = _REVISION.search(subject or "")
    return int(match.group(1)) if match else 1


def _email_of(author: str) -> str:
    match = re.search(r"<([^>]+)>", author or "")
    return (match.group(1) if match else author or "").strip().lower()


def _stems_match(a: str, b: str) -> bool:
    if not a or not b:
        return False
    short, long_ = sorted((a, b), key=len)
    return long_ == short or long_.startswith(short + " ")


def linked_msgids(text: str) -> set[str]:
    """Message-ids named by lore-style links in TEXT."""
    from urllib.parse import unquote

    return {unquote(m) for m in _LORE_MSGID.findall(text or "")}


@dataclass(frozen=True)
class SeriesFamily:
    """The cached threads that hold revisions of one series, and its stable key."""

    key: str
    threads: tuple[CachedThread, ...]


@dataclass(frozen=True)
class SeriesIdentity:
    """What family matching needs of a loaded thread and one of its revisions."""

    root_msgid: str
    msgids: frozenset[str]
    subject: str
    email: str
    change_id: str | None
    cover_links: frozenset[str]

    @classmethod
    def of(cls, series: Series, revision: Revision) -> SeriesIdentity:
        """The identity of REVISION in the thread SERIES."""
        cover = revision.cover
        return cls(root_msgid=series.root_msgid, msgids=frozenset(series.messages),
                   subject=revision.subject, email=revision.email or "",
                   change_id=revision.change_id,
                   cover_links=frozenset(linked_msgids(cover.body) if cover else ()))


def find_family(cache: ThreadCache, series: Series, revision: Revision) -> SeriesFamily:
    """Related cached threads of SERIES and the family key shared by all its revisions."""
    return family_of(cache, SeriesIdentity.of(series, revision))


def family_of(cache: ThreadCache, ident: SeriesIdentity) -> SeriesFamily:
    """Related cached threads of the thread IDENT describes, and the family key."""
    links = cache.links()
    manual = links.get(ident.root_msgid)
    threads = cache.threads()
    if manual is not None:
        members = [t for t in threads if links.get(t.msgid) == manual]
        return SeriesFamily(key=manual, threads=tuple(members))
    stem = subject_stem(ident.subject)
    author = ident.email.lower()
    own = ident.msgids
    members = []
    for entry in threads:
        if links.get(entry.msgid):
            continue  # the reviewer placed it in another family by hand
        if entry.msgid in own or not own.isdisjoint(entry.msgids):
            members.append(entry)
            continue
        if not ident.cover_links.isdisjoint(entry.msgids):
            members.append(entry)
            continue
        if _email_of(entry.author) == author and _stems_match(subject_stem(entry.subject), stem):
            members.append(entry)
    stems = [subject_stem(t.subject) for t in members] + [stem]
    shortest = min((s for s in stems if s), key=len, default=stem)
    if ident.change_id:
        key = f"change-id:{ident.change_id}"
    else:
        key = f"{author}:{shortest}"
    return SeriesFamily(key=key, threads=tuple(members))


def series_key(cache: ThreadCache | None, series: Series, revision: Revision) -> str:
    """The stable key that v1, v2, ... of one series share (for review state)."""
    if cache is None:
        if revision.change_id:
            return f"change-id:{revision.change_id}"
        return f"{(revision.email or '').lower()}:{subject_stem(revision.subject)}"
    return find_family(cache, series, revision).key
