"""Untrusted email text made safe to display: no markup, no escape sequences, no controls.

Everything that comes from a message (subjects, names, bodies, diffs) reaches the screen as
a `rich.text.Text` of `clean()`ed text (`safe_text()` does both): Text(str) never parses
markup, and cleaning turns ANSI escapes and control characters into visible caret notation
(`^[`), so a reply cannot restyle the terminal, move the cursor or smuggle in an action
link. Never hand mail text to anything that reads markup (Static(str), notify(markup=True),
Tree or DataTable str labels).
"""

from __future__ import annotations

import re

from rich.style import Style
from rich.text import Text

TAB_SIZE = 8

# C0 controls except TAB and LF, DEL, C1 controls.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\x80-\x9f]")
# Bidirectional overrides/isolates and invisible formatting that could hide or reorder text.
_INVISIBLE = re.compile(r"[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def _caret(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code == 0x7F:
        return "^?"
    if code < 0x20:
        return "^" + chr(code + 0x40)
    return f"<U+{code:04X}>"


def _codepoint(match: re.Match[str]) -> str:
    return f"<U+{ord(match.group()):04X}>"


def clean(text: str, *, tab_size: int = TAB_SIZE) -> str:
    """TEXT with tabs expanded and every control or invisible character shown as a visible token."""
    if "\r\n" in text:
        text = text.replace("\r\n", "\n")
    lines = []
    for line in text.split("\n"):
        if "\t" in line:
            line = line.expandtabs(tab_size)
        lines.append(line)
    text = "\n".join(lines)
    text = _CONTROL.sub(_caret, text)
    return _INVISIBLE.sub(_codepoint, text)


def clean_line(text: str, *, tab_size: int = TAB_SIZE) -> str:
    """One display line: like clean() and newlines shown as ^J."""
    return clean(text, tab_size=tab_size).replace("\n", "^J")


def clean_lines(text: str, *, tab_size: int = TAB_SIZE) -> list[str]:
    """TEXT's lines, each clean()ed: a line break (LF or CRLF, as a mail client wraps a
    quoted line) starts a new line; every other control character stays visible (^M, ^[)."""
    return clean(text, tab_size=tab_size).split("\n")


def safe_text(text: str, style: str | Style = "", *, one_line: bool = False) -> Text:
    """A Text showing TEXT literally (markup, escapes and controls neutralised)."""
    return Text(clean_line(text) if one_line else clean(text), style=style)

