"""HTTP with limits for liblore/b4: a total deadline, a size cap, no redirects to other hosts.

The server comes from a URL the user pastes, so its answers are hostile until read. liblore
reads whole answers (`resp.content`) and inflates them (`gzip.decompress`) without a bound;
the session here reads every answer itself first, in chunks, so that:
- the whole operation ends at one deadline: a watchdog shuts the sockets down when it passes,
  even while a server trickles one byte at a time;
- no answer may exceed the size limit, neither as sent nor once inflated (a gzip bomb is
  stopped after the limit, its inflated bytes are counted and thrown away);
- a redirect to another host is refused instead of followed.
"""

from __future__ import annotations

import socket
import threading
import time
import urllib.parse
import weakref
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

import requests
import urllib3.connection
import urllib3.connectionpool
import urllib3.exceptions
from requests.adapters import HTTPAdapter

CHUNK = 64 * 1024
_GZIP_MAGIC = b"\x1f\x8b"


def format_size(size: int) -> str:
    """1048576 -> '1 MiB' (whole units where exact), for messages."""
    for unit, factor in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= factor:
            value = size / factor
            return f"{value:.0f} {unit}" if size % factor == 0 else f"{value:.1f} {unit}"
    return f"{size} bytes"


@dataclass(frozen=True)
class NetLimits:
    """How long a whole network operation may take and how big one answer may be."""

    timeout: float
    max_bytes: int
    deadline: float  # time.monotonic() when the operation must be over

    @classmethod
    def start(cls, timeout: float, max_bytes: int) -> NetLimits:
        """Limits whose deadline starts now."""
        return cls(timeout=timeout, max_bytes=max_bytes, deadline=time.monotonic() + timeout)

    def remaining(self) -> float:
        """Seconds left before the deadline (may be negative)."""
        return self.deadline - time.monotonic()


class AnswerRefused(Exception):
    """An answer broke a limit or could not be read whole.

    TEXT says what happened ("HOST sent more than 256 MiB"), HINT what to do about it; the
    caller adds what was asked for in between.
    """

    def __init__(self, text: str, hint: str = "") -> None:
        super().__init__(f"{text}; {hint}" if hint else text)
        self.text = text
        self.hint = hint

    def line(self, asked: str) -> str:
        """One line naming what was ASKED for."""
        return f"{self.text} {asked}" + (f"; {self.hint}" if self.hint else "")


class DeadlineExceeded(AnswerRefused):
    """The operation ran past its total deadline."""


class TooLarge(AnswerRefused):
    """An answer was larger than the size limit (as sent or inflated)."""


class RedirectRefused(AnswerRefused):
    """The server redirected to another host (or to a non-HTTP URL)."""


class ConnectionReset(AnswerRefused):
    """The server reset the connection in the middle of an answer."""


class Truncated(AnswerRefused):
    """The connection closed before the whole answer arrived."""


def _host(url: str) -> str:
    return urllib.parse.urlsplit(url).netloc or url


def _caused_by(exc: BaseException, kinds: tuple[type[BaseException], ...]) -> bool:
    """Whether EXC or anything it wraps (cause, context, args) is one of KINDS."""
    todo, seen = [exc], set()
    while todo and len(seen) < 32:
        item = todo.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, kinds):
            return True
        todo.extend(x for x in (item.__cause__, item.__context__, *item.args)
                    if isinstance(x, BaseException))
    return False


def is_reset(exc: BaseException) -> bool:
    """Whether EXC comes from a connection the server reset or aborted."""
    return _caused_by(exc, (ConnectionResetError, ConnectionAbortedError, BrokenPipeError))


def is_timeout(exc: BaseException) -> bool:
    """Whether EXC comes from a timeout (connect or read)."""
    return _caused_by(exc, (TimeoutError, socket.timeout, requests.Timeout,
                            urllib3.exceptions.TimeoutError))


class _InflateCounter:
    """Counts what a gzip stream inflates to, without keeping it; stops past LIMIT."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.size = 0
        self._inflater: zlib._Decompress | None = zlib.decompressobj(31)

    def feed(self, data: bytes) -> None:
        while data and self._inflater is not None:
            try:
                out = self._inflater.decompress(data, CHUNK)
            except zlib.error:
                self._inflater = None  # corrupt: the parser reports it
                return
            self.size += len(out)
            if self.size > self.limit:
                raise TooLarge(str(self.size))
            data = self._inflater.unconsumed_tail
            if self._inflater.eof:
                rest = self._inflater.unused_data
                # gzip allows several members one after the other.
                self._inflater = zlib.decompressobj(31) if rest.startswith(_GZIP_MAGIC) else None
                data = rest if self._inflater is not None else b""


class _Decoder:
    """Content-Encoding gzip/deflate decoded in bounded steps (urllib3's is not used)."""

    def __init__(self, encoding: str) -> None:
        self._wbits = 31 if "gzip" in encoding else 15
        self._inflater: zlib._Decompress | None = zlib.decompressobj(self._wbits)

    def decode(self, data: bytes) -> Iterator[bytes]:
        """The decoded pieces of DATA, one CHUNK at most each (the caller counts them)."""
        while data and self._inflater is not None:
            yield self._inflater.decompress(data, CHUNK)
            data = self._inflater.unconsumed_tail
            if self._inflater.eof:
                rest = self._inflater.unused_data
                more = self._wbits == 31 and rest.startswith(_GZIP_MAGIC)
                self._inflater = zlib.decompressobj(self._wbits) if more else None
                data = rest if more else b""


class BoundedSession(requests.Session):
    """A requests Session whose every answer is read within NetLimits (see module doc)."""

    def __init__(self, limits: NetLimits) -> None:
        super().__init__()
        self.limits = limits
        self.statuses: list[tuple[str, int]] = []  # (url, status) of every answer
        self.expired = False
        self._sockets: weakref.WeakSet[socket.socket] = weakref.WeakSet()
        self._lock = threading.Lock()
        self.headers["Accept-Encoding"] = "identity"
        adapter = _BoundedAdapter(self)
        self.mount("http://", adapter)
        self.mount("https://", adapter)

    def begin(self, limits: NetLimits) -> None:
        """Start a new operation under LIMITS (reused by the next requests)."""
        self.limits = limits
        self.statuses = []
        self.expired = False

    def watch(self, sock: socket.socket) -> None:
        """Remember SOCK so the watchdog can shut it down at the deadline."""
        with self._lock:
            self._sockets.add(sock)

    def expire(self) -> None:
        """The deadline passed: unblock every read by shutting the sockets down."""
        with self._lock:
            self.expired = True
            sockets = list(self._sockets)
        for sock in sockets:
            try:
                socket.socket.shutdown(sock, socket.SHUT_RDWR)
            except OSError:
                pass

    def check_deadline(self, url: str) -> float:
        """Seconds left, or DeadlineExceeded."""
        left = self.limits.remaining()
        if self.expired or left <= 0:
            self.expired = True
            raise DeadlineExceeded(
                f"{_host(url)} did not answer within {self.limits.timeout:g} s (timeout)",
                "give a larger --timeout or REVIEWTUI_TIMEOUT")
        return left

    def get_redirect_target(self, resp: requests.Response) -> str | None:
        """Follow redirects on the same host only; refuse any other with one clear line."""
        target = super().get_redirect_target(resp)
        if target is None:
            return None
        here = urllib.parse.urlsplit(resp.url)
        there = urllib.parse.urlsplit(urllib.parse.urljoin(resp.url, target))
        if there.scheme not in ("http", "https") or (there.hostname or "") != (here.hostname or ""):
            where = f"{there.scheme}://{there.netloc}" if there.netloc else there.scheme or target
            raise RedirectRefused(
                f"{here.netloc} redirected to another host ({where[:100]}), not followed,",
                "give --server with that host if you trust it")
        return target


class _BoundedAdapter(HTTPAdapter):
    """Sends with the time left as timeout and reads the body under the session's limits."""

    def __init__(self, session: BoundedSession) -> None:
        self._session = weakref.ref(session)
        super().__init__()

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        session = self._session()
        watch = session.watch if session is not None else (lambda _sock: None)

        def new_conn(base):
            def _new_conn(conn):
                sock = base._new_conn(conn)
                watch(sock)
                return sock
            return _new_conn

        http_conn = type("WatchedHTTPConnection", (urllib3.connection.HTTPConnection,),
                         {"_new_conn": new_conn(urllib3.connection.HTTPConnection)})
        https_conn = type("WatchedHTTPSConnection", (urllib3.connection.HTTPSConnection,),
                          {"_new_conn": new_conn(urllib3.connection.HTTPSConnection)})
        self.poolmanager.pool_classes_by_scheme = {
            "http": type("WatchedPool", (urllib3.connectionpool.HTTPConnectionPool,),
                         {"ConnectionCls": http_conn}),
            "https": type("WatchedHTTPSPool", (urllib3.connectionpool.HTTPSConnectionPool,),
                          {"ConnectionCls": https_conn}),
        }

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        session = self._session()
        if session is None:  # pragma: no cover - the session owns the adapter
            return super().send(request, stream, timeout, verify, cert, proxies)
        url = request.url or ""
        left = session.check_deadline(url)
        connect = timeout[0] if isinstance(timeout, tuple) else timeout
        connect = min(connect or left, left)
        watchdog = threading.Timer(left, session.expire)
        watchdog.daemon = True
        watchdog.start()
        try:
            try:
                resp = super().send(request, stream=True, timeout=(connect, left),
                                    verify=verify, cert=cert, proxies=proxies)
            except (requests.ConnectionError, requests.Timeout):
                session.check_deadline(url)  # a shut-down socket is the deadline, not the server
                raise
            session.statuses.append((url, resp.status_code))
            try:
                resp._content = _read_body(session, resp, url)
                resp._content_consumed = True
            except BaseException:
                resp.close()
                raise
            return resp
        finally:
            watchdog.cancel()


def _read_body(session: BoundedSession, resp: requests.Response, url: str) -> bytes:
    """The whole body of RESP, read in chunks under the session's deadline and size limit."""
    limit = session.limits.max_bytes
    host = _host(url)

    def too_big() -> TooLarge:
        return TooLarge(f"{host} sent more than {format_size(limit)}, refused,",
                        "raise the limit with --max-size or REVIEWTUI_MAX_FETCH_BYTES")

    declared = resp.headers.get("Content-Length", "").strip()
    if declared.isdigit() and int(declared) > limit:
        raise too_big()
    encoding = resp.headers.get("Content-Encoding", "identity").strip().lower()
    decoder = None
    if encoding in ("gzip", "x-gzip", "deflate"):
        decoder = _Decoder(encoding)
    elif encoding not in ("", "identity"):
        raise AnswerRefused(f"{host} sent an answer in an unsupported encoding "
                            f"({encoding[:40]})")  # never asked for: Accept-Encoding identity
    body = bytearray()
    received = 0
    inflated: _InflateCounter | None = None
    try:
        while True:
            session.check_deadline(url)
            chunk = resp.raw.read1(CHUNK, decode_content=False)
            if not chunk:
                break
            received += len(chunk)
            if received > limit:
                raise too_big()
            pieces = decoder.decode(chunk) if decoder else (chunk,)
            for piece in pieces:
                body += piece
                if len(body) > limit:
                    raise too_big()
                if inflated is None and len(body) >= 2 and body[:2] == _GZIP_MAGIC:
                    inflated = _InflateCounter(limit)
                    piece = bytes(body)  # the whole start, once
                if inflated is not None:
                    inflated.feed(piece)
    except TooLarge:
        raise too_big() from None
    except zlib.error as exc:
        raise AnswerRefused(f"{host} sent a corrupt compressed answer: {exc}") from exc
    except (urllib3.exceptions.HTTPError, requests.RequestException, OSError) as exc:
        session.check_deadline(url)
        if is_reset(exc):
            raise ConnectionReset(f"{host}: connection reset by server") from exc
        if is_timeout(exc):
            raise DeadlineExceeded(
                f"{host} did not answer within {session.limits.timeout:g} s (timeout)",
                "give a larger --timeout or REVIEWTUI_TIMEOUT") from exc
        raise Truncated(f"{host} sent a truncated answer (the connection closed early)") from exc
    session.check_deadline(url)  # an end of data caused by the watchdog is no end
    return bytes(body)
