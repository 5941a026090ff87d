"""The enclosing C function (or macro) of each line of a hunk image.

The hunk header names the function git found above the hunk, which is wrong for every line
after a function that starts inside the hunk. So the lines are scanned in kernel style: a
definition starts at column 0 with 'name(' and opens with '{' (own line or line end), ends
with '}' at column 0; '#define NAME' with '\\' continuations is its own "function" NAME.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_SIGNATURE = re.compile(r"^(?:[A-Za-z_][\w\s\*]*?[\s\*])?([A-Za-z_]\w*)\s*\(")
_DEFINE = re.compile(r"^\s*#\s*define\s+([A-Za-z_]\w*)")
_LABEL = re.compile(r"^[A-Za-z_]\w*\s*:(?!:)")
_SYSCALL = re.compile(r"^(?:COMPAT_)?SYSCALL_DEFINE\d*$")
_SYSCALL_NAME = re.compile(r"\(\s*([A-Za-z_]\w*)")


def signature_name(code: str) -> str | None:
    """The function a definition line starts ('static int foo(...' -> 'foo'), else None."""
    s = code.strip()
    m = _SIGNATURE.match(s)
    if m is None or "=" in s[:m.start(1)]:
        return None
    name = m.group(1)
    if _SYSCALL.match(name):
        inner = _SYSCALL_NAME.search(s, m.end(1))
        return inner.group(1) if inner else name
    if name in ("if", "for", "while", "switch", "return", "sizeof"):
        return None
    return name


def header_function(section: str) -> str | None:
    """The function named in a hunk header's section text (None for file-scope sections)."""
    s = section.strip().lstrip("@").strip()
    if not s:
        return None
    m = _DEFINE.match(s)
    if m:
        return m.group(1)
    if s.endswith(";"):
        return None
    return signature_name(s)


def enclosing_functions(raw: Sequence[str], code: Sequence[str], section: str) -> list[str | None]:
    """Per line of one hunk image: the name of the function or macro it belongs to."""
    current = header_function(section)
    pending: str | None = None
    macro: str | None = None
    out: list[str | None] = []
    started = False
    for text, c in zip(raw, code):
        if macro is not None:
            out.append(macro)
            if not text.rstrip().endswith("\\"):
                macro = None
            continue
        s = c.strip()
        if not s:
            out.append(pending or current)
            continue
        if not started and text.rstrip().endswith("\\") and not s.startswith("#"):
            # The hunk begins inside a multi-line macro whose name is above it.
            out.append(None)
            continue
        started = True
        if s.startswith("#"):
            m = _DEFINE.match(s)
            if m is None:
                out.append(pending or current)
            else:
                out.append(m.group(1))
                if text.rstrip().endswith("\\"):
                    macro = m.group(1)
            continue
        if text[:1] not in (" ", "\t"):
            current, pending = _column0(s, current, pending, out)
            continue
        if pending is not None:
            out.append(pending)
            if s.endswith("{"):
                current, pending = pending, None
            elif s.endswith(";") and s.count("(") <= s.count(")"):
                pending = None  # it was a prototype
            continue
        out.append(current)
    return out


def _column0(s: str, current: str | None, pending: str | None,
             out: list[str | None]) -> tuple[str | None, str | None]:
    """Handle a line starting at column 0; returns the new (current, pending)."""
    if s.startswith("}"):
        out.append(current if current is not None else pending)
        return None, None
    if s.startswith("{"):
        name = pending or current
        out.append(name)
        return (None if s.rstrip(";").endswith("}") else name), None
    if _LABEL.match(s) and not s.rstrip().endswith(";"):
        out.append(current)
        return current, pending
    name = signature_name(s)
    if name is not None and not s.endswith(";"):
        out.append(name)
        if s.endswith("{"):
            return name, None
        if "{" in s and s.count("{") <= s.count("}"):
            return None, None  # a one-line definition
        return None, name
    if pending is not None and not s.endswith(";"):
        out.append(pending)  # a signature continued at column 0 (K&R parameters)
        return current, pending
    out.append(None)  # a declaration, struct or initializer at file scope
    return None, None
