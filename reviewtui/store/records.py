"""What the review store hands out: tags of call sites and review states of patches."""

from __future__ import annotations

from dataclasses import dataclass

PATCH_STATES = ("unreviewed", "reviewed", "skip")


@dataclass(frozen=True)
class TagRecord:
    """One stored tag: what a reviewer said about a site, on which revision, and when."""

    site_id: str
    revision: int
    file: str
    function: str  # "" when the site has no enclosing function
    new_function: str  # post-image name when the patch renamed the function, else ""
    anchor: str  # CallSite.anchor: the place (file, function, old expression)
    removed: str
    added: str
    requirement: str | None  # None: explicitly untagged on this revision
    note: str
    who: str
    tagged_at: str  # ISO 8601, UTC

    def describe(self) -> str:
        """'was tagged fn-unsafe on v1 (mm/migrate.c add_page_for_migration)'."""
        where = f"{self.file} {self.function}".strip()
        return f"was tagged {self.requirement} on v{self.revision} ({where})"


@dataclass(frozen=True)
class SiteTag:
    """A site's tag as seen from one revision: its own, carried over from an earlier one, or none.

    An untagged site of a later revision lists in `previous` the tags given on earlier
    revisions to sites that no longer exist at the same place (the same anchor, else the
    same file and function), so a changed site can say what it was tagged before without
    inheriting that tag.
    """

    site_id: str
    revision: int
    record: TagRecord | None
    previous: tuple[TagRecord, ...] = ()

    @property
    def tagged(self) -> bool:
        """True when the site has a requirement in this revision."""
        return self.record is not None and self.record.requirement is not None

    @property
    def requirement(self) -> str | None:
        """The requirement tag, or None when untagged."""
        return self.record.requirement if self.record else None

    @property
    def note(self) -> str:
        """The reviewer's free-text note ('' when none)."""
        return self.record.note if self.tagged and self.record else ""

    @property
    def who(self) -> str:
        """'Name <addr>' of whoever set the tag ('' when untagged)."""
        return self.record.who if self.tagged and self.record else ""

    @property
    def carried(self) -> bool:
        """True when the tag was set on an earlier revision."""
        return self.tagged and self.record is not None and self.record.revision < self.revision


REVIEWED_BY = "reviewed-by"
CHANGES_REQUESTED = "changes-requested"


@dataclass(frozen=True)
class PatchState:
    """A patch's review state as seen from one revision (possibly set on an earlier one).

    `state` is review progress only. A reply is written only when the reviewer queued one:
    a Reviewed-by (`queued`) or a reply asking for changes, without a trailer
    (`changes_requested`); the two exclude each other.
    """

    subject: str
    revision: int
    state: str = "unreviewed"
    queued: bool = False  # a Reviewed-by reply is to be sent
    set_on: int | None = None  # revision the state was set on; None: never set
    who: str = ""
    updated_at: str = ""
    changes_requested: bool = False  # a reply without trailer, carrying notes and comments

    @property
    def carried(self) -> bool:
        """True when the state was set on an earlier revision."""
        return self.set_on is not None and self.set_on < self.revision

    @property
    def reply(self) -> str | None:
        """The reply queued on this very revision: REVIEWED_BY, CHANGES_REQUESTED or None.

        A reply queued for an older revision says nothing about this one.
        """
        if self.carried:
            return None
        if self.queued:
            return REVIEWED_BY
        if self.changes_requested:
            return CHANGES_REQUESTED
        return None


@dataclass(frozen=True)
class LineComment:
    """A reviewer's comment on one diff line of a patch in one revision."""

    patch_key: str
    revision: int
    file: str  # the post-image path (the pre-image path for a deleted file)
    side: str  # "old": pre-image line number, "new": post-image line number
    line: int
    body: str
    who: str = ""
    updated_at: str = ""
