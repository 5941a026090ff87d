"""Tests that a patch moved and rewrote: one site, not a removal plus an addition.

A removed and an added line of one function whose catalogued calls take the same folio (page
spelt folio) and whose `if` conditions guard the same statement (`goto out;`, `break;`,
`return 0;`) are the same test, moved and rewritten.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from reviewtui.analysis.cexpr import Call
from reviewtui.analysis.condition import extract, render
from reviewtui.analysis.pairing import canonical

if TYPE_CHECKING:
    from reviewtui.analysis.siteparts import Line


def rewritten_pairs(removed: list[Line], added: list[Line], names: frozenset[str]
                    ) -> tuple[list[Line], list[Line], list[tuple[Line, Line, str]]]:
    """(removed left, added left, [(old, new, guarded branch)]) of lone lines of a patch."""
    keys = {id(line): _key(line, names) for line in (*removed, *added)}
    pairs: list[tuple[Line, Line, str]] = []
    used: set[int] = set()
    rest_removed = []
    for old in removed:
        key = keys[id(old)]
        match = None
        if key is not None:
            match = next((new for new in added if id(new) not in used
                          and keys[id(new)] is not None and keys[id(new)][0] == key[0]), None)
        if match is None:
            rest_removed.append(old)
            continue
        used.add(id(match))
        pairs.append((old, match, keys[id(old)][1]))
    return rest_removed, [n for n in added if id(n) not in used], pairs


def _key(line: Line, names: frozenset[str]) -> tuple[tuple, str] | None:
    """((file, function, folio argument, guarded branch), branch text), or None."""
    call = next((c for c in line.calls if c.name in names), None)
    if call is None or call.close is None or not line.function:
        return None
    condition = extract(line.stream, call.index)
    if not condition.boolean or not condition.branch:
        return None
    arg = _argument(line.stream, call)
    branch = tuple(canonical(list(condition.branch), frozenset()))
    return (line.view.path, line.function, arg, branch), render(condition.branch)


def _argument(stream: list[str], call: Call) -> tuple[str, ...]:
    depth = 0
    out = []
    for tok in stream[call.index + 2:call.close]:
        depth += tok in ("(", "[")
        depth -= tok in (")", "]")
        if tok == "," and depth == 0:
            break
        out.append(tok)
    return tuple(canonical(out, frozenset()))
