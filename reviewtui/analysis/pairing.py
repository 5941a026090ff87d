"""Pairing removed and added lines of a hunk: which added line replaced which removed one."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from reviewtui.model.diff import Hunk

API_PAIR_MIN = 0.25  # two lines that both use family APIs, in one run
OTHER_PAIR_MIN = 0.5  # a family-API line and a line without one
MAX_ALIGN = 10_000  # candidate pairs in one run above which pairing goes in order

_PAGE = re.compile(r"page", re.IGNORECASE)


def runs(hunk: Hunk) -> list[list[int]]:
    """Maximal runs of consecutive changed lines (indexes into hunk.lines)."""
    out: list[list[int]] = []
    current: list[int] = []
    for i, line in enumerate(hunk.lines):
        if line.kind == " ":
            if current:
                out.append(current)
                current = []
        else:
            current.append(i)
    if current:
        out.append(current)
    return out


def canonical(stream: Sequence[str], api_names: frozenset[str]) -> list[str]:
    """Tokens for similarity: API names as '@api', 'page' spelt 'folio' inside identifiers."""
    out = []
    for tok in stream:
        if tok in api_names:
            out.append("@api")
        elif "age" in tok:
            out.append(_PAGE.sub("folio", tok))
        else:
            out.append(tok)
    return out


def align(left: Sequence[int], right: Sequence[int], score: Callable[[int, int], float],
          minimum: float) -> list[tuple[int, int]]:
    """Order-preserving pairs of LEFT and RIGHT items maximising the total SCORE."""
    n, m = len(left), len(right)
    if not n or not m:
        return []
    if n * m > MAX_ALIGN:
        # A huge rewrite: pair in order rather than spend quadratic time on it.
        return [(a, b) for a, b in zip(left, right) if score(a, b) >= minimum]
    sims = [[score(a, b) for b in right] for a in left]
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            value = max(best[i + 1][j], best[i][j + 1])
            if sims[i][j] >= minimum:
                value = max(value, sims[i][j] + best[i + 1][j + 1])
            best[i][j] = value
    pairs = []
    i = j = 0
    while i < n and j < m:
        if sims[i][j] >= minimum and best[i][j] == sims[i][j] + best[i + 1][j + 1]:
            pairs.append((left[i], right[j]))
            i += 1
            j += 1
        elif best[i][j] == best[i + 1][j]:
            i += 1
        else:
            j += 1
    return pairs


def best_partners(items: Sequence[int], candidates: Sequence[int],
                  score: Callable[[int, int], float], minimum: float) -> dict[int, int]:
    """Greedy one-to-one partners (best score first) with at least MINIMUM similarity."""
    if len(items) * len(candidates) > MAX_ALIGN:
        return {a: b for a, b in zip(items, candidates) if score(a, b) >= minimum}
    scored = sorted(
        ((score(a, b), a, b) for a in items for b in candidates),
        key=lambda t: (-t[0], t[1], t[2]),
    )
    used_a: set[int] = set()
    used_b: set[int] = set()
    out: dict[int, int] = {}
    for value, a, b in scored:
        if value < minimum:
            break
        if a in used_a or b in used_b:
            continue
        out[a] = b
        used_a.add(a)
        used_b.add(b)
    return out

