"""Apply the hunks of a series to a copied tree by content (tests only)."""

from __future__ import annotations

from pathlib import Path

from reviewtui.model.thread import Revision


def apply_by_content(root: Path, revision: Revision) -> list[tuple[int, str, int]]:
    """Apply every hunk whose pre-image occurs exactly once; return (patch, file, hunk) applied.

    Hunks are applied patch by patch, in order, so a later patch sees the earlier ones'
    post-image, as `git am` would. Line numbers are ignored: the tree is an excerpt.
    """
    applied = []
    for patch in revision.patches:
        for fpatch in patch.diff.files:
            path = root / fpatch.path
            if not path.exists():
                continue
            text = path.read_text()
            for hunk in fpatch.hunks:
                old = "".join(f"{ln.text}\n" for ln in hunk.lines if ln.kind != "+")
                new = "".join(f"{ln.text}\n" for ln in hunk.lines if ln.kind != "-")
                if text.count(old) != 1:
                    continue
                text = text.replace(old, new)
                applied.append((patch.number, fpatch.path, hunk.index))
            path.write_text(text)
    return applied
