"""The JSON form of a call site: the contract of `reviewtui sites --format json` and exports."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from reviewtui.analysis.callsite import CallSite
from reviewtui.analysis.catalogue import Catalogue, default_catalogue
from reviewtui.analysis.verdict import verdict as verdict_of


def site_to_json(site: CallSite, requirement: str | None = None, note: str | None = None,
                 discussion: Iterable[Any] = (), catalogue: Catalogue | None = None,
                 discussion_hunk: Iterable[Any] | None = None,
                 discussion_patch: Iterable[Any] | None = None) -> dict:
    """A JSON-ready dict of SITE with the reviewer's requirement, its verdict and note.

    discussion_hunk / discussion_patch (the talk elsewhere in the site's hunk and on its
    patch) become keys only when given.
    """
    cat = catalogue if catalogue is not None else default_catalogue()
    out = {
        "id": site.id,
        "anchor": site.anchor,
        "patch": site.patch,
        "patch_subject": site.patch_subject,
        "file": site.file,
        "function": site.function,
        "new_function": site.new_function,
        "kind": site.kind,
        "removed": site.removed,
        "added": site.added,
        "old_api": site.old_api,
        "new_api": site.new_api,
        "polarity": site.polarity,
        "fp": site.fp,
        "fn": site.fn,
        "uncatalogued": site.uncatalogued,
        "explanation": site.explanation,
        "requirement": requirement,
        "verdict": verdict_of(site, requirement, cat),
        "note": note,
        "discussion": list(discussion),
        "file_index": site.file_index,
        "hunk_index": site.hunk_index,
        "old_lines": list(site.old_lines),
        "new_lines": list(site.new_lines),
        "problems": list(site.problems),
        "old_test": site.old_test,
        "new_test": site.new_test,
        "trade": site.trade,
        "witnesses": [w.to_json() for w in site.witnesses],
        "alternatives": [a.to_json() for a in site.alternatives],
        "base_version": site.base_version or None,
        "base_version_from": site.base_version_from or None,
        "unknown": site.unknown or None,
    }
    if discussion_hunk is not None:
        out["discussion_hunk"] = list(discussion_hunk)
    if discussion_patch is not None:
        out["discussion_patch"] = list(discussion_patch)
    return out
