"""C expression helpers over diff lines: lexing without comments/strings, calls, polarity.

Lines are lexed one at a time with the block-comment state carried between them, so a
comment that mentions an API is never taken for a call and a condition that continues on the
next line is read as one token stream.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

_DELIM = re.compile(r'/\*|\*/|//|"|\'')
_TOKEN = re.compile(
    r"[A-Za-z_]\w*"
    r"|0[xX][0-9a-fA-F]+[uUlL]*|\d+[uUlL]*"
    r"|->|\+\+|--|<<=|>>=|<=|>=|==|!=|&&|\|\||<<|>>|[-+*/%&|^]=|\"\"|''"
    r"|[^\s\w]"
)
_KEYWORDS = frozenset(
    ["return", "if", "else", "while", "for", "do", "switch", "case", "goto", "sizeof",
     "typeof", "__typeof__", "default", "break", "continue"]
)
_COMPARE = {">", ">=", "<", "<=", "==", "!="}
_SWAP = {">": "<", "<": ">", ">=": "<=", "<=": ">=", "==": "==", "!=": "!="}
_NEGATED = {"shared?": "exclusive?", "exclusive?": "shared?", "mapped?": "not mapped?",
            "not mapped?": "mapped?"}
_PREDICATE = {"shared": "shared?", "exclusive": "exclusive?", "mapped": "mapped?"}


@lru_cache(maxsize=65536)
def strip_line(text: str, in_comment: bool) -> tuple[str, bool, bool]:
    """(code, in_comment after, closed_unopened) for one line.

    Comments become spaces, string and char literals become "" / ''; closed_unopened says the
    line closed a block comment that was not open, i.e. the text began inside a comment.
    """
    if not in_comment and "/" not in text and '"' not in text and "'" not in text:
        return text, False, False
    out: list[str] = []
    pos = 0
    closed_unopened = False
    n = len(text)
    while pos < n:
        if in_comment:
            end = text.find("*/", pos)
            if end < 0:
                out.append(" " * (n - pos))
                return "".join(out), True, closed_unopened
            out.append(" " * (end + 2 - pos))
            pos = end + 2
            in_comment = False
            continue
        m = _DELIM.search(text, pos)
        if m is None:
            out.append(text[pos:])
            break
        out.append(text[pos:m.start()])
        tok = m.group()
        if tok == "/*":
            in_comment = True
            out.append("  ")
            pos = m.end()
        elif tok == "*/":
            closed_unopened = True
            out.append("  ")
            pos = m.end()
        elif tok == "//":
            out.append(" " * (n - m.start()))
            break
        else:
            end = _literal_end(text, m.end(), tok)
            width = end - m.start()
            out.append((tok * 2)[:width] + " " * (width - 2))
            pos = end
    return "".join(out), in_comment, closed_unopened


def _literal_end(text: str, pos: int, quote: str) -> int:
    while pos < len(text):
        ch = text[pos]
        if ch == "\\":
            pos += 2
            continue
        if ch == quote:
            return pos + 1
        pos += 1
    return len(text)


def looks_like_comment_body(text: str) -> bool:
    """A ' * text' line: the inside of a block comment whose opening is outside the hunk."""
    s = text.lstrip()
    return s == "*" or (s.startswith(("* ", "*\t")) and "*/" not in s)


def strip_lines(lines: Sequence[str]) -> list[str]:
    """Code of consecutive lines with comments/strings blanked (knows a text may begin in one)."""
    codes, consistent = _strip(lines, False)
    if not consistent:
        # A '*/' closed a comment that was never opened: the text began inside a comment.
        codes, _ = _strip(lines, True)
    return codes


def _strip(lines: Sequence[str], state: bool) -> tuple[list[str], bool]:
    codes = []
    leading = True  # only lines before any code can be inside a comment opened above the text
    for text in lines:
        if leading and not state and looks_like_comment_body(text):
            codes.append("")
            continue
        code, state, closed = strip_line(text, state)
        if closed:
            return codes, False
        codes.append(code)
        leading = leading and not code.strip()
    return codes, True


@lru_cache(maxsize=65536)
def tokens(code: str) -> tuple[str, ...]:
    """C tokens of comment-free code (identifiers, numbers, operators, "" for strings)."""
    return tuple(_TOKEN.findall(code))


def is_ident(tok: str) -> bool:
    """True for an identifier or keyword token."""
    return tok[:1].isalpha() or tok[:1] == "_"


@dataclass(frozen=True)
class Call:
    """A call of a known API in a token stream: name, token index of the name, its ')'."""

    name: str
    index: int
    close: int | None


def find_calls(stream: Sequence[str], names: frozenset[str] | set[str]) -> list[Call]:
    """Calls of NAMES in STREAM (not member calls, not declarations or definitions)."""
    calls = []
    for i, tok in enumerate(stream):
        if tok not in names or i + 1 >= len(stream) or stream[i + 1] != "(":
            continue
        if i and stream[i - 1] in (".", "->", "define"):
            continue
        if is_declaration(stream, i):
            continue
        calls.append(Call(tok, i, matching_paren(stream, i + 1)))
    return calls


def find_fields(stream: Sequence[str], fields: frozenset[str] | set[str]) -> list[int]:
    """Indexes of member accesses (->f / .f) of FIELDS in STREAM."""
    return [i for i, tok in enumerate(stream)
            if tok in fields and i and stream[i - 1] in (".", "->")]


def enclosing_paren(stream: Sequence[str], index: int) -> int | None:
    """Index of the unclosed '(' around token INDEX within its statement, else None."""
    depth = 0
    for j in range(index - 1, -1, -1):
        tok = stream[j]
        if tok == ")":
            depth += 1
        elif tok == "(":
            if depth == 0:
                return j
            depth -= 1
        elif tok in (";", "{", "}"):
            return None
    return None


def matching_paren(stream: Sequence[str], open_index: int) -> int | None:
    """Index of the ')' matching the '(' at OPEN_INDEX, None when the stream ends first."""
    depth = 0
    for j in range(open_index, len(stream)):
        tok = stream[j]
        if tok == "(":
            depth += 1
        elif tok == ")":
            depth -= 1
            if depth == 0:
                return j
        elif tok in (";", "{", "}") and depth:
            return None
    return None


def is_declaration(stream: Sequence[str], i: int) -> bool:
    """True when the name at I is declared/defined ('static inline int NAME(...)')."""
    seen_type = False
    j = i - 1
    while j >= 0:
        tok = stream[j]
        if tok in (";", "{", "}") or tok == "#":
            break
        if tok == "*":
            j -= 1
            continue
        if not is_ident(tok) or tok in _KEYWORDS:
            return False
        seen_type = True
        j -= 1
    return seen_type


def polarity(stream: Sequence[str], call: Call, returns: str) -> str:
    """What the use of CALL asks: 'shared?', 'exclusive?', 'mapped?', 'not mapped?' or 'count'."""
    start = call.index
    negations = 0
    while start > 0 and stream[start - 1] == "!":
        negations += 1
        start -= 1
    before = stream[start - 1] if start > 0 else ""
    after_i = call.close + 1 if call.close is not None else None
    after = stream[after_i] if after_i is not None and after_i < len(stream) else ""
    operand = stream[after_i + 1] if after and after_i + 1 < len(stream) else ""
    if after in _COMPARE and not negations:
        base = compare_polarity(after, operand, returns)
        if base is not None:
            return base
        return "count"
    if before in _COMPARE and start >= 2 and not negations:
        base = compare_polarity(_SWAP[before], stream[start - 2], returns)
        return base if base is not None else "count"
    if returns in _PREDICATE:
        return _negate(_PREDICATE[returns], negations)
    if negations or _boolean_context(stream, start, after):
        return _negate("mapped?", negations)
    return "count"


def _negate(value: str, times: int) -> str:
    return _NEGATED[value] if times % 2 else value


def _number(tok: str) -> int | None:
    tok = tok.rstrip("uUlL")
    if tok in ("true", "false"):
        return 1 if tok == "true" else 0
    try:
        return int(tok, 0)
    except ValueError:
        return None


def compare_polarity(op: str, operand: str, returns: str) -> str | None:
    """Polarity of 'API() OP N' (None when N is not a literal or the test is a count)."""
    n = _number(operand)
    if n is None:
        return None
    if returns in _PREDICATE:
        truth = {("==", 1), ("!=", 0), (">", 0), (">=", 1)}
        falsity = {("==", 0), ("!=", 1), ("<", 1), ("<=", 0)}
        if (op, n) in truth:
            return _PREDICATE[returns]
        if (op, n) in falsity:
            return _negate(_PREDICATE[returns], 1)
        return None
    table = {
        (">", 0): "mapped?", (">", 1): "shared?", (">=", 1): "mapped?", (">=", 2): "shared?",
        ("!=", 0): "mapped?", ("!=", 1): "shared?", ("==", 0): "not mapped?",
        ("==", 1): "exclusive?", ("<=", 0): "not mapped?", ("<=", 1): "exclusive?",
        ("<", 1): "not mapped?", ("<", 2): "exclusive?",
    }
    return table.get((op, n))


def _boolean_context(stream: Sequence[str], start: int, after: str) -> bool:
    """A count used as a truth value: operand of &&, ||, ?, or a whole if/while condition."""
    before = stream[start - 1] if start > 0 else ""
    if after in ("&&", "||", "?") or before in ("&&", "||"):
        return True
    return before == "(" and after == ")" and start >= 2 and stream[start - 2] in ("if", "while")


def normalise(code: str, names: frozenset[str] | set[str] | Mapping[str, object]) -> str:
    """Whitespace-free, comment-free form of CODE with API call arguments replaced by '_'."""
    stream = tokens(code)
    out: list[str] = []
    i = 0
    while i < len(stream):
        tok = stream[i]
        out.append(tok)
        if tok in names and i + 1 < len(stream) and stream[i + 1] == "(":
            close = matching_paren(stream, i + 1)
            if close is not None:
                out.extend(("(", "_", ")"))
                i = close + 1
                continue
        i += 1
    return " ".join(out)


def similarity(a: Sequence[str], b: Sequence[str]) -> float:
    """Token similarity of two lines in [0, 1] (Dice coefficient over token bigrams)."""
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    return dice(bigrams(a), bigrams(b))


def bigrams(seq: Sequence[str]) -> dict[tuple[str, str], int]:
    """Token bigram counts of SEQ (with start/end markers)."""
    grams: dict[tuple[str, str], int] = {}
    for gram in itertools.pairwise(("^", *seq, "$")):
        grams[gram] = grams.get(gram, 0) + 1
    return grams


def dice(grams_a: dict[tuple[str, str], int], grams_b: dict[tuple[str, str], int]) -> float:
    """Dice coefficient of two bigram multisets."""
    if len(grams_a) > len(grams_b):
        grams_a, grams_b = grams_b, grams_a
    common = sum(min(count, grams_b.get(gram, 0)) for gram, count in grams_a.items())
    total = sum(grams_a.values()) + sum(grams_b.values())
    return 2.0 * common / total if total else 0.0
