"""Diffs parsed from patch emails: files, hunks and lines with old/new line numbers.

No kernel tree is needed: everything comes from the text of the email. Parsing is
tolerant: a file whose diff cannot be read is kept as a problem, never an exception.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import unidiff

_DIFF_START = re.compile(r"^diff --git |^--- (?:a/|/dev/null)", re.MULTILINE)
_FILE_SPLIT = re.compile(r"^diff --git ", re.MULTILINE)
_HUNK_HEADER = re.compile(r"^@@", re.MULTILINE)
_SIGNATURE = re.compile(r"^-- \n(?:[0-9][^\n]*\n?)?(?:\n*)\Z", re.MULTILINE)


@dataclass(frozen=True)
class DiffLine:
    """One line of a hunk: kind is ' ' (context), '-' (removed) or '+' (added)."""

    kind: str
    text: str
    old_no: int | None
    new_no: int | None


@dataclass(frozen=True)
class Hunk:
    """A hunk with its header numbers, the function named after @@, and its lines."""

    index: int
    old_start: int
    old_len: int
    new_start: int
    new_len: int
    section: str
    lines: tuple[DiffLine, ...]

    @property
    def header(self) -> str:
        """The @@ line as git writes it."""
        tail = f" {self.section}" if self.section else ""
        return f"@@ -{self.old_start},{self.old_len} +{self.new_start},{self.new_len} @@{tail}"

    @property
    def removed(self) -> list[DiffLine]:
        """Lines this hunk removes."""
        return [ln for ln in self.lines if ln.kind == "-"]

    @property
    def added(self) -> list[DiffLine]:
        """Lines this hunk adds."""
        return [ln for ln in self.lines if ln.kind == "+"]


@dataclass(frozen=True)
class FilePatch:
    """The change to one file: paths, status and hunks."""

    old_path: str | None
    new_path: str | None
    status: str  # "modified", "added", "deleted", "renamed", "binary"
    hunks: tuple[Hunk, ...]

    @property
    def path(self) -> str:
        """The file's path after the change (before it, for a deletion)."""
        return self.new_path or self.old_path or "?"


@dataclass(frozen=True)
class ParsedDiff:
    """All file changes of one patch plus what could not be read."""

    files: tuple[FilePatch, ...] = ()
    problems: tuple[str, ...] = field(default_factory=tuple)

    def file(self, path: str) -> FilePatch | None:
        """The change to PATH, if the patch touches it."""
        return next((f for f in self.files if f.path == path or f.old_path == path), None)

    def locate(self, path: str, side: str, number: int) -> tuple[int, int, int] | None:
        """(file, hunk, line) indexes of line NUMBER of PATH on SIDE ("old" or "new").

        "old" finds a removed or context line by its pre-image number, "new" an added or
        context line by its post-image number.
        """
        kinds = ("-", " ") if side == "old" else ("+", " ")
        for file_index, fpatch in enumerate(self.files):
            if path not in (fpatch.new_path, fpatch.old_path):
                continue
            for hunk_index, hunk in enumerate(fpatch.hunks):
                for i, line in enumerate(hunk.lines):
                    at = line.old_no if side == "old" else line.new_no
                    if at == number and line.kind in kinds:
                        return file_index, hunk_index, i
        return None


def split_commit_and_diff(body: str) -> tuple[str, str]:
    """Split a patch email body into the commit-message part and the diff part."""
    body = body.replace("\r\n", "\n")
    match = _DIFF_START.search(body)
    if not match:
        return body, ""
    return body[: match.start()], body[match.start():]


def commit_message_of(head: str) -> str:
    """The commit message from the part before the diff (drop '---' and the diffstat)."""
    lines = head.split("\n")
    for i, line in enumerate(lines):
        if line.rstrip() == "---":
            lines = lines[:i]
            break
    return "\n".join(lines).strip("\n")


def _strip_path(name: str | None) -> str | None:
    if name is None or name == "/dev/null":
        return None
    name = name.strip()
    if name.startswith(("a/", "b/")):
        return name[2:]
    return name


def _file_chunks(diff_text: str) -> list[str]:
    """Cut a diff into one chunk per file (keeps a headerless leading chunk)."""
    text = _SIGNATURE.sub("", diff_text)
    starts = [m.start() for m in _FILE_SPLIT.finditer(text)]
    if not starts:
        return [text] if text.strip() else []
    chunks = []
    if text[: starts[0]].strip():
        chunks.append(text[: starts[0]])
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else len(text)
        chunks.append(text[start:end])
    return chunks


def _chunk_name(chunk: str) -> str:
    first = chunk.split("\n", 1)[0]
    match = re.match(r"diff --git a/(\S+) b/(\S+)", first)
    return match.group(2) if match else first[:60]


def _convert(pfile: unidiff.PatchedFile) -> FilePatch:
    if pfile.is_binary_file:
        status = "binary"
    elif pfile.is_rename:
        status = "renamed"
    elif pfile.is_added_file:
        status = "added"
    elif pfile.is_removed_file:
        status = "deleted"
    else:
        status = "modified"
    hunks = []
    for index, h in enumerate(pfile):
        lines = tuple(
            DiffLine(
                kind=ln.line_type,
                text=ln.value.rstrip("\n"),
                old_no=ln.source_line_no,
                new_no=ln.target_line_no,
            )
            for ln in h
            if ln.line_type in (" ", "-", "+")
        )
        hunks.append(
            Hunk(
                index=index,
                old_start=h.source_start,
                old_len=h.source_length,
                new_start=h.target_start,
                new_len=h.target_length,
                section=(h.section_header or "").strip(),
                lines=lines,
            )
        )
    old = _strip_path(pfile.source_file)
    new = _strip_path(pfile.target_file)
    if status == "deleted":
        new = None
    if status == "added":
        old = None
    if old is None and new is None:
        # Binary and rename-only diffs carry their paths in the git header only.
        old = new = _strip_path(pfile.path)
    return FilePatch(old_path=old, new_path=new, status=status, hunks=tuple(hunks))


def parse_diff(diff_text: str) -> ParsedDiff:
    """Parse the diff part of a patch email; unreadable files become problems."""
    diff_text = diff_text.replace("\r\n", "\n")
    files: list[FilePatch] = []
    problems: list[str] = []
    for chunk in _file_chunks(diff_text):
        try:
            patchset = unidiff.PatchSet(chunk)
        except (unidiff.UnidiffParseError, ValueError, IndexError) as exc:
            problems.append(f"{_chunk_name(chunk)}: unreadable diff ({_one_line(exc)})")
            continue
        if not len(patchset) and chunk.startswith("diff --git"):
            problems.append(f"{_chunk_name(chunk)}: no diff content")
        converted = [_convert(pfile) for pfile in patchset]
        headers = len(_HUNK_HEADER.findall(chunk))
        read = sum(len(f.hunks) for f in converted)
        if headers > read:
            problems.append(f"{_chunk_name(chunk)}: {headers - read} of {headers} hunks unreadable "
                            "(corrupt @@ header), not analysed")
        files.extend(converted)
    return ParsedDiff(files=tuple(files), problems=tuple(problems))


def _one_line(exc: Exception) -> str:
    text = " ".join(str(exc).split())
    return text[:120] if text else type(exc).__name__
