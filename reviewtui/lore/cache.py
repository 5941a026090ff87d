"""Durable offline cache of raw thread mboxes, found by any message-id of the thread.

Layout of the cache directory:
    index.json          {"version": 1, "threads": {key: entry}, "msgids": {msgid: key},
                         "links": {root msgid: family}}; an entry names its file, its message
                         count and the file's sha256
    threads/<key>.<sha256 prefix>.mbox   the thread as mboxrd bytes (<key>.mbox before 0.2)
    links.json          a copy of the hand-made links
Every write goes to a temporary file that is then renamed, under a lock, so a crash or a
failed import leaves a readable cache.
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
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

from reviewtui.errors import CacheError, NotCachedError
from reviewtui.lore.cache_index import (
    INDEX_VERSION,
    CachedThread,
    damage,
    entry_json,
    file_key,
    generation_name,
    obsolete_files,
    parse_entry,
    parse_index,
    salvage_links,
)

LINKS_FILE = "links.json"
_UNSAFE = re.compile(r"[^A-Za-z0-9._+=-]+")


def safe_name(msgid: str) -> str:
    """A file name derived from a message-id: no separators, no dot-files, bounded length."""
    stem = _UNSAFE.sub("_", msgid).strip("._-")[:60] or "thread"
    digest = hashlib.sha256(msgid.encode("utf-8", "surrogateescape")).hexdigest()[:12]
    return f"{stem}-{digest}"


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
    """The cache directory: look up, read and store threads.

    A store writes the thread under a new file name, then swaps the index (which lists the
    files it replaces as obsolete), then removes those files: a crash at any point leaves an
    index whose every entry names a complete file. A file left behind by a crash is removed
    by the next store, or (a new file the index never named) ignored by `cache rebuild`.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    @property
    def index_path(self) -> Path:
        """Path of index.json."""
        return self.root / "index.json"

    @property
    def threads_dir(self) -> Path:
        """Where the thread files are."""
        return self.root / "threads"

    def _read_index(self) -> dict:
        try:
            raw = self.index_path.read_bytes()
        except FileNotFoundError:
            return {"version": INDEX_VERSION, "threads": {}, "msgids": {}}
        except OSError as exc:
            raise CacheError(f"cannot read cache index {self.index_path}: {exc.strerror}") from exc
        return parse_index(raw, self.index_path)

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
        return parse_entry(key, data, self.index_path)

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
        return self.threads_dir / entry.file_name

    def read(self, msgid: str) -> tuple[CachedThread, bytes]:
        """Entry and mbox bytes of the thread holding MSGID; NotCachedError if absent.

        The bytes are checked against the index (checksum, or message count for older
        indexes): a truncated or altered file is an error, never a thread with messages
        silently missing.
        """
        for attempt in (1, 2):
            entry = self.find(msgid)
            if entry is None:
                raise NotCachedError(
                    f"{msgid} is not in the cache {self.root}; run 'reviewtui fetch {msgid}' "
                    "or give --mbox FILE"
                )
            try:
                data = self.path_of(entry).read_bytes()
            except FileNotFoundError as exc:
                if attempt == 1:
                    continue  # a concurrent store swapped the file: read the new index
                raise self._damaged(entry, "the file is missing") from exc
            except OSError as exc:
                raise CacheError(
                    f"cached thread {self.path_of(entry)} unreadable: {exc.strerror}") from exc
            problem = damage(entry, data)
            if problem:
                raise self._damaged(entry, problem)
            return entry, data
        raise AssertionError("unreachable")  # pragma: no cover

    def _damaged(self, entry: CachedThread, problem: str) -> CacheError:
        return CacheError(
            f"cached thread {self.path_of(entry)} is damaged: {problem}; fetch it again "
            f"with 'reviewtui fetch {entry.msgid}', or run 'reviewtui cache rebuild' to keep "
            "what is left")

    def store(
        self,
        msgs: list[bytes],
        *,
        root_msgid: str,
        server: str | None = None,
        as_of: datetime | None = None,
        merge: bool = True,
        repair: bool = False,
    ) -> tuple[CachedThread, int]:
        """Store a thread (merging with the cached copy); returns the entry and new-message count.

        A damaged cached copy is an error, unless REPAIR (MSGS is a whole thread just
        fetched): then it is replaced instead of merged.
        """
        from reviewtui.lore.summary import summarise

        with self._locked():
            index = self._read_index()
            keys = {index["msgids"][m] for m in _msgids(msgs) if m in index["msgids"]}
            keys.add(index["msgids"].get(root_msgid, safe_name(root_msgid)))
            olds = {k: self._entry(k, index["threads"][k]) for k in keys if k in index["threads"]}
            existing: list[bytes] = []
            if merge:
                for key in sorted(olds):
                    existing.extend(self._load_messages(olds[key], repair))
            known = set(_msgids(existing))
            added = _dedupe([m for m in msgs if raw_msgid(m) not in known])
            combined = existing + added
            summary = summarise(_parse_headers(combined), root_msgid)
            key = safe_name(summary.root)
            data = raw_to_mbox(combined)
            name = generation_name(key, data)
            previous = olds.get(key)
            entry = CachedThread(
                key=key, msgid=summary.root, subject=summary.subject, author=summary.author,
                date=summary.date, messages=len(combined), msgids=tuple(summary.msgids),
                server=server or (previous.server if previous else None),
                fetched=_now() if server else (previous.fetched if previous else None),
                as_of=as_of.isoformat() if as_of else (previous.as_of if previous else None),
                file=name, sha256=hashlib.sha256(data).hexdigest(),
            )
            for old in olds:
                del index["threads"][old]
            index["threads"][key] = entry_json(entry)
            index["msgids"] = {m: k for m, k in index["msgids"].items() if k in index["threads"]}
            index.setdefault("links", {})
            for m in summary.msgids:
                index["msgids"][m] = key
            index["version"] = INDEX_VERSION
            old_names = {o.file_name for o in olds.values()}
            current = {parse_entry(k, v, self.index_path).file_name
                       for k, v in index["threads"].items()}
            # Files this store replaces, and any an earlier store was killed before removing:
            # listed in the index they are removed after it is written, or by the next store.
            index["obsolete"] = sorted((old_names | obsolete_files(index)) - current)
            self._write(self.threads_dir / name, data)  # 1. the new file, under a new name
            try:
                self._write_index(index)  # 2. the index names it (the commit point)
            except CacheError:
                if name not in old_names:
                    with contextlib.suppress(OSError):
                        (self.threads_dir / name).unlink()
                raise
            for old_name in index["obsolete"]:  # 3. only now the files it replaced
                with contextlib.suppress(OSError):
                    (self.threads_dir / old_name).unlink()
            self._sweep(index)
            return entry, len(added)

    def _write(self, path: Path, data: bytes) -> None:
        """write_atomic with a clear error (disk full, read-only...) and nothing changed."""
        try:
            write_atomic(path, data)
        except OSError as exc:
            raise CacheError(f"cannot write the cache file {path}: {exc.strerror or exc}; "
                             "the cache was not changed") from exc

    def _write_index(self, index: dict) -> None:
        self._write(self.index_path, json.dumps(index, indent=1, sort_keys=True).encode())

    def _sweep(self, index: dict) -> None:
        """Remove thread files a crash left behind: older files of a thread indexed now."""
        current = {self._entry(k, v).file_name: k for k, v in index["threads"].items()}
        keys = set(current.values())
        try:
            names = [p.name for p in self.threads_dir.glob("*.mbox")]
        except OSError:
            return
        for name in names:
            if name not in current and file_key(name) in keys:
                with contextlib.suppress(OSError):
                    (self.threads_dir / name).unlink()

    def rebuild(self) -> list[CachedThread]:
        """Write a fresh index from the thread files (after a corrupt or lost index.json).

        Hand-made links are kept (read from the old index as far as it can be read, else
        from links.json). A file whose messages another, larger file holds too (left by a
        crash between two writes) is not indexed.
        """
        from reviewtui.lore.summary import summarise

        with self._locked():
            links = self._old_links()
            found = []
            for path in sorted(self.threads_dir.glob("*.mbox")):
                try:
                    data = path.read_bytes()
                except OSError:
                    continue
                raws = split_raw(data)
                if raws:
                    found.append((path.name, data, raws))
            threads: dict[str, dict] = {}
            msgids: dict[str, str] = {}
            for name, data, raws in sorted(found, key=lambda f: -len(f[2])):
                summary = summarise(_parse_headers(raws))
                if summary.msgids and all(m in msgids for m in summary.msgids):
                    continue  # superseded: a larger file holds all of it
                key = file_key(name)
                if key in threads:
                    key = safe_name(summary.root)
                threads[key] = entry_json(CachedThread(
                    key=key, msgid=summary.root, subject=summary.subject,
                    author=summary.author, date=summary.date, messages=len(raws),
                    msgids=tuple(summary.msgids), server=None, fetched=None, as_of=None,
                    file=name, sha256=hashlib.sha256(data).hexdigest(),
                ))
                msgids.update({m: key for m in summary.msgids if m not in msgids})
            index = {"version": INDEX_VERSION, "threads": threads, "msgids": msgids,
                     "links": links}
            self._write_index(index)
        return self.threads()

    def _old_links(self) -> dict[str, str]:
        for path in (self.index_path, self.root / LINKS_FILE):
            try:
                links = salvage_links(path.read_bytes())
            except OSError:
                continue
            if links:
                return links
        return {}

    def links(self) -> dict[str, str]:
        """Revision links made by hand: thread root msgid -> family key."""
        return dict(self._read_index().get("links", {}))

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
            self._write_index(index)
            # A copy outside the index, so that a rebuild after a damaged index keeps them.
            self._write(self.root / LINKS_FILE,
                        json.dumps({"links": links}, indent=1, sort_keys=True).encode())

    def _load_messages(self, entry: CachedThread, repair: bool = False) -> list[bytes]:
        path = self.path_of(entry)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            if repair:
                return []
            raise self._damaged(entry, "the file is missing") from None
        except OSError as exc:
            raise CacheError(f"cached thread {path} unreadable: {exc.strerror}") from exc
        problem = damage(entry, data)
        if problem:
            if repair:
                return []  # the whole thread was just fetched: it replaces the damaged copy
            raise self._damaged(entry, problem)
        return split_raw(data)


def _parse_headers(raws: list[bytes]) -> list[EmailMessage]:
    import email.parser
    from email import policy

    parser = email.parser.BytesParser(policy=policy.default, _class=EmailMessage)
    return [parser.parsebytes(raw, headersonly=True) for raw in raws]


def _msgids(msgs: list[bytes]) -> list[str]:
    return [m for m in (raw_msgid(raw) for raw in msgs) if m]


_USABLE_MSGID = re.compile(r"^[^\s<>@]+@[^\s<>@]+$")


def _dedupe(msgs: list[bytes]) -> list[bytes]:
    """MSGS without repeats and without messages whose Message-ID is unusable ('<@>')."""
    seen: set[str] = set()
    out = []
    for msg in msgs:
        msgid = raw_msgid(msg)
        if msgid and _USABLE_MSGID.match(msgid) and msgid not in seen:
            seen.add(msgid)
            out.append(msg)
    return out


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
