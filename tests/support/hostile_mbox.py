"""Generators of hostile thread mboxes: link loops, huge References lists, random lines."""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

SEPARATOR = b"From mboxrd@z Thu Jan  1 00:00:00 1970\n"

PATCH_BODY = """\
Use folio_mapcount() to tell whether the folio is shared.

Signed-off-by: Pat Author <pat@example.org>
---
 mm/hostile.c | 2 +-
 1 file changed, 1 insertion(+), 1 deletion(-)

diff --git a/mm/hostile.c b/mm/hostile.c
index 1111111..2222222 100644
--- a/mm/hostile.c
+++ b/mm/hostile.c
@@ -10,7 +10,7 @@ static int hostile_shared(struct folio *folio)
 {{
 \tint n = {n};

-\tif (page_mapcount(&folio->page) > 1)
+\tif (folio_mapcount(folio) > 1)
 \t\treturn 1;
 \treturn 0;
 }}
--
2.40.0
"""

COVER_BODY = """\
A series for the hostile-input tests.

Pat Author (2):
  mm: hostile change 1
  mm: hostile change 2

 mm/hostile.c | 2 +-
 1 file changed, 1 insertion(+), 1 deletion(-)

--
2.40.0
"""


@dataclass
class Mail:
    """One message of a generated thread."""

    msgid: str
    subject: str
    body: str
    in_reply_to: str | None = None
    references: list[str] = field(default_factory=list)
    minute: int = 0
    sender: str = "Pat Author <pat@example.org>"

    def to_bytes(self) -> bytes:
        """The message as mboxrd bytes (separator line included)."""
        head = [
            f"From: {self.sender}",
            "To: linux-mm@kvack.org",
            f"Subject: {self.subject}",
            f"Date: Tue, 01 Aug 2023 {10 + self.minute // 60:02d}:{self.minute % 60:02d}:00 +0000",
            f"Message-ID: <{self.msgid}>",
        ]
        if self.in_reply_to is not None:
            head.append(f"In-Reply-To: <{self.in_reply_to}>")
        if self.references:
            head.append("References: " + "\n ".join(f"<{r}>" for r in self.references))
        head += ["MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8"]
        body = self.body.replace("\nFrom ", "\n>From ")
        return SEPARATOR + ("\n".join(head) + "\n\n" + body).encode() + b"\n"


def series(patches: int = 2) -> list[Mail]:
    """A cover letter and PATCHES patches (each changes one call site)."""
    cover = Mail("cover@hostile", f"[PATCH 0/{patches}] mm: hostile series", COVER_BODY)
    mails = [cover]
    for n in range(1, patches + 1):
        mails.append(Mail(f"patch{n}@hostile", f"[PATCH {n}/{patches}] mm: hostile change {n}",
                          PATCH_BODY.format(n=n), in_reply_to=cover.msgid,
                          references=[cover.msgid], minute=n))
    return mails


def reply(msgid: str, parent: Mail, body: str, minute: int,
          sender: str = "Rita Reviewer <rita@example.org>") -> Mail:
    """A reply to PARENT with the usual In-Reply-To and References."""
    subject = parent.subject if parent.subject.startswith("Re:") else f"Re: {parent.subject}"
    return Mail(msgid, subject, body, in_reply_to=parent.msgid,
                references=[*parent.references, parent.msgid], minute=minute, sender=sender)


def mbox(mails: Iterable[Mail]) -> bytes:
    """The mails as one mbox."""
    return b"".join(m.to_bytes() for m in mails)


def random_lines_mbox(path: Path, size: int, *, seed: int = 13, messages: bool = True,
                      msgid_every: int = 2) -> int:
    """Write about SIZE bytes of random lines to PATH; returns the size written.

    With MESSAGES, a separator and a few headers (a Message-ID on every MSGID_EVERY-th
    message) start every 200 lines, so the file splits into many messages of random text;
    without, the file is random lines and nothing else.
    """
    rng = random.Random(seed)
    alphabet = bytes(range(32, 127)) + bytes(range(160, 256)) + b"\t"
    pool = [bytes(rng.choices(alphabet, k=rng.randint(0, 120))) + b"\n" for _ in range(4096)]
    written = 0
    count = 0
    with path.open("wb") as out:
        while written < size:
            chunk = []
            if messages:
                chunk.append(SEPARATOR)
                chunk.append(b"Subject: " + pool[count % len(pool)])
                if count % msgid_every == 0:
                    chunk.append(f"Message-ID: <random{count}@hostile>\n".encode())
                chunk.append(b"\n")
            chunk.extend(rng.choice(pool) for _ in range(200))
            data = b"".join(chunk)
            out.write(data)
            written += len(data)
            count += 1
    return written
