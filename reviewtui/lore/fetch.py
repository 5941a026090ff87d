"""Thread retrieval with b4/liblore: the only module that touches the network."""

from __future__ import annotations

import contextlib
import gzip
import re
import urllib.parse
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

from reviewtui.errors import FetchError, MboxError, UsageError
from reviewtui.lore.http import (
    AnswerRefused,
    BoundedSession,
    NetLimits,
    format_size,
    is_reset,
    is_timeout,
)
from reviewtui.model.load import setup_b4

_MSGID = re.compile(r"^[^\s<>@]+@[^\s<>@]+$")
Progress = Callable[[str], None]


@dataclass(frozen=True)
class ThreadRef:
    """A message-id and, when the argument was a URL, the server it names."""

    msgid: str
    server: str | None = None


def parse_thread_ref(text: str) -> ThreadRef:
    """Parse a message-id, <msgid>, id:msgid or lore URL (b4's parser) into a ThreadRef."""
    import b4

    setup_b4()
    raw = (text or "").strip()
    if not raw:
        raise UsageError("no message-id given")
    server = None
    match = re.match(r"^(https?://[^/]+/[^/]+)/([^/]+@[^/]+)", raw, re.IGNORECASE)
    if match:
        server = match.group(1)
        if server.rsplit("/", 1)[-1] in ("r", "all"):
            server = server.rsplit("/", 1)[0] + "/all"
    config = b4.get_main_config()
    saved = config.get("midmask")
    try:
        msgid = b4.parse_msgid(raw)
    finally:
        # b4 rewrites its midmask when a URL names another host; the server is ours to choose.
        config["midmask"] = saved
    msgid = msgid.strip().strip("<>")
    if not _MSGID.match(msgid) or any(ord(c) < 32 or c == "\x7f" for c in msgid):
        raise UsageError(f"not a message-id or lore URL: {_printable(raw)}")
    if ".." in msgid.split("@", 1)[0].split("/") or msgid.startswith(("/", ".")):
        raise UsageError(f"refusing a message-id that looks like a path: {_printable(raw)}")
    return ThreadRef(msgid=msgid, server=server)


def _printable(text: str) -> str:
    return "".join(c if c.isprintable() else "?" for c in text)[:200]


Limits = float | NetLimits  # seconds (a fresh deadline) or limits shared by several calls
_SESSION: BoundedSession | None = None


def net_limits(limits: Limits | None = None) -> NetLimits:
    """LIMITS as NetLimits: a number of seconds starts a deadline now, with the size limit."""
    from reviewtui import config

    if isinstance(limits, NetLimits):
        return limits
    timeout = config.network_timeout() if limits is None else float(limits)
    return NetLimits.start(timeout, config.max_fetch_bytes())


def check_server(server: str) -> str:
    """SERVER without a trailing slash; UsageError unless it is an http(s) URL with a host."""
    parts = urllib.parse.urlsplit(server.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise UsageError(f"the server must be an http:// or https:// URL, not {_printable(server)}")
    return server.strip().rstrip("/")


def lore_node(server: str, limits: Limits | None = None):
    """Configure b4's LoreNode for SERVER (a public-inbox base URL) and return it.

    Every request of the node (and of b4, which uses it) goes through one BoundedSession, so
    LIMITS bound the whole operation: its deadline, the size of each answer, redirects.
    """
    import b4
    import liblore

    global _SESSION
    limits = net_limits(limits)
    server = check_server(server)
    setup_b4({"midmask": server + "/%s"})
    node = b4.LORENODE
    if node is None or node.url != server or _SESSION is None:
        if node is not None:
            node.close()
        node = liblore.LoreNode(
            server,
            request_timeout=(min(5.0, limits.timeout), limits.timeout),
            cache_dir=None,
            follow_upstream=False,
        )
        _SESSION = BoundedSession(limits)
        _SESSION.headers["User-Agent"] = "reviewtui/0.1"
        node.set_requests_session(_SESSION)
        b4.LORENODE = node
        b4.REQSESSION = _SESSION
    _SESSION.begin(limits)
    return node


@contextlib.contextmanager
def _plain_errors(msgid: str, server: str) -> Iterator[None]:
    """Turn liblore, HTTP and gzip failures into one FetchError line."""
    import liblore

    try:
        yield
    except AnswerRefused as exc:
        raise FetchError(exc.line(f"for {msgid}")) from exc
    except liblore.RemoteError as exc:
        raise _remote_error(exc, msgid, server) from exc
    except (EOFError, OSError, zlib.error, gzip.BadGzipFile) as exc:
        if _SESSION is not None and _SESSION.expired:
            raise _timeout(msgid, server) from exc
        if is_reset(exc):
            raise FetchError(f"{_host(server)}: connection reset by server for {msgid}") from exc
        raise FetchError(f"{server} sent a truncated or corrupt answer for {msgid}: "
                         f"{_printable(str(exc))}") from exc
    except liblore.LibloreError as exc:
        raise FetchError(f"asking {server} for {msgid} failed: {_printable(str(exc))}") from exc


def _host(server: str) -> str:
    return urllib.parse.urlparse(server).netloc or server


def _timeout(msgid: str, server: str) -> FetchError:
    seconds = _SESSION.limits.timeout if _SESSION is not None else 0
    return FetchError(f"{_host(server)} did not answer within {seconds:g} s (timeout) "
                      f"for {msgid}; give a larger --timeout or REVIEWTUI_TIMEOUT")


@dataclass(frozen=True)
class Fetched:
    """Raw messages of one thread as served, and the server's 'as of' time."""

    messages: list[bytes]
    root: str
    as_of: datetime | None


def _remote_error(exc: Exception, msgid: str, server: str) -> FetchError:
    status = getattr(exc, "status_code", None)
    host = _host(server)
    if status == 404:
        return FetchError(f"{msgid}: no such message on {server} (404)")
    if status is not None:
        return FetchError(f"{host} answered HTTP {status} for {msgid}")
    if _SESSION is not None and _SESSION.expired:
        return _timeout(msgid, server)
    text = " ".join(str(exc).split()).lower()
    if "refused" in text:  # before timeouts: urllib3's connect errors are timeouts too
        return FetchError(f"cannot reach {server}: connection refused")
    if "name or service not known" in text or "resolve" in text or "nodename" in text:
        return FetchError(f"cannot reach {server}: host name not found")
    if is_reset(exc) or "reset by peer" in text:
        return FetchError(f"{host}: connection reset by server for {msgid}")
    if is_timeout(exc) or "timed out" in text:
        return _timeout(msgid, server)
    if "remotedisconnected" in text or "without response" in text:
        return FetchError(f"{host} closed the connection without answering for {msgid}")
    return FetchError(f"cannot reach {server}: no answer")


def _server_failed(msgid: str, server: str) -> None:
    """FetchError when any answer of the last operation was a server error (5xx)."""
    failed = [status for _url, status in (_SESSION.statuses if _SESSION else []) if status >= 500]
    if failed:
        raise FetchError(f"{_host(server)} answered HTTP {failed[-1]} for {msgid}; "
                         "nothing was added")


def fetch_thread(
    msgid: str, server: str, progress: Progress | None = None, timeout: Limits | None = None
) -> Fetched:
    """Fetch the whole thread holding MSGID (cover, patches, follow-ups) from SERVER."""
    import b4

    say = progress or (lambda _text: None)
    node = lore_node(server, timeout)
    say(f"Fetching thread {msgid} from {server}")
    with _plain_errors(msgid, server):
        data = node.get_mbox_by_msgid(msgid, nocache=True)
    say(f"Received {len(data):,} bytes; splitting")
    from liblore.utils import parse_message

    from reviewtui.lore.cache import raw_msgid, split_raw

    try:
        raws = split_raw(data)
        parsed = [parse_message(raw) for raw in raws]
    except Exception as exc:
        raise FetchError(f"{server} sent something that is not an mbox for {msgid}") from exc
    if not raws:
        raise FetchError(f"{server} returned no messages for {msgid}")
    if msgid not in {raw_msgid(raw) for raw in raws}:
        raise FetchError(f"{_host(server)} answered for {msgid} with {len(raws)} message(s) "
                         "that do not include it; refusing the answer")
    strict = b4.get_strict_thread(parsed, msgid) or parsed
    keep = {b4.LoreMessage.get_clean_msgid(m) for m in strict}
    raws = [raw for raw in raws if raw_msgid(raw) in keep]
    say(f"{len(raws)} messages in the thread")
    return Fetched(messages=raws, root=msgid, as_of=node.last_as_of)


def fetch_updates(
    msgid: str,
    server: str,
    since: datetime,
    progress: Progress | None = None,
    timeout: Limits | None = None,
) -> list[EmailMessage]:
    """Messages of MSGID's thread received since SINCE (liblore's rt: query).

    liblore reads a 5xx answer to this search as "nothing new"; here it is an error.
    """

    say = progress or (lambda _text: None)
    node = lore_node(server, timeout)
    say(f"Asking {server} for messages since {since.isoformat(timespec='seconds')}")
    with _plain_errors(msgid, server):
        updates = node.get_thread_updates_since(msgid, since - timedelta(minutes=5))
    _server_failed(msgid, server)
    return updates


def read_mbox_file(path: str, max_bytes: int | None = None) -> bytes:
    """Read a local mbox (MboxError with a clear reason when it cannot be read).

    Reads at most MAX_BYTES (REVIEWTUI_MAX_FETCH_BYTES): a device such as /dev/zero or a
    runaway pipe ends with an error instead of exhausting memory.
    """
    from reviewtui import config

    limit = config.max_fetch_bytes() if max_bytes is None else max_bytes
    chunks: list[bytes] = []
    size = 0
    try:
        with open(path, "rb") as fh:
            while True:
                chunk = fh.read(min(1 << 20, limit + 1 - size))
                if not chunk:
                    break
                if not chunks and b"\0" in chunk[:4096]:
                    raise MboxError(f"{path}: not an mbox (binary data)")
                chunks.append(chunk)
                size += len(chunk)
                if size > limit:
                    raise MboxError(f"{path}: larger than {format_size(limit)}; not read "
                                    "(raise the limit with REVIEWTUI_MAX_FETCH_BYTES)")
    except FileNotFoundError as exc:
        raise MboxError(f"{path}: no such file") from exc
    except IsADirectoryError as exc:
        raise MboxError(f"{path}: is a directory, not an mbox") from exc
    except OSError as exc:
        raise MboxError(f"{path}: {exc.strerror or exc}") from exc
    return b"".join(chunks)
