"""Which call site a comment is about, given the diff lines it quotes right above it.

A comment belongs to a site only when its quote overlaps the site's lines, or lies within a
few lines of them with no other code change in between (and quotes no other change itself).
Everything else in the hunk is "elsewhere in this hunk", not the hunk's nearest site.
"""

from __future__ import annotations

from collections.abc import Sequence

from reviewtui.model.diff import DiffLine

NEAR = 3  # hunk lines allowed between a quote and a site's lines


def change_runs(lines: Sequence[DiffLine]) -> list[int | None]:
    """Per hunk line, the number of its run of consecutive changed lines (None: context)."""
    out: list[int | None] = []
    run, previous = -1, False
    for line in lines:
        changed = line.kind != " "
        if changed and not previous:
            run += 1
        out.append(run if changed else None)
        previous = changed
    return out


def attribute(lines: Sequence[DiffLine], quoted: Sequence[int],
              sites: Sequence[tuple[str, Sequence[int]]]) -> str | None:
    """The id of the site among SITES ((id, hunk line indexes)) that QUOTED is about, if any.

    QUOTED holds the hunk line indexes of the quote right above the comment. When several
    sites overlap it, the one nearest its last line (the one right above the comment) wins.
    """
    if not quoted:
        return None
    quote = set(quoted)
    last = max(quote)
    overlapping = [(min(abs(last - x) for x in lis), order, sid)
                   for order, (sid, lis) in enumerate(sites) if quote & set(lis)]
    if overlapping:
        return min(overlapping)[2]
    runs = change_runs(lines)
    near = []
    for order, (sid, lis) in enumerate(sites):
        if not lis:
            continue
        own = {runs[x] for x in lis}

        def foreign(index: int, own: set = own) -> bool:
            return runs[index] is not None and runs[index] not in own

        if any(foreign(x) for x in quote):
            continue  # the quote is (also) about another change
        lo, hi = min(lis), max(lis)
        qlo, qhi = min(quote), max(quote)
        if qhi < lo:
            gap = range(qhi + 1, lo)
        elif qlo > hi:
            gap = range(hi + 1, qlo)
        else:
            gap = range(0)  # the quote surrounds the site (its own lines trimmed)
        if len(gap) > NEAR or any(foreign(x) for x in gap):
            continue
        near.append((len(gap), order, sid))
    return min(near)[2] if near else None
