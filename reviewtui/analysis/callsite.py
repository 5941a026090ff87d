"""The CallSite record shared by analysis, store, exports and the TUI."""

from __future__ import annotations

from dataclasses import dataclass, field

from reviewtui.analysis.witness import Alternative, Witness


@dataclass(frozen=True)
class CallSite:
    """One changed use of a catalogued (or series-defined) API in one patch.

    kind: "conversion" (old API replaced by another), "same-api" (line changed, API kept),
    "removal" (use dropped), "addition" (new use), "definition" (the API itself is defined or
    changed), "uncatalogued" (use of a helper the series defines).
    fp / fn: "introduced", "removed", "traded" (introduced in some scenarios, removed in
    others), "unchanged" or "unknown"; witnesses back every introduced/removed claim with a
    scenario, alternatives say what each catalogued API would give as the same test.
    Line numbers point into the patch's diff: old_lines on the pre-image, new_lines on the
    post-image; file_index/hunk_index locate the hunk in Patch.diff.files[...].hunks[...].
    """

    id: str
    patch: int
    patch_subject: str
    file: str
    function: str | None
    kind: str
    removed: str | None
    added: str | None
    old_api: str | None
    new_api: str | None
    polarity: str | None  # "shared?", "exclusive?", "count" or None
    fp: str
    fn: str
    file_index: int = 0
    hunk_index: int = 0
    old_lines: tuple[int, ...] = ()
    new_lines: tuple[int, ...] = ()
    uncatalogued: bool = False
    explanation: str = ""
    problems: tuple[str, ...] = field(default_factory=tuple)
    new_function: str | None = None  # post-image name when the patch renames the function
    anchor: str = ""  # stable id of the place (file, function, old expression) across revisions
    witnesses: tuple[Witness, ...] = ()
    alternatives: tuple[Alternative, ...] = ()
    old_test: str | None = None  # the condition evaluated on the old side (None: no test)
    new_test: str | None = None
    base_version: str = ""  # kernel version whose API semantics were used ("v6.5")
    base_version_from: str = ""  # what told it
    unknown: str = ""  # the part of a test the model could not evaluate

    @property
    def trade(self) -> bool:
        """True when the change introduces an error in some scenario and removes one in another."""
        return any(w.change == "introduced" for w in self.witnesses) and any(
            w.change == "removed" for w in self.witnesses)
