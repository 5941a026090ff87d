"""The API calls on the matched lines of one file, with their enclosing function.

A grep hit is only a candidate: the line is read with comments and strings blanked (the
comment state carried from the top of its chunk), and only real calls count. The enclosing
function comes from tree-sitter on the chunk around the line (see reviewtui.tree.functions).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from reviewtui.analysis.cexpr import Call, find_calls, polarity, strip_line, tokens
from reviewtui.analysis.tree_audit import TreeUse
from reviewtui.tree.functions import (
    FunctionSpan,
    chunk_bounds,
    closing_rows,
    innermost,
    parse_spans,
)

_CONTINUATION = 4  # lines read past a call whose ')' is not on its own line


@dataclass
class FileUses:
    """The uses found in one file, the grep hits that were only mentions, and its decoding."""

    uses: list[TreeUse] = field(default_factory=list)
    mentions: int = 0  # hit lines without a call (comments, strings, declarations)
    replaced_bytes: bool = False  # the file is not valid UTF-8 (shown with U+FFFD)


class _FileView:
    """Lazily decoded, comment-stripped lines and definitions of one file."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.raw = data.split(b"\n")
        self.ascii = data.isascii()
        self.codes: dict[int, str] = {}
        self.texts: dict[int, str] = {}
        self.chunks: dict[tuple[int, int], list[FunctionSpan]] = {}
        self.whole: list[FunctionSpan] | None = None
        self.closers = closing_rows(data)
        self.lexed = -1  # last row lexed, and the comment state after it
        self.state = False

    def text(self, row: int) -> str:
        """Line ROW (0-based) decoded (invalid UTF-8 as U+FFFD)."""
        if row not in self.texts:
            raw = self.raw[row] if row < len(self.raw) else b""
            self.texts[row] = raw.decode("ascii") if self.ascii else raw.decode("utf-8", "replace")
        return self.texts[row]

    def bounds(self, row: int) -> tuple[int, int]:
        """The top-level chunk holding ROW."""
        return chunk_bounds(self.closers, row, len(self.raw) - 1)

    def code(self, row: int, chunk_start: int) -> str:
        """Line ROW with comments/strings blanked, lexed from CHUNK_START (not in a comment)."""
        if row in self.codes:
            return self.codes[row]
        if not chunk_start <= self.lexed < row:
            # No '/*' between the chunk start and ROW: no comment can be open at ROW.
            opened = b"/*" in b"\n".join(self.raw[chunk_start:row])
            self.lexed, self.state = (chunk_start if opened else row) - 1, False
        for r in range(self.lexed + 1, row + 1):
            self.codes[r], self.state, _ = strip_line(self.text(r), self.state)
        self.lexed = row
        return self.codes[row]

    def definitions(self, row: int) -> list[FunctionSpan]:
        """Definitions around ROW: its chunk's, or the whole file's when none encloses ROW."""
        bounds = self.bounds(row)
        spans = self.chunks.get(bounds)
        if spans is None:
            lo, hi = bounds
            spans = parse_spans(b"\n".join(self.raw[lo:hi + 1]), lo)
            self.chunks[bounds] = spans
        if innermost(spans, row) is not None:
            return spans
        if self.whole is None:
            self.whole = parse_spans(self.data)
        return self.whole


def file_uses(path: str, data: bytes, rows: Sequence[int], names: frozenset[str],
              returns: Mapping[str, str]) -> FileUses:
    """The calls of NAMES on ROWS (1-based) of file PATH whose bytes are DATA."""
    view = _FileView(data)
    result = FileUses()
    if not view.ascii:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            result.replaced_bytes = True
    for number in sorted(set(rows)):
        row = number - 1
        if row >= len(view.raw):
            continue
        chunk_start = view.bounds(row)[0]
        stream = tokens(view.code(row, chunk_start))
        calls = find_calls(stream, names)
        spans = view.definitions(row) if calls else []
        span = innermost(spans, row)
        declared = {s.name for s in spans if s.name_row == row}
        found = 0
        for call in calls:
            if call.name in declared:
                continue  # a definition's or prototype's own name ('extern int\nNAME(...);')
            found += 1
            result.uses.append(TreeUse(
                file=path, line=number, function=span.name if span else None, api=call.name,
                text=view.text(row).strip(), code=view.codes[row].strip(),
                polarity=_polarity(view, row, chunk_start, stream, call, returns),
            ))
        if not found:
            result.mentions += 1
    return result


def _polarity(view: _FileView, row: int, chunk_start: int, stream: tuple[str, ...],
              call: Call, returns: Mapping[str, str]) -> str:
    """Polarity of CALL, reading the next lines when its comparison continues there."""
    kind = returns.get(call.name, "count")
    if call.close is not None and call.close + 1 < len(stream):
        return polarity(stream, call, kind)
    joined = list(stream)
    for r in range(row + 1, min(row + 1 + _CONTINUATION, len(view.raw))):
        joined.extend(tokens(view.code(r, chunk_start)))
        again = next((c for c in find_calls(joined, {call.name}) if c.index == call.index), None)
        if again is not None and again.close is not None and again.close + 1 < len(joined):
            return polarity(joined, again, kind)
    return polarity(stream, call, kind)
