"""Hostile mail made from the real corpus: headers replaced, bodies salted with escapes.

The messages stay real (the corpus threads), so the analysis still finds its call sites; only
the parts an attacker controls change: display names, address lists, subjects, bodies.
"""

from __future__ import annotations

import re

from reviewtui.lore.cache import raw_msgid, raw_to_mbox, split_raw

# Names that must never add a recipient, whatever folding or decoding does to them.
LONG_QUOTED = ('"Wang, Kefeng (a display name long enough to need folding, evil@attacker.example,'
               ' and more words after it)" <wangkefeng.wang@huawei.com>')
QUOTES_AND_UMLAUTS = ('=?utf-8?q?M=C3=BCller=2C_Zo=C3=AB_=22the_reviewer=22=2C_x=40attacker=2E'
                      'example?= <zoe@example.org>')
ENCODED_LIST = ("=?utf-8?b?" + __import__("base64").b64encode(
    b"evil@attacker.example, Other <other@attacker.example>").decode() + "?= <ok@example.org>")
BACKSLASH = '"Back\\\\slash, \\"Q\\" Person, other@attacker.example" <bs@example.org>'
PLAIN = '"Plain Person (Oracle), Jr." <plain@example.org>'
EXPECTED_CC = {"zoe@example.org", "ok@example.org", "bs@example.org", "plain@example.org",
               "linux-mm@kvack.org"}


def _replace_headers(raw: bytes, headers: dict[bytes, bytes]) -> bytes:
    """RAW with every header named in HEADERS (and its folded lines) replaced by the value."""
    head, sep, body = raw.partition(b"\n\n")
    lines = head.split(b"\n")
    out: list[bytes] = []
    skipping = False
    for line in lines:
        if line[:1] in (b" ", b"\t") and skipping:
            continue
        name = line.split(b":", 1)[0].lower()
        skipping = name in headers
        if not skipping:
            out.append(line)
    out.extend(name.capitalize() + b": " + value for name, value in headers.items())
    return b"\n".join(out) + sep + body


def with_headers(mbox: bytes, msgid: str, headers: dict[str, str]) -> bytes:
    """MBOX with the headers of message MSGID replaced (values written as given, raw)."""
    encoded = {k.lower().encode(): v.encode("utf-8") for k, v in headers.items()}
    raws = [_replace_headers(r, encoded) if raw_msgid(r) == msgid else r for r in split_raw(mbox)]
    return raw_to_mbox(raws)


def hostile_recipients(mbox: bytes, msgid: str) -> bytes:
    """MBOX where message MSGID comes from a long quoted name and Ccs every hostile name."""
    return with_headers(mbox, msgid, {
        "From": LONG_QUOTED,
        "To": "linux-mm@kvack.org",
        "Cc": f"{QUOTES_AND_UMLAUTS}, {ENCODED_LIST}, {BACKSLASH}, {PLAIN}",
    })


ESC_TEXT = "\x1b]52;c;ZWNobyBwd25lZA==\x07\x1b[31mred\x1b[0m\u202eevil\u202c"


def with_escapes(mbox: bytes, msgid: str) -> bytes:
    """MBOX where message MSGID's subject and author carry an OSC 52 write, SGR and bidi."""
    raws = split_raw(mbox)
    out = []
    for raw in raws:
        if raw_msgid(raw) == msgid:
            head, sep, body = raw.partition(b"\n\n")
            head = re.sub(rb"(?mi)^(Subject: \[PATCH[^\]]*\] )", lambda m: m.group(1) +
                          ESC_TEXT.encode("utf-8"), head, count=1)
            head = re.sub(rb"(?mi)^From: [^<\n]*<", ("From: Mallory " + ESC_TEXT + " <")
                          .encode("utf-8"), head, count=1)
            raw = head + sep + body
        out.append(raw)
    return raw_to_mbox(out)
