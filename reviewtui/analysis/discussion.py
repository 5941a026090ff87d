"""The discussion of one revision: every reply's comments, where they point, FN/FP talk, trailers.

Unlike b4, which keeps one follow-up per reviewer and reads only "> " quotes under a
"diff --git"/"@@" header, every comment of every reply is kept and anchored (see anchors).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import TypeVar

from reviewtui.analysis.anchors import Anchor, AnchorContext, anchor_blocks, prepare
from reviewtui.analysis.callsite import CallSite
from reviewtui.analysis.mentions import Mention, MentionCount, count_mentions, find_mentions
from reviewtui.analysis.quotes import split_quotes
from reviewtui.model.thread import Message, Revision, Series

K = TypeVar("K")
_DESCRIPTION_END = re.compile(r"^---[ \t]*$", re.MULTILINE)


@dataclass(frozen=True)
class Comment:
    """One own-text block of a reply: who, when, what, where it points, FN/FP phrases.

    start/end are offsets of text in Message.body; mentions are relative to text.
    """

    msgid: str
    author: str
    email: str
    date: datetime | None
    index: int
    text: str
    start: int
    end: int
    mentions: tuple[Mention, ...]
    anchor: Anchor | None

    @property
    def body_mentions(self) -> tuple[Mention, ...]:
        """The mentions with offsets into the message body."""
        return tuple(m.shifted(self.start) for m in self.mentions)


@dataclass(frozen=True)
class SiteTalk:
    """The comments around one call site: on it, elsewhere in its hunk, on its patch.

    hunk holds comments placed on other lines of the site's hunk (other changes, other sites);
    patch holds the patch's comments with no diff line (commit message, diffstat, prose).
    """

    site: tuple[Comment, ...]
    hunk: tuple[Comment, ...]
    patch: tuple[Comment, ...]

    def msgids(self, group: str) -> list[str]:
        """Message-IDs of GROUP ("site", "hunk" or "patch"), oldest first, each once."""
        return list(dict.fromkeys(c.msgid for c in getattr(self, group)))


@dataclass(frozen=True)
class PatchTrailers:
    """Follow-up trailers b4 would add to a patch, and the ones it refused."""

    trailers: tuple[str, ...]
    mismatches: tuple[str, ...]


@dataclass(frozen=True)
class Discussion:
    """Comments and trailers of one revision, with lookups by message, patch and call site."""

    revision: int
    comments: tuple[Comment, ...]
    message_trailers: dict[str, tuple[str, ...]] = field(compare=False)
    patch_trailers: dict[int, PatchTrailers] = field(compare=False)
    cover_trailers: tuple[str, ...] = ()
    description_mentions: dict[str, tuple[Mention, ...]] = field(default_factory=dict,
                                                                 compare=False)

    @cached_property
    def _by_msgid(self) -> dict[str, tuple[Comment, ...]]:
        return _group(self.comments, lambda c: c.msgid)

    @cached_property
    def _by_patch(self) -> dict[int | None, tuple[Comment, ...]]:
        return _group(self.comments, lambda c: c.anchor.patch if c.anchor else None)

    @cached_property
    def _by_site(self) -> dict[str | None, tuple[Comment, ...]]:
        return _group(self.comments, lambda c: c.anchor.site_id if c.anchor else None)

    def comments_for_message(self, msgid: str) -> list[Comment]:
        """Comments of message MSGID, in body order."""
        return list(self._by_msgid.get(msgid, ()))

    def comments_for_patch(self, number: int) -> list[Comment]:
        """Comments anchored to patch NUMBER (0 = cover letter), oldest first."""
        return list(self._by_patch.get(number, ()))

    def comments_for_site(self, site_id: str) -> list[Comment]:
        """Comments attached to call site SITE_ID, oldest first."""
        return list(self._by_site.get(site_id, ())) if site_id is not None else []

    def site_talk(self, site: CallSite) -> SiteTalk:
        """SITE's comments grouped: on the site, elsewhere in its hunk, on the patch."""
        where = (site.file_index, site.hunk_index)
        on_site, in_hunk, on_patch = [], [], []
        for comment in self.comments_for_patch(site.patch):
            anchor = comment.anchor
            if anchor is None:
                continue
            if anchor.site_id == site.id:
                on_site.append(comment)
            elif anchor.hunk == where:
                in_hunk.append(comment)
            elif anchor.scope == "patch":
                on_patch.append(comment)
        return SiteTalk(tuple(on_site), tuple(in_hunk), tuple(on_patch))

    def site_discussion(self, site_id: str) -> list[str]:
        """Message-IDs with a comment on call site SITE_ID, oldest first, each once."""
        return list(dict.fromkeys(c.msgid for c in self.comments_for_site(site_id)))

    def message_mentions(self, msgid: str) -> list[Mention]:
        """FN/FP mentions of message MSGID with offsets into its body."""
        if msgid in self.description_mentions:
            return list(self.description_mentions[msgid])
        return [m for c in self._by_msgid.get(msgid, ()) for m in c.body_mentions]

    def message_counts(self) -> dict[str, MentionCount]:
        """FN/FP counts per message that has any comment or description."""
        ids = list(dict.fromkeys([*self.description_mentions, *self._by_msgid]))
        return {msgid: count_mentions(self.message_mentions(msgid)) for msgid in ids}

    def patch_counts(self, number: int) -> MentionCount:
        """FN/FP mentions in comments anchored to patch NUMBER."""
        return _count(self.comments_for_patch(number))

    def site_counts(self, site_id: str) -> MentionCount:
        """FN/FP mentions in comments attached to call site SITE_ID."""
        return _count(self.comments_for_site(site_id))

    def total_counts(self) -> MentionCount:
        """FN/FP mentions in every comment of the revision (descriptions excluded)."""
        return _count(self.comments)

    def trailers_for_patch(self, number: int) -> PatchTrailers:
        """Follow-up trailers of patch NUMBER as b4 am would add them, plus mismatches."""
        return self.patch_trailers.get(number, PatchTrailers((), ()))


def _group(comments: Iterable[Comment], key: Callable[[Comment], K],
           ) -> dict[K, tuple[Comment, ...]]:
    grouped: dict[K, list[Comment]] = {}
    for comment in comments:
        grouped.setdefault(key(comment), []).append(comment)
    return {k: tuple(v) for k, v in grouped.items()}


def _count(comments: Iterable[Comment]) -> MentionCount:
    return count_mentions(m for c in comments for m in c.mentions)


def discussed_messages(series: Series, revision: Revision) -> list[Message]:
    """Replies that belong to REVISION, and replies linked to no revision at all."""
    return [m for m in series.ordered_messages() if m.kind == "reply"
            and (m.revision == revision.number or m.revision is None)]


def message_comments(message: Message, ctx: AnchorContext) -> list[Comment]:
    """The own-text comments of MESSAGE, anchored with CTX."""
    blocks = split_quotes(message.body)
    anchors = anchor_blocks(blocks, message.patch, ctx)
    own = [b for b in blocks if b.kind == "own"]
    return [
        Comment(
            msgid=message.msgid, author=message.author, email=message.email, date=message.date,
            index=i, text=block.text, start=block.start, end=block.end,
            mentions=tuple(find_mentions(block.text)), anchor=anchor,
        )
        for i, (block, anchor) in enumerate(zip(own, anchors, strict=True))
    ]


def _description_mentions(message: Message) -> tuple[Mention, ...]:
    """Mentions in a cover letter or in a patch's commit message (not its diff)."""
    match = _DESCRIPTION_END.search(message.body)
    return tuple(find_mentions(message.body[: match.start()] if match else message.body))


def analyse_discussion(series: Series, revision: Revision, sites: Sequence[CallSite] = (),
                       ) -> Discussion:
    """Comments, anchors, FN/FP mentions and trailers of REVISION's discussion in SERIES."""
    ctx = prepare(revision, sites)
    # An unlinked reply in a thread with several revisions may answer any of them: its
    # comments and mentions count, but it is matched against no diff.
    blind = AnchorContext(hunks=(), by_key={}, by_patch_key={}, sites={})
    single = len(series.revisions) == 1
    comments: list[Comment] = []
    trailers: dict[str, tuple[str, ...]] = {}
    for message in discussed_messages(series, revision):
        linked = message.revision is not None or single
        comments.extend(message_comments(message, ctx if linked else blind))
        trailers[message.msgid] = tuple(message.trailers)
    described = [p.message for p in revision.patches]
    if revision.cover is not None:
        described.insert(0, revision.cover)
    for message in described:
        trailers[message.msgid] = tuple(message.trailers)
    return Discussion(
        revision=revision.number,
        comments=tuple(comments),
        message_trailers=trailers,
        patch_trailers={p.number: PatchTrailers(tuple(p.followup_trailers),
                                                tuple(p.trailer_mismatches))
                        for p in revision.patches},
        cover_trailers=tuple(revision.cover_trailers),
        description_mentions={m.msgid: _description_mentions(m) for m in described},
    )


def site_discussion_map(series: Series, revision: Revision, sites: Sequence[CallSite],
                        ) -> dict[str, list[str]]:
    """For every site id, the Message-IDs of the replies that comment on it (oldest first)."""
    discussion = analyse_discussion(series, revision, sites)
    return {site.id: discussion.site_discussion(site.id) for site in sites}


def site_talk_map(series: Series, revision: Revision, sites: Sequence[CallSite],
                  ) -> dict[str, SiteTalk]:
    """For every site id, its comments on the site, elsewhere in its hunk and on its patch."""
    discussion = analyse_discussion(series, revision, sites)
    return {site.id: discussion.site_talk(site) for site in sites}
