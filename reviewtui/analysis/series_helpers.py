"""Helpers a series defines on top of the mapcount family (uncatalogued family APIs).

A function or macro that a patch adds, removes or changes is a helper when it *answers* with a
family API or a mapcount field: it returns an expression using one (directly or through a
local variable), it is a bool function returning a literal under a condition using one, or it
is an expression macro using one. A big function that merely tests a mapcount on the way
(numamigrate_isolate_folio(), add_page_for_migration()) is not a helper: its callers are not
asking a sharing question.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from reviewtui.analysis.catalogue import Catalogue
from reviewtui.analysis.cexpr import (
    Call,
    enclosing_paren,
    find_calls,
    find_fields,
    is_ident,
    matching_paren,
    polarity,
)
from reviewtui.analysis.hunkview import HunkView, Image

_MAX_BOOL_BODY = 20
_PRED_OF = {"shared?": "shared", "exclusive?": "exclusive", "mapped?": "mapped"}
_OPPOSITE = {"shared": "exclusive", "exclusive": "shared"}
_WRITE_OPS = frozenset({
    "atomic_set", "atomic_inc", "atomic_dec", "atomic_add", "atomic_sub", "atomic_set_release",
    "atomic_long_set", "atomic_long_inc", "atomic_long_dec", "atomic_long_add",
    "atomic_long_sub", "page_mapcount_reset",
})
_DEFINE = re.compile(r"^\s*#\s*define\s+([A-Za-z_]\w*)\s*\(")


@dataclass(frozen=True)
class SeriesHelper:
    """A helper the series defines or changes: where, what it builds on, what it returns."""

    name: str
    patch: int
    file: str
    builds_on: tuple[str, ...]
    returns: str = "count"  # like ApiProfile.returns
    macro: bool = False


def find_helpers(views: Iterable[tuple[int, list[HunkView]]], catalogue: Catalogue,
                 returns: dict[str, str]) -> dict[str, SeriesHelper]:
    """Helpers defined in VIEWS ((patch number, hunk views) pairs), by name."""
    views = [(number, list(hunks)) for number, hunks in views]
    helpers: dict[str, SeriesHelper] = {}
    for _ in range(3):  # helpers built on helpers of the same series
        names = catalogue.names | frozenset(helpers)
        kinds = {**returns, **{h.name: h.returns for h in helpers.values()}}
        found = dict(helpers)
        for number, hunks in views:
            for view in hunks:
                for image in (view.pre, view.post):
                    for helper in _helpers_in(view, image, number, names, kinds, catalogue):
                        found.setdefault(helper.name, helper)
        if found.keys() == helpers.keys():
            break
        helpers = found
    return helpers


def _helpers_in(view: HunkView, image: Image, number: int, names: frozenset[str],
                kinds: dict[str, str], catalogue: Catalogue) -> list[SeriesHelper]:
    rows_by_fn: dict[str, list[int]] = {}
    changed: set[str] = set()
    for row, fn in enumerate(image.functions):
        if fn is None or fn in catalogue.apis:
            continue
        rows_by_fn.setdefault(fn, []).append(row)
        if view.hunk.lines[image.positions[row]].kind != " ":
            changed.add(fn)
    if not changed:
        return []
    calls = find_calls(image.stream, names)
    fields = [i for i in find_fields(image.stream, catalogue.mapcount_fields)
              if not _written(image.stream, i)]
    out = []
    for fn in changed:
        rows = rows_by_fn[fn]
        lo = image.starts[rows[0]]
        hi = image.starts[rows[-1] + 1] if rows[-1] + 1 < len(image.starts) else len(image.stream)
        body_calls = [c for c in calls if lo <= c.index < hi and c.name != fn]
        body_fields = [i for i in fields if lo <= i < hi]
        if not body_calls and not body_fields:
            continue
        answer = _answer(image, fn, rows, (lo, hi), body_calls, body_fields, kinds,
                         view.hunk.section)
        if answer is None:
            continue
        builds_on = tuple(dict.fromkeys([c.name for c in body_calls]
                                        + [image.stream[i] for i in body_fields]))
        macro = bool(_DEFINE.match(image.codes[rows[0]]))
        out.append(SeriesHelper(fn, number, view.path, builds_on, answer, macro))
    return out


def _answer(image: Image, fn: str, rows: list[int], span: tuple[int, int], calls: list[Call],
            fields: list[int], kinds: dict[str, str], section: str) -> str | None:
    """What FN returns if it answers with a family API ('count', 'shared', ...), else None."""
    stream = image.stream
    lo, hi = span
    if _DEFINE.match(image.codes[rows[0]]):
        body = stream[lo:hi]
        if ";" in body or "do" in body:
            return None  # a statement macro, not an expression
        return _returns_of(stream, calls, kinds)
    uses = {c.index for c in calls} | set(fields)
    derived: set[str] = set()
    for start, end in _statements(stream, lo, hi):
        if stream[start] == "return":
            names = set(stream[start + 1:end])
            if any(start < i < end for i in uses) or names & derived:
                inner = [c for c in calls if start < c.index < end]
                return _returns_of(stream, inner, kinds) if inner else "count"
        else:
            target = _assigned(stream, start, end)
            if target and (any(start < i < end for i in uses)
                           or set(stream[start:end]) & derived):
                derived.add(target)
    if len(rows) <= _MAX_BOOL_BODY and _returns_bool(image, fn, rows, section):
        for call in calls:
            literal = _guarded_literal(stream, call.index, hi)
            if literal is not None:
                answer = _returns_of(stream, [call], kinds)
                if literal in ("false", "0"):
                    answer = _OPPOSITE.get(answer, "count")
                return answer
    return None


def _written(stream: list[str], index: int) -> bool:
    """True when the field at INDEX is only written (atomic_set(&f->_mapcount, ...), f = x)."""
    if index + 1 < len(stream) and stream[index + 1] == "=":
        return True
    j = enclosing_paren(stream, index)
    return j is not None and j > 0 and stream[j - 1] in _WRITE_OPS


def _returns_of(stream: list[str], calls: list[Call], kinds: dict[str, str]) -> str:
    for call in calls:
        value = _PRED_OF.get(polarity(stream, call, kinds.get(call.name, "count")))
        if value:
            return value
    return "count"


def _statements(stream: list[str], lo: int, hi: int) -> list[tuple[int, int]]:
    """(start, end) token ranges of the ';'-terminated statements in [lo, hi)."""
    out = []
    start = lo
    for i in range(lo, hi):
        tok = stream[i]
        if tok in ("{", "}"):
            start = i + 1
        elif tok == ";":
            if start < i:
                out.append((start, i))
            start = i + 1
    return out


def _assigned(stream: list[str], start: int, end: int) -> str | None:
    """The variable a statement assigns ('x = ...', 'int x = ...', 'x += ...')."""
    for i in range(start, end - 1):
        if stream[i + 1] in ("=", "+=", "-=", "|=") and is_ident(stream[i]):
            return stream[i]
        if stream[i] == "(":
            return None
    return None


def _returns_bool(image: Image, fn: str, rows: list[int], section: str) -> bool:
    """True when FN's signature (in the hunk or its header) says it returns bool."""
    pattern = re.compile(rf"\bbool\b[\s\w\*]*\b{re.escape(fn)}\s*\(")
    texts = [image.codes[row] for row in rows[:3]] + [section]
    return any(pattern.search(text) for text in texts)


def _guarded_literal(stream: list[str], index: int, hi: int) -> str | None:
    """The literal of 'if (... call ...) return LITERAL;' around the call at INDEX, else None."""
    j = enclosing_paren(stream, index)
    if j is None or j < 1 or stream[j - 1] != "if":
        return None
    k = matching_paren(stream, j)
    if k is None or k >= hi:
        return None
    tail = stream[k + 1:k + 4]
    if len(tail) == 3 and tail[0] == "return" and tail[1] in ("true", "false", "0", "1") \
            and tail[2] == ";":
        return tail[1]
    return None
