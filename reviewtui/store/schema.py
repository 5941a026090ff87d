"""The review-state schema: ordered migrations, the version kept in PRAGMA user_version."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

from reviewtui.errors import StateError
from reviewtui.store.db import transaction, translated

# MIGRATIONS[i] takes a database from user_version i to i + 1. Append, never edit.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        # One row per (site, revision it was set on); a later revision sees the newest row at
        # or before it. requirement NULL records an explicit "untagged" that stops a carry-over.
        """CREATE TABLE site_tag (
            family      TEXT NOT NULL,
            site_id     TEXT NOT NULL,
            revision    INTEGER NOT NULL,
            file        TEXT NOT NULL,
            function    TEXT NOT NULL DEFAULT '',
            new_function TEXT NOT NULL DEFAULT '',
            anchor      TEXT NOT NULL DEFAULT '',
            removed     TEXT NOT NULL DEFAULT '',
            added       TEXT NOT NULL DEFAULT '',
            requirement TEXT,
            note        TEXT NOT NULL DEFAULT '',
            who         TEXT NOT NULL DEFAULT '',
            tagged_at   TEXT NOT NULL,
            PRIMARY KEY (family, site_id, revision)
        )""",
        """CREATE TABLE patch_state (
            family     TEXT NOT NULL,
            patch_key  TEXT NOT NULL,
            revision   INTEGER NOT NULL,
            subject    TEXT NOT NULL,
            state      TEXT NOT NULL CHECK (state IN ('unreviewed', 'reviewed', 'skip')),
            queued     INTEGER NOT NULL DEFAULT 0 CHECK (queued IN (0, 1)),
            who        TEXT NOT NULL DEFAULT '',
            updated_at TEXT NOT NULL,
            PRIMARY KEY (family, patch_key, revision)
        )""",
        """CREATE TABLE setting (
            key        TEXT PRIMARY KEY,
            value      TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )""",
    ),
    (
        # A reply asking for changes (no trailer) is queued apart from a Reviewed-by (queued):
        # "I looked at it" (state reviewed) never means either of them.
        """ALTER TABLE patch_state ADD COLUMN changes_requested INTEGER NOT NULL DEFAULT 0
            CHECK (changes_requested IN (0, 1))""",
        # A reviewer's comment on one line of a revision's diff (side 'old': a removed or
        # context line by its pre-image number, 'new': an added or context line by its
        # post-image number). Lines move between revisions, so comments do not carry over.
        """CREATE TABLE line_comment (
            family     TEXT NOT NULL,
            patch_key  TEXT NOT NULL,
            revision   INTEGER NOT NULL,
            file       TEXT NOT NULL,
            side       TEXT NOT NULL CHECK (side IN ('old', 'new')),
            line       INTEGER NOT NULL CHECK (line > 0),
            body       TEXT NOT NULL,
            who        TEXT NOT NULL DEFAULT '',
            updated_at TEXT NOT NULL,
            PRIMARY KEY (family, patch_key, revision, file, side, line)
        )""",
    ),
)

SCHEMA_VERSION = len(MIGRATIONS)


def schema_version(conn: sqlite3.Connection) -> int:
    """The database's PRAGMA user_version."""
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def check_version(version: int, known: int, path: Path) -> None:
    """StateError when the file was written by a newer reviewtui."""
    if version > known:
        raise StateError(
            f"review state {path} has schema version {version}, newer than this reviewtui "
            f"knows ({known}); upgrade reviewtui or use another --state file"
        )


def migrate(
    conn: sqlite3.Connection,
    path: Path,
    busy_timeout: float,
    migrations: Sequence[Sequence[str]] = MIGRATIONS,
) -> int:
    """Bring the database up to len(migrations), each step in its own transaction."""
    known = len(migrations)
    with translated(path, busy_timeout):
        version = schema_version(conn)
    check_version(version, known, path)
    while version < known:
        with transaction(conn, path, busy_timeout):
            # Another process may have migrated while we waited for the write lock.
            version = schema_version(conn)
            check_version(version, known, path)
            if version >= known:
                break
            for statement in migrations[version]:
                conn.execute(statement)
            version += 1
            conn.execute(f"PRAGMA user_version = {version}")
    return version
