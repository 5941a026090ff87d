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


@dataclass(frozen=True)
class PatchState:
    """A patch's review state as seen from one revision (possibly set on an earlier one)."""

    subject: str
    revision: int
    state: str = "unreviewed"
    queued: bool = False  # a Reviewed-by reply is to be sent
    set_on: int | None = None  # revision the state was set on; None: never set
    who: str = ""
    updated_at: str = ""

    @property
    def carried(self) -> bool:
        """True when the state was set on an earlier revision."""
        return self.set_on is not None and self.set_on < self.revision

    @property
    def wants_reply(self) -> bool:
        """Reviewed or queued on this very revision (a reply for an older one says nothing)."""
        return not self.carried and (self.state == "reviewed" or self.queued)
