"""Find the lines of C files in a tree that mention any of a set of names.

A git checkout is searched with one `git grep` (tracked and untracked, not ignored files);
a plain directory with an os.scandir walk and one compiled regex over bytes. Files that
cannot be used are skipped and counted, never fatal.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from reviewtui.errors import UsageError

C_SUFFIXES = (".c", ".h")
DEFAULT_MAX_BYTES = 8 * 1024 * 1024
METHODS = ("auto", "git", "walk")
_VCS_DIRS = frozenset({".git", ".hg", ".svn"})
_EXAMPLES = 5


@dataclass
class SkipCounts:
    """What the scan left out (or read with replaced bytes), per reason, with a few paths."""

    counts: dict[str, int] = field(default_factory=dict)
    examples: dict[str, list[str]] = field(default_factory=dict)

    def add(self, reason: str, path: str) -> None:
        """Count PATH under REASON."""
        self.counts[reason] = self.counts.get(reason, 0) + 1
        shown = self.examples.setdefault(reason, [])
        if len(shown) < _EXAMPLES:
            shown.append(path)

    @property
    def total(self) -> int:
        """Number of files or directories counted."""
        return sum(self.counts.values())

    def lines(self) -> list[str]:
        """One line per reason: 'unreadable: 2 (mm/a.c, mm/b.c)'."""
        out = []
        for reason in sorted(self.counts):
            shown = ", ".join(self.examples.get(reason, []))
            more = ", ..." if self.counts[reason] > len(self.examples.get(reason, [])) else ""
            out.append(f"{reason}: {self.counts[reason]} ({shown}{more})")
        return out


@dataclass
class FileHits:
    """Matching line numbers (1-based) of one file; its bytes when the search read them."""

    path: str  # relative to the tree
    rows: list[int]
    data: bytes | None = None


@dataclass
class SearchStats:
    """How the tree is searched, and what the search skipped (filled in while it runs)."""

    method: str = ""  # "git grep" or "walk"
    skipped: SkipCounts = field(default_factory=SkipCounts)
    files_searched: int | None = None  # known for the walk only


def name_pattern(names: Iterable[str]) -> str:
    """An ERE alternation of NAMES, longest first."""
    return "|".join(sorted(set(names), key=lambda n: (-len(n), n)))


def anchors(names: Iterable[str], width: int = 10) -> list[bytes]:
    """Few substrings such that every name contains one (a fast prefilter before the regex).

    Greedy cover by substrings of WIDTH characters: the 17 catalogue names need 12, and twelve
    `in` tests over a file cost less than one alternation regex over it. Shorter anchors are
    fewer but match common words ("page_map" is in every page_mapping()).
    """
    left = set(names)
    out: list[bytes] = []
    while left:
        cover: dict[str, set[str]] = {}
        for name in left:
            size = min(width, len(name))
            for i in range(len(name) - size + 1):
                cover.setdefault(name[i:i + size], set()).add(name)
        best = max(cover, key=lambda s: (len(cover[s]), s))
        out.append(best.encode())
        left -= cover[best]
    return out


def check_tree(path: str | os.PathLike[str]) -> Path:
    """PATH as a usable tree root, or a UsageError saying what is wrong with it."""
    root = Path(path).expanduser()
    try:
        st = root.stat()
    except FileNotFoundError:
        raise UsageError(f"--tree {path}: no such directory") from None
    except OSError as exc:
        raise UsageError(f"--tree {path}: cannot access it: {exc.strerror or exc}") from None
    if not stat.S_ISDIR(st.st_mode):
        raise UsageError(f"--tree {path}: not a directory")
    if not os.access(root, os.R_OK | os.X_OK):
        raise UsageError(f"--tree {path}: directory is not readable")
    return root.resolve()


def is_git_checkout(root: Path) -> bool:
    """True when ROOT is inside a git work tree (and git is installed)."""
    if shutil.which("git") is None:
        return False
    try:
        out = subprocess.run(["git", "-C", str(root), "rev-parse", "--is-inside-work-tree"],
                             check=False, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return False
    return out.returncode == 0 and out.stdout.strip() == "true"


def find_hits(root: Path, names: Iterable[str], stats: SearchStats, *, method: str = "auto",
              max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[FileHits]:
    """Files under ROOT with lines naming NAMES as whole words (comments included).

    Files come while the search runs, so the caller's work overlaps git grep's.
    """
    names = sorted(set(names))
    if method not in METHODS:
        raise UsageError(f"unknown scan method {method!r} (use {', '.join(METHODS)})")
    if method == "git" or (method == "auto" and is_git_checkout(root)):
        stats.method = "git grep"
        return git_grep(root, names)
    stats.method = "walk"
    return walk_scan(root, names, stats, max_bytes)


def git_grep(root: Path, names: Iterable[str]) -> Iterator[FileHits]:
    """`git grep -n -w -E` for NAMES over the C files of the checkout at ROOT, file by file."""
    cmd = ["git", "-C", str(root), "grep", "-n", "-z", "-I", "-w", "-E", "--untracked",
           "--no-color", "-e", f"({name_pattern(names)})", "--", *(f"*{s}" for s in C_SUFFIXES)]
    with tempfile.TemporaryFile() as errors:  # a file, not a pipe: it never fills up
        try:
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=errors)
        except OSError as exc:
            raise UsageError(f"cannot run git grep: {exc.strerror or exc}") from None
        with proc:
            assert proc.stdout is not None
            current: FileHits | None = None
            for record in proc.stdout:  # git grep prints the lines of one file together
                parts = record.split(b"\0", 2)
                if len(parts) < 3 or not parts[1].isdigit():
                    continue
                path = os.fsdecode(parts[0])
                if current is None or current.path != path:
                    if current is not None:
                        yield current
                    current = FileHits(path, [])
                current.rows.append(int(parts[1]))
            if current is not None:
                yield current
        if proc.returncode not in (0, 1):
            errors.seek(0)
            message = errors.read().decode("utf-8", "replace").strip().splitlines()
            raise UsageError(f"git grep failed in {root}: "
                             f"{message[-1] if message else proc.returncode}")


def walk_scan(root: Path, names: Iterable[str], stats: SearchStats,
              max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[FileHits]:
    """Walk ROOT (each directory once, symlink loops counted) and grep its C files."""
    regex = re.compile(rb"\b(?:%s)\b" % name_pattern(names).encode())
    needles = anchors(names)
    stats.files_searched = 0
    for path, rel in _c_files(root, stats.skipped):
        data = _read(path, rel, max_bytes, stats.skipped)
        if data is None:
            continue
        stats.files_searched += 1
        if not any(needle in data for needle in needles):
            continue
        first = regex.search(data)
        if first is None:
            continue
        rows: list[int] = []
        line, pos = 1, 0
        for m in regex.finditer(data, first.start()):
            line += data.count(b"\n", pos, m.start())
            pos = m.start()
            if not rows or rows[-1] != line:
                rows.append(line)
        yield FileHits(rel, rows, data)


def read_source(root: Path, rel: str, max_bytes: int, skipped: SkipCounts) -> bytes | None:
    """The bytes of tree file REL, or None (counted in SKIPPED) when it cannot be used."""
    return _read(root / rel, rel, max_bytes, skipped)


def _read(path: Path | str, rel: str, max_bytes: int, skipped: SkipCounts) -> bytes | None:
    try:
        with open(path, "rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        skipped.add(_os_reason(exc), rel)
        return None
    if len(data) > max_bytes:
        skipped.add(f"larger than {max_bytes} bytes", rel)
        return None
    if b"\0" in data[:8000]:
        skipped.add("binary", rel)
        return None
    return data


def _os_reason(exc: OSError) -> str:
    import errno

    if exc.errno == errno.ELOOP:
        return "symlink loop"
    if exc.errno == errno.ENOENT:
        return "broken symlink or vanished"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    return "unreadable"


def _c_files(root: Path, skipped: SkipCounts) -> Iterable[tuple[str, str]]:
    """(path, path relative to ROOT) of every C file, each directory visited once.

    Real directories come first; symlinked ones are walked afterwards unless their target
    was already walked (a copy, or a loop). Symlinked files pointing into the tree are
    skipped (their target is scanned under its own name).
    """
    root_text = str(root)
    seen_dirs = {_dir_key(root_text)}
    stack = [(root_text, "")]
    linked: list[tuple[str, str]] = []
    while stack or linked:
        if stack:
            directory, rel_dir = stack.pop()
        else:
            directory, rel_dir = linked.pop(0)
            try:
                key = _dir_key(directory)
            except OSError as exc:
                skipped.add(_os_reason(exc), rel_dir.rstrip("/"))
                continue
            if key in seen_dirs:
                skipped.add("symlinked directory already scanned (or a loop)",
                            rel_dir.rstrip("/"))
                continue
            seen_dirs.add(key)
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError as exc:
            skipped.add(_os_reason(exc), rel_dir.rstrip("/") or ".")
            continue
        subdirs = []
        for entry in entries:
            rel = f"{rel_dir}{entry.name}"
            wanted = entry.name.endswith(C_SUFFIXES)
            try:
                if entry.is_dir(follow_symlinks=False):
                    if entry.name not in _VCS_DIRS:
                        subdirs.append((entry.path, rel + "/"))
                    continue
                if entry.is_symlink():
                    target = os.stat(entry.path)  # follows: ELOOP / ENOENT land below
                    if stat.S_ISDIR(target.st_mode):
                        linked.append((entry.path, rel + "/"))
                        continue
                    if not wanted or not stat.S_ISREG(target.st_mode):
                        continue
                    if _inside(os.path.realpath(entry.path), root_text):
                        skipped.add("symlink to a file in the tree", rel)
                        continue
                elif not wanted or not entry.is_file(follow_symlinks=False):
                    continue
            except OSError as exc:
                if wanted or entry.is_symlink():
                    skipped.add(_os_reason(exc), rel)
                continue
            yield entry.path, rel
        for path, rel in reversed(subdirs):
            try:
                seen_dirs.add(_dir_key(path))
            except OSError as exc:
                skipped.add(_os_reason(exc), rel.rstrip("/"))
                continue
            stack.append((path, rel))


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _dir_key(path: str) -> tuple[int, int]:
    st = os.stat(path)
    return st.st_dev, st.st_ino
