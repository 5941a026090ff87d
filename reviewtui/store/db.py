"""The SQLite connection under the review store: WAL, busy timeout, one-line errors."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from reviewtui.errors import StateError

# Primary SQLite result codes (the low byte of an extended code).
_CODES = {
    3: "permission denied",  # SQLITE_PERM
    5: "locked",  # SQLITE_BUSY
    6: "locked",  # SQLITE_LOCKED
    8: "read-only",  # SQLITE_READONLY
    10: "io",  # SQLITE_IOERR
    11: "damaged",  # SQLITE_CORRUPT
    13: "full",  # SQLITE_FULL
    14: "cantopen",  # SQLITE_CANTOPEN
    26: "corrupt",  # SQLITE_NOTADB
}


def state_error(path: Path, exc: BaseException, busy_timeout: float) -> StateError:
    """One clear line naming PATH for an sqlite3 or OS error."""
    if isinstance(exc, OSError):
        reason = exc.strerror or str(exc)
        return StateError(f"cannot use review state {path}: {reason}")
    detail = " ".join(str(exc).split())
    kind = _CODES.get((getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF)
    if kind is None and "locked" in detail:
        kind = "locked"
    if kind == "damaged":
        text = (f"review state {path} is damaged ({detail}); nothing was changed; "
                "restore a backup or move it away to start a new one")
    elif kind == "corrupt":
        text = (f"review state {path} is not a usable database ({detail}); "
                "move it away to start a new one")
    elif kind == "locked":
        text = (f"review state {path} is locked by another process "
                f"(waited {busy_timeout:g}s); close the other reviewtui and retry")
    elif kind == "full":
        text = f"cannot write review state {path}: disk full; nothing was changed"
    elif kind in ("read-only", "permission denied", "cantopen"):
        text = (f"cannot write review state {path}: {detail} "
                "(check the permissions of the file and its directory)")
    else:
        text = f"review state {path}: {detail}"
    return StateError(text)


def connect(path: Path, busy_timeout: float) -> sqlite3.Connection:
    """Open PATH in autocommit mode (transactions are explicit) with the store's pragmas."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise state_error(path, exc, busy_timeout) from exc
    conn = None
    try:
        conn = sqlite3.connect(path, timeout=busy_timeout, isolation_level=None)
        conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
        # Reading first fails fast on a file that is not a database, before anything writes.
        conn.execute("PRAGMA user_version").fetchone()
        problems = check_pages(conn)
    except (sqlite3.Error, OSError) as exc:
        if conn is not None:
            conn.close()
        raise state_error(path, exc, busy_timeout) from exc
    if problems:
        conn.close()
        raise StateError(f"review state {path} is damaged ({problems}); nothing was changed; "
                         "restore a backup or move it away to start a new one")
    return conn


def check_pages(conn: sqlite3.Connection) -> str:
    """'' when SQLite's quick_check finds the b-tree pages sound, else its first findings.

    Without it a damaged page can still be read: rows silently missing or a wrong tag shown.
    quick_check is linear in the file size, a few milliseconds for a review state.
    """
    rows = [str(row[0]) for row in conn.execute("PRAGMA quick_check(3)").fetchall()]
    if rows == ["ok"]:
        return ""
    return " ".join("; ".join(rows).split())[:160]


def set_wal(conn: sqlite3.Connection, path: Path, busy_timeout: float) -> None:
    """Switch to WAL with synchronous=FULL: a committed write survives a killed process."""
    try:
        conn.execute("PRAGMA journal_mode = WAL").fetchone()
        conn.execute("PRAGMA synchronous = FULL")
    except sqlite3.Error as exc:
        raise state_error(path, exc, busy_timeout) from exc


@contextlib.contextmanager
def translated(path: Path, busy_timeout: float) -> Iterator[None]:
    """Turn sqlite3 errors inside the block into StateError."""
    try:
        yield
    except sqlite3.Error as exc:
        raise state_error(path, exc, busy_timeout) from exc


@contextlib.contextmanager
def transaction(conn: sqlite3.Connection, path: Path, busy_timeout: float) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE ... COMMIT; roll back on any error, report sqlite errors as StateError."""
    with translated(path, busy_timeout):
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
            raise
