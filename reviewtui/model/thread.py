"""Typed model of a mailing-list series: Series, Revision, Patch, Message."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from reviewtui.model.diff import ParsedDiff


@dataclass
class Message:
    """One email of the thread, decoded to text."""

    msgid: str
    subject: str
    author: str
    email: str
    date: datetime | None
    body: str
    in_reply_to: str | None
    references: list[str]
    to: list[str]
    cc: list[str]
    kind: str = "reply"  # "cover", "patch" or "reply"
    revision: int | None = None
    patch: int | None = None  # 0 = cover letter; None = not linked to any patch
    parents: list[str] = field(default_factory=list)  # nearest first
    trailers: list[str] = field(default_factory=list)  # as written in this message

    @property
    def sender(self) -> str:
        """'Name <addr>' as in a From header."""
        return f"{self.author} <{self.email}>" if self.author else f"<{self.email}>"


@dataclass
class Patch:
    """One patch of a revision, with its parsed diff and its follow-ups."""

    number: int
    expected: int
    subject: str
    full_subject: str
    message: Message
    commit_message: str
    trailers: list[str]  # trailers the patch itself carries
    diff: ParsedDiff
    followup_trailers: list[str] = field(default_factory=list)  # b4 am would add these
    trailer_mismatches: list[str] = field(default_factory=list)
    replies: list[Message] = field(default_factory=list)  # every message below it

    @property
    def msgid(self) -> str:
        """Message-ID of the patch email."""
        return self.message.msgid

    @property
    def label(self) -> str:
        """'n/m' as in the subject prefix."""
        return f"{self.number}/{self.expected}"


@dataclass
class Revision:
    """One posted version (v1, v2, ...) of the series."""

    number: int
    subject: str
    author: str
    email: str
    cover: Message | None
    patches: list[Patch]
    expected: int
    complete: bool
    change_id: str | None = None
    cover_trailers: list[str] = field(default_factory=list)  # trailers given on the cover
    cover_replies: list[Message] = field(default_factory=list)

    @property
    def root_msgid(self) -> str:
        """The cover letter's Message-ID, else the first patch's."""
        if self.cover is not None:
            return self.cover.msgid
        return self.patches[0].msgid if self.patches else ""

    def patch(self, number: int) -> Patch | None:
        """The patch numbered NUMBER (1-based), if present."""
        return next((p for p in self.patches if p.number == number), None)


@dataclass
class Series:
    """A thread: every message, grouped into the revisions it holds."""

    messages: dict[str, Message]
    revisions: dict[int, Revision]
    root_msgid: str
    problems: list[str] = field(default_factory=list)  # thread-level: broken links, ...

    @property
    def latest(self) -> Revision:
        """The newest revision in the thread."""
        return self.revisions[max(self.revisions)]

    def revision(self, number: int | None = None) -> Revision:
        """Revision NUMBER, or the latest when None; KeyError names what exists."""
        if number is None:
            return self.latest
        if number not in self.revisions:
            have = ", ".join(f"v{n}" for n in sorted(self.revisions))
            raise KeyError(f"revision v{number} is not in this thread (it has {have})")
        return self.revisions[number]

    def ordered_messages(self) -> list[Message]:
        """All messages, oldest first (undated ones last)."""
        return sorted(
            self.messages.values(),
            key=lambda m: (m.date is None, m.date.timestamp() if m.date else 0.0, m.msgid),
        )
