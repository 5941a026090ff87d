"""Untrusted email text made safe to display: no markup, no escape sequences, no controls.

Everything that comes from a message (subjects, names, bodies, diffs) reaches the screen as
a `rich.text.Text` of `clean()`ed text (`safe_text()` does both): Text(str) never parses
markup, and cleaning turns ANSI escapes and control characters into visible caret notation
(`^[`), so a reply cannot restyle the terminal, move the cursor or smuggle in an action
link. Never hand mail text to anything that reads markup (Static(str), notify(markup=True),
Tree or DataTable str labels). The escaping itself lives in reviewtui.text_safety, shared
with the command line and the exports.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text

from reviewtui.text_safety import TAB_SIZE, clean, clean_line

__all__ = ["TAB_SIZE", "clean", "clean_line", "clean_lines", "safe_text"]


def clean_lines(text: str, *, tab_size: int = TAB_SIZE) -> list[str]:
    """TEXT's lines, each clean()ed: a line break (LF or CRLF, as a mail client wraps a
    quoted line) starts a new line; every other control character stays visible (^M, ^[)."""
    return clean(text, tab_size=tab_size).split("\n")


def safe_text(text: str, style: str | Style = "", *, one_line: bool = False) -> Text:
    """A Text showing TEXT literally (markup, escapes and controls neutralised)."""
    return Text(clean_line(text) if one_line else clean(text), style=style)
