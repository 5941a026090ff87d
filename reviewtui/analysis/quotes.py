"""Split a reply body into quoted blocks, attribution lines and the replier's own text.

Pure functions over text. Offsets always point into the body as given, so a caller can
highlight `body[block.start:block.end]` without re-deriving anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

# One quote level is '>' plus at most one blank; "> >", ">>" and ">\xa0>" all nest.
_QUOTE_PREFIX = re.compile(r"(?:>[ \t\u00a0]?)+")
_ATTRIBUTION_END = re.compile(
    r"\b(?:wrote|writes|said|a\s+écrit|schrieb|escribió|ha\s+scritto|napisał|kirjoitti)\s*:\s*$",
    re.IGNORECASE,
)
_QUOTING = re.compile(r"^Quoting\b.*\(\d{4}-\d\d-\d\d[^)]*\)\s*:?\s*$")
_TRIM_MARKER = re.compile(
    r"^\s*(?:\[\s*(?:\.\.\.|…|\.\.|snip|snipped|cut|trimmed)\s*\]|<\s*snip\s*>|\.\.\.|…)\s*$",
    re.IGNORECASE,
)
_SIGNATURE = re.compile(r"^--[ \t\u00a0]?$")
_PGP_SIGNED = "-----BEGIN PGP SIGNED MESSAGE-----"
_PGP_SIG_BEGIN = "-----BEGIN PGP SIGNATURE-----"
_PGP_SIG_END = "-----END PGP SIGNATURE-----"
_ORIGINAL_MESSAGE = re.compile(r"^\s*-{3,}\s*Original Message\s*-{3,}\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Block:
    """A run of body lines of one kind: "quote" (with its depth), "own" or "attribution".

    lines holds the text with the quote prefix removed; start/end are offsets into the body
    (end excludes the final line break), first_line is the 0-based number of the first line.
    """

    kind: str
    depth: int
    lines: tuple[str, ...]
    start: int
    end: int
    first_line: int
    text: str  # own text and attributions: body[start:end]; quotes: lines joined by "\n"


class _Line(NamedTuple):  # a tuple: built for every line of every reply
    depth: int
    content: str
    start: int
    end: int
    number: int


def quote_depth(line: str) -> tuple[int, str]:
    """The quote depth of LINE and its content without the quote prefix."""
    match = _QUOTE_PREFIX.match(line) if line[:1] == ">" else None
    if not match:
        return 0, line
    return match.group(0).count(">"), line[match.end():]


def _raw_lines(body: str) -> list[_Line]:
    out: list[_Line] = []
    pos = 0
    for number, chunk in enumerate(body.splitlines(keepends=True)):
        text = chunk.rstrip("\r\n")
        depth, content = quote_depth(text)
        out.append(_Line(depth, content, pos, pos + len(text), number))
        pos += len(chunk)
    return out


def _is_blank(text: str) -> bool:
    return not text.strip()


def is_attribution(text: str) -> bool:
    """True for 'On <date>, X wrote:' style lines (and 'X writes:', 'Quoting X (date)')."""
    text = text.strip()
    # Both patterns end in ":" or ")" (then blanks): test that first, it rules out most lines.
    if not text or len(text) > 300 or text[-1] not in ":)":
        return False
    quoting = text.startswith("Quoting") and _QUOTING.match(text) is not None
    return quoting or (text[-1] == ":" and _ATTRIBUTION_END.search(text) is not None)


def _drop_noise(lines: list[_Line]) -> list[tuple[_Line, str]]:
    """Tag each line: "line", "drop" (signature, PGP armour, trim marker) or "original"."""
    tagged: list[tuple[_Line, str]] = []
    in_pgp_sig: int | None = None  # depth of an open PGP signature block
    in_pgp_head = False
    in_signature = False
    in_original = False
    for line in lines:
        stripped = line.content.strip()
        if in_original:
            tagged.append((line, "original"))
            continue
        if in_pgp_sig is not None:
            tagged.append((line, "drop"))
            if line.depth == in_pgp_sig and stripped == _PGP_SIG_END:
                in_pgp_sig = None
            continue
        if stripped == _PGP_SIG_BEGIN:
            in_pgp_sig = line.depth
            tagged.append((line, "drop"))
            continue
        if stripped == _PGP_SIGNED:
            in_pgp_head = True
            tagged.append((line, "drop"))
            continue
        if in_pgp_head:
            # Armour headers ("Hash: SHA256") run until the first blank line.
            tagged.append((line, "drop"))
            in_pgp_head = bool(stripped)
            continue
        if line.depth == 0:
            if _ORIGINAL_MESSAGE.match(line.content):
                in_original = True
                tagged.append((line, "drop"))
                continue
            if _SIGNATURE.match(line.content):
                in_signature = True
            if in_signature or _TRIM_MARKER.match(line.content):
                tagged.append((line, "drop"))
                continue
        else:
            in_signature = False
        tagged.append((line, "line"))
    return tagged


def _mark_attributions(lines: list[_Line], kinds: list[str]) -> None:
    """Turn own or quoted lines that introduce a deeper quote into "attribution"."""
    for i, line in enumerate(lines):
        if kinds[i] not in ("own", "quote") or not is_attribution(line.content):
            continue
        # The next kept, non-blank line (the gaps scanned are disjoint: linear in all).
        after = next((j for j in range(i + 1, len(lines))
                      if kinds[j] != "drop" and not _is_blank(lines[j].content)), None)
        if after is None or lines[after].depth <= line.depth:
            continue
        kinds[i] = "attribution"
        # A wrapped attribution: "On Mon, Aug 7, 2023 at 8:10 PM X <x@y>" / "wrote:".
        prev = i - 1
        if (prev >= 0 and kinds[prev] in ("own", "quote") and lines[prev].depth == line.depth
                and lines[prev].content.lstrip().startswith("On ")
                and not _ATTRIBUTION_END.search(lines[prev].content)
                and len(line.content.strip()) < 40):
            kinds[prev] = "attribution"


def split_quotes(body: str) -> list[Block]:
    """Split BODY into quote blocks (any depth), attribution lines and own-text blocks.

    Signatures ("-- " up to the next quoted line), PGP armour and trim markers ("[...]") are
    dropped. Blank own lines separate blocks unless they sit inside one own-text paragraph run.
    An unquoted "-----Original Message-----" (Outlook top-posting) starts a depth-1 quote.
    """
    lines = _raw_lines(body)
    tagged = _drop_noise(lines)
    kinds: list[str] = []
    norm: list[_Line] = []
    for line, tag in tagged:
        if tag == "original":
            line = _Line(line.depth + 1, line.content, line.start, line.end, line.number)
        norm.append(line)
        if tag == "drop":
            kinds.append("drop")
        else:
            kinds.append("quote" if line.depth else "own")
    _mark_attributions(norm, kinds)
    return _group(body, norm, kinds)


def _group(body: str, lines: list[_Line], kinds: list[str]) -> list[Block]:
    blocks: list[Block] = []
    run: list[_Line] = []
    run_kind = ""
    run_depth = -1

    def flush() -> None:
        nonlocal run
        while run and _is_blank(run[-1].content) and run_kind != "quote":
            run.pop()
        if run and any(not _is_blank(x.content) for x in run):
            lines_ = tuple(x.content for x in run)
            start, end = run[0].start, run[-1].end
            text = "\n".join(lines_) if run_kind == "quote" else body[start:end]
            blocks.append(Block(kind=run_kind, depth=run_depth, lines=lines_, start=start,
                                end=end, first_line=run[0].number, text=text))
        run = []

    for line, kind in zip(lines, kinds, strict=True):
        if kind == "drop":
            flush()
            continue
        depth = line.depth if kind != "own" else 0
        if kind == "own" and _is_blank(line.content):
            if run_kind == "own" and run:
                run.append(line)  # paragraph break inside one comment
            continue
        if kind != run_kind or depth != run_depth:
            flush()
            run_kind, run_depth = kind, depth
        run.append(line)
    flush()
    return blocks


def own_blocks(blocks: list[Block]) -> list[Block]:
    """The replier's own-text blocks, in order."""
    return [b for b in blocks if b.kind == "own"]
