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


def lore_node(server: str, timeout: float = 30.0):
    """Configure b4's LoreNode for SERVER (a public-inbox base URL) and return it."""
    import b4
    import liblore

    setup_b4({"midmask": server.rstrip("/") + "/%s"})
    node = b4.LORENODE
    if node is None or node.url != server.rstrip("/"):
        if node is not None:
            node.close()
        node = liblore.LoreNode(
            server.rstrip("/"),
            request_timeout=(min(5.0, timeout), timeout),
            cache_dir=None,
            follow_upstream=False,
        )
        node.set_user_agent("reviewtui", "0.1")
        b4.LORENODE = node
    return node


@contextlib.contextmanager
def _plain_errors(msgid: str, server: str) -> Iterator[None]:
    """Turn liblore, HTTP and gzip failures into one FetchError line."""
    import liblore

    try:
        yield
    except liblore.RemoteError as exc:
        raise _remote_error(exc, msgid, server) from exc
    except (EOFError, OSError, zlib.error, gzip.BadGzipFile) as exc:
        raise FetchError(f"{server} sent a truncated or corrupt answer for {msgid}: {exc}") from exc
    except liblore.LibloreError as exc:
        raise FetchError(f"asking {server} for {msgid} failed: {exc}") from exc


@dataclass(frozen=True)
class Fetched:
    """Raw messages of one thread as served, and the server's 'as of' time."""

    messages: list[bytes]
    root: str
    as_of: datetime | None


def _remote_error(exc: Exception, msgid: str, server: str) -> FetchError:
    status = getattr(exc, "status_code", None)
    host = urllib.parse.urlparse(server).netloc or server
    if status == 404:
        return FetchError(f"{msgid}: no such message on {server} (404)")
    if status is not None:
        return FetchError(f"{host} answered HTTP {status} for {msgid}")
    text = " ".join(str(exc).split()).lower()
    if "timed out" in text or "timeout" in text:
        return FetchError(f"{host} did not answer in time (timeout) for {msgid}")
    if "refused" in text:
        return FetchError(f"cannot reach {server}: connection refused")
    if "name or service not known" in text or "resolve" in text or "nodename" in text:
        return FetchError(f"cannot reach {server}: host name not found")
    return FetchError(f"cannot reach {server}: no answer")


def fetch_thread(
    msgid: str, server: str, progress: Progress | None = None, timeout: float = 30.0
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
    timeout: float = 30.0,
) -> list[EmailMessage]:
    """Messages of MSGID's thread received since SINCE (liblore's rt: query)."""

    say = progress or (lambda _text: None)
    node = lore_node(server, timeout)
    say(f"Asking {server} for messages since {since.isoformat(timespec='seconds')}")
    with _plain_errors(msgid, server):
        return node.get_thread_updates_since(msgid, since - timedelta(minutes=5))


def read_mbox_file(path: str) -> bytes:
    """Read a local mbox (MboxError with a clear reason when it cannot be read)."""
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except FileNotFoundError as exc:
        raise MboxError(f"{path}: no such file") from exc
    except IsADirectoryError as exc:
        raise MboxError(f"{path}: is a directory, not an mbox") from exc
    except OSError as exc:
        raise MboxError(f"{path}: {exc.strerror}") from exc
