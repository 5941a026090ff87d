"""Witnesses and alternatives: the checkable evidence a site's delta carries."""

from __future__ import annotations

from dataclasses import dataclass

SHOWN = 3  # scenarios named per error in an alternative's one-line text


@dataclass(frozen=True)
class Witness:
    """The smallest scenario that shows one claim of a delta."""

    error: str  # "fp" or "fn"
    change: str  # "introduced" or "removed"
    scenario: str
    page: int
    text: str

    @property
    def title(self) -> str:
        """'FN introduced'."""
        return f"{self.error.upper()} {self.change}"

    def to_json(self) -> dict:
        """The JSON form (key `witnesses` of sites and audits)."""
        return {"error": self.error, "change": self.change, "scenario": self.scenario,
                "page": self.page, "text": self.text}


@dataclass(frozen=True)
class Alternative:
    """What a catalogued API would give at the site, as the same kind of test."""

    api: str
    test: str
    fp: tuple[str, ...] = ()  # short descriptions of the scenarios where it errs, simplest first
    fn: tuple[str, ...] = ()
    fp_scenarios: tuple[str, ...] = ()  # their names
    fn_scenarios: tuple[str, ...] = ()
    version: str = ""  # the versions whose semantics were used, when not the series' base
    role: str = ""  # "before" / "after" for the site's own APIs
    unknown: str = ""

    @property
    def text(self) -> str:
        """'folio_mapcount(folio) != 1: FP when ...; no FN'."""
        role = f" ({self.role})" if self.role else ""
        if self.unknown:
            return f"{self.test}{role}: unknown ({self.unknown})"
        at = f" [{self.version}]" if self.version else ""
        return f"{self.test}{role}: {_errs('FP', self.fp)}; {_errs('FN', self.fn)}{at}"

    def to_json(self) -> dict:
        """The JSON form (key `alternatives`)."""
        return {"api": self.api, "test": self.test, "fp": list(self.fp_scenarios),
                "fn": list(self.fn_scenarios), "version": self.version or None,
                "role": self.role or None, "unknown": self.unknown or None, "text": self.text}


def _errs(name: str, shorts: tuple[str, ...]) -> str:
    if not shorts:
        return f"no {name}"
    more = f" (+{len(shorts) - SHOWN} more)" if len(shorts) > SHOWN else ""
    return f"{name} when " + "; or ".join(shorts[:SHOWN]) + more
