"""A throw-away public-inbox (lore-compatible) HTTP server on 127.0.0.1, for tests.

Typical use::

    with PublicInboxServer(mbox_path) as srv:
        requests.get(f"{srv.base_url}/{msgid}/t.mbox.gz")   # whole thread
        srv.add_message(raw_reply)                          # a later reply
        # now searchable by rt:/dt:/m: queries, e.g. LoreNode.get_thread_updates_since

or the ``pi_server`` pytest fixture (a factory; it skips the test when
public-inbox is not installed and stops every server it started).

Needs public-inbox (tested with 1.9.0) with Perl Xapian bindings, git and
perl on PATH; :meth:`PublicInboxServer.available` says whether they are.
Everything public-inbox and git write stays in one temporary directory:
``HOME``, ``XDG_*``, ``GIT_CONFIG_GLOBAL``, ``PI_CONFIG``, ``PI_DIR`` and
``PI_EMERGENCY`` all point inside it.
"""

from __future__ import annotations

import email.parser
import email.policy
import email.utils
import functools
import gzip
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import weakref
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import pytest
import requests

DEFAULT_NAME = "test"
StrPath = str | os.PathLike[str]

_BINARIES = ("perl", "git", "public-inbox-init", "public-inbox-httpd", "public-inbox-mda")
_CMD_TIMEOUT = 120.0
_POLL = 0.05
# Set to the server's directory in the environment of every process it starts.
_MARKER = "PUBLIC_INBOX_TEST_SERVER"

# public-inbox 1.9 has no public-inbox-import: import one mbox file in one go.
_IMPORT_PERL = r"""
use strict;
use PublicInbox::Config;
use PublicInbox::InboxWritable;
my ($name, $path, $variant) = @ARGV;
my $ibx = PublicInbox::Config->new->lookup_name($name) or die "no inbox named $name\n";
$ibx = PublicInbox::InboxWritable->new($ibx);
open(my $fh, '<', $path) or die "open $path: $!\n";
$ibx->import_mbox($fh, $variant);
"""

# Search (q=...) needs the Perl Xapian bindings; the inbox modules must load too.
_CHECK_PERL = (
    "use PublicInbox::InboxWritable; use PublicInbox::V2Writable;"
    " eval { require Search::Xapian; 1 } or eval { require Xapian; 1 }"
    " or die qq(no Perl Xapian bindings (Search::Xapian or Xapian)\n);"
)

# Moves the inherited listening socket to fd 3 and execs the daemon with
# systemd-style LISTEN_FDS: the port is bound before public-inbox-init writes
# it into the config, so no other process can take it in between.  (Not sh:
# dash can't redirect fds above 9.)
_INHERIT_PY = """
import os, sys
fd = int(sys.argv[1])
if fd != 3:
    os.dup2(fd, 3)
    os.close(fd)
os.environ.update(LISTEN_PID=str(os.getpid()), LISTEN_FDS="1")
os.execvp(sys.argv[2], sys.argv[2:])
"""


class PublicInboxError(RuntimeError):
    """A public-inbox command failed, or the server did not come up."""


class PublicInboxServer:
    """A public-inbox V2 inbox served by ``public-inbox-httpd`` on 127.0.0.1."""

    def __init__(
        self,
        mbox: StrPath | None = None,
        *,
        name: str = DEFAULT_NAME,
        mbox_format: str = "mboxrd",
        workdir: StrPath | None = None,
        start_timeout: float = 30.0,
    ) -> None:
        """Describe a server on *mbox* (optional); :meth:`start` or ``with`` runs it."""
        self.name = name
        self._mbox = Path(mbox) if mbox is not None else None
        self._mbox_format = mbox_format
        self._workdir = Path(workdir) if workdir is not None else None
        self._start_timeout = start_timeout
        self._root: Path | None = None
        self._env: dict[str, str] = {}
        self._handles = _Handles()
        self._finalizer = weakref.finalize(self, self._handles.close)
        self._last_received = 0
        self._reloads = 0
        self.port = 0

    # -- availability -------------------------------------------------------

    @staticmethod
    def available() -> bool:
        """Whether public-inbox (with Xapian search) can run here."""
        return PublicInboxServer.unavailable_reason() is None

    @staticmethod
    @functools.cache
    def unavailable_reason() -> str | None:
        """Why public-inbox can't run here (a pytest skip reason), or None."""
        missing = [b for b in _BINARIES if shutil.which(b) is None]
        if missing:
            return f"public-inbox test server needs {', '.join(missing)} on PATH"
        check = subprocess.run(
            ["perl", "-e", _CHECK_PERL], capture_output=True, text=True, timeout=30, check=False
        )
        if check.returncode != 0:
            return f"public-inbox Perl modules unusable: {check.stderr.strip()}"
        return None

    # -- addresses ----------------------------------------------------------

    @property
    def base_url(self) -> str:
        """The inbox URL, e.g. ``http://127.0.0.1:PORT/test`` (no trailing slash)."""
        return f"http://127.0.0.1:{self.port}/{self.name}"

    @property
    def midmask(self) -> str:
        """The b4 ``midmask``: ``base_url + '/%s'``."""
        return f"{self.base_url}/%s"

    @property
    def address(self) -> str:
        """The inbox's list address (``NAME@example.org``)."""
        return f"{self.name}@example.org"

    @property
    def root(self) -> Path:
        """The directory holding the inbox, config, fake HOME and logs."""
        if self._root is None:
            raise PublicInboxError("server not started")
        return self._root

    @property
    def inbox_dir(self) -> Path:
        """The V2 inbox directory."""
        return self.root / "inbox"

    @property
    def err_log(self) -> Path:
        """The httpd's stderr log (its access log is ``httpd.out.log`` beside it)."""
        return self.root / "httpd.err.log"

    @property
    def env(self) -> dict[str, str]:
        """A copy of the isolated environment the public-inbox commands run with.

        Processes started with it count as the server's: :meth:`stop` waits for them.
        """
        return dict(self._env)

    @property
    def last_received(self) -> datetime | None:
        """The Received: time given to the latest :meth:`add_message` (UTC), if any."""
        if not self._last_received:
            return None
        return datetime.fromtimestamp(self._last_received, UTC)

    @property
    def pid(self) -> int | None:
        """The httpd's pid (also its process group), or None when not running."""
        proc = self._handles.proc
        return proc.pid if proc is not None else None

    # -- lifecycle ----------------------------------------------------------

    def start(self) -> Self:
        """Create the inbox, import the mbox, start httpd and wait until it answers."""
        if self._handles.proc is not None:
            return self
        try:
            self._make_root()
            with _listening_socket() as sock:
                self.port = sock.getsockname()[1]
                self._init_inbox()
                if self._mbox is not None:
                    self.import_mbox(self._mbox, self._mbox_format)
                self._spawn_httpd(sock)
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Kill httpd and its children, wait for them, and remove the temp dir (idempotent)."""
        self._handles.close()

    def __enter__(self) -> Self:
        """Start the server (if not yet started)."""
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop the server."""
        self.stop()

    # -- content ------------------------------------------------------------

    def import_mbox(self, mbox: StrPath, mbox_format: str = "mboxrd") -> None:
        """Import a whole mbox file (fast, one Perl process); a running server sees it."""
        self._run(["perl", "-e", _IMPORT_PERL, self.name, str(mbox), mbox_format])
        self.refresh()

    def add_message(self, raw: bytes, *, received: datetime | None = None) -> str:
        """Deliver one message with public-inbox-mda and return its Message-ID (no <>).

        A ``Received:`` header is prepended, as an MTA would: public-inbox
        takes the ``rt:`` time from the topmost one.  Its time is *received*
        (a naive datetime counts as local time) or now, and then always
        later than any earlier one added, so ``rt:`` searches can tell them
        apart.  Returns once the running server's search sees the message.
        """
        msgid = _message_id(raw)
        stamp = self._received_stamp(received)
        data = _with_received(raw, stamp, f"{self.name}.example.org")
        self._run(
            ["public-inbox-mda", "--no-precheck"],
            stdin=data,
            extra_env={"ORIGINAL_RECIPIENT": self.address},
        )
        self._check_delivered(msgid)
        if self._handles.proc is not None:
            self.refresh()
            self._wait_searchable(msgid, stamp)
        return msgid

    def refresh(self) -> None:
        """Make httpd reopen the inbox (SIGHUP) and wait until it has.

        public-inbox-httpd keeps searching the Xapian revision it first
        opened (for ~30 s); the thread views (over.sqlite3) see new mail
        anyway.  A reload re-reads the config, so a fresh ``infourl`` value
        shown by ``_/text/config/raw`` says when the reload is done.
        """
        proc = self._handles.proc
        if proc is None:
            return
        self._check_alive()
        self._reloads += 1
        token = f"http://127.0.0.1/reload/{self._reloads}"
        self._run(["git", "config", "-f", self._env["PI_CONFIG"], self._key("infourl"), token])
        os.kill(proc.pid, signal.SIGHUP)
        url = f"{self.base_url}/_/text/config/raw"
        self._poll(lambda s: token in s.get(url, timeout=5).text, "httpd to reload", 15.0)

    # -- internals ----------------------------------------------------------

    def _make_root(self) -> None:
        """Create the working directory and the isolated environment."""
        if self._workdir is None:
            self._root = Path(tempfile.mkdtemp(prefix="public-inbox-test-"))
            self._handles.remove_dir = self._root
        else:
            self._workdir.mkdir(parents=True, exist_ok=True)
            self._root = self._workdir
        for sub in ("home", "cache", "data", "config"):
            (self._root / sub).mkdir(exist_ok=True)
        (self._root / "gitconfig").touch()
        self._env = _isolated_env(self._root)
        self._handles.marker = f"{_MARKER}={self._root}"

    def _init_inbox(self) -> None:
        """Run public-inbox-init for a V2 inbox with full Xapian indexing."""
        self._run(
            [
                "public-inbox-init", "-V2", "-j1", "-L", "full",
                self.name, str(self.inbox_dir), self.base_url, self.address,
            ]
        )  # fmt: skip
        self._run(
            ["git", "config", "-f", self._env["PI_CONFIG"], "publicinboxmda.spamcheck", "none"]
        )

    def _key(self, var: str) -> str:
        """The config key of *var* in this inbox's section."""
        return f"publicinbox.{self.name}.{var}"

    def _spawn_httpd(self, sock: socket.socket) -> None:
        """Start public-inbox-httpd on the already-listening *sock*."""
        sock.setblocking(False)
        fd = sock.fileno()
        out_log = self.root / "httpd.out.log"
        args = [
            sys.executable, "-I", "-c", _INHERIT_PY, str(fd),
            "public-inbox-httpd", "-W0", "-l", f"127.0.0.1:{self.port}",
            "-1", str(out_log), "-2", str(self.err_log),
        ]  # fmt: skip
        with open(self.err_log, "ab") as err:
            self._handles.proc = subprocess.Popen(
                args,
                env=self._env,
                cwd=self.root,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=err,
                pass_fds=(fd,),
                start_new_session=True,
            )

    def _wait_ready(self) -> None:
        """Wait until httpd serves the inbox help page (200 even for an empty inbox)."""
        url = f"{self.base_url}/_/text/help/"
        self._poll(lambda s: s.get(url, timeout=5).ok, f"httpd on {url}", self._start_timeout)

    def _wait_searchable(self, msgid: str, stamp: int) -> None:
        """Wait until an ``rt:`` search for *stamp* on the running server finds *msgid*."""
        query = urllib.parse.quote_plus(f"rt:{stamp}..{stamp}")
        url = f"{self.base_url}/?x=m&q={query}"
        self._poll(lambda s: _mbox_has(s.post(url, data="", timeout=10), msgid), msgid, 15.0)

    def _poll(self, ready: Callable[[requests.Session], bool], what: str, timeout: float) -> None:
        """Call *ready* until it is true; PublicInboxError after *timeout* seconds."""
        deadline = time.monotonic() + timeout
        with _session() as session:
            while True:
                self._check_alive()
                try:
                    if ready(session):
                        return
                except requests.RequestException:
                    pass
                if time.monotonic() > deadline:
                    raise PublicInboxError(f"timed out waiting for {what}: {self._log()}")
                time.sleep(_POLL)

    def _received_stamp(self, received: datetime | None) -> int:
        """The Received: time for the next message, later than all earlier ones."""
        if received is not None:
            return self._track_received(int(received.timestamp()))
        return self._track_received(max(int(time.time()), self._last_received + 1))

    def _track_received(self, stamp: int) -> int:
        """Remember *stamp* as the latest Received: time seen; return it."""
        self._last_received = max(self._last_received, stamp)
        return stamp

    def _check_delivered(self, msgid: str) -> None:
        """Raise when public-inbox-mda left the message in its emergency maildir."""
        new = Path(self._env["PI_EMERGENCY"]) / "new"
        kept = sorted(new.iterdir()) if new.is_dir() else []
        for path in kept:
            path.unlink()
        if kept:
            raise PublicInboxError(f"public-inbox-mda did not deliver <{msgid}> (filtered?)")

    def _check_alive(self) -> None:
        """Raise when httpd has exited."""
        proc = self._handles.proc
        if proc is None:
            raise PublicInboxError("server not running")
        if proc.poll() is not None:
            raise PublicInboxError(f"httpd exited with {proc.returncode}: {self._log()}")

    def _log(self) -> str:
        """The tail of httpd's stderr log."""
        try:
            return self.err_log.read_text(errors="replace")[-2000:]
        except OSError:
            return "(no log)"

    def _run(
        self,
        args: list[str],
        *,
        stdin: bytes | None = None,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        """Run a public-inbox command in the isolated environment; raise on failure."""
        result = subprocess.run(
            args,
            input=stdin,
            env={**self._env, **(extra_env or {})},
            cwd=self.root,
            capture_output=True,
            timeout=_CMD_TIMEOUT,
            check=False,
        )
        if result.returncode != 0:
            err = result.stderr.decode(errors="replace").strip()
            raise PublicInboxError(f"{args[0]} failed (exit {result.returncode}): {err}")


class _Handles:
    """What a server must clean up: httpd, every process it spawned, its temp dir."""

    def __init__(self) -> None:
        """Start with nothing to clean up."""
        self.proc: subprocess.Popen[bytes] | None = None
        self.marker: str | None = None
        self.remove_dir: Path | None = None

    def close(self) -> None:
        """Kill httpd, wait for all its processes, remove the directory (idempotent)."""
        proc, self.proc = self.proc, None
        if proc is not None:
            _terminate_leader(proc)
        # httpd runs git cat-file in process groups of their own: they exit on
        # EOF once httpd is gone; find them by the marker in their environment.
        marker, self.marker = self.marker, None
        if marker is not None:
            _reap_marked(marker)
        path, self.remove_dir = self.remove_dir, None
        if path is not None:
            shutil.rmtree(path, ignore_errors=True)


def start_server(
    mbox: StrPath | None = None,
    *,
    name: str = DEFAULT_NAME,
    mbox_format: str = "mboxrd",
    workdir: StrPath | None = None,
) -> PublicInboxServer:
    """Start a server on *mbox* (see :class:`PublicInboxServer`); the caller stops it."""
    return PublicInboxServer(mbox, name=name, mbox_format=mbox_format, workdir=workdir).start()


@pytest.fixture
def pi_server() -> Iterator[Callable[..., PublicInboxServer]]:
    """Factory fixture: ``pi_server(mbox, **kwargs)`` starts a server, stopped at teardown."""
    reason = PublicInboxServer.unavailable_reason()
    if reason is not None:
        pytest.skip(reason)
    servers: list[PublicInboxServer] = []

    def factory(mbox: StrPath | None = None, **kwargs: Any) -> PublicInboxServer:
        server = start_server(mbox, **kwargs)
        servers.append(server)
        return server

    yield factory
    for server in servers:
        server.stop()


def requires_public_inbox() -> pytest.MarkDecorator:
    """A skipif mark for tests that need public-inbox installed."""
    reason = PublicInboxServer.unavailable_reason()
    return pytest.mark.skipif(reason is not None, reason=reason or "public-inbox available")


def _isolated_env(root: Path) -> dict[str, str]:
    """The environment for public-inbox and git commands, all state under *root*."""
    drop = ("GIT_", "PI_", "LISTEN_", "ORIGINAL_RECIPIENT", "XDG_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env.update(
        HOME=str(root / "home"),
        XDG_CACHE_HOME=str(root / "cache"),
        XDG_DATA_HOME=str(root / "data"),
        XDG_CONFIG_HOME=str(root / "config"),
        GIT_CONFIG_GLOBAL=str(root / "gitconfig"),
        GIT_CONFIG_NOSYSTEM="1",
        PI_CONFIG=str(root / "pi-config"),
        PI_DIR=str(root / "pi-dir"),
        PI_EMERGENCY=str(root / "emergency"),
    )
    env[_MARKER] = str(root)
    return env


def _listening_socket() -> socket.socket:
    """A TCP socket listening on a free 127.0.0.1 port."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind(("127.0.0.1", 0))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    return sock


def _session() -> requests.Session:
    """A requests session that ignores proxy settings (the server is local)."""
    session = requests.Session()
    session.trust_env = False
    return session


def _mbox_has(resp: requests.Response, msgid: str) -> bool:
    """Whether *resp* is a search's mbox.gz holding *msgid*."""
    return resp.status_code == 200 and msgid.encode() in gzip.decompress(resp.content)


def _message_id(raw: bytes) -> str:
    """The Message-ID of *raw*, without angle brackets; ValueError when missing."""
    headers = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(raw)
    value = headers.get("Message-ID")
    if value is None or not str(value).strip():
        raise ValueError("message has no Message-ID header")
    text = str(value).strip()
    found = re.search(r"<([^>]+)>", text)
    return found.group(1) if found else text


def _with_received(raw: bytes, stamp: int, by_host: str) -> bytes:
    """*raw* without any mbox From_ line, under a new topmost Received: header."""
    body = raw.lstrip(b"\r\n")
    if body.startswith(b"From "):
        body = body.split(b"\n", 1)[1] if b"\n" in body else b""
    eol = b"\r\n" if body.split(b"\n", 1)[0].endswith(b"\r") else b"\n"
    # public-inbox 1.9 wants a numeric zone here: "GMT" is skipped without a word.
    date = email.utils.format_datetime(datetime.fromtimestamp(stamp, UTC))
    header = f"Received: from localhost (localhost [127.0.0.1]) by {by_host}; {date}"
    return header.encode() + eol + body


def _terminate_leader(proc: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    """TERM httpd's process group until httpd has exited (KILL after *timeout*)."""
    deadline = time.monotonic() + timeout
    while proc.poll() is None and time.monotonic() < deadline:
        # The first TERM starts a graceful quit (~1.5 s); the next one exits at once.
        _signal_group(proc.pid, signal.SIGTERM)
        time.sleep(_POLL)
    if proc.poll() is None:
        _signal_group(proc.pid, signal.SIGKILL)
    proc.wait(timeout=timeout)


def _reap_marked(marker: str, grace: float = 2.0, timeout: float = 10.0) -> None:
    """Wait for every process carrying *marker* to exit; TERM, then KILL stragglers."""
    start = time.monotonic()
    while pids := _marked_pids(marker):
        elapsed = time.monotonic() - start
        if elapsed > timeout + grace:
            raise PublicInboxError(f"public-inbox processes left behind: {pids}")
        if elapsed > grace:
            sig = signal.SIGKILL if elapsed > timeout else signal.SIGTERM
            for pid in pids:
                _signal_pid(pid, sig)
        time.sleep(_POLL)


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    """Send *sig* to process group *pgid*, if it still exists."""
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        pass


def _signal_pid(pid: int, sig: signal.Signals) -> None:
    """Send *sig* to process *pid*, if it still exists."""
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def _marked_pids(marker: str) -> list[int]:
    """Live (non-zombie) processes whose environment holds *marker* (``NAME=value``)."""
    proc_dir = Path("/proc")
    if not proc_dir.is_dir():
        return []
    needle = b"\0" + marker.encode() + b"\0"
    return [
        int(entry.name)
        for entry in proc_dir.iterdir()
        if entry.name.isdigit() and _has_env(entry, needle) and not _zombie(entry)
    ]


def _has_env(entry: Path, needle: bytes) -> bool:
    """Whether /proc/PID *entry*'s environment contains *needle* (NUL-delimited)."""
    try:
        return needle in b"\0" + (entry / "environ").read_bytes()
    except OSError:
        return False


def _zombie(entry: Path) -> bool:
    """Whether the process at /proc/PID *entry* is a zombie (or gone)."""
    try:
        stat = (entry / "stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[-1].split()[:1] == ["Z"]
