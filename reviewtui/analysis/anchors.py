"""Anchor a reply's own-text comments to the diff lines they answer, then to call sites.

A comment belongs to the nearest quoted lines above it that match the real diff of the patch
the message (ultimately) replies to, at any quote depth: a reply to a reply that still
quotes the diff at ">>" inherits the anchor. Matching is by content with every blank removed,
so trimmed hunks, missing diff/@@ headers, tabs turned into spaces, stripped trailing blanks,
U+00A0 and re-wrapped lines all still match. Ambiguity is resolved with the neighbouring
quoted lines, @@ headers, file headers, the +/- marker and indentation, in that order; what
stays ambiguous gets no line rather than a guessed one.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from reviewtui.analysis.attribution import attribute
from reviewtui.analysis.callsite import CallSite
from reviewtui.analysis.quotes import Block
from reviewtui.model.diff import DiffLine
from reviewtui.model.thread import Revision

# \s covers U+00A0 and U+202F; zero-width characters are invisible in quotes too.
_BLANKS = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff]+")
_ALNUM = re.compile(r"[^\W_]")  # what str.isalnum() accepts
_HUNK_HEADER = re.compile(r"^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@")
_FILE_HEADER = re.compile(r"^(?:diff --git a/\S+ b/(\S+)|\+\+\+ (?:b/)?(\S+)|--- (?:a/)?(\S+))")
_NOISE = re.compile(
    r"^(?:index [0-9a-f]+\.\.[0-9a-f]+|--[ \u00a0]?$"
    r"|(?:new|deleted) file mode|similarity index|rename (?:from|to) )"
)
_DIFFSTAT = re.compile(r"^(?:\d+ files? changed|\S+\s+\|\s+(?:\d+\s*[+-]*|Bin\b.*)$)")
MIN_DISTINCT = 10  # shorter keys ("}", "return 0;", "goto out;") never anchor on their own
_MAX_BACK = 40  # quoted lines looked at above a candidate line
_MAX_MISSES = 6  # non-matching quoted lines tolerated inside one quoted run
_MAX_CANDIDATES = 200  # a key found more often than this in scope is noise, not evidence
PATCH_TALK = (-1, -1)  # _Walk.nearest: the quote right above is the commit message or diffstat


@dataclass(frozen=True)
class Anchor:
    """Where a comment points: patch (0 = cover), file, line on side "old"/"new", call site.

    text is the comment itself; quoted holds the quoted diff lines (as written, quote prefix
    removed) that placed it. file/line/side/site_id are None when only the patch is known.
    hunk is (file index, hunk index) when the quote lies in one hunk. site_id is set only when
    the quote is about that site (see attribution); otherwise a placed comment is on the hunk.
    """

    patch: int | None
    file: str | None
    line: int | None
    side: str | None
    site_id: str | None
    text: str
    quoted: tuple[str, ...] = ()
    hunk: tuple[int, int] | None = None

    @property
    def scope(self) -> str:
        """"site", "hunk" (a diff line, no site of its own) or "patch" (no diff line)."""
        if self.site_id is not None:
            return "site"
        return "hunk" if self.hunk is not None else "patch"


def content_key(text: str) -> str:
    """TEXT without any whitespace: what survives every mail client."""
    key = "".join(text.split())  # str.split() and re's \s agree on what whitespace is
    return key if key.isascii() else _BLANKS.sub("", key)  # zero-width characters too


def indent_width(marker: str, text: str) -> int:
    """Visual column where the code starts, with MARKER at column 0 and 8-column tabs."""
    col = len(marker)
    for ch in text:
        if ch == "\t":
            col = (col // 8 + 1) * 8
        elif ch in " \u00a0\u202f":
            col += 1
        else:
            break
    return col


def is_distinct(key: str) -> bool:
    """True when KEY is specific enough to count as evidence of a diff line."""
    return len(key) >= MIN_DISTINCT and _ALNUM.search(key) is not None


@dataclass(frozen=True)
class IndexedHunk:
    """One hunk of one patch with its line keys and a key -> line-index map."""

    patch: int
    file_index: int
    hunk_index: int
    path: str
    old_path: str | None
    old_start: int
    new_start: int
    lines: tuple[DiffLine, ...]
    indents: tuple[int, ...]
    positions: dict[str, list[int]] = field(compare=False, repr=False)

    def before(self, key: str, limit: int) -> int | None:
        """The last line index below LIMIT whose key is KEY."""
        found = self.positions.get(key)
        if not found:
            return None
        i = bisect.bisect_left(found, limit)
        return found[i - 1] if i else None


@dataclass(frozen=True)
class AnchorContext:
    """A revision's diff lines indexed by content, and its call sites by hunk."""

    hunks: tuple[IndexedHunk, ...]
    by_key: dict[str, list[tuple[int, int]]] = field(compare=False, repr=False)
    by_patch_key: dict[tuple[int, str], list[tuple[int, int]]] = field(compare=False, repr=False)
    sites: dict[tuple[int, int, int], list[tuple[CallSite, tuple[int, ...]]]] = field(
        compare=False, repr=False)
    # Keys of commit-message lines per patch (0: the cover letter): quoting them is patch talk.
    descriptions: dict[int, frozenset[str]] = field(default_factory=dict, compare=False,
                                                    repr=False)

    def candidates(self, key: str, patch: int | None) -> list[tuple[int, int]]:
        """(hunk id, line index) pairs holding KEY in PATCH (None: in any patch)."""
        if patch is None:
            return self.by_key.get(key, [])
        return self.by_patch_key.get((patch, key), [])

    def knows(self, key: str) -> bool:
        """True when some patch has a line with KEY."""
        return key in self.by_key

    def describes(self, key: str, patch: int | None) -> bool:
        """True when KEY is a line of PATCH's commit message (any patch's or cover's: None)."""
        if not is_distinct(key):
            return False
        if patch is None:
            return any(key in keys for keys in self.descriptions.values())
        return key in self.descriptions.get(patch, frozenset())


def prepare(revision: Revision, sites: Sequence[CallSite] = ()) -> AnchorContext:
    """Index every hunk line of REVISION by content and place SITES in their hunks."""
    hunks: list[IndexedHunk] = []
    by_key: dict[str, list[tuple[int, int]]] = {}
    by_patch_key: dict[tuple[int, str], list[tuple[int, int]]] = {}
    for patch in revision.patches:
        for fi, fpatch in enumerate(patch.diff.files):
            for hi, hunk in enumerate(fpatch.hunks):
                positions: dict[str, list[int]] = {}
                for li, ln in enumerate(hunk.lines):
                    key = content_key(ln.text)
                    if key:
                        positions.setdefault(key, []).append(li)
                hid = len(hunks)
                hunks.append(IndexedHunk(
                    patch=patch.number, file_index=fi, hunk_index=hi, path=fpatch.path,
                    old_path=fpatch.old_path, old_start=hunk.old_start, new_start=hunk.new_start,
                    lines=hunk.lines,
                    indents=tuple(indent_width(ln.kind, ln.text) for ln in hunk.lines),
                    positions=positions,
                ))
                for key, lis in positions.items():
                    pairs = [(hid, li) for li in lis]
                    by_key.setdefault(key, []).extend(pairs)
                    by_patch_key.setdefault((patch.number, key), []).extend(pairs)
    return AnchorContext(tuple(hunks), by_key, by_patch_key, _place_sites(hunks, sites),
                         _descriptions(revision))


def _descriptions(revision: Revision) -> dict[int, frozenset[str]]:
    out = {}
    for patch in revision.patches:
        text = f"{patch.full_subject}\n{patch.commit_message}\n" + "\n".join(patch.trailers)
        out[patch.number] = frozenset(content_key(line) for line in text.splitlines())
    if revision.cover is not None:
        head = re.split(r"^---[ \t]*$", revision.cover.body, maxsplit=1, flags=re.MULTILINE)[0]
        out[0] = frozenset(content_key(line) for line in head.splitlines())
    return out


def _place_sites(hunks: list[IndexedHunk], sites: Sequence[CallSite]):
    by_hunk = {(h.patch, h.file_index, h.hunk_index): h for h in hunks}
    placed: dict[tuple[int, int, int], list[tuple[CallSite, tuple[int, ...]]]] = {}
    for site in sites:
        where = (site.patch, site.file_index, site.hunk_index)
        hunk = by_hunk.get(where)
        if hunk is None:
            continue
        old, new = set(site.old_lines), set(site.new_lines)
        lis = tuple(li for li, ln in enumerate(hunk.lines)
                    if (ln.kind != "+" and ln.old_no in old)
                    or (ln.kind != "-" and ln.new_no in new))
        placed.setdefault(where, []).append((site, lis))
    return placed


class _Item(NamedTuple):  # a tuple: built for every quoted line of every reply
    """One quoted line, classified: kind " ", "+", "-", "@" (hunk header), "f" (file header),
    "s" (diffstat) or "" (blank or noise). alt is the key under the other reading of a +/-."""

    block: int
    depth: int
    raw: str
    kind: str
    key: str = ""
    alt: str = ""
    indent: int = 0
    header: tuple[int, int] | None = None
    path: str | None = None

    @property
    def line_key(self) -> str:
        """content_key(raw) of a " ", "+" or "-" item: the key with its marker, if any."""
        return self.alt if self.kind in "+-" else self.key


def _classify(block: int, depth: int, raw: str) -> _Item:
    text = raw.lstrip(" \t\u00a0")
    if not text.strip():
        return _Item(block, depth, raw, "")
    # Each pattern is tried only where its first character (or its "|") can match.
    first = text[0]
    match = _HUNK_HEADER.match(text) if first == "@" else None
    if match:
        return _Item(block, depth, raw, "@", header=(int(match.group(1)), int(match.group(2))))
    match = _FILE_HEADER.match(text) if first in "d+-" else None
    if match and (text.startswith("diff --git ") or "/" in text):
        path = next(g for g in match.groups() if g)
        return _Item(block, depth, raw, "f", path=path)
    if ("|" in text or first.isdigit()) and _DIFFSTAT.match(text):
        return _Item(block, depth, raw, "s")
    if first in "-dinrs" and _NOISE.match(text):
        return _Item(block, depth, raw, "")
    if raw[0] in "+-":
        key = content_key(raw[1:])
        # The marker is no blank: the key of the whole line is the marker, then KEY.
        return _Item(block, depth, raw, raw[0], key=key, alt=raw[0] + key,
                     indent=indent_width(raw[0], raw[1:]))
    body = raw[1:] if raw[0] in " \u00a0" else raw
    key = content_key(text)  # the blanks stripped off RAW would not be in its key anyway
    # ">  -\tif (x)": a client put an extra blank before the marker; try it without the marker.
    alt = key[1:] if text[0] in "+-" else ""
    return _Item(block, depth, raw, " ", key=key, alt=alt, indent=indent_width(" ", body))


def _rejoin(items: list[_Item], ctx: AnchorContext) -> list[_Item]:
    """Merge a diff line the mailer wrapped onto the next one(s) back into one item."""
    out: list[_Item] = []
    i = 0
    while i < len(items):
        item = items[i]
        if item.kind in " +-" and not (ctx.knows(item.key) and is_distinct(item.key)):
            key, raw = item.key, item.raw
            for extra in (1, 2):
                nxt = items[i + extra] if i + extra < len(items) else None
                if nxt is None or nxt.kind not in " +-":
                    break
                key += nxt.line_key
                raw = raw + "\n" + nxt.raw
                if ctx.knows(key) and is_distinct(key):
                    item = _Item(item.block, item.depth, raw, item.kind, key=key,
                                 alt=item.alt, indent=item.indent)
                    i += extra
                    break
        out.append(item)
        i += 1
    return out


@dataclass(frozen=True)
class _Placement:
    """Where one quoted line sits in the diff: the tied best (hunk id, line index) pairs."""

    winners: tuple[tuple[int, int], ...]
    used: tuple[int, ...]  # item indexes that matched, for Anchor.quoted
    strength: int
    scope_size: int
    spans: tuple[tuple[int, ...], ...] = ()  # per winner: the hunk lines the quote matched


def _score(items: list[_Item], i: int, hunk: IndexedHunk, li: int):
    item = items[i]
    line = hunk.lines[li]
    distinct = int(is_distinct(item.key))
    total, kinds = 1, int(item.kind == line.kind)
    indents = int(abs(item.indent - hunk.indents[li]) <= 1)
    used = [i]
    matched = [li]
    j, misses, skipped = li, 0, 0
    for k in range(i - 1, max(-1, i - _MAX_BACK), -1):
        prev = items[k]
        if prev.block != item.block:
            break
        if prev.kind in ("", "s"):
            continue
        if prev.kind == "@":
            distinct += 2 if prev.header == (hunk.old_start, hunk.new_start) else -3
            break
        if prev.kind == "f":
            distinct += 1 if prev.path in (hunk.path, hunk.old_path) else -3
            break
        p = hunk.before(prev.key, j)
        if p is None and prev.alt:
            p = hunk.before(prev.alt, j)
        if p is None:
            misses += 1
            if misses > _MAX_MISSES:
                break
            continue
        skipped += j - p - 1
        j = p
        total += 1
        distinct += int(is_distinct(prev.key))
        kinds += int(prev.kind == hunk.lines[p].kind)
        indents += int(abs(prev.indent - hunk.indents[p]) <= 1)
        used.append(k)
        matched.append(p)
    # Quoted runs are contiguous in the diff unless trimmed: fewer skipped lines is closer.
    return (distinct, total, -skipped, kinds, indents), tuple(sorted(used)), tuple(sorted(matched))


def _place(items: list[_Item], i: int, ctx: AnchorContext, patch: int | None) -> _Placement | None:
    """Place quoted line I in PATCH's diff (any patch when None), or None if it is no evidence."""
    item = items[i]
    if item.kind not in " +-" or not item.key:
        return None
    cands = ctx.candidates(item.key, patch)
    if not cands and item.alt:
        cands = ctx.candidates(item.alt, patch)
    if not cands or len(cands) > _MAX_CANDIDATES:
        return None
    scored = [(_score(items, i, ctx.hunks[h], li), (h, li)) for h, li in dict.fromkeys(cands)]
    best = max(s for (s, _, _), _ in scored)
    if best[0] <= 0:
        return None  # only trivial lines matched: a quote of prose that looks like code
    winners = tuple(pos for (s, _, _), pos in scored if s == best)
    used = next(u for (s, u, _), _ in scored if s == best)
    spans = tuple(m for (s, _, m), _ in scored if s == best)
    return _Placement(winners, used, best[0], len(cands), spans)


def _site_for(ctx: AnchorContext, hunk: IndexedHunk, span: tuple[int, ...]) -> str | None:
    """The call site of HUNK the quote matching lines SPAN is about, if any."""
    placed = ctx.sites.get((hunk.patch, hunk.file_index, hunk.hunk_index), [])
    return attribute(hunk.lines, span, [(site.id, lis) for site, lis in placed])


def _anchor_from(ctx: AnchorContext, placement: _Placement, items: list[_Item], text: str,
                 patch: int | None) -> Anchor | None:
    winners = placement.winners
    quoted = tuple(items[k].raw for k in placement.used)
    hunks = [ctx.hunks[h] for h, _ in winners]
    # Searching every patch: only an unambiguous, well-supported placement counts.
    if patch is None and (len(winners) != 1
                          or (placement.strength < 2 and placement.scope_size != 1)):
        return None
    spans = placement.spans or tuple((li,) for _, li in winners)
    if len(winners) == 1:
        hunk, li = hunks[0], winners[0][1]
        line = hunk.lines[li]
        side, number = ("old", line.old_no) if line.kind == "-" else ("new", line.new_no)
        return Anchor(hunk.patch, hunk.path, number, side, _site_for(ctx, hunk, spans[0]), text,
                      quoted, (hunk.file_index, hunk.hunk_index))
    if len({h.patch for h in hunks}) != 1:
        return None
    files = {h.path for h in hunks}
    site_ids = {_site_for(ctx, ctx.hunks[h], span) for (h, _), span in zip(winners, spans,
                                                                          strict=True)}
    site_id = site_ids.pop() if len(site_ids) == 1 else None
    places = {(h.file_index, h.hunk_index) for h in hunks}
    return Anchor(hunks[0].patch, files.pop() if len(files) == 1 else None, None, None,
                  site_id, text, quoted, places.pop() if len(places) == 1 else None)


def anchor_blocks(blocks: Sequence[Block], patch: int | None, ctx: AnchorContext,
                  ) -> list[Anchor | None]:
    """One anchor per own-text block of BLOCKS, for a message belonging to PATCH.

    PATCH is Message.patch: the patch the message ultimately replies to (0 = cover letter,
    None = not linked). Quotes are matched against that patch only; for the cover letter or
    an unlinked message every patch is searched and only an unambiguous placement counts.
    A comment whose quotes match no diff line gets the patch alone (None when unlinked), and
    so does one right under a quote of the commit message or diffstat, even when diff quotes
    sit further up.
    """
    walk = _Walk(blocks, ctx, patch if patch else None)
    out: list[Anchor | None] = []
    for bi, block in enumerate(blocks):
        if block.kind != "own":
            continue
        found = walk.nearest(bi - 1)
        anchor = None
        if found is not None and found != PATCH_TALK:
            items = walk.items(found[0])
            anchor = _anchor_from(ctx, walk.placements[found], items, block.text, walk.scope)
        if anchor is None and patch is not None:
            anchor = Anchor(patch, None, None, None, None, block.text)
        out.append(anchor)
    return out


@dataclass
class _Walk:
    """Backward search for the nearest placeable quoted line; memoised, so linear per message.

    Quote blocks are classified only when the search reaches them: a bottom-quoted history
    below the last comment costs nothing.
    """

    blocks: Sequence[Block]
    ctx: AnchorContext
    scope: int | None
    placements: dict[tuple[int, int], _Placement | None] = field(default_factory=dict)
    _items: dict[int, list[_Item]] = field(default_factory=dict)
    _resolved: dict[int, tuple[int, int] | None] = field(default_factory=dict)

    def items(self, bi: int) -> list[_Item]:
        """The classified, re-joined quoted lines of block BI."""
        if bi not in self._items:
            block = self.blocks[bi]
            self._items[bi] = _rejoin([_classify(bi, block.depth, raw) for raw in block.lines],
                                      self.ctx)
        return self._items[bi]

    def nearest(self, start: int) -> tuple[int, int] | None:
        """(block, item) of the nearest placed quoted line at or above the end of block START.

        PATCH_TALK when a quoted commit-message or diffstat line comes first.
        """
        walked: list[int] = []
        found = None
        for bi in range(start, -1, -1):
            if bi in self._resolved:
                found = self._resolved[bi]
                break
            walked.append(bi)
            if self.blocks[bi].kind == "quote":
                found = self._last_placed(bi)
                if found is not None:
                    break
        for bi in walked:
            self._resolved[bi] = found
        return found

    def _last_placed(self, bi: int) -> tuple[int, int] | None:
        items = self.items(bi)
        for i in range(len(items) - 1, -1, -1):
            key = (bi, i)
            if key not in self.placements:
                self.placements[key] = _place(items, i, self.ctx, self.scope)
            if self.placements[key] is not None:
                return key
            item = items[i]
            if item.kind == "s" or (item.kind == " " and self.ctx.describes(item.key, self.scope)):
                return PATCH_TALK
        return None
