"""What each API computes on a scenario: a small set of named counting rules.

The catalogue gives every API (and property) a rule name, optionally per kernel version and
with a test that turns a count into a predicate. The rules follow the kernel sources of the
versions named (v6.3 to v6.15; mapcounts as kept since the v6.2 rework of THP mapcounts):

- a page's mapcount (page_mapcount()) = its PTE mappings plus, in a large folio, the folio's
  entire (PMD) mapcount: every page of a PMD-mapped THP reads the PMD mappings;
- the folio's total mapcount (folio_mapcount(), total_mapcount(), _large_mapcount) = the
  entire mapcount plus the PTE mappings of every page: a THP PMD-mapped once reads 1, one
  PTE-mapped fully by one MM reads nr_pages;
- folio_estimated_sharers(folio) = page_mapcount(folio_page(folio, 0)).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from reviewtui.analysis.scenarios import Scenario

Rule = Callable[[Scenario, int], int]
_VERSION = re.compile(r"^~?v?(\d+)\.(\d+)")
TESTS = {">": lambda a, b: a > b, ">=": lambda a, b: a >= b, "<": lambda a, b: a < b,
         "<=": lambda a, b: a <= b, "==": lambda a, b: a == b, "!=": lambda a, b: a != b}
_TEST = re.compile(r"^\s*(>=|<=|==|!=|>|<)\s*(\d+)\s*$")


def parse_version(text: str) -> tuple[int, int] | None:
    """(major, minor) of 'v6.5', 'v6.5-rc4', '~v6.13', '6.10' (None when not a version)."""
    m = _VERSION.match(text.strip()) if text else None
    return (int(m.group(1)), int(m.group(2))) if m else None


def version_text(version: tuple[int, int]) -> str:
    """'v6.5' for (6, 5)."""
    return f"v{version[0]}.{version[1]}"


def _page_mapcount(s: Scenario, page: int) -> int:
    return s.pte_mapcount(page) + (s.entire if s.large else 0)


def _total(s: Scenario, page: int) -> int:
    return s.entire + s.pte_total


def _likely_mapped_shared(s: Scenario, page: int) -> int:
    """folio_likely_mapped_shared() from v6.10 (include/linux/mm.h)."""
    mapcount = _total(s, page)
    if not s.large:
        return int(mapcount > 1)
    if mapcount <= 1:  # a single mapping implies "mapped exclusively"
        return 0
    if s.entire or mapcount > s.nr_pages:  # some page is mapped more than once
        return 1
    return int(s.pte_mapcount(0) > 1)  # guess from the first page: folio->_mapcount > 0


def _mm_id_maybe_shared(s: Scenario, page: int) -> int:
    """folio_maybe_mapped_shared() with CONFIG_MM_ID (v6.15): two MM slots per large folio.

    Adding mappings from an MM in a slot counts them there; an MM without a slot takes a
    free one (and sets the "maybe shared" bit when the folio had other mappings); with no
    slot free nothing is tracked. The bit is cleared only when a tracked MM's slot empties
    and the other slot holds every mapping: an untracked MM leaving never clears it.
    """
    mapcount = _total(s, page)
    if not s.large:
        return int(mapcount > 1)
    if mapcount <= 1:
        return 0
    slots: list[list] = [[None, 0], [None, 0]]
    total = 0
    shared = False
    events = [(m.mm, 1 if m.how == "pmd" else len(m.pages)) for m in s.maps]
    events += [(mm, s.nr_pages) for mm in s.departed]
    events += [(mm, -s.nr_pages) for mm in s.departed]
    for mm, diff in events:
        total += diff
        slot = next((sl for sl in slots if sl[0] == mm), None)
        if diff > 0:
            if slot is not None:
                slot[1] += diff
                continue
            free = next((sl for sl in slots if sl[0] is None), None)
            if free is not None:
                free[0], free[1] = mm, diff
                shared = shared or total != diff
            continue
        if slot is None:
            continue  # an untracked MM leaves: nothing is checked
        slot[1] += diff
        if slot[1] > 0:
            continue
        slot[0], slot[1] = None, 0
        if any(sl[1] == total for sl in slots):
            shared = False
    return int(shared)


RULES: dict[str, Rule] = {
    "page_mapcount": _page_mapcount,
    "first_page_mapcount": lambda s, page: _page_mapcount(s, 0),
    "total_mapcount": _total,
    "entire_mapcount": lambda s, page: s.entire if s.large else 0,
    "pages_mapped": lambda s, page: s.pte_pages,
    "mapped": lambda s, page: int(_total(s, page) > 0),
    "likely_mapped_shared": _likely_mapped_shared,
    "mm_id_maybe_shared": _mm_id_maybe_shared,
    "nr_pages": lambda s, page: s.nr_pages,
    "large": lambda s, page: int(s.large),
    "pmd_sized": lambda s, page: 0,  # replaced per catalogue (needs kernel.pmd_pages)
    "anon": lambda s, page: int(s.anon),
}
RULE_DOCS = {
    "page_mapcount": "PTE mappings of the page given plus the folio's entire mapcount",
    "first_page_mapcount": "page_mapcount() of the folio's first page",
    "total_mapcount": "entire mapcount plus the PTE mappings of every page",
    "entire_mapcount": "PMD mappings of the whole folio",
    "pages_mapped": "pages mapped by at least one PTE",
    "mapped": "1 when any page is mapped",
    "likely_mapped_shared": "folio_likely_mapped_shared() of v6.10+",
    "mm_id_maybe_shared": "folio_maybe_mapped_shared() with CONFIG_MM_ID (two MM slots)",
    "nr_pages": "pages in the folio",
    "large": "1 for a large folio",
    "pmd_sized": "1 for a folio of at least kernel.pmd_pages pages",
    "anon": "1 for anonymous memory",
}


def rule(name: str, pmd_pages: int) -> Rule:
    """The rule NAME (pmd_sized bound to PMD_PAGES)."""
    if name == "pmd_sized":
        return lambda s, page: int(s.nr_pages >= pmd_pages)
    return RULES[name]


@dataclass(frozen=True)
class Semantics:
    """What an API computes in a range of kernel versions: a rule and an optional test."""

    rule: str
    since: str = ""
    until: str = ""
    test: str = ""  # "> 1": the API returns RULE > 1 (a predicate built on a count)
    note: str = ""

    def covers(self, version: tuple[int, int] | None) -> bool:
        """True when VERSION lies in [since, until] (None: any)."""
        if version is None:
            return True
        lo = parse_version(self.since) if self.since else None
        hi = parse_version(self.until) if self.until else None
        return (lo is None or version >= lo) and (hi is None or version <= hi)

    def apply(self, fn: Rule, scenario: Scenario, page: int) -> int:
        """The value on SCENARIO with PAGE as the page argument."""
        value = fn(scenario, page)
        if self.test:
            op, bound = parse_test(self.test)
            return int(TESTS[op](value, bound))
        return value


def parse_test(text: str) -> tuple[str, int]:
    """('>', 1) for '> 1'; ValueError when TEXT is not 'OP N'."""
    m = _TEST.match(text)
    if m is None:
        raise ValueError(text)
    return m.group(1), int(m.group(2))


def pick(entries: tuple[Semantics, ...], version: tuple[int, int] | None
         ) -> tuple[Semantics | None, bool]:
    """(the semantics at VERSION, exact?): the latest entry when none covers VERSION."""
    for entry in entries:
        if entry.covers(version):
            return entry, True
    return (entries[-1] if entries else None), False
