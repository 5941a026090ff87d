"""The lines the patch view shows: commit message, then every file and hunk of the diff.

Pure data built once per patch; the widget only renders it. Each line knows where it is in
the diff (file, hunk, old/new numbers), which call sites it belongs to and how many
discussion comments are anchored to it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from reviewtui.analysis.callsite import CallSite
from reviewtui.model.thread import Message, Patch
from reviewtui.tui.times import Clock

# Where a comment is anchored: (file path, side "-" / "+", line number on that side).
AnchorKey = tuple[str, str, int]


@dataclass(frozen=True)
class PatchLine:
    """One display line.

    kind: subject, commit, blank, file, hunk, site (the heading above a call site's first
    line), ' ', '-', '+' (diff lines), mine (the reviewer's own comment on the diff line
    above it; old_no/new_no say which) or problem.
    """

    kind: str
    text: str
    file_index: int | None = None
    hunk_index: int | None = None
    old_no: int | None = None
    new_no: int | None = None
    sites: tuple[str, ...] = ()
    comments: int = 0
    path: str = ""

    @property
    def is_code(self) -> bool:
        """True for diff lines (context, removed, added)."""
        return self.kind in (" ", "-", "+")


def _site_index(sites: Iterable[CallSite]) -> dict[tuple[int, int, str, int], list[str]]:
    index: dict[tuple[int, int, str, int], list[str]] = {}
    for site in sites:
        for no in site.old_lines:
            index.setdefault((site.file_index, site.hunk_index, "-", no), []).append(site.id)
        for no in site.new_lines:
            index.setdefault((site.file_index, site.hunk_index, "+", no), []).append(site.id)
    return index


def _heading(message: Message, subject: str, clock: Clock | None = None) -> list[PatchLine]:
    sender = message.sender
    if message.date is not None:
        sender += "  " + (clock.long(message.date) if clock is not None
                          else message.date.strftime("%a, %d %b %Y %H:%M %z"))
    return [PatchLine("subject", subject), PatchLine("commit", f"From: {sender}"),
            PatchLine("blank", "")]


def build_patch_lines(
    patch: Patch,
    sites: Iterable[CallSite] = (),
    comment_counts: Mapping[AnchorKey, int] | None = None,
    own_comments: Mapping[AnchorKey, str] | None = None,
    clock: Clock | None = None,
) -> list[PatchLine]:
    """Every display line of PATCH with site membership, comment counts, and the reviewer's
    own line comments (OWN_COMMENTS) as 'mine' lines right under the line they are on.

    CLOCK: the zone the date is shown in (None: the sender's own offset)."""
    counts = comment_counts or {}
    own = own_comments or {}
    by_line = _site_index(sites)
    lines = _heading(patch.message, patch.full_subject, clock)
    lines.extend(PatchLine("commit", text) for text in patch.commit_message.split("\n"))
    for problem in patch.diff.problems:
        lines.append(PatchLine("problem", problem))
    for fi, fpatch in enumerate(patch.diff.files):
        lines.append(PatchLine("blank", ""))
        status = "" if fpatch.status == "modified" else f" ({fpatch.status})"
        lines.append(PatchLine("file", f"{fpatch.path}{status}", file_index=fi, path=fpatch.path))
        for hunk in fpatch.hunks:
            lines.append(PatchLine("hunk", hunk.header, file_index=fi, hunk_index=hunk.index,
                                   path=fpatch.path))
            headed: set[str] = set()
            for dl in hunk.lines:
                ids: list[str] = []
                comments = 0
                if dl.old_no is not None and dl.kind != "+":
                    ids += by_line.get((fi, hunk.index, "-", dl.old_no), [])
                    comments += counts.get((fpatch.path, "-", dl.old_no), 0)
                if dl.new_no is not None and dl.kind != "-":
                    ids += by_line.get((fi, hunk.index, "+", dl.new_no), [])
                    comments += counts.get((fpatch.path, "+", dl.new_no), 0)
                ids = list(dict.fromkeys(ids))
                for site_id in ids:
                    if site_id not in headed:
                        # A heading line carries the site's verdict where no code hides it.
                        headed.add(site_id)
                        lines.append(PatchLine("site", "", file_index=fi, hunk_index=hunk.index,
                                               sites=(site_id,), path=fpatch.path))
                lines.append(PatchLine(
                    dl.kind, dl.text, file_index=fi, hunk_index=hunk.index, old_no=dl.old_no,
                    new_no=dl.new_no, sites=tuple(ids), comments=comments, path=fpatch.path,
                ))
                side, number = ("-", dl.old_no) if dl.kind == "-" else ("+", dl.new_no)
                body = own.get((fpatch.path, side, number)) if number is not None else None
                if body:
                    lines.extend(
                        PatchLine("mine", text, file_index=fi, hunk_index=hunk.index,
                                  old_no=dl.old_no if side == "-" else None,
                                  new_no=dl.new_no if side == "+" else None, path=fpatch.path)
                        for text in body.rstrip("\n").split("\n"))
    return lines


def comment_target(line: PatchLine | None) -> tuple[str, str, int] | None:
    """(file, side, line number) a line comment on LINE is stored under, None off the diff.

    Removed lines are numbered in the pre-image ("old"), added and context lines in the
    post-image ("new"); a 'mine' line stands for the diff line it is under.
    """
    if line is None or not (line.is_code or line.kind == "mine") or not line.path:
        return None
    if line.kind == "-" or (line.kind == "mine" and line.new_no is None):
        return (line.path, "old", line.old_no) if line.old_no is not None else None
    return (line.path, "new", line.new_no) if line.new_no is not None else None


def build_message_lines(message: Message, clock: Clock | None = None) -> list[PatchLine]:
    """A cover letter (or any message) as display lines: subject, sender, body."""
    lines = _heading(message, message.subject, clock)
    lines.extend(PatchLine("commit", text) for text in message.body.rstrip("\n").split("\n"))
    return lines
