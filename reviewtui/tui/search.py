"""Search across the diffs, commit messages and discussion of one revision."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from reviewtui.model.thread import Message, Revision
from reviewtui.tui.patch_lines import build_patch_lines

MAX_HITS = 500


@dataclass(frozen=True)
class SearchHit:
    """One match: in a patch's diff/commit message (line) or in a message (msgid)."""

    patch: int  # 0 = cover letter
    where: str  # "diff" or "mail"
    preview: str
    line: int | None = None
    msgid: str | None = None
    author: str = ""


def _messages(revision: Revision) -> Iterator[tuple[int, Message]]:
    if revision.cover is not None:
        yield 0, revision.cover
    for msg in revision.cover_replies:
        yield 0, msg
    for patch in revision.patches:
        for msg in patch.replies:
            yield patch.number, msg


def search_revision(revision: Revision, query: str, limit: int = MAX_HITS) -> list[SearchHit]:
    """Every line of REVISION's patches and messages containing QUERY (case-insensitive)."""
    needle = query.lower().strip()
    if not needle:
        return []
    hits: list[SearchHit] = []
    for patch in revision.patches:
        for index, line in enumerate(build_patch_lines(patch)):
            if needle in line.text.lower():
                hits.append(SearchHit(patch.number, "diff", line.text.strip(), line=index))
                if len(hits) >= limit:
                    return hits
    for number, msg in _messages(revision):
        for text in msg.body.splitlines():
            if needle in text.lower() and not text.lstrip().startswith(">"):
                hits.append(SearchHit(number, "mail", text.strip(), msgid=msg.msgid,
                                      author=msg.author or msg.email))
                if len(hits) >= limit:
                    return hits
    return hits
