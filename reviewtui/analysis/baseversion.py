"""Which kernel a series is based on: what the model takes as the version of API semantics.

In order: a version the series states (`base-commit: v6.9`, "based on v6.10-rc3" in the cover
letter), else the -rc cycle the posting date falls in, kept inside the versions the APIs used
in the diff exist in; else those versions alone; else the catalogue's default.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from reviewtui.analysis.catalogue import Catalogue
from reviewtui.analysis.semantics import parse_version, version_text

_STATED = re.compile(
    r"\b(?:based\s+on|against|on\s+top\s+of|applies\s+(?:cleanly\s+)?(?:on|to)|"
    r"rebased\s+(?:on|onto)|base)\s*:?\s+(?:the\s+|linux[- ]|mainline\s+|tag\s+)*"
    r"(v\d+\.\d+(?:-rc\d+)?)\b", re.IGNORECASE)
_BASE_COMMIT = re.compile(r"^base-commit:\s*(\S+)\s*$", re.MULTILINE)


@dataclass(frozen=True)
class BaseVersion:
    """The version the model evaluates API semantics at, and why."""

    version: tuple[int, int] | None
    source: str

    @property
    def text(self) -> str:
        """'v6.5' (or '' when unknown)."""
        return version_text(self.version) if self.version else ""

    @property
    def label(self) -> str:
        """'v6.5 (posted 2023-08-02, in the v6.5-rc cycle)'."""
        return f"{self.text} ({self.source})" if self.version else self.source


def stated_version(prose: Iterable[str], raw: Iterable[str] = ()
                   ) -> tuple[tuple[int, int] | None, str] | None:
    """A base version the series states: `base-commit:` in RAW mails, words in PROSE."""
    commit = None
    for text in raw:
        for m in _BASE_COMMIT.finditer(text):
            version = parse_version(m.group(1)) if m.group(1).startswith("v") else None
            if version:
                return version, f"base-commit: {m.group(1)}"
            commit = commit or m.group(1)[:12]
    for text in prose:
        m = _STATED.search(text)
        if m:
            version = parse_version(m.group(1))
            if version:
                return version, f"the series says '{' '.join(m.group(0).split())}'"
    if commit:
        return None, f"base-commit {commit} (a commit, not a version: no tree to resolve it)"
    return None


def api_range(names: Iterable[str], catalogue: Catalogue
              ) -> tuple[tuple[int, int] | None, tuple[int, int] | None, list[str]]:
    """(lowest, highest) version in which every catalogued API of NAMES exists, and them."""
    lo = hi = None
    used = []
    for name in sorted(set(names)):
        api = catalogue.api(name)
        if api is None:
            continue
        since = parse_version(api.since) if api.since else None
        until = parse_version(api.until) if api.until else None
        if since is None and until is None:
            continue
        used.append(name)
        if since is not None and (lo is None or since > lo):
            lo = since
        if until is not None and (hi is None or until < hi):
            hi = until
    return lo, hi, used


def era(posted: date, catalogue: Catalogue) -> tuple[int, int] | None:
    """The version whose -rc cycle POSTED falls in (the release after the last one)."""
    versions = [parse_version(v) for v, _ in catalogue.releases]
    last = None
    for (version, released), parsed in zip(catalogue.releases, versions, strict=True):
        if released <= posted:
            last = parsed
        elif last is not None:
            return parsed
        else:
            return None
    return last


def base_version(prose: Iterable[str], raw: Iterable[str], posted: datetime | date | None,
                 api_names: Iterable[str], catalogue: Catalogue) -> BaseVersion:
    """The base version of a series from what it says, when it was posted and its APIs."""
    stated = stated_version(prose, raw)
    if stated is not None and stated[0] is not None:
        return BaseVersion(stated[0], stated[1])
    prefix = f"{stated[1]}; " if stated is not None else ""
    lo, hi, used = api_range(api_names, catalogue)
    span = ""
    if used and (lo or hi):
        span = (f"{version_text(lo) if lo else '…'}–{version_text(hi) if hi else '…'}"
                if lo != hi else version_text(lo))
    day = posted.date() if isinstance(posted, datetime) else posted
    guess = era(day, catalogue) if day is not None else None
    if guess is not None:
        why = f"posted {day.isoformat()}, in the {version_text(guess)}-rc cycle"
        if lo is not None and guess < lo:
            guess, why = lo, f"{why}; the APIs used exist from {version_text(lo)}"
        elif hi is not None and guess > hi:
            guess, why = hi, f"{why}; the APIs used exist up to {version_text(hi)}"
        elif span:
            why += f"; the APIs used exist in {span}"
        return BaseVersion(guess, prefix + why)
    default = parse_version(catalogue.default_version)
    if hi is not None:
        return BaseVersion(hi, f"{prefix}the APIs used exist in {span}")
    if lo is not None:
        chosen = max(lo, default) if default else lo
        return BaseVersion(chosen, f"{prefix}the APIs used exist from {version_text(lo)} on; "
                           f"taking {version_text(chosen)}")
    return BaseVersion(default, f"{prefix}nothing tells the base: the catalogue's default")
