"""Reviewed-by replies: headers, threading, quoted body, hostile input, and b4 reading them back."""

from __future__ import annotations

import email
import email.policy
import email.utils
import mailbox
import re
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from reviewtui.analysis.callsite import CallSite
from reviewtui.analysis.catalogue import default_catalogue
from reviewtui.analysis.sites import analyse_revision
from reviewtui.config import Identity
from reviewtui.errors import UsageError
from reviewtui.export.replies import (
    Reply,
    SiteNote,
    build_replies,
    clean_header,
    note_lines,
    patch_reply,
    reply_subject,
    write_eml_dir,
    write_mbox,
)
from reviewtui.lore.cache import raw_to_mbox
from reviewtui.model.load import load_series

CORPUS = Path(__file__).resolve().parent / "data" / "corpus"
MIGRATE = CORPUS / "migrate-folio-conversion.mbox"
RITA = Identity("Rita Reviewer", "rita@example.org")
WHEN = datetime(2023, 8, 3, 9, 0, tzinfo=UTC)
NOTE = ("move_pages() without MPOL_MF_MOVE_ALL must not move a page that other processes "
        "map: folio_estimated_sharers() only looks at the first page, so this adds false "
        "negatives.")


@pytest.fixture(scope="module")
def migrate():
    series = load_series(MIGRATE.read_bytes())
    revision = series.latest
    sites = analyse_revision(revision, default_catalogue())
    return series, revision, sites


def _parse(reply: Reply) -> email.message.EmailMessage:
    return email.message_from_bytes(reply.as_bytes(), policy=email.policy.default)


def _body(reply: Reply) -> str:
    return _parse(reply).get_content()


# -- headers and threading ------------------------------------------------------------------

def test_headers_thread_the_reply_under_the_patch(migrate) -> None:
    _, revision, _ = migrate
    patch = revision.patch(1)
    msg = _parse(patch_reply(patch, RITA, date=WHEN))
    assert msg["From"] == "Rita Reviewer <rita@example.org>"
    assert msg["To"] == "Kefeng Wang <wangkefeng.wang@huawei.com>"
    cc = [a.lower() for _, a in email.utils.getaddresses([msg["Cc"]])]
    assert cc == ["akpm@linux-foundation.org", "linux-mm@kvack.org",
                  "linux-kernel@vger.kernel.org", "ying.huang@intel.com", "david@redhat.com",
                  "willy@infradead.org"]  # the author is in To, not again in Cc
    assert msg["Subject"] == f"Re: {patch.message.subject}"
    assert msg["In-Reply-To"] == f"<{patch.msgid}>"
    assert msg["References"].split() == [f"<{revision.cover.msgid}>", f"<{patch.msgid}>"]
    assert re.fullmatch(r"<[^<>@\s]+@example\.org>", msg["Message-ID"])
    assert email.utils.parsedate_to_datetime(msg["Date"]) == WHEN


def test_each_reply_gets_its_own_message_id(migrate) -> None:
    _, revision, _ = migrate
    replies = build_replies(revision, [1, 2, 3], RITA)
    ids = {_parse(r)["Message-ID"] for r in replies}
    assert len(ids) == 3


def test_reviewer_is_dropped_from_cc_and_duplicates_go(migrate) -> None:
    _, revision, _ = migrate
    david = Identity("David H", "DAVID@redhat.com")
    msg = _parse(patch_reply(revision.patch(1), david))
    cc = [a.lower() for _, a in email.utils.getaddresses([msg["Cc"]])]
    assert "david@redhat.com" not in cc and len(cc) == len(set(cc))


@pytest.mark.parametrize("subject,expected", [
    ("[PATCH 1/4] mm: x", "Re: [PATCH 1/4] mm: x"),
    ("Re: [PATCH 1/4] mm: x", "Re: [PATCH 1/4] mm: x"),
    ("RE: re:Re : [PATCH] mm", "Re: [PATCH] mm"),
    ("[PATCH]\r\nBcc: evil@example.com", "Re: [PATCH] Bcc: evil@example.com"),
])
def test_reply_subject_has_one_re_and_one_line(subject: str, expected: str) -> None:
    assert reply_subject(subject) == expected


# -- body -----------------------------------------------------------------------------------

def test_body_quotes_only_the_noted_site_with_its_note(migrate) -> None:
    _, revision, sites = migrate
    site = next(s for s in sites if s.patch == 1)
    body = _body(patch_reply(revision.patch(1), RITA, notes=[SiteNote(site, NOTE)]))
    lines = body.rstrip("\n").split("\n")
    assert lines[0] == "On Wed, 02 Aug 2023 17:53:43 +0800, Kefeng Wang wrote:"
    removed = f">  \t{site.removed}".replace(">  ", "> -")
    added = f"> +\t{site.added}"
    assert removed in lines and added in lines
    assert lines.index(added) > lines.index(removed)
    # The note sits under the quoted lines (after a little context), before the trailer.
    note_at = next(i for i, ln in enumerate(lines) if ln.startswith("move_pages()"))
    assert lines.index(added) < note_at < len(lines) - 1
    assert all(ln.startswith(">") for ln in lines[1:note_at] if ln)
    assert "> [...]" in lines  # the hunk is trimmed, not quoted whole
    assert sum(1 for ln in lines if ln.startswith(">")) < 20
    assert all(len(ln) <= 72 for ln in lines[note_at:] if not ln.startswith(">"))
    assert lines[-1] == "Reviewed-by: Rita Reviewer <rita@example.org>"
    assert lines[-2] == ""


def test_quoted_lines_are_the_patch_lines_verbatim(migrate) -> None:
    _, revision, sites = migrate
    site = next(s for s in sites if s.patch == 2)
    patch = revision.patch(2)
    body = _body(patch_reply(patch, RITA, notes=[SiteNote(site, "FP removed, FN added")]))
    quoted = [ln[2:] for ln in body.split("\n") if ln.startswith("> ") and ln != "> [...]"]
    diff_text = patch.message.body
    for line in quoted:
        assert line in diff_text, line


def test_without_notes_the_reply_quotes_the_opening_lines(migrate) -> None:
    _, revision, _ = migrate
    body = _body(patch_reply(revision.patch(4), RITA, "Acked-by"))
    assert body.split("\n")[1] == (
        "> Use __folio_test_movable(), no need to convert from folio to page.")
    assert body.rstrip().endswith("\n\nAcked-by: Rita Reviewer <rita@example.org>")
    assert "Signed-off-by" not in body


def test_cover_reply_covers_every_patch_and_needs_all(migrate) -> None:
    _, revision, sites = migrate
    site = next(s for s in sites if s.patch == 1)
    replies = build_replies(revision, [1, 2, 3, 4], RITA, cover=True,
                            notes=[SiteNote(site, NOTE)])
    assert len(replies) == 1 and replies[0].number == 0
    msg = _parse(replies[0])
    assert msg["In-Reply-To"] == f"<{revision.cover.msgid}>"
    body = msg.get_content()
    assert "In 1/4 mm: migrate: use a folio in add_page_for_migration():" in body
    assert body.rstrip().endswith("For the series:\n\nReviewed-by: Rita Reviewer <rita@example.org>")
    with pytest.raises(UsageError, match="whole series"):
        build_replies(revision, [1, 2], RITA, cover=True)
    with pytest.raises(UsageError, match="no patch 7"):
        build_replies(revision, [1, 7], RITA)


def test_note_lines_b4_would_read_as_trailers_are_defused() -> None:
    lines = note_lines("Cc: willy@infradead.org knows this\nFixes: 0123456789ab (\"mm: x\")\n"
                       "Nit: not a trailer\n-- \nNot a signature either\n\n")
    assert lines == ["- Cc: willy@infradead.org knows this", '- Fixes: 0123456789ab ("mm: x")',
                     "Nit: not a trailer", "--", "Not a signature either"]


# -- hostile input --------------------------------------------------------------------------

def _hostile_patch(migrate):
    _, revision, _ = migrate
    patch = revision.patch(1)
    msg = patch.message
    hostile = type(msg)(**msg.__dict__)
    hostile.author = "Evil\r\nBcc: victim@example.com"
    hostile.subject = "[PATCH 1/4] x\nX-Injected: yes"
    hostile.to = ['"Mallory\nBcc: b@example.com" <m@example.com>', "bad address <a b@c>"]
    hostile.cc = ["<cc@example.com>\r\nX-Evil: 1"]
    hostile.references = ["good@example.com", "bad id@x\nX-Ref: 1", "<>"]
    return type(patch)(**{**patch.__dict__, "message": hostile})


def test_header_injection_is_impossible(migrate) -> None:
    patch = _hostile_patch(migrate)
    evil_me = Identity("Rita\nBcc: x@example.com", "rita@example.org")
    reply = patch_reply(patch, evil_me)
    raw = reply.as_bytes()
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    names = [k.lower() for k in msg]
    assert "bcc" not in names and "x-injected" not in names and "x-evil" not in names
    assert "x-ref" not in names
    assert names.count("subject") == 1 and names.count("from") == 1
    assert msg["Subject"] == "Re: [PATCH 1/4] x X-Injected: yes"
    assert msg["References"].split() == ["<good@example.com>", f"<{patch.msgid}>"]
    header_block = raw.split(b"\n\n", 1)[0]
    assert b"\r" not in header_block
    for line in header_block.split(b"\n"):
        # Every line is a header of ours or a folded continuation of one.
        assert line[:1] in (b" ", b"\t") or re.match(rb"^[A-Za-z-]+:( |$)", line), line


def test_file_names_are_safe_whatever_the_subject() -> None:
    msg = email.message.EmailMessage()
    for subject in ["[PATCH 2/3] ../../etc/passwd", "\x00\n..", "[PATCH] 🦀 ünïcode/..\\x",
                    "x" * 300]:
        name = Reply(2, subject, msg).filename
        assert re.fullmatch(r"0002-re-[a-z0-9-]{1,52}\.eml", name), name


@pytest.mark.parametrize("subject", [
    "[PATCH 3/4] mm: migrate: make migrate_misplaced_page() to take a folio",  # 70-77 chars
    "[PATCH 1/2] mm: ünïcode in the subject, long enough to need folding: " + "x " * 30,
    "[PATCH] " + "y" * 1200,
])
def test_subjects_of_any_length_read_back_unchanged(migrate, subject: str) -> None:
    _, revision, _ = migrate
    patch = revision.patch(1)
    message = type(patch.message)(**{**patch.message.__dict__, "subject": subject})
    reply = patch_reply(type(patch)(**{**patch.__dict__, "message": message}), RITA)
    assert _parse(reply)["Subject"] == "Re: " + " ".join(subject.split())
    assert all(len(line) <= 998 for line in reply.as_bytes().split(b"\n"))


def test_clean_header_removes_every_control_character() -> None:
    assert clean_header("a\r\nb\x00c\x1b[31md\u2028e\tf") == "a b c [31md e f"


# -- files ----------------------------------------------------------------------------------

def test_eml_dir_and_mbox_outputs_parse_back(migrate, tmp_path: Path) -> None:
    _, revision, _ = migrate
    replies = build_replies(revision, [1, 3], RITA)
    paths = write_eml_dir(replies, tmp_path / "out")
    assert [p.name for p in paths] == [r.filename for r in replies]
    assert paths[0].name.startswith("0001-re-mm-migrate-use-a-folio")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(p.name for p in paths)
    for path in paths:
        msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert msg["Subject"].startswith("Re: [PATCH ")
        assert b"\r\n" not in path.read_bytes()
    box = write_mbox(replies, tmp_path / "replies.mbox")
    parsed = list(mailbox.mbox(str(box)))
    assert [m["In-Reply-To"] for m in parsed] == [f"<{revision.patch(n).msgid}>" for n in (1, 3)]
    assert not [p for p in tmp_path.rglob(".tmp-*")]


# -- the real peer: b4 am picks up the trailers ---------------------------------------------

def _b4_am(thread: bytes, replies: list[Reply], msgid: str, tmp_path: Path) -> dict[str, str]:
    """Run b4 am offline on THREAD plus REPLIES; map each patch subject to its .mbx text."""
    b4 = shutil.which("b4") or str(Path(__file__).resolve().parents[1] / ".venv" / "bin" / "b4")
    if not Path(b4).exists():
        pytest.skip("b4 is not installed")
    mbox = tmp_path / "thread.mbox"
    mbox.write_bytes(thread + raw_to_mbox([r.as_bytes() for r in replies]))
    out = tmp_path / "am"
    out.mkdir()
    done = subprocess.run(
        [b4, "--offline-mode", "-c", "b4.attestation-policy=off", "am", "-m", str(mbox),
         "-o", str(out), msgid],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr
    (mbx,) = out.glob("*.mbx")
    patches = {}
    for msg in mailbox.mbox(str(mbx)):
        subject = " ".join(str(msg["Subject"]).split())
        patches[subject] = msg.get_payload(decode=True).decode("utf-8")
    return patches


def _trailers(text: str, name: str) -> list[str]:
    return [ln for ln in text.split("\n") if ln.startswith(f"{name}:")]


def test_b4_applies_the_reviewed_by_to_exactly_the_chosen_patches(migrate, tmp_path) -> None:
    _, revision, sites = migrate
    me = Identity("Zoë Réviewer", "zoe@example.org")
    notes = [SiteNote(s, NOTE + "\nCc: willy@infradead.org, please check") for s in sites]
    replies = build_replies(revision, [1, 3], me, notes=notes)
    patches = _b4_am(MIGRATE.read_bytes(), replies, revision.cover.msgid, tmp_path)
    assert len(patches) == 4
    for subject, text in patches.items():
        mine = [t for t in _trailers(text, "Reviewed-by") if "zoe@example.org" in t]
        wanted = subject.startswith(("[PATCH 1/4]", "[PATCH 3/4]"))
        assert mine == (["Reviewed-by: Zoë Réviewer <zoe@example.org>"] if wanted else []), subject
        assert not [t for t in _trailers(text, "Cc") if "willy" in t]  # the note added no Cc


def test_b4_applies_a_cover_reply_to_every_patch(migrate, tmp_path) -> None:
    _, revision, _ = migrate
    replies = build_replies(revision, [1, 2, 3, 4], RITA, trailer="Acked-by", cover=True)
    patches = _b4_am(MIGRATE.read_bytes(), replies, revision.cover.msgid, tmp_path)
    assert len(patches) == 4
    for text in patches.values():
        assert _trailers(text, "Acked-by") == ["Acked-by: Rita Reviewer <rita@example.org>"]


def test_b4_ignores_a_reply_to_an_unknown_site_gracefully(tmp_path) -> None:
    revision = load_series(MIGRATE.read_bytes()).latest
    stray = CallSite(id="x", patch=4, patch_subject="", file="mm/none.c", function=None,
                     kind="conversion", removed=None, added=None, old_api=None, new_api=None,
                     polarity=None, fp="unknown", fn="unknown", file_index=9, hunk_index=9)
    (reply,) = build_replies(revision, [4], RITA, notes=[SiteNote(stray, "look here")])
    body = _body(reply)
    assert "At mm/none.c:" in body and "look here" in body
    patches = _b4_am(MIGRATE.read_bytes(), [reply], revision.cover.msgid, tmp_path)
    tagged = [s for s, t in patches.items() if "rita@example.org" in t]
    assert len(tagged) == 1 and tagged[0].startswith("[PATCH 4/4]")
