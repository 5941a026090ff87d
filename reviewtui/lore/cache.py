"""Durable offline cache of raw thread mboxes, found by any message-id of the thread.

Layout of the cache directory:
    index.json          {"version": 1, "threads": {key: entry}, "msgids": {msgid: key}}
    threads/<key>.mbox  the thread as mboxrd bytes
Every write goes to a temporary file that is then renamed over the old one, under a lock,
so a crash or a failed import leaves the cache exactly as it was.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import io
import json
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

from reviewtui.errors import CacheError, NotCachedError

INDEX_VERSION = 1
_UNSAFE = re.compile(r"[^A-Za-z0-9._+=-]+")


def safe_name(msgid: str) -> str:
    """A file name derived from a message-id: no separators, no dot-files, bounded length."""
    stem = _UNSAFE.sub("_", msgid).strip("._-")[:60] or "thread"
    digest = hashlib.sha256(msgid.encode("utf-8", "surrogateescape")).hexdigest()[:12]
    return f"{stem}-{digest}"


@dataclass(frozen=True)
class CachedThread:
    """Index entry of one cached thread."""

    key: str
    msgid: str
    subject: str
    author: str
    date: str
    messages: int
    msgids: tuple[str, ...]
    server: str | None
    fetched: str | None
    as_of: str | None

    def as_json(self) -> dict[str, object]:
        """The `cache ls --format json` object."""
        return {
            "msgid": self.msgid,
            "subject": self.subject,
            "author": self.author,
            "date": self.date,
            "messages": self.messages,
            "msgids": list(self.msgids),
            "server": self.server,
            "fetched": self.fetched,
            "file": f"threads/{self.key}.mbox",
        }


def write_atomic(path: Path, data: bytes) -> None:
    """Write DATA to PATH through a temporary file and a rename (fsynced)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


_FROM_LINE = re.compile(rb"^(>*From )", re.MULTILINE)


def raw_to_mbox(raws: list[bytes]) -> bytes:
    """Write raw messages as mboxrd, byte for byte (only '>*From ' lines escaped)."""
    out = io.BytesIO()
    for raw in raws:
        header_end = raw.find(b"\n\n")
        if header_end < 0:
            head, body = b"", raw
        else:
            head, body = raw[: header_end + 2], raw[header_end + 2:]
        out.write(b"From mboxrd@z Thu Jan  1 00:00:00 1970\n")
        out.write(head)
        out.write(_FROM_LINE.sub(rb">\1", body))
        # The splitter keeps the separating blank line with the message.
        if not raw.endswith(b"\n"):
            out.write(b"\n\n")
        elif not raw.endswith(b"\n\n"):
            out.write(b"\n")
    return out.getvalue()


def message_to_raw(msg: EmailMessage) -> bytes:
    """Bytes of a parsed message (b4's email policy), for messages that arrive parsed."""
    from liblore.utils import get_msg_as_bytes

    return get_msg_as_bytes(msg)


def split_raw(data: bytes) -> list[bytes]:
    """Split mboxrd bytes into raw messages (liblore), dropping ones without Message-ID."""
    from liblore.utils import split_and_dedupe_as_bytes

    raws = split_and_dedupe_as_bytes(data, listid_preference=[])
    if raws and data.endswith(b"\n") and raws[-1].endswith(b"\n\n"):
        # Splitting on newlines turns the file's final newline into one extra line.
        raws[-1] = raws[-1][:-1]
    return raws


def raw_msgid(raw: bytes) -> str | None:
    """The clean Message-ID of a raw message."""
    from liblore.utils import _clean_msgid_raw

    return _clean_msgid_raw(raw)


class ThreadCache:
    """The cache directory: look up, read and store threads."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    @property
    def index_path(self) -> Path:
        """Path of index.json."""
        return self.root / "index.json"

    def _read_index(self) -> dict:
        try:
            raw = self.index_path.read_bytes()
        except FileNotFoundError:
            return {"version": INDEX_VERSION, "threads": {}, "msgids": {}}
        except OSError as exc:
            raise CacheError(f"cannot read cache index {self.index_path}: {exc.strerror}") from exc
        try:
            index = json.loads(raw)
            tables_ok = isinstance(index.get("threads"), dict) and isinstance(index.get("msgids"), dict)
        except (ValueError, AttributeError) as exc:
            tables_ok, reason = False, str(exc)
        else:
            reason = "missing tables"
        if not tables_ok:
            raise CacheError(
                f"cache index {self.index_path} is corrupt ({reason[:80]}); "
                "run 'reviewtui cache rebuild'"
            )
        if index.get("version", 0) > INDEX_VERSION:
            raise CacheError(f"cache index {self.index_path} was written by a newer reviewtui")
        return index

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            fh = open(self.root / ".lock", "a+b")  # noqa: SIM115 - held for the with-block below
        except OSError as exc:
            raise CacheError(f"cannot use cache directory {self.root}: {exc.strerror}") from exc
        with fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def _entry(self, key: str, data: dict) -> CachedThread:
        return CachedThread(
            key=key,
            msgid=data["msgid"],
            subject=data.get("subject", ""),
            author=data.get("author", ""),
            date=data.get("date", ""),
            messages=int(data.get("messages", 0)),
            msgids=tuple(data.get("msgids", ())),
            server=data.get("server"),
            fetched=data.get("fetched"),
            as_of=data.get("as_of"),
        )

    def threads(self) -> list[CachedThread]:
        """Every cached thread, newest first."""
        index = self._read_index()
        entries = [self._entry(k, v) for k, v in index["threads"].items()]
        return sorted(entries, key=lambda e: e.date, reverse=True)

    def find(self, msgid: str) -> CachedThread | None:
        """The cached thread that holds MSGID (any message of it), if any."""
        index = self._read_index()
        key = index["msgids"].get(msgid)
        if key is None or key not in index["threads"]:
            return None
        return self._entry(key, index["threads"][key])

    def path_of(self, entry: CachedThread) -> Path:
        """The mbox file of a cached thread."""
        return self.root / "threads" / f"{entry.key}.mbox"

    def read(self, msgid: str) -> tuple[CachedThread, bytes]:
        """Entry and mbox bytes of the thread holding MSGID; NotCachedError if absent."""
        entry = self.find(msgid)
        if entry is None:
            raise NotCachedError(
                f"{msgid} is not in the cache {self.root}; run 'reviewtui fetch {msgid}' "
                "or give --mbox FILE"
            )
        try:
            return entry, self.path_of(entry).read_bytes()
        except OSError as exc:
            raise CacheError(f"cached thread {self.path_of(entry)} unreadable: {exc.strerror}") from exc

    def store(
        self,
        msgs: list[bytes],
        *,
        root_msgid: str,
        server: str | None = None,
        as_of: datetime | None = None,
        merge: bool = True,
    ) -> tuple[CachedThread, int]:
        """Store a thread (merging with the cached copy); returns the entry and new-message count."""
        from reviewtui.lore.summary import summarise

        with self._locked():
            index = self._read_index()
            keys = {index["msgids"][m] for m in _msgids(msgs) if m in index["msgids"]}
            keys.add(index["msgids"].get(root_msgid, safe_name(root_msgid)))
            existing: list[bytes] = []
            if merge:
                for key in sorted(keys):
                    if key in index["threads"]:
                        existing.extend(self._load_messages(key))
            known = set(_msgids(existing))
            added = _dedupe([m for m in msgs if raw_msgid(m) not in known])
            combined = existing + added
            summary = summarise(_parse_headers(combined), root_msgid)
            key = safe_name(summary.root)
            write_atomic(self.root / "threads" / f"{key}.mbox", raw_to_mbox(combined))
            for old in keys - {key}:
                if old in index["threads"]:
                    del index["threads"][old]
                    with contextlib.suppress(OSError):
                        (self.root / "threads" / f"{old}.mbox").unlink()
            previous = index["threads"].get(key, {})
            index["threads"][key] = {
                "msgid": summary.root,
                "subject": summary.subject,
                "author": summary.author,
                "date": summary.date,
                "messages": len(combined),
                "msgids": summary.msgids,
                "server": server or previous.get("server"),
                "fetched": _now() if server else previous.get("fetched"),
                "as_of": as_of.isoformat() if as_of else previous.get("as_of"),
            }
            index["msgids"] = {m: k for m, k in index["msgids"].items() if k in index["threads"]}
            index.setdefault("links", {})
            for m in summary.msgids:
                index["msgids"][m] = key
            index["version"] = INDEX_VERSION
            write_atomic(self.index_path, json.dumps(index, indent=1, sort_keys=True).encode())
            return self._entry(key, index["threads"][key]), len(added)

    def rebuild(self) -> list[CachedThread]:
        """Write a fresh index from the thread files (after a corrupt or lost index.json)."""
        from reviewtui.lore.summary import summarise

        with self._locked():
            threads: dict[str, dict] = {}
            msgids: dict[str, str] = {}
            for path in sorted((self.root / "threads").glob("*.mbox")):
                raws = split_raw(path.read_bytes())
                if not raws:
                    continue
                summary = summarise(_parse_headers(raws))
                key = path.stem
                threads[key] = {
                    "msgid": summary.root, "subject": summary.subject, "author": summary.author,
                    "date": summary.date, "messages": len(raws), "msgids": summary.msgids,
                    "server": None, "fetched": None, "as_of": None,
                }
                msgids.update({m: key for m in summary.msgids})
            index = {"version": INDEX_VERSION, "threads": threads, "msgids": msgids, "links": {}}
            write_atomic(self.index_path, json.dumps(index, indent=1, sort_keys=True).encode())
        return self.threads()

    def links(self) -> dict[str, str]:
        """Revision links made by hand: thread root msgid -> family key."""
        links = self._read_index().get("links", {})
        return links if isinstance(links, dict) else {}

    def set_link(self, msgids: list[str], family: str | None) -> None:
        """Put the threads rooted at MSGIDS in FAMILY (None removes the hand-made link)."""
        with self._locked():
            index = self._read_index()
            links = index.setdefault("links", {})
            for msgid in msgids:
                if family is None:
                    links.pop(msgid, None)
                else:
                    links[msgid] = family
            write_atomic(self.index_path, json.dumps(index, indent=1, sort_keys=True).encode())

    def _load_messages(self, key: str) -> list[bytes]:
        try:
            return split_raw((self.root / "threads" / f"{key}.mbox").read_bytes())
        except OSError as exc:
            raise CacheError(f"cached thread {key} unreadable: {exc.strerror}") from exc


def _parse_headers(raws: list[bytes]) -> list[EmailMessage]:
    import email.parser
    from email import policy

    parser = email.parser.BytesParser(policy=policy.default, _class=EmailMessage)
    return [parser.parsebytes(raw, headersonly=True) for raw in raws]


def _msgids(msgs: list[bytes]) -> list[str]:
    return [m for m in (raw_msgid(raw) for raw in msgs) if m]


def _dedupe(msgs: list[bytes]) -> list[bytes]:
    seen: set[str] = set()
    out = []
    for msg in msgs:
        msgid = raw_msgid(msg)
        if msgid and msgid not in seen:
            seen.add(msgid)
            out.append(msg)
    return out


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
