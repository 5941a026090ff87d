"""Verdicts: a site's delta crossed with the requirement a reviewer gave it.

The delta itself (fp / fn: introduced, removed, traded, unchanged, unknown) comes from the
scenario model (analysis/delta.py); the catalogue's [[rules]] turn it into a verdict.
"""

from __future__ import annotations

from reviewtui.analysis.callsite import CallSite
from reviewtui.analysis.catalogue import Catalogue


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
