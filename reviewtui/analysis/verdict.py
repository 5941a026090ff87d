"""Delta (what a change does to false positives / false negatives) and verdicts.

FP / FN are always meant for the sharing question: FP = an exclusive folio reported shared,
FN = a shared folio reported exclusive. A delta value says whether the new expression makes
that error in cases the old one did not ("introduced"), the reverse ("removed"), neither
("unchanged") or cannot be told ("unknown").
"""

from __future__ import annotations

from reviewtui.analysis.callsite import CallSite
from reviewtui.analysis.catalogue import ApiProfile, Catalogue

UNKNOWN = ("unknown", "unknown")
UNCHANGED = ("unchanged", "unchanged")
_RANK = {"no": 0, "rare": 1, "yes": 2}
_ALWAYS = 3  # an absent check errs on every folio of one side
_SHARING = {"shared?", "exclusive?", "count", None}
_MAPPING = {"mapped?", "not mapped?"}


def question(polarity: str | None) -> str:
    """The question class of a polarity: 'sharing' or 'mapping'."""
    return "mapping" if polarity in _MAPPING else "sharing"


def delta(old_api: str | None, new_api: str | None, polarity: str | None,
          catalogue: Catalogue, old_polarity: str | None = None) -> tuple[str, str]:
    """(fp, fn) change from OLD_API to NEW_API (None = no check) as used with POLARITY."""
    if old_api is None and new_api is None:
        return UNKNOWN
    old_pol = old_polarity or polarity
    if old_api and new_api and question(old_pol) != question(polarity):
        return UNKNOWN
    if old_api == new_api:
        return UNCHANGED if _same_test(old_pol, polarity) else UNKNOWN
    conv = catalogue.conversion(old_api, new_api)
    if conv is not None:
        return conv.fp, conv.fn
    old = catalogue.api(old_api)
    new = catalogue.api(new_api)
    if (old_api and old is None) or (new_api and new is None):
        return UNKNOWN
    if question(polarity) == "mapping":
        if old is not None and new is not None and old.mapped_exact and new.mapped_exact:
            return UNCHANGED
        return UNKNOWN
    before = _ranks(old, old_pol)
    after = _ranks(new, polarity)
    if before is None or after is None:
        return UNKNOWN
    return _compare(before[0], after[0]), _compare(before[1], after[1])


def _same_test(old: str | None, new: str | None) -> bool:
    if old == new:
        return True
    pair = {old, new}
    # "> 1" rewritten as "== 1" with the branches swapped asks the same question.
    return pair == {"shared?", "exclusive?"}


def _ranks(profile: ApiProfile | None, polarity: str | None) -> tuple[int, int] | None:
    """(fp, fn) ranks of an API, or of an absent check guarding the same branch."""
    if profile is not None:
        if profile.fp not in _RANK or profile.fn not in _RANK:
            return None
        return _RANK[profile.fp], _RANK[profile.fn]
    if polarity == "shared?":  # no "shared?" test: every folio passes as exclusive
        return 0, _ALWAYS
    if polarity == "exclusive?":  # no "exclusive?" test: no folio is treated as exclusive
        return _ALWAYS, 0
    return None


def _compare(before: int, after: int) -> str:
    if after > before:
        return "introduced"
    if after < before:
        return "removed"
    return "unchanged"


def verdict(site: CallSite, requirement: str | None, catalogue: Catalogue) -> str:
    """The verdict for SITE tagged REQUIREMENT ('untagged' when REQUIREMENT is None)."""
    if requirement is None:
        return catalogue.untagged_verdict
    for rule in catalogue.rules:
        if rule.matches(requirement, site.fp, site.fn, site.kind, site.uncatalogued):
            return rule.verdict
    return catalogue.default_verdict


def describe(old_api: str | None, new_api: str | None, catalogue: Catalogue) -> str:
    """One line saying what the old and new APIs count and why the delta is what it is."""
    conv = catalogue.conversion(old_api, new_api)
    if conv is not None and conv.explanation:
        return f"{old_api}() -> {new_api}(): {conv.explanation}"
    parts = []
    for name in dict.fromkeys(n for n in (old_api, new_api) if n):
        profile = catalogue.api(name)
        if profile is not None:
            parts.append(f"{name}(): {profile.explanation or profile.answers}")
    return "; ".join(parts)
