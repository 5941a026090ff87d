"""A call site's history on a public-inbox server: the query, the hits, what each series says.

Pure functions over text and parsed threads. The query uses public-inbox's diff-aware search
prefixes: dfn: (file name), dfhh: (hunk header, usually the function), dfa:/dfb: (removed /
added lines) and d: (date range). Every text here may come from hostile mail: it is capped,
and escaping for display is left to the view that prints it.
"""

from __future__ import annotations

import email.header
import email.parser
import email.policy
import email.utils
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from reviewtui.analysis.callsite import CallSite
from reviewtui.analysis.discussion import Discussion
from reviewtui.model.diff import Hunk, parse_diff, split_commit_and_diff
from reviewtui.model.thread import Series

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
_PATH = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.+/-]{0,254}$")
_SINCE = re.compile(r"^(\d{4})-?(\d{2})-?(\d{2})$")
MAX_HEADER = 300  # characters kept of a subject or author
MAX_HUNK_LINES = 40
CONTEXT = 3  # unchanged lines kept around the changed lines of a matching hunk
MAX_MENTIONS = 8
SNIPPET = 90  # characters each side of an FN/FP mention


@dataclass(frozen=True)
class SiteQuery:
    """What to look for: changes to FILE in one of FUNCTIONS that remove or add one of APIS."""

    file: str
    functions: tuple[str, ...]
    apis: tuple[str, ...]
    since: str | None = None  # YYYYMMDD

    @property
    def text(self) -> str:
        """The public-inbox query."""
        parts = [f"dfn:{self.file}"]
        if self.functions:
            parts.append(_any("dfhh", self.functions))
        if self.apis:
            parts.append(_any_of(("dfa", "dfb"), self.apis))
        if self.since:
            parts.append(f"d:{self.since}..")
        return " ".join(parts)


def _any(prefix: str, words: Sequence[str]) -> str:
    return _any_of((prefix,), words)


def _any_of(prefixes: Sequence[str], words: Sequence[str]) -> str:
    terms = [f"{p}:{w}" for w in words for p in prefixes]
    return terms[0] if len(terms) == 1 else "(" + " OR ".join(terms) + ")"


def parse_since(text: str) -> str:
    """YYYY-MM-DD or YYYYMMDD as YYYYMMDD; ValueError for anything else."""
    match = _SINCE.match(text.strip())
    if not match:
        raise ValueError(f"not a date (YYYY-MM-DD): {text[:40]!r}")
    year, month, day = (int(g) for g in match.groups())
    datetime(year, month, day)  # ValueError for 2024-02-30
    return f"{year:04d}{month:02d}{day:02d}"


def site_query(site: CallSite, since: str | None = None) -> SiteQuery:
    """The query for SITE: its file, its function (old and new name), its old and new API.

    Names that are not plain C identifiers (or paths) are left out rather than quoted: they
    come from mail.
    """
    if not _PATH.match(site.file or "") or ".." in site.file:
        raise ValueError(f"the site's file name cannot be searched: {site.file[:60]!r}")
    functions = tuple(dict.fromkeys(
        f for f in (site.function, site.new_function) if f and _IDENT.match(f)))
    apis = tuple(dict.fromkeys(
        a for a in (site.old_api, site.new_api) if a and _IDENT.match(a)))
    return SiteQuery(site.file, functions, apis, since)


@dataclass(frozen=True)
class Hit:
    """One message the server found: who, when, what, and the thread it belongs to."""

    msgid: str
    root: str  # the first message it references (itself when it references none)
    date: str  # ISO 8601, UTC ("" when the Date header is unusable)
    author: str
    subject: str

    def as_json(self) -> dict[str, str]:
        """A JSON-ready dict."""
        return {"msgid": self.msgid, "root": self.root, "date": self.date,
                "author": self.author, "subject": self.subject}


_MSGID_IN = re.compile(r"<([^<>\s]{1,250})>")


def read_hit(raw: bytes) -> Hit | None:
    """The Hit of one raw message (headers only); None without a usable Message-ID."""
    head = raw.split(b"\n\n", 1)[0][:65536]
    headers = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(head)
    found = _MSGID_IN.findall(str(headers.get("Message-ID", "")))
    if not found:
        return None
    msgid = found[0]
    refs = _MSGID_IN.findall(str(headers.get("References", "")))
    parent = _MSGID_IN.findall(str(headers.get("In-Reply-To", "")))
    root = (refs or parent or [msgid])[0]
    return Hit(msgid=msgid, root=root, date=_iso_date(headers.get("Date")),
               author=_header(headers.get("From")), subject=_header(headers.get("Subject")))


def _header(value: object) -> str:
    if value is None:
        return ""
    text = str(value)
    try:
        text = str(email.header.make_header(email.header.decode_header(text)))
    except (ValueError, LookupError, UnicodeError):
        pass
    return " ".join(text.split())[:MAX_HEADER]


def _iso_date(value: object) -> str:
    try:
        when = email.utils.parsedate_to_datetime(str(value)) if value else None
    except (TypeError, ValueError, IndexError):
        when = None
    if when is None:
        return ""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class ThreadHits:
    """The hits of one thread: the worklist row of `search`."""

    root: str
    date: str  # the earliest hit's date
    author: str
    subject: str
    msgids: tuple[str, ...]

    def as_json(self) -> dict[str, object]:
        """A JSON-ready dict."""
        return {"root": self.root, "date": self.date, "author": self.author,
                "subject": self.subject, "hits": list(self.msgids)}


def group_hits(hits: Iterable[Hit]) -> list[ThreadHits]:
    """HITS grouped by thread, oldest thread first; each thread named by its earliest hit."""
    groups: dict[str, list[Hit]] = {}
    for hit in hits:
        groups.setdefault(hit.root, []).append(hit)
    rows = []
    for root, members in groups.items():
        members.sort(key=lambda h: (h.date or "9", h.msgid))
        first = members[0]
        rows.append(ThreadHits(root, first.date, first.author, first.subject,
                               tuple(dict.fromkeys(h.msgid for h in members))))
    return sorted(rows, key=lambda r: (r.date or "9", r.root))


def matching_hunk(body: str, query: SiteQuery) -> list[str]:
    """The hunk of a patch email BODY that changes QUERY's function and API, trimmed.

    Lines are returned as in the diff ("@@ ...", " ctx", "-old", "+new", "[...]" where lines
    were left out); empty when the patch has no such hunk.
    """
    _head, diff = split_commit_and_diff(body)
    if not diff:
        return []
    parsed = parse_diff(diff)
    best: tuple[int, Hunk] | None = None
    for fpatch in parsed.files:
        if query.file not in (fpatch.path, fpatch.old_path):
            continue
        for hunk in fpatch.hunks:
            score = 2 * _changes_api(hunk, query.apis) + _in_function(hunk, query.functions)
            if score and (best is None or score > best[0]):
                best = (score, hunk)
    return _trim(best[1], query.apis) if best else []


def _words(text: str, names: Sequence[str]) -> bool:
    return any(re.search(rf"\b{re.escape(n)}\b", text) for n in names)


def _changes_api(hunk: Hunk, apis: Sequence[str]) -> bool:
    return any(ln.kind != " " and _words(ln.text, apis) for ln in hunk.lines)


def _in_function(hunk: Hunk, functions: Sequence[str]) -> bool:
    return _words(hunk.section, functions) or any(
        _words(ln.text, functions) for ln in hunk.lines)


def _trim(hunk: Hunk, apis: Sequence[str]) -> list[str]:
    lines = hunk.lines
    focus = [i for i, ln in enumerate(lines) if ln.kind != " " and _words(ln.text, apis)]
    focus = focus or [i for i, ln in enumerate(lines) if ln.kind != " "]
    keep = sorted({j for i in focus for j in range(i - CONTEXT, i + CONTEXT + 1)
                   if 0 <= j < len(lines)})
    out = [f"@@ -{hunk.old_start},{hunk.old_len} +{hunk.new_start},{hunk.new_len} @@ "
           f"{hunk.section}".rstrip()]
    previous = -1
    for j in keep:
        if previous >= 0 and j != previous + 1:
            out.append("[...]")
        out.append(lines[j].kind + lines[j].text)
        previous = j
        if len(out) >= MAX_HUNK_LINES:
            out.append("[...]")
            break
    return out


@dataclass(frozen=True)
class MentionNote:
    """An FN/FP mention in a series' discussion: kind, who, where, the words around it."""

    kind: str
    author: str
    msgid: str
    text: str

    def as_json(self) -> dict[str, str]:
        """A JSON-ready dict."""
        return {"kind": self.kind, "author": self.author, "msgid": self.msgid, "text": self.text}


def discussion_mentions(series: Series, discussion: Discussion, patches: Iterable[int] = (),
                        limit: int = MAX_MENTIONS) -> list[MentionNote]:
    """FN/FP mentions of DISCUSSION, those on PATCHES (and the cover letter) first."""
    first = set(patches) | {0}
    notes: list[tuple[int, MentionNote]] = []
    for comment in discussion.comments:
        on_patch = comment.anchor is not None and comment.anchor.patch in first
        for mention in comment.mentions:
            notes.append((0 if on_patch else 1, MentionNote(
                mention.kind, comment.author or comment.email, comment.msgid,
                _snippet(comment.text, mention.start, mention.end))))
    for msgid, mentions in discussion.description_mentions.items():
        message = series.messages.get(msgid)
        for mention in mentions:
            body = message.body if message is not None else ""
            notes.append((0, MentionNote(mention.kind, message.author if message else "",
                                         msgid, _snippet(body, mention.start, mention.end))))
    notes.sort(key=lambda n: n[0])
    return [n for _, n in notes[:limit]]


def _snippet(text: str, start: int, end: int) -> str:
    lo, hi = max(0, start - SNIPPET), min(len(text), end + SNIPPET)
    words = " ".join(text[lo:hi].split())
    return ("…" if lo else "") + words + ("…" if hi < len(text) else "")


@dataclass(frozen=True)
class HistoryEntry:
    """One earlier or later series that changed the site's function and API."""

    root: str
    date: str
    subject: str
    author: str
    link: str
    relation: str  # "earlier" or "later" than the series under review
    hits: tuple[str, ...]
    cached: bool
    hunk: tuple[str, ...] = ()
    mentions: tuple[MentionNote, ...] = field(default_factory=tuple)

    def as_json(self) -> dict[str, object]:
        """A JSON-ready dict (the `history --format json` contract)."""
        return {"root": self.root, "date": self.date, "subject": self.subject,
                "author": self.author, "link": self.link, "relation": self.relation,
                "hits": list(self.hits), "cached": self.cached, "hunk": list(self.hunk),
                "mentions": [m.as_json() for m in self.mentions]}


def relation(date: str, reference: datetime | None) -> str:
    """"earlier" when DATE (ISO) is before REFERENCE, else "later"."""
    if not date or reference is None:
        return "later"
    try:
        when = datetime.fromisoformat(date)
    except ValueError:
        return "later"
    if reference.tzinfo is None:
        reference = reference.replace(tzinfo=UTC)
    return "earlier" if when < reference else "later"
