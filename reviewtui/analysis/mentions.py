"""Find where a reviewer's own text talks about false negatives or false positives.

"fn": a shared folio taken for exclusive ("false negative(s)", "false -ves", "FNs",
"actually shared but we fail to detect it", "treats a shared folio as exclusive").
"fp": an exclusive folio taken for shared ("false-positive", "false +ves", "FPs",
"actually exclusive, but we fail to detect it"). Bare FN/FP count only with a sharing word
nearby. Spans are character offsets into the string searched.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_W = r"[\s\u00a0\u202f]+"  # a run of blanks, line breaks included
_SHARED = r"(?:shared|mapped\s+shared|mapped\s+by\s+(?:more\s+than\s+one|several|multiple)\s+\w+)"
_EXCLUSIVE = r"(?:exclusive(?:ly\s+mapped)?|not\s+shared|unshared|private)"
_SHARER_COUNT = (r"(?:sharers|sharing|mapcount|number" + _W + r"of" + _W
                 + r"(?:sharers|mappings|processes|mms))\b")
_FAIL = r"fail(?:s|ed|ing)?" + _W + r"to" + _W + r"(?:detect|notice|recogni[sz]e|see|spot|identify)"

_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern, re.IGNORECASE)) for kind, pattern in (
        ("fn", r"\bfalse(?:[\s\u00a0-]*)negatives?\b"),
        ("fp", r"\bfalse(?:[\s\u00a0-]*)positives?\b"),
        ("fn", r"\bfalse" + _W + r"-\s?ves?\b"),
        ("fp", r"\bfalse[\s\u00a0]*\+\s?ves?\b"),
        ("fn", r"\bactually" + _W + _SHARED + r"\s*,?" + _W + r"but" + _W
         + r"(?:[\w']+" + _W + r"){0,4}?(?:" + _FAIL + r"(?:" + _W + r"it)?|miss(?:es|ed)?"
         + r"(?:" + _W + r"it)?|(?:treat|consider|report|see)\w*" + _W + r"(?:it" + _W
         + r")?as" + _W + _EXCLUSIVE + r")"),
        ("fp", r"\bactually" + _W + _EXCLUSIVE + r"\s*,?" + _W + r"but" + _W
         + r"(?:[\w']+" + _W + r"){0,4}?(?:" + _FAIL + r"(?:" + _W + r"it)?|miss(?:es|ed)?"
         + r"(?:" + _W + r"it)?|(?:treat|consider|report|see)\w*" + _W + r"(?:it" + _W
         + r")?as" + _W + _SHARED + r")"),
        ("fn", _FAIL + _W + r"(?:(?:that|it|they|the|a|this|such|an?)" + _W + r"){0,3}"
         + r"(?:\w+" + _W + r"){0,2}?(?:(?:is|are|was|as|being|it's)" + _W + r")?" + _SHARED
         + r"\b"),
        ("fp", _FAIL + _W + r"(?:(?:that|it|they|the|a|this|such|an?)" + _W + r"){0,3}"
         + r"(?:\w+" + _W + r"){0,2}?(?:(?:is|are|was|as|being|it's)" + _W + r")?"
         + r"exclusive(?:ly" + _W + r"mapped)?\b"),
        ("fn", r"\b(?:treat|consider|regard|report|take|mistake)\w*" + _W
         + r"(?:(?:an?|the|this|that|such)" + _W + r")?(?:(?:actually|truly|really)" + _W + r")?"
         + _SHARED + _W + r"(?:\w+" + _W + r"){0,3}?as" + _W + r"(?:being" + _W + r")?"
         + _EXCLUSIVE + r"\b"),
        ("fp", r"\b(?:treat|consider|regard|report|take|mistake)\w*" + _W
         + r"(?:(?:an?|the|this|that|such)" + _W + r")?(?:(?:actually|truly|really)" + _W + r")?"
         + r"exclusive(?:ly" + _W + r"mapped)?" + _W + r"(?:\w+" + _W + r"){0,3}?as" + _W
         + r"(?:being" + _W + r")?" + _SHARED + r"\b"),
        ("fn", r"\b(?:wrongly|mistakenly|incorrectly|falsely|erroneously)" + _W
         + r"(?:\w+" + _W + r"){0,4}?" + _EXCLUSIVE + r"\b"),
        ("fp", r"\b(?:wrongly|mistakenly|incorrectly|falsely|erroneously)" + _W
         + r"(?:\w+" + _W + r"){0,4}?shared\b"),
        ("fn", r"\bunder-?estimat\w*" + _W + r"(?:\w+" + _W + r"){0,3}?" + _SHARER_COUNT),
        ("fp", r"\bover-?estimat\w*" + _W + r"(?:\w+" + _W + r"){0,3}?" + _SHARER_COUNT),
    )
)
# A word every pattern above contains (same case folding): text without one has no mention.
_TRIGGER = re.compile(r"false|actually|fail|treat|consider|regard|report|take|mistake|wrong"
                      r"|incorrect|erroneous|estimat", re.IGNORECASE)
# Bare abbreviations are case-sensitive: "FN"/"FNs" and "FP"/"FPs", also inside "FN/FP".
_ABBREVIATIONS = (("fn", re.compile(r"(?<![\w-])FNs?(?![\w-])")),
                  ("fp", re.compile(r"(?<![\w-])FPs?(?![\w-])")))
_CONTEXT = re.compile(
    r"shar|exclusive|mapcount|mapped|negative|positive|detect|estimat|false|\bFN|\bFP",
)
_CONTEXT_WINDOW = 300


@dataclass(frozen=True)
class Mention:
    """A phrase about false negatives ("fn") or false positives ("fp") at text[start:end]."""

    kind: str
    start: int
    end: int
    text: str

    def shifted(self, offset: int) -> Mention:
        """The same mention with its span moved by OFFSET (e.g. into the whole body)."""
        return Mention(self.kind, self.start + offset, self.end + offset, self.text)


@dataclass(frozen=True)
class MentionCount:
    """How many FN and FP mentions a message, patch or site gathered."""

    fn: int = 0
    fp: int = 0

    @property
    def total(self) -> int:
        """FN plus FP mentions."""
        return self.fn + self.fp

    def __add__(self, other: MentionCount) -> MentionCount:
        return MentionCount(self.fn + other.fn, self.fp + other.fp)


def _in_context(text: str, start: int, end: int) -> bool:
    window = text[max(0, start - _CONTEXT_WINDOW):end + _CONTEXT_WINDOW]
    rest = window.replace(text[start:end], " ", 1)
    return bool(_CONTEXT.search(rest))


def find_mentions(text: str) -> list[Mention]:
    """Every FN/FP mention in TEXT, in order, without overlaps (the longest wins)."""
    found: list[Mention] = []
    for kind, pattern in _PATTERNS if _TRIGGER.search(text) else ():
        for m in pattern.finditer(text):
            found.append(Mention(kind, m.start(), m.end(), m.group(0)))
    for kind, pattern in _ABBREVIATIONS if "F" in text else ():
        for m in pattern.finditer(text):
            if _in_context(text, m.start(), m.end()):
                found.append(Mention(kind, m.start(), m.end(), m.group(0)))
    found.sort(key=lambda x: (x.start, -(x.end - x.start)))
    kept: list[Mention] = []
    for mention in found:
        if kept and mention.start < kept[-1].end:
            continue
        kept.append(mention)
    return kept


def count_mentions(mentions: Iterable[Mention]) -> MentionCount:
    """FN and FP totals of MENTIONS."""
    fn = fp = 0
    for mention in mentions:
        if mention.kind == "fn":
            fn += 1
        elif mention.kind == "fp":
            fp += 1
    return MentionCount(fn, fp)
