"""Untrusted text made safe to print: no escape sequences, no controls, no hidden reordering.

Mail text (subjects, names, notes, code) reaches terminals, Markdown, CSV and HTML. Control
characters are shown in caret notation (ESC as `^[`), bidirectional overrides and invisible
format characters as `<U+202E>`, so a message can neither drive the terminal (colours, cursor,
OSC 52 clipboard writes) nor reorder what a reader sees. Pure functions, no UI.
"""

from __future__ import annotations

import json
import re

TAB_SIZE = 8

# C0 controls except TAB and LF, DEL, C1 controls.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\x80-\x9f]")
# Bidirectional overrides/isolates and invisible formatting that could hide or reorder text;
# lone surrogates (undecodable bytes) cannot even be written to a UTF-8 stream.
_INVISIBLE = re.compile(r"[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"
                        r"\ud800-\udfff]")
# What JSON leaves raw with ensure_ascii=False but a terminal must not receive raw.
_JSON_RAW = re.compile(r"[\x7f-\x9f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2060-\u2064"
                       r"\u2066-\u2069\ufeff\ud800-\udfff]")


def _caret(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code == 0x7F:
        return "^?"
    if code < 0x20:
        return "^" + chr(code + 0x40)
    return f"<U+{code:04X}>"


def _codepoint(match: re.Match[str]) -> str:
    return f"<U+{ord(match.group()):04X}>"


def escape_controls(text: str) -> str:
    """TEXT with every control (but TAB and LF) and invisible character as a visible token."""
    return _INVISIBLE.sub(_codepoint, _CONTROL.sub(_caret, text))


def clean(text: str, *, tab_size: int = TAB_SIZE) -> str:
    """TEXT with tabs expanded and every control or invisible character shown as a token."""
    if "\r\n" in text:
        text = text.replace("\r\n", "\n")
    if "\t" in text:
        text = "\n".join(line.expandtabs(tab_size) for line in text.split("\n"))
    return escape_controls(text)


def clean_line(text: str, *, tab_size: int = TAB_SIZE) -> str:
    """One display line: like clean() and newlines shown as ^J."""
    return clean(text, tab_size=tab_size).replace("\n", "^J")


def one_line(text: object) -> str:
    """TEXT on one line for a table cell or message: whitespace runs made one space, escaped."""
    return escape_controls(" ".join(str(text).split()))


def json_dumps(value: object, **kwargs: object) -> str:
    """json.dumps without ASCII escaping, but with C1, bidi and invisible characters escaped.

    Outside strings JSON is plain ASCII, so every such character sits inside a string, where
    its \\uXXXX form means the same: the data is unchanged, the terminal gets nothing raw.
    """
    text = json.dumps(value, ensure_ascii=False, **kwargs)  # type: ignore[arg-type]
    return _JSON_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
