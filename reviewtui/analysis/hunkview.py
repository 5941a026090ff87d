"""A hunk seen as its two images (pre: context + removed, post: context + added).

Each image carries, per line, the comment-free code, the enclosing function and the tokens,
plus one token stream over all its lines so that multi-line expressions read as one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reviewtui.analysis.cexpr import strip_lines, tokens
from reviewtui.analysis.cfunc import enclosing_functions
from reviewtui.model.diff import Hunk


@dataclass
class Image:
    """One side of a hunk: which hunk lines it holds and what each of them is."""

    positions: list[int]  # index into Hunk.lines, per image line
    functions: list[str | None]
    codes: list[str]
    stream: list[str] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)  # first stream index per image line
    row_of: dict[int, int] = field(default_factory=dict)  # hunk line index -> image line


@dataclass
class HunkView:
    """A hunk of one file of one patch with both images analysed."""

    file_index: int
    hunk_index: int
    path: str
    hunk: Hunk
    pre: Image
    post: Image

    def image(self, kind: str) -> Image:
        """The image a line of KIND ('-' or '+') belongs to."""
        return self.pre if kind == "-" else self.post

    def renames(self) -> dict[str, str]:
        """Post-image name -> pre-image name of functions a context line shows renamed."""
        out: dict[str, str] = {}
        for pos, line in enumerate(self.hunk.lines):
            if line.kind != " ":
                continue
            old = self.pre.functions[self.pre.row_of[pos]]
            new = self.post.functions[self.post.row_of[pos]]
            if old and new and old != new:
                out.setdefault(new, old)
        return out

    def function_at(self, pos: int) -> str | None:
        """Enclosing function of hunk line POS (pre-image name for removed/context lines)."""
        kind = self.hunk.lines[pos].kind
        img = self.post if kind == "+" else self.pre
        return img.functions[img.row_of[pos]]


def _image(hunk: Hunk, keep: str) -> Image:
    positions = [i for i, ln in enumerate(hunk.lines) if ln.kind in keep]
    raw = [hunk.lines[i].text for i in positions]
    codes = strip_lines(raw)
    functions = enclosing_functions(raw, codes, hunk.section)
    img = Image(positions=positions, functions=functions, codes=codes)
    directive = False
    for row, code in enumerate(codes):
        img.starts.append(len(img.stream))
        img.stream.extend(tokens(code))
        img.row_of[positions[row]] = row
        directive = directive or code.lstrip().startswith("#")
        if directive and not raw[row].rstrip().endswith("\\"):
            # A preprocessor directive ends with its line: end the statement there too.
            img.stream.append(";")
            directive = False
    return img


def view_hunk(file_index: int, hunk_index: int, path: str, hunk: Hunk) -> HunkView:
    """Both images of HUNK, lexed and with enclosing functions."""
    return HunkView(file_index, hunk_index, path, hunk, _image(hunk, " -"), _image(hunk, " +"))
