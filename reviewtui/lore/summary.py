"""Cheap facts about a list of messages: thread root, subject, author, date, message-ids."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage

from liblore.utils import clean_header, msg_get_author, msg_get_date
from liblore.utils import get_clean_msgid as _get_clean_msgid


@dataclass(frozen=True)
class ThreadSummary:
    """What the cache index records about a thread."""

    root: str
    subject: str
    author: str
    date: str
    msgids: list[str]


def get_clean_msgid(msg: EmailMessage, header: str = "Message-ID") -> str | None:
    """liblore's clean message-id, None where the email parser fails on the value ('<@>')."""
    try:
        return _get_clean_msgid(msg, header)
    except (IndexError, ValueError, TypeError, AttributeError):
        return None


def _parent(msg: EmailMessage, known: dict[str, EmailMessage]) -> str | None:
    irt = get_clean_msgid(msg, "In-Reply-To")
    if irt in known:
        return irt
    refs = clean_header(msg.get("References", "")).split()
    for ref in reversed(refs):
        ref = ref.strip("<>")
        if ref in known and ref != get_clean_msgid(msg):
            return ref
    return None


def summarise(msgs: list[EmailMessage], root_hint: str | None = None) -> ThreadSummary:
    """Summarise MSGS; the root is ROOT_HINT's topmost ancestor (else the first top message)."""
    known: dict[str, EmailMessage] = {}
    for msg in msgs:
        msgid = get_clean_msgid(msg)
        if msgid and msgid not in known:
            known[msgid] = msg
    start = root_hint if root_hint in known else None
    if start is None:
        start = next((m for m, msg in known.items() if _parent(msg, known) is None), None)
    if start is None:
        start = next(iter(known), root_hint or "")
    seen = {start}
    while start in known:
        parent = _parent(known[start], known)
        if parent is None or parent in seen:
            break
        seen.add(parent)
        start = parent
    root = known.get(start)
    subject = author = date = ""
    if root is not None:
        subject = clean_header(root.get("Subject", ""))
        name, addr = msg_get_author(root)
        author = f"{name} <{addr}>" if name else addr
        when = msg_get_date(root)
        date = when.isoformat() if when else ""
    return ThreadSummary(root=start, subject=subject, author=author, date=date, msgids=list(known))
