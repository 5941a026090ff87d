"""Address headers (To, Cc) as (name, address) pairs: split first, names decoded after.

Decoding a whole header before splitting it lets an encoded display name such as
`=?utf-8?q?x=2C_evil=40attacker=2Eexample?=` turn into a second recipient. Here the raw value
is split into addresses first (an encoded word holds no bare comma), and only then is each
display name decoded; names are written back quoted so that they parse as one name again.
"""

from __future__ import annotations

import email.header
import email.utils
import re

_ATOM_NAME = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?: [A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")


def decode_name(text: str) -> str:
    """A display name with RFC 2047 encoded words decoded (undecodable bytes replaced)."""
    try:
        text = str(email.header.make_header(email.header.decode_header(text)))
    except (ValueError, LookupError, UnicodeError, IndexError):
        pass
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def header_pairs(values: list[str]) -> list[tuple[str, str]]:
    """The (display name, address) pairs of raw header VALUES, names decoded."""
    pairs = email.utils.getaddresses([" ".join(v.split()) for v in values])
    return [(decode_name(name), addr) for name, addr in pairs if addr]


def format_pair(name: str, addr: str) -> str:
    """'Name <addr>', the name quoted (and escaped) unless it is plain words."""
    if not name:
        return addr
    if _ATOM_NAME.match(name):
        return f"{name} <{addr}>"
    quoted = name.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{quoted}" <{addr}>'
