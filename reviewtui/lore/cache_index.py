"""The cache's index.json: its entries checked field by field, and what a thread file must hold.

index.json lives on the user's disk and may be damaged or edited; every value is checked
before use, so a wrong type is one clear error that names `reviewtui cache rebuild` instead
of a traceback deep inside a command.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass

from reviewtui.errors import CacheError

INDEX_VERSION = 1
_FILE = re.compile(r"^[A-Za-z0-9._+=-]+\.mbox$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_GENERATION = re.compile(r"^(?P<key>.+)\.[0-9a-f]{16}$")


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
    file: str = ""  # name in threads/; "" = "<key>.mbox" (indexes written before 0.2)
    sha256: str | None = None  # of the file; None in older indexes (the count is checked)

    @property
    def file_name(self) -> str:
        """The thread file's name inside threads/."""
        return self.file or f"{self.key}.mbox"

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
            "file": f"threads/{self.file_name}",
        }


def file_key(name: str) -> str:
    """The thread key a file name belongs to: '<key>.mbox' or '<key>.<16 hex>.mbox'."""
    stem = name.removesuffix(".mbox")
    match = _GENERATION.match(stem)
    return match.group("key") if match else stem


def generation_name(key: str, data: bytes) -> str:
    """A new file name for KEY's contents DATA: '<key>.<sha256 prefix>.mbox'."""
    return f"{key}.{hashlib.sha256(data).hexdigest()[:16]}.mbox"


def count_messages(data: bytes) -> int:
    """Messages in mboxrd DATA as written by the cache (From_ lines; body ones are escaped)."""
    return data.count(b"\nFrom ") + int(data.startswith(b"From "))


def _corrupt(path: object, reason: str) -> CacheError:
    return CacheError(f"cache index {path} is corrupt ({reason[:80]}); "
                      "run 'reviewtui cache rebuild'")


def _optional_str(data: dict, name: str, path: object, key: str) -> str | None:
    value = data.get(name)
    if value is not None and not isinstance(value, str):
        raise _corrupt(path, f"{name} of {key[:40]} is not text")
    return value


def parse_entry(key: str, data: object, path: object) -> CachedThread:
    """The entry KEY of index PATH, every field checked."""
    if not isinstance(data, dict):
        raise _corrupt(path, f"entry {key[:40]} is not an object")
    msgid = data.get("msgid")
    messages = data.get("messages", 0)
    msgids = data.get("msgids", [])
    if not isinstance(msgid, str) or not msgid:
        raise _corrupt(path, f"entry {key[:40]} has no msgid")
    if not isinstance(messages, int) or isinstance(messages, bool) or messages < 0:
        raise _corrupt(path, f"messages of {key[:40]} is not a count")
    if not isinstance(msgids, list) or not all(isinstance(m, str) for m in msgids):
        raise _corrupt(path, f"msgids of {key[:40]} is not a list of message-ids")
    file = _optional_str(data, "file", path, key) or ""
    sha256 = _optional_str(data, "sha256", path, key)
    if file and (not _FILE.match(file) or file.startswith(".")):
        raise _corrupt(path, f"file of {key[:40]} is not a thread file name")
    if sha256 is not None and not _SHA256.match(sha256):
        raise _corrupt(path, f"sha256 of {key[:40]} is not a checksum")
    return CachedThread(
        key=key, msgid=msgid,
        subject=_optional_str(data, "subject", path, key) or "",
        author=_optional_str(data, "author", path, key) or "",
        date=_optional_str(data, "date", path, key) or "",
        messages=messages, msgids=tuple(msgids),
        server=_optional_str(data, "server", path, key),
        fetched=_optional_str(data, "fetched", path, key),
        as_of=_optional_str(data, "as_of", path, key),
        file=file, sha256=sha256,
    )


def parse_index(raw: bytes, path: object) -> dict:
    """index.json as a dict whose tables and entries are all well typed (CacheError if not)."""
    try:
        index = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise _corrupt(path, str(exc)) from exc
    if not isinstance(index, dict):
        raise _corrupt(path, "not an object")
    threads, msgids = index.get("threads"), index.get("msgids")
    if not isinstance(threads, dict) or not isinstance(msgids, dict):
        raise _corrupt(path, "missing tables")
    version = index.get("version", 0)
    if not isinstance(version, int) or isinstance(version, bool):
        raise _corrupt(path, "version is not a number")
    if version > INDEX_VERSION:
        raise CacheError(f"cache index {path} was written by a newer reviewtui")
    for key, entry in threads.items():
        parse_entry(key, entry, path)
    if not all(isinstance(v, str) for v in msgids.values()):
        raise _corrupt(path, "msgids maps to something that is not a thread")
    links = index.get("links", {})
    if not isinstance(links, dict) or not all(isinstance(v, str) for v in links.values()):
        raise _corrupt(path, "links is not a table of thread -> family")
    return index


def salvage_links(raw: bytes) -> dict[str, str]:
    """The hand-made links of a (possibly damaged) index, as far as they can be read."""
    try:
        links = json.loads(raw).get("links", {})
    except (ValueError, UnicodeDecodeError, AttributeError):
        return {}
    if not isinstance(links, dict):
        return {}
    return {k: v for k, v in links.items() if isinstance(k, str) and isinstance(v, str)}


def obsolete_files(index: dict) -> set[str]:
    """Thread files the index lists as replaced (to remove), valid names only."""
    names = index.get("obsolete", [])
    if not isinstance(names, list):
        return set()
    return {n for n in names if isinstance(n, str) and _FILE.match(n) and not n.startswith(".")}


def entry_json(entry: CachedThread) -> dict[str, object]:
    """The index.json object of ENTRY."""
    return {
        "msgid": entry.msgid, "subject": entry.subject, "author": entry.author,
        "date": entry.date, "messages": entry.messages, "msgids": list(entry.msgids),
        "server": entry.server, "fetched": entry.fetched, "as_of": entry.as_of,
        "file": entry.file_name, "sha256": entry.sha256,
    }


def damage(entry: CachedThread, data: bytes) -> str | None:
    """Why DATA is not the thread file ENTRY describes, or None when it is.

    With a checksum (indexes written since 0.2) any change is found; older entries only
    record a message count, and a file holding fewer messages is reported.
    """
    if entry.sha256 is not None:
        if hashlib.sha256(data).hexdigest() == entry.sha256:
            return None
        found = count_messages(data)
        if found < entry.messages:
            return f"it holds {found} of the {entry.messages} messages the index lists"
        return "its contents do not match the checksum in the index"
    found = count_messages(data)
    if found < entry.messages:
        return f"it holds {found} of the {entry.messages} messages the index lists"
    return None
