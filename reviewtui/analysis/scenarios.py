"""Scenarios: concrete mapping situations of one folio, loaded from scenarios.toml.

A scenario lists which MMs map which pages of a folio and how (PTE or PMD). From that it
knows every mapcount the kernel keeps and the true answers the APIs estimate. An Instance is
a scenario seen from one page at hand (the page a page-based API is given).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from reviewtui.errors import CatalogueError

HOW = ("pte", "pmd")
_RANGE = re.compile(r"^\s*(\d+)\s*(?:-\s*(\d+))?\s*$")
_SCENARIO_KEYS = {"order", "text", "short", "nr_pages", "anon", "maps", "departed", "at_hand"}
MAX_PAGES = 1 << 18


@dataclass(frozen=True)
class Mapping:
    """One mapping made by MM: a PMD of the whole folio, or PTEs of PAGES (first, last)."""

    mm: str
    how: str
    first: int
    last: int

    @property
    def pages(self) -> range:
        """The pages this mapping maps."""
        return range(self.first, self.last + 1)


@dataclass(frozen=True, eq=False)
class Scenario:
    """A folio, the mappings present now (in the order made) and the MMs that left."""

    name: str
    order: int
    text: str
    short: str
    nr_pages: int
    maps: tuple[Mapping, ...]
    anon: bool = True
    departed: tuple[str, ...] = ()
    at_hand: tuple[int, ...] = ()
    pte_total: int = field(init=False, repr=False)  # PTE mappings of all pages
    pte_pages: int = field(init=False, repr=False)  # pages with at least one PTE mapping

    def __post_init__(self) -> None:
        ranges = sorted((m.first, m.last) for m in self.maps if m.how == "pte")
        covered = 0
        end = -1
        for first, last in ranges:
            if last > end:
                covered += last - max(first, end + 1) + 1
                end = last
        object.__setattr__(self, "pte_total", sum(b - a + 1 for a, b in ranges))
        object.__setattr__(self, "pte_pages", covered)

    def pte_mms(self, page: int) -> tuple[str, ...]:
        """The MMs mapping PAGE by a PTE, once per mapping."""
        return tuple(m.mm for m in self.maps if m.how == "pte" and m.first <= page <= m.last)

    @property
    def large(self) -> bool:
        """More than one page."""
        return self.nr_pages > 1

    @property
    def entire(self) -> int:
        """The entire (PMD) mapcount."""
        return sum(1 for m in self.maps if m.how == "pmd")

    def pte_mapcount(self, page: int) -> int:
        """PTE mappings of PAGE (the per-page _mapcount + 1, without the entire mapcount)."""
        return len(self.pte_mms(page))

    def page_mms(self, page: int) -> frozenset[str]:
        """The MMs mapping PAGE, by PTE or by a PMD of the whole folio."""
        return frozenset(self.pte_mms(page)) | {m.mm for m in self.maps if m.how == "pmd"}

    @cached_property
    def mms(self) -> tuple[str, ...]:
        """The MMs mapping the folio now, in order of first mapping."""
        return tuple(dict.fromkeys(m.mm for m in self.maps))

    @property
    def shared(self) -> bool:
        """True answer: is the folio mapped by more than one MM?"""
        return len(self.mms) > 1

    @property
    def mapped(self) -> bool:
        """True answer: is any page of the folio mapped?"""
        return bool(self.maps)

    def page_shared(self, page: int) -> bool:
        """True answer: is PAGE mapped by more than one MM?"""
        return len(self.page_mms(page)) > 1

    @cached_property
    def _at_hand(self) -> tuple[int, ...]:
        return self._pages_at_hand()

    def pages_at_hand(self) -> tuple[int, ...]:
        """One page per distinct situation a page at hand can be in (cached)."""
        return self._at_hand

    def _pages_at_hand(self) -> tuple[int, ...]:
        """One page per distinct situation a page at hand can be in (smallest index first).

        Pages are alike when the same MMs map them the same way and both or neither is the
        first page; the candidates are the first MM's pages (or `at_hand`).
        """
        if self.at_hand:
            candidates: list[int] = list(self.at_hand)
        elif self.maps:
            # Pages are alike between the edges of the mappings: try one page per stretch.
            edges = {0, 1, self.nr_pages}
            for m in self.maps:
                edges.update((m.first, m.last + 1))
            first = self.maps[0].mm
            candidates = [p for p in sorted(edges) if p < self.nr_pages
                          and first in self.page_mms(p)]
        else:
            candidates = [0]
        seen: dict[tuple, int] = {}
        for page in candidates:
            key = (page == 0, tuple(sorted(self.pte_mms(page))))
            seen.setdefault(key, page)
        return tuple(sorted(seen.values()))

    def describe_page(self, page: int) -> str:
        """'page 1, mapped by A and B' for the page at hand."""
        mms = sorted(self.page_mms(page))
        if not mms:
            who = "mapped by no MM"
        else:
            who = "mapped by " + " and ".join(mms) if len(mms) <= 2 else \
                "mapped by " + ", ".join(mms)
        return f"page {page}, {who}"


@dataclass(frozen=True)
class Instance:
    """A scenario seen from one page at hand."""

    scenario: Scenario
    page: int

    @property
    def key(self) -> tuple[int, str, int]:
        """Sort key: simpler scenarios first, then lower pages."""
        return (self.scenario.order, self.scenario.name, self.page)


def instances(scenarios: dict[str, Scenario]) -> tuple[Instance, ...]:
    """Every (scenario, page at hand) pair, simplest first."""
    out = [Instance(s, p) for s in scenarios.values() for p in s.pages_at_hand()]
    return tuple(sorted(out, key=lambda i: i.key))


def parse_scenarios(raw: dict[str, Any], where: str,
                    origins: dict[str, str] | None = None) -> dict[str, Scenario]:
    """The [scenarios.NAME] tables of RAW, validated (errors name the file and entry)."""
    out = {}
    for name, entry in raw.items():
        label = f"{(origins or {}).get(f'scenarios.{name}', where)}: scenarios.{name}"
        out[name] = _scenario(name, entry, label)
    return out


def _scenario(name: str, entry: Any, label: str) -> Scenario:
    if not isinstance(entry, dict):
        raise CatalogueError(f"{label}: expected a table")
    unknown = set(entry) - _SCENARIO_KEYS
    if unknown:
        raise CatalogueError(f"{label}: unknown key {min(unknown)!r}")
    for key, kind in (("order", int), ("text", str), ("nr_pages", int)):
        if not isinstance(entry.get(key), kind) or isinstance(entry.get(key), bool):
            raise CatalogueError(f"{label}: needs {key} ({kind.__name__})")
    nr = entry["nr_pages"]
    if not 1 <= nr <= MAX_PAGES:
        raise CatalogueError(f"{label}.nr_pages: must be between 1 and {MAX_PAGES}")
    anon = entry.get("anon", True)
    short = entry.get("short", entry["text"])
    if not isinstance(anon, bool) or not isinstance(short, str):
        raise CatalogueError(f"{label}: anon must be true/false and short a string")
    maps = entry.get("maps", [])
    if not isinstance(maps, list):
        raise CatalogueError(f"{label}.maps: expected an array of {{mm, how, pages}} tables")
    mappings = tuple(_mapping(m, nr, f"{label}.maps[{i}]") for i, m in enumerate(maps))
    departed = entry.get("departed", [])
    if not isinstance(departed, list) or not all(isinstance(d, str) and d for d in departed):
        raise CatalogueError(f"{label}.departed: expected a list of MM names")
    present = {m.mm for m in mappings}
    if present & set(departed):
        raise CatalogueError(f"{label}.departed: an MM cannot both map the folio and have left")
    at_hand = entry.get("at_hand", [])
    if not isinstance(at_hand, list) or not all(
            isinstance(p, int) and not isinstance(p, bool) and 0 <= p < nr for p in at_hand):
        raise CatalogueError(f"{label}.at_hand: expected a list of page numbers below {nr}")
    return Scenario(name=name, order=entry["order"], text=entry["text"], short=short,
                    nr_pages=nr, maps=mappings, anon=anon, departed=tuple(departed),
                    at_hand=tuple(at_hand))


def _mapping(entry: Any, nr: int, label: str) -> Mapping:
    if not isinstance(entry, dict) or set(entry) - {"mm", "how", "pages"}:
        raise CatalogueError(f"{label}: expected a table with mm, how and pages")
    mm, how = entry.get("mm"), entry.get("how", "pte")
    if not isinstance(mm, str) or not mm:
        raise CatalogueError(f"{label}.mm: expected an MM name")
    if how not in HOW:
        raise CatalogueError(f"{label}.how: {how!r} is not one of {', '.join(HOW)}")
    if how == "pmd":
        if nr == 1:
            raise CatalogueError(f"{label}: a small folio cannot be PMD-mapped")
        if "pages" in entry:
            raise CatalogueError(f"{label}: a PMD maps the whole folio: drop pages")
        return Mapping(mm, how, 0, nr - 1)
    pages = entry.get("pages")
    m = _RANGE.match(pages) if isinstance(pages, str) else None
    if m is None:
        raise CatalogueError(f"{label}.pages: expected 'N' or 'FIRST-LAST'")
    first = int(m.group(1))
    last = int(m.group(2)) if m.group(2) is not None else first
    if not 0 <= first <= last < nr:
        raise CatalogueError(f"{label}.pages: {pages!r} is outside the folio's {nr} page(s)")
    return Mapping(mm, how, first, last)
