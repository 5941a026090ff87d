"""A hostile 'public-inbox' on 127.0.0.1, written with the standard library.

It answers every request the way its current mode says: a gzip bomb, an endless body, one byte
every so often, a reset in the middle, HTTP 500, somebody else's thread, a redirect to another
host. The mode can change between commands; `stop()` ends every answer still being sent.
"""

from __future__ import annotations

import gzip
import http.server
import socket
import struct
import threading
import time
import zlib
from pathlib import Path

_ZEROS_MEMBER: bytes | None = None


def zero_member() -> bytes:
    """One gzip member that inflates to 64 MiB of zero bytes (about 64 KiB)."""
    global _ZEROS_MEMBER
    if _ZEROS_MEMBER is None:
        packer = zlib.compressobj(9, zlib.DEFLATED, 31)
        block = bytes(1 << 20)
        _ZEROS_MEMBER = b"".join(packer.compress(block) for _ in range(64)) + packer.flush()
    return _ZEROS_MEMBER


def gzip_bomb(inflated_gib: int = 2) -> bytes:
    """A gzip stream of several members that inflates to INFLATED_GIB GiB of zeros (~2 MB)."""
    return zero_member() * (16 * inflated_gib)


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: HostileServer._Server

    def log_message(self, *_args) -> None:
        pass

    def do_HEAD(self) -> None:
        self._answer()

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self._answer()

    # -- modes ---------------------------------------------------------------------------

    def _answer(self) -> None:
        owner = self.server.owner
        owner.requests.append((self.command, self.path))
        getattr(self, "_mode_" + owner.mode.replace("-", "_"))(owner)

    def _send(self, body: bytes, status: int = 200, ctype: str = "application/gzip",
              extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _mode_serve(self, owner: HostileServer) -> None:
        """A well-behaved server: the thread mbox, gzipped, for any message-id."""
        if self.command == "POST":  # searches find nothing new
            self._send(b"", status=404, ctype="text/plain")
        else:
            self._send(gzip.compress(owner.mbox))

    def _mode_bomb(self, owner: HostileServer) -> None:
        self._send(owner.bomb)

    def _mode_bomb_encoded(self, owner: HostileServer) -> None:
        """The bomb as Content-Encoding: gzip around a plain (not gzipped) body."""
        self._send(owner.bomb, ctype="text/plain", extra={"Content-Encoding": "gzip"})

    def _mode_endless(self, owner: HostileServer) -> None:
        """A body without Content-Length that goes on (up to 1.5 GiB) until the client leaves."""
        self.send_response(200)
        self.send_header("Content-Type", "application/gzip")
        self.send_header("Connection", "close")
        self.end_headers()
        line = b"From junk@example.org Thu Jan  1 00:00:00 1970\n" + b"x" * 16000 + b"\n"
        sent = 0
        while sent < 3 << 29 and not owner.stopping.is_set():
            try:
                self.wfile.write(line)
            except OSError:
                return
            sent += len(line)

    def _mode_huge_length(self, owner: HostileServer) -> None:
        """Declares a 1.5 GiB body and sends a little of it."""
        self.send_response(200)
        self.send_header("Content-Type", "application/gzip")
        self.send_header("Content-Length", str(3 << 29))
        self.end_headers()
        try:
            self.wfile.write(b"\x1f\x8b" + b"\0" * 1000)
        except OSError:
            pass

    def _mode_slow_body(self, owner: HostileServer) -> None:
        """Headers at once, then one byte every `owner.pause` seconds."""
        body = gzip.compress(owner.mbox)
        self.send_response(200)
        self.send_header("Content-Type", "application/gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self._trickle(owner, body)

    def _mode_slow_headers(self, owner: HostileServer) -> None:
        """Even the status line and headers come one byte at a time."""
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/gzip\r\n" + b"X-Pad: " + \
            b"a" * 4000 + b"\r\n\r\n"
        self._trickle(owner, head)

    def _trickle(self, owner: HostileServer, data: bytes) -> None:
        for i in range(len(data)):
            if owner.stopping.wait(owner.pause):
                return
            try:
                self.wfile.write(data[i:i + 1])
                self.wfile.flush()
            except OSError:
                return

    def _mode_reset(self, owner: HostileServer) -> None:
        """Half of the thread, then a TCP reset (SO_LINGER 0)."""
        body = gzip.compress(owner.mbox)
        self.send_response(200)
        self.send_header("Content-Type", "application/gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[: len(body) // 2])
        self.wfile.flush()
        time.sleep(0.2)
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True

    def _mode_error(self, owner: HostileServer) -> None:
        self._send(b"internal error\n", status=500, ctype="text/plain")

    def _mode_redirect(self, owner: HostileServer) -> None:
        target = f"http://127.0.0.2:{self.server.server_address[1]}{self.path}"
        self._send(b"", status=302, ctype="text/plain", extra={"Location": target})


class HostileServer:
    """Start with `HostileServer(mbox_bytes)`; set `.mode`; `.base_url`; `stop()`."""

    class _Server(http.server.ThreadingHTTPServer):
        daemon_threads = True
        owner: HostileServer

        def handle_error(self, request, client_address) -> None:
            pass  # clients that give up on a hostile answer are the point

    def __init__(self, mbox: bytes | Path, mode: str = "serve", pause: float = 0.5) -> None:
        self.mbox = mbox.read_bytes() if isinstance(mbox, Path) else mbox
        self.mode = mode
        self.pause = pause
        self.bomb = b""
        self.requests: list[tuple[str, str]] = []
        self.stopping = threading.Event()
        self._httpd = self._Server(("127.0.0.1", 0), _Handler)
        self._httpd.owner = self
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    @property
    def base_url(self) -> str:
        """The inbox URL to give as --server."""
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/all"

    def stop(self) -> None:
        """Stop serving and end every answer in progress."""
        self.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)
