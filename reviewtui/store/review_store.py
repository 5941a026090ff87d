"""ReviewStore: call-site tags, patch review states and settings in one SQLite file.

Everything is keyed by the series family (the key v1, v2, ... of one series share) so that
what a reviewer said about v1 carries to v2. Every write is its own committed transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from contextlib import AbstractContextManager
from dataclasses import astuple, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Self

from reviewtui.analysis.callsite import CallSite
from reviewtui.lore.revisions import subject_stem
from reviewtui.store.db import connect, set_wal, state_error, transaction, translated
from reviewtui.store.records import (
    PATCH_STATES,
    LineComment,
    PatchState,
    SiteTag,
    TagRecord,
)
from reviewtui.store.schema import SCHEMA_VERSION, check_version, migrate, schema_version

_TAG_COLUMNS = ("site_id, revision, file, function, new_function, anchor, removed, added, "
                "requirement, note, who, tagged_at")
_TAG_VALUES = "?, " * 12 + "?"
REVIEWER_NAME = "reviewer.name"
REVIEWER_EMAIL = "reviewer.email"


def now() -> str:
    """The current time as stored: ISO 8601, UTC, seconds."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def patch_key(subject: str) -> str:
    """The identity of a patch across revisions: its subject without prefixes, lower-cased."""
    return subject_stem(subject)


def _record(row: tuple) -> TagRecord:
    return TagRecord(*row)


def _same_function(record: TagRecord, site: CallSite) -> bool:
    """Same file and function (either name, when a patch renamed the function)."""
    if record.file != site.file:
        return False
    names = {site.function or "", site.new_function or ""} - {""} or {""}
    return bool(names & ({record.function, record.new_function} - {""} or {""}))


def _put_setting(conn: sqlite3.Connection, key: str, value: str | None, stamp: str) -> None:
    if value is None:
        conn.execute("DELETE FROM setting WHERE key = ?", (key,))
    else:
        conn.execute(
            "INSERT OR REPLACE INTO setting (key, value, updated_at) VALUES (?, ?, ?)",
            (key, value, stamp),
        )


class ReviewStore:
    """The review-state database of one reviewer."""

    def __init__(self, conn: sqlite3.Connection, path: Path, busy_timeout: float) -> None:
        self._conn = conn
        self.path = path
        self.busy_timeout = busy_timeout

    @classmethod
    def open(cls, path: str | Path, *, busy_timeout: float = 5.0) -> ReviewStore:
        """Open (creating and migrating if needed) the store at PATH; StateError if unusable."""
        path = Path(path)
        conn = connect(path, busy_timeout)
        try:
            # Check the version before anything writes (WAL switch, migration) to a newer file.
            with translated(path, busy_timeout):
                check_version(schema_version(conn), SCHEMA_VERSION, path)
            set_wal(conn, path, busy_timeout)
            migrate(conn, path, busy_timeout)
        except BaseException:
            conn.close()
            raise
        return cls(conn, path, busy_timeout)

    def close(self) -> None:
        """Close the connection (every write is already committed)."""
        self._conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _write(self) -> AbstractContextManager[sqlite3.Connection]:
        return transaction(self._conn, self.path, self.busy_timeout)

    def _read(self, sql: str, params: tuple = ()) -> list[tuple]:
        with translated(self.path, self.busy_timeout):
            return self._conn.execute(sql, params).fetchall()

    # -- call-site tags ---------------------------------------------------------------

    def set_tag(
        self, family: str, revision: int, site: CallSite, requirement: str,
        note: str = "", who: str = "",
    ) -> SiteTag:
        """Tag SITE of REVISION with REQUIREMENT and NOTE (replacing a tag set on it before)."""
        if not requirement:
            raise ValueError("a tag needs a requirement; use clear_tag to untag")
        row = (site.id, revision, site.file, site.function or "", site.new_function or "",
               site.anchor, site.removed or "", site.added or "", requirement, note, who, now())
        with self._write() as conn:
            conn.execute(
                f"INSERT OR REPLACE INTO site_tag (family, {_TAG_COLUMNS}) VALUES ({_TAG_VALUES})",
                (family, *row),
            )
        return SiteTag(site.id, revision, _record(row))

    def clear_tag(self, family: str, revision: int, site_id: str) -> bool:
        """Untag SITE_ID in REVISION (stopping a carry-over); False if it had no tag."""
        with self._write() as conn:
            rows = conn.execute(
                f"SELECT {_TAG_COLUMNS} FROM site_tag WHERE family = ? AND site_id = ? "
                "AND revision <= ? ORDER BY revision DESC",
                (family, site_id, revision),
            ).fetchall()
            if not rows or _record(rows[0]).requirement is None:
                return False
            conn.execute(
                "DELETE FROM site_tag WHERE family = ? AND site_id = ? AND revision = ?",
                (family, site_id, revision),
            )
            earlier = next((_record(r) for r in rows if r[1] < revision), None)
            if earlier is not None and earlier.requirement is not None:
                stop = replace(earlier, revision=revision, requirement=None, note="", who="",
                               tagged_at=now())
                conn.execute(
                    f"INSERT INTO site_tag (family, {_TAG_COLUMNS}) VALUES ({_TAG_VALUES})",
                    (family, *astuple(stop)),
                )
        return True

    def tags_for(self, family: str, revision: int, sites: Iterable[CallSite]) -> dict[str, SiteTag]:
        """The tag of every site of REVISION: its own, carried over, or none with `previous`."""
        sites = list(sites)
        latest: dict[str, TagRecord] = {}
        for row in self._read(
            f"SELECT {_TAG_COLUMNS} FROM site_tag WHERE family = ? AND revision <= ? "
            "ORDER BY revision",
            (family, revision),
        ):
            latest[row[0]] = _record(row)
        current = {site.id for site in sites}
        gone = [r for r in latest.values()
                if r.site_id not in current and r.requirement is not None and r.revision < revision]
        result: dict[str, SiteTag] = {}
        for site in sites:
            record = latest.get(site.id)
            previous: tuple[TagRecord, ...] = ()
            if record is None:
                same = ([r for r in gone if site.anchor and r.anchor == site.anchor]
                        or [r for r in gone if _same_function(r, site)])
                previous = tuple(sorted(same, key=lambda r: (-r.revision, r.site_id)))
            result[site.id] = SiteTag(site.id, revision, record, previous)
        return result

    def tag_history(self, family: str, site_id: str) -> list[TagRecord]:
        """Every stored tag of SITE_ID in FAMILY, oldest revision first."""
        return [_record(r) for r in self._read(
            f"SELECT {_TAG_COLUMNS} FROM site_tag WHERE family = ? AND site_id = ? "
            "ORDER BY revision",
            (family, site_id),
        )]

    def move_family(self, old: str, new: str) -> int:
        """Re-key what is stored under family OLD to NEW (e.g. after linking revisions by hand).

        Rows NEW already has for the same site or patch and revision win; returns rows moved.
        """
        moved = 0
        with self._write() as conn:
            for table in ("site_tag", "patch_state", "line_comment"):
                moved += conn.execute(f"UPDATE OR IGNORE {table} SET family = ? WHERE family = ?",
                                      (new, old)).rowcount
                conn.execute(f"DELETE FROM {table} WHERE family = ?", (old,))
        return moved

    # -- patch review states ----------------------------------------------------------

    def set_patch_state(
        self, family: str, revision: int, subject: str,
        state: str | None = None, *, queued: bool | None = None,
        changes_requested: bool | None = None, who: str = "",
    ) -> PatchState:
        """Set the review state and/or the queued reply of a patch (None keeps the value).

        Queuing a Reviewed-by drops a queued request for changes and the other way round.
        """
        if state is not None and state not in PATCH_STATES:
            raise ValueError(f"unknown patch state {state!r}; valid: {', '.join(PATCH_STATES)}")
        if queued and changes_requested:
            raise ValueError("a reply gives a Reviewed-by or asks for changes, not both")
        key = patch_key(subject)
        stamp = now()
        with self._write() as conn:
            row = conn.execute(
                "SELECT state, queued, changes_requested FROM patch_state "
                "WHERE family = ? AND patch_key = ? AND revision = ?",
                (family, key, revision),
            ).fetchone()
            old_state, old_queued, old_changes = row if row else ("unreviewed", 0, 0)
            new_state = state if state is not None else old_state
            new_queued = bool(old_queued) if queued is None else queued
            new_changes = bool(old_changes) if changes_requested is None else changes_requested
            if queued:
                new_changes = False
            if changes_requested:
                new_queued = False
            conn.execute(
                "INSERT OR REPLACE INTO patch_state (family, patch_key, revision, subject, "
                "state, queued, changes_requested, who, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (family, key, revision, subject, new_state, int(new_queued), int(new_changes),
                 who, stamp),
            )
        return PatchState(subject, revision, new_state, new_queued, revision, who, stamp,
                          new_changes)

    def patch_states(self, family: str, revision: int, subjects: Iterable[str]) -> dict[str, PatchState]:
        """The state of every patch subject in REVISION (carried from an earlier one if unset)."""
        latest: dict[str, tuple] = {}
        for row in self._read(
            "SELECT patch_key, revision, state, queued, who, updated_at, changes_requested "
            "FROM patch_state WHERE family = ? AND revision <= ? ORDER BY revision",
            (family, revision),
        ):
            latest[row[0]] = row
        result: dict[str, PatchState] = {}
        for subject in subjects:
            row = latest.get(patch_key(subject))
            if row is None:
                result[subject] = PatchState(subject, revision)
            else:
                _, set_on, state, queued, who, stamp, changes = row
                result[subject] = PatchState(subject, revision, state, bool(queued), set_on,
                                             who, stamp, bool(changes))
        return result

    # -- line comments ------------------------------------------------------------------

    def set_line_comment(
        self, family: str, revision: int, subject: str, file: str, side: str, line: int,
        body: str, who: str = "",
    ) -> LineComment | None:
        """Comment on one diff line (an empty BODY deletes the comment; returns None then)."""
        if side not in ("old", "new") or line < 1:
            raise ValueError(f"a line comment needs side old/new and a line >= 1, not {side} {line}")
        key = patch_key(subject)
        stamp = now()
        where = (family, key, revision, file, side, line)
        with self._write() as conn:
            if not body.strip():
                conn.execute(
                    "DELETE FROM line_comment WHERE family = ? AND patch_key = ? AND "
                    "revision = ? AND file = ? AND side = ? AND line = ?", where)
                return None
            conn.execute(
                "INSERT OR REPLACE INTO line_comment (family, patch_key, revision, file, side, "
                "line, body, who, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (*where, body, who, stamp),
            )
        return LineComment(key, revision, file, side, line, body, who, stamp)

    def line_comments(self, family: str, revision: int,
                      subject: str | None = None) -> list[LineComment]:
        """The line comments of REVISION (of one patch when SUBJECT is given), in diff order."""
        sql = ("SELECT patch_key, revision, file, side, line, body, who, updated_at "
               "FROM line_comment WHERE family = ? AND revision = ?")
        params: tuple = (family, revision)
        if subject is not None:
            sql += " AND patch_key = ?"
            params += (patch_key(subject),)
        rows = self._read(sql + " ORDER BY patch_key, file, line, side", params)
        return [LineComment(*row) for row in rows]

    # -- settings -----------------------------------------------------------------------

    def setting(self, key: str) -> str | None:
        """A stored setting, or None."""
        rows = self._read("SELECT value FROM setting WHERE key = ?", (key,))
        return rows[0][0] if rows else None

    def set_setting(self, key: str, value: str | None) -> None:
        """Store a setting (None deletes it)."""
        with self._write() as conn:
            _put_setting(conn, key, value, now())

    def reviewer_override(self) -> tuple[str, str] | None:
        """The stored reviewer (name, email) that replaces git config, if set."""
        name, email = self.setting(REVIEWER_NAME), self.setting(REVIEWER_EMAIL)
        return (name, email) if name and email else None

    def set_reviewer_override(self, name: str | None, email: str | None) -> None:
        """Store (or with None, forget) the reviewer identity, both fields in one transaction."""
        stamp = now()
        with self._write() as conn:
            _put_setting(conn, REVIEWER_NAME, " ".join(name.split()) if name else None, stamp)
            _put_setting(conn, REVIEWER_EMAIL, email.strip() if email else None, stamp)

    def integrity_error(self) -> str | None:
        """None when PRAGMA quick_check finds the file sound, else what it found."""
        try:
            rows = self._conn.execute("PRAGMA quick_check").fetchall()
        except sqlite3.Error as exc:
            return str(state_error(self.path, exc, self.busy_timeout))
        text = "; ".join(str(r[0]) for r in rows)
        return None if text == "ok" else text
