"""The site a quote is about: overlap, a few lines away with no other change between, or none."""

from __future__ import annotations

import pytest

from reviewtui.analysis.attribution import NEAR, attribute, change_runs
from reviewtui.model.diff import DiffLine


def _hunk(kinds: str) -> tuple[DiffLine, ...]:
    return tuple(DiffLine(k, f"line {i}", i, i) for i, k in enumerate(kinds))


#            0123456789012
HUNK = _hunk(" -+ -+ " + " " * 6)  # site A at 1-2, another change at 4-5, context after
A = ("A", (1, 2))


def test_change_runs():
    assert change_runs(HUNK)[:7] == [None, 0, 0, None, 1, 1, None]


@pytest.mark.parametrize("quoted, expected", [
    ((1, 2), "A"),  # the site's own lines
    ((0, 1), "A"),  # overlaps
    ((0,), "A"),  # context right above
    ((3,), "A"),  # context right below, before the other change
    ((4, 5), None),  # the other change itself
    ((3, 4), None),  # context plus the other change: about the other change
    ((6,), None),  # below the other change: it sits between
    ((), None),
])
def test_one_site(quoted, expected):
    assert attribute(HUNK, quoted, [A]) == expected


def test_near_means_a_few_lines():
    hunk = _hunk(" -+" + " " * (NEAR + 3))
    assert attribute(hunk, (2 + NEAR + 1,), [("A", (1, 2))]) == "A"
    assert attribute(hunk, (2 + NEAR + 2,), [("A", (1, 2))]) is None


def test_the_rest_of_the_sites_run_is_no_other_change():
    hunk = _hunk(" --++ ")  # site on 1 and 3; its run also removes 2 and adds 4
    assert attribute(hunk, (4,), [("A", (1, 3))]) == "A"
    assert attribute(hunk, (5,), [("A", (1, 3))]) == "A"


def test_two_sites_the_one_nearest_the_comment_wins():
    sites = [A, ("B", (4, 5))]
    assert attribute(HUNK, (1, 2, 3, 4, 5), sites) == "B"
    assert attribute(HUNK, (1, 2, 3), sites) == "A"
    assert attribute(HUNK, (3,), sites) == "A"  # next to both: the one above it
    assert attribute(HUNK, (6,), sites) == "B"


def test_quote_around_a_trimmed_site():
    assert attribute(HUNK, (0, 3), [A]) == "A"
