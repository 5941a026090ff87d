"""More threads for the history and search tests, made by rewriting copies of corpus messages.

Each is a real patch email of the corpus with a new Message-ID, date, author and subject (and
for the decoys, another file or function), so that the server's diff-aware search must tell
them apart exactly as it would on lore.
"""

from __future__ import annotations

import email.parser
import email.policy
from pathlib import Path

from reviewtui.lore.cache import raw_to_mbox, split_raw

V1_PATCH1 = "20230802095346.87449-2-wangkefeng.wang@huawei.com"  # 1/4: add_page_for_migration()

EARLIER = "earlier-1@example.org"  # 2022: the same function and API change, an FN review
EARLIER_REVIEW = "earlier-2@example.org"
CONCURRENT_COVER = "concurrent-0@example.org"  # 2023-08-05: a second series on the same test
CONCURRENT = "concurrent-1@example.org"
DECOY_FILE = "decoy-file@example.org"  # the same change in mm/migrate_device.c
DECOY_FUNCTION = "decoy-function@example.org"  # hpage_collapse_scan_pmd() in mm/khugepaged.c

FN_REVIEW = ("This adds false negatives: a shared folio whose first page the other process "
             "does not map looks exclusive here.")


def _patch1(corpus: Path) -> bytes:
    for raw in split_raw((corpus / "migrate-folio-conversion.mbox").read_bytes()):
        if V1_PATCH1.encode() in raw.split(b"\n\n", 1)[0]:
            return raw
    raise LookupError(V1_PATCH1)


def _rewrite(raw: bytes, msgid: str, date: str, author: str, subject: str,
             parent: str | None = None, body_edits: tuple[tuple[str, str], ...] = ()) -> bytes:
    msg = email.parser.BytesParser(policy=email.policy.compat32).parsebytes(raw)
    for name in ("Message-ID", "Message-Id", "Date", "From", "Subject", "In-Reply-To",
                 "References", "To", "Cc", "Received", "Return-Path", "X-Original-To",
                 "Delivered-To", "List-Id", "Precedence"):
        del msg[name]
    msg["Message-ID"] = f"<{msgid}>"
    msg["Date"] = date
    msg["From"] = author
    msg["To"] = "linux-mm@kvack.org"
    msg["Subject"] = subject
    if parent:
        msg["In-Reply-To"] = f"<{parent}>"
        msg["References"] = f"<{parent}>"
    payload = msg.get_payload(decode=True).decode("utf-8", "replace")
    for old, new in body_edits:
        payload = payload.replace(old, new)
    del msg["Content-Transfer-Encoding"]
    msg["Content-Transfer-Encoding"] = "8bit"
    msg.set_payload(payload.encode("utf-8"), "utf-8")
    del msg["Content-Transfer-Encoding"]
    msg["Content-Transfer-Encoding"] = "8bit"
    return msg.as_bytes(policy=email.policy.compat32.clone(linesep="\n"))


def _plain(msgid: str, date: str, author: str, subject: str, body: str,
           parent: str | None = None) -> bytes:
    head = (f"From: {author}\nTo: linux-mm@kvack.org\nSubject: {subject}\nDate: {date}\n"
            f"Message-ID: <{msgid}>\nMIME-Version: 1.0\n"
            "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n")
    if parent:
        head += f"In-Reply-To: <{parent}>\nReferences: <{parent}>\n"
    return (head + "\n" + body).encode()


def extra_messages(corpus: Path) -> list[bytes]:
    """The extra threads' messages, made from the migrate v1 patch 1/4."""
    patch = _patch1(corpus)
    alice = "Alice Example <alice@example.org>"
    carol = "Carol Example <carol@example.org>"
    review = ("On Mon, Mar 14, 2022, Alice Example wrote:\n"
              "> -\tif (page_mapcount(page) > 1 && !migrate_all)\n"
              "> +\tif (folio_estimated_sharers(folio) > 1 && !migrate_all)\n\n"
              f"{FN_REVIEW}\n")
    return [
        _rewrite(patch, EARLIER, "Mon, 14 Mar 2022 10:00:00 +0000", alice,
                 "[PATCH] mm: migrate: check sharers of the folio in add_page_for_migration()"),
        _plain(EARLIER_REVIEW, "Tue, 15 Mar 2022 09:00:00 +0000",
               "Bob Reviewer <bob@example.org>",
               "Re: [PATCH] mm: migrate: check sharers of the folio in "
               "add_page_for_migration()", review, parent=EARLIER),
        _plain(CONCURRENT_COVER, "Sat, 05 Aug 2023 08:00:00 +0000", carol,
               "[PATCH 0/1] mm: migrate: another look at move_pages() sharing",
               "A concurrent series on the same test.\n\nCarol Example (1):\n"
               "  mm: migrate: another folio check\n\n mm/migrate.c | 10 +++++-----\n"),
        _rewrite(patch, CONCURRENT, "Sat, 05 Aug 2023 08:00:01 +0000", carol,
                 "[PATCH 1/1] mm: migrate: another folio check", parent=CONCURRENT_COVER),
        _rewrite(patch, DECOY_FILE, "Fri, 01 Sep 2023 10:00:00 +0000", alice,
                 "[PATCH] mm: migrate_device: the same change in another file",
                 body_edits=(("mm/migrate.c", "mm/migrate_device.c"),)),
        _rewrite(patch, DECOY_FUNCTION, "Sat, 02 Sep 2023 10:00:00 +0000", carol,
                 "[PATCH] mm: khugepaged: use folio_mapcount() in hpage_collapse_scan_pmd()",
                 body_edits=(("mm/migrate.c", "mm/khugepaged.c"),
                             ("add_page_for_migration", "hpage_collapse_scan_pmd"),
                             ("folio_estimated_sharers", "folio_mapcount"))),
    ]


def write_extra_mbox(corpus: Path, path: Path) -> Path:
    """Write the extra threads as one mboxrd file at PATH."""
    path.write_bytes(raw_to_mbox(extra_messages(corpus)))
    return path
