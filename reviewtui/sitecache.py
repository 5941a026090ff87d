"""The sites cache: a revision's call sites, kept next to the thread cache.

`sites`, `tag`, `untag` and `mark` need a revision's call sites and patch list, not its 5,000
replies: once a thread has been analysed, what they need is kept in
`<cache dir>/analysis/<key>.json`, one file per cached thread: the thread's revisions and the
identity that finds its family, and for each revision asked for its patches, call sites,
series helpers, per-patch problems and (once `sites` ran) the message-ids of each site's
discussion.

The file is used only when its key matches exactly: the format, a fingerprint of reviewtui's
model and analysis code (a changed analysis, or a new CallSite field, never reads old results),
the user catalogue's bytes and the thread file's sha256. A file that does not match, does not
parse or does not fit the records is ignored and rewritten. A record is written only when it
reads back equal to what was analysed. Writes go through a temporary file and a rename; a cache
directory that cannot be written is not an error. JSON, not pickle: the cache directory may
come from elsewhere, and reading it must not run code.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reviewtui import __version__
from reviewtui.analysis.callsite import CallSite
from reviewtui.analysis.series_helpers import SeriesHelper
from reviewtui.analysis.sites import RevisionSites
from reviewtui.lore.cache import CachedThread, ThreadCache, write_atomic
from reviewtui.lore.revisions import SeriesIdentity
from reviewtui.model.thread import Revision, Series

FORMAT = 2
MAX_FILE_BYTES = 256 * 1024 * 1024
_PACKAGE = Path(__file__).resolve().parent
_FINGERPRINTED = ("analysis", "model")  # the code whose output the file holds
TALK_GROUPS = ("site", "hunk", "patch")


@dataclass(frozen=True)
class PatchOutline:
    """A patch as the sites table and the tag commands show it."""

    number: int
    label: str
    subject: str


@dataclass(frozen=True)
class RevisionOutline:
    """The parts of a Revision the sites and tag commands print: number, subject, patches."""

    number: int
    subject: str
    patches: tuple[PatchOutline, ...]

    @classmethod
    def of(cls, revision: Revision) -> RevisionOutline:
        """The outline of REVISION."""
        return cls(revision.number, revision.subject,
                   tuple(PatchOutline(p.number, p.label, p.subject) for p in revision.patches))

    def patch(self, number: int) -> PatchOutline | None:
        """Patch NUMBER, if present."""
        return next((p for p in self.patches if p.number == number), None)


@dataclass(frozen=True)
class TalkIds:
    """Message-ids of the comments on a site, elsewhere in its hunk, and on its patch."""

    site: tuple[str, ...] = ()
    hunk: tuple[str, ...] = ()
    patch: tuple[str, ...] = ()

    def msgids(self, group: str) -> list[str]:
        """Message-ids of GROUP ("site", "hunk" or "patch"), oldest first."""
        return list(getattr(self, group))


@dataclass(frozen=True)
class ThreadFacts:
    """What choosing a thread's revision needs: its revisions and its latest one's identity."""

    latest: int
    revisions: tuple[int, ...]
    identity: SeriesIdentity


@dataclass
class SiteSnapshot:
    """What the sites cache keeps of one revision."""

    revision: RevisionOutline
    identity: SeriesIdentity
    found: RevisionSites
    thread_problems: tuple[str, ...]
    talk: dict[str, TalkIds] | None  # None: not computed (tag, untag and mark need none)

    @classmethod
    def of(cls, series: Series, revision: Revision, found: RevisionSites,
           talk: dict[str, TalkIds] | None) -> SiteSnapshot:
        """The snapshot of REVISION of SERIES with its analysis FOUND."""
        return cls(RevisionOutline.of(revision), SeriesIdentity.of(series, revision), found,
                   tuple(series.problems), talk)


@functools.cache
def code_fingerprint() -> str:
    """sha256 over reviewtui's version and the source of the modules the cached data comes from."""
    digest = hashlib.sha256(f"{FORMAT}:{__version__}".encode())
    files = [Path(__file__).resolve()]
    for sub in _FINGERPRINTED:
        files.extend(sorted((_PACKAGE / sub).rglob("*")))
    for path in files:
        if path.suffix not in (".py", ".toml") or not path.is_file():
            continue
        digest.update(str(path.relative_to(_PACKAGE)).encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def catalogue_fingerprint(user_file: Path | None) -> str:
    """sha256 of the user catalogue file (the built-in one is part of the code fingerprint)."""
    if user_file is None:
        return "built-in"
    try:
        return hashlib.sha256(Path(user_file).read_bytes()).hexdigest()
    except OSError:
        return "unreadable"


def thread_digest(data: bytes) -> str:
    """The sha256 of a thread's mbox bytes, as the sites cache keys it."""
    return hashlib.sha256(data).hexdigest()


def _key(digest: str, catalogue: str) -> dict[str, str]:
    return {"format": str(FORMAT), "code": code_fingerprint(), "catalogue": catalogue,
            "thread": digest}


def _path(cache: ThreadCache, entry: CachedThread) -> Path:
    return cache.root / "analysis" / f"{entry.key}.json"


# -- JSON records of dataclasses --------------------------------------------------------------

def _plain(value: Any) -> Any:
    """VALUE with dataclasses as field dicts and tuples as lists."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    return value


_PLAIN = (str, int, float, bool, type(None))


@functools.cache
def _decoder(tp: Any) -> Callable[[Any], Any]:
    """A function turning a JSON value into type TP: dataclasses, tuples and optionals rebuilt
    (ValueError when the value does not fit)."""
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return functools.partial(_record, tp)
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            inner = _decoder(args[0])
            if args[0] in _PLAIN:
                return lambda value: tuple(_listed(value))
            return lambda value: tuple(inner(v) for v in _listed(value))
        parts = [_decoder(a) for a in args]
        return lambda value: tuple(d(v) for d, v in zip(parts, _listed(value), strict=True))
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        if len(inner) == 1 and not (inner[0] in _PLAIN):
            one = _decoder(inner[0])
            return lambda value: None if value is None else one(value)
    return lambda value: value


def _listed(value: Any) -> list:
    if not isinstance(value, list):
        raise TypeError("a tuple field holds no list")
    return value


@functools.cache
def _field_decoders(cls: type) -> tuple[frozenset[str], tuple[tuple[str, Callable], ...]]:
    hints = typing.get_type_hints(cls)
    fields = dataclasses.fields(cls)
    return (frozenset(f.name for f in fields),
            tuple((f.name, _decoder(hints[f.name])) for f in fields))


def _record(cls: type, data: Any):
    """An instance of the dataclass CLS from DATA; ValueError unless the fields match."""
    names, decoders = _field_decoders(cls)
    if not isinstance(data, dict) or data.keys() != names:
        raise ValueError(f"{cls.__name__} record does not match")
    return cls(**{name: decode(data[name]) for name, decode in decoders})


def _encode(snap: SiteSnapshot) -> dict[str, Any]:
    return {
        "revision": _plain(snap.revision),
        "identity": _encode_identity(snap.identity),
        "sites": [_plain(s) for s in snap.found.sites],
        "helpers": [_plain(h) for h in snap.found.helpers.values()],
        "problems": [[n, list(p)] for n, p in snap.found.problems.items()],
        "base": _plain(snap.found.base),
        "thread_problems": list(snap.thread_problems),
        "talk": None if snap.talk is None else {k: _plain(v) for k, v in snap.talk.items()},
    }


def _identity(data: dict[str, Any], msgids: frozenset[str]) -> SeriesIdentity:
    return SeriesIdentity(root_msgid=str(data["root_msgid"]), msgids=msgids,
                          subject=str(data["subject"]), email=str(data["email"]),
                          change_id=data["change_id"], cover_links=frozenset(data["cover_links"]))


def _decode(data: dict[str, Any], msgids: frozenset[str]) -> SiteSnapshot:
    base = _decoder(typing.get_type_hints(RevisionSites)["base"])
    helpers = [_record(SeriesHelper, h) for h in data["helpers"]]
    found = RevisionSites(sites=[_record(CallSite, s) for s in data["sites"]],
                          problems={int(n): tuple(p) for n, p in data["problems"]},
                          helpers={h.name: h for h in helpers},
                          base=base(data["base"]))
    talk = data["talk"]
    return SiteSnapshot(
        revision=_record(RevisionOutline, data["revision"]),
        identity=_identity(data["identity"], msgids), found=found,
        thread_problems=tuple(str(p) for p in data["thread_problems"]),
        talk=None if talk is None else {str(k): _record(TalkIds, v) for k, v in talk.items()})


# -- the file ---------------------------------------------------------------------------------

_READ: dict[Path, tuple[tuple[int, int, int], dict[str, Any]]] = {}  # one parse per process


def _read(path: Path) -> dict[str, Any] | None:
    try:
        st = path.stat()
        stamp = (st.st_ino, st.st_size, st.st_mtime_ns)
        if path in _READ and _READ[path][0] == stamp:
            return _READ[path][1]
        if st.st_size > MAX_FILE_BYTES:
            return None
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    _READ.clear()
    _READ[path] = (stamp, data)
    return data


def _current(cache: ThreadCache, entry: CachedThread, digest: str,
             catalogue: str) -> dict[str, Any] | None:
    stored = _read(_path(cache, entry))
    if stored is None or stored.get("key") != _key(digest, catalogue):
        return None
    return stored


def thread_facts(cache: ThreadCache, entry: CachedThread, digest: str,
                 catalogue: str) -> ThreadFacts | None:
    """The cached facts of the thread ENTRY whose mbox has the sha256 DIGEST, or None."""
    stored = _current(cache, entry, digest, catalogue)
    if stored is None:
        return None
    try:
        return ThreadFacts(int(stored["latest"]), tuple(int(n) for n in stored["revisions"]),
                           _identity(stored["latest_identity"], frozenset(stored["msgids"])))
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


def lookup(cache: ThreadCache, entry: CachedThread, digest: str, catalogue: str,
           revision: int) -> SiteSnapshot | None:
    """The cached snapshot of REVISION of the thread ENTRY whose mbox has the sha256 DIGEST,
    or None."""
    stored = _current(cache, entry, digest, catalogue)
    if stored is None:
        return None
    try:
        record = stored["records"].get(str(revision))
        return None if record is None else _decode(record, frozenset(stored["msgids"]))
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


def _round_trips(record: dict[str, Any], snap: SiteSnapshot) -> bool:
    """True when RECORD, through JSON, gives SNAP back (records hold only plain values)."""
    try:
        back = _decode(json.loads(json.dumps(record)), snap.identity.msgids)
    except (TypeError, ValueError, KeyError):
        return False
    return back == snap


def store(cache: ThreadCache, entry: CachedThread, digest: str, catalogue: str,
          series: Series, snap: SiteSnapshot | None = None) -> bool:
    """Keep the facts of the thread ENTRY (mbox sha256 DIGEST, parsed as SERIES) and SNAP, one
    of its revisions; False when nothing was written (a record that does not read back equal, a
    read-only or full directory)."""
    record = None
    if snap is not None:
        record = _encode(snap)
        if not _round_trips(record, snap):
            return False
    path = _path(cache, entry)
    stored = _current(cache, entry, digest, catalogue)
    if stored is None or not isinstance(stored.get("records"), dict):
        stored = {"key": _key(digest, catalogue), "records": {}}
    stored = {**stored, "records": dict(stored["records"])}  # the read copy stays as read
    latest = SeriesIdentity.of(series, series.latest)
    stored.update(latest=series.latest.number, revisions=sorted(series.revisions),
                  msgids=sorted(series.messages),
                  latest_identity=_encode_identity(latest))
    if record is not None:
        stored["records"][str(snap.revision.number)] = record
    try:
        write_atomic(path, json.dumps(stored, ensure_ascii=False).encode())
    except OSError:
        return False
    return True


def _encode_identity(ident: SeriesIdentity) -> dict[str, Any]:
    return {"root_msgid": ident.root_msgid, "subject": ident.subject, "email": ident.email,
            "change_id": ident.change_id, "cover_links": sorted(ident.cover_links)}
