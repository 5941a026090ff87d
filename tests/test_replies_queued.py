"""Replies only when queued: Reviewed-by, changes requested, line comments (command line).

"I looked at it" (mark reviewed) never writes a reply in the reviewer's name; a queued
request for changes carries the notes and line comments and no trailer; a reply with line
comments, appended to the thread, anchors each comment back to its patch, file and line.
"""

from __future__ import annotations

import json
import mailbox

import pytest

try:
    from support.cli import CORPUS, run_cli
except ImportError:
    from tests.support.cli import CORPUS, run_cli

MBOX = str(CORPUS / "migrate-folio-conversion.mbox")
OBJECTION = "This must not move a page that other processes map: NAK as is."


@pytest.fixture
def cli(cli_env, tmp_path):
    """reviewtui on the corpus v1 mbox with a state file of this test."""
    env = {**cli_env, "REVIEWTUI_STATE": str(tmp_path / "state.sqlite3")}

    def run(*args: str):
        return run_cli(*args, env=env, cwd=tmp_path)

    return run


def _site(cli, patch: int) -> dict:
    out = cli("sites", "--mbox", MBOX, "--format", "json")
    assert out.returncode == 0, out.stderr
    return next(s for s in json.loads(out.stdout) if s["patch"] == patch)


def test_marking_reviewed_alone_writes_no_reply(cli, tmp_path) -> None:
    site = _site(cli, 1)
    assert cli("tag", "--mbox", MBOX, site["id"], "fn-unsafe", "--note",
               OBJECTION).returncode == 0
    out = cli("mark", "--mbox", MBOX, "1", "reviewed")
    assert out.returncode == 0 and out.stdout.rstrip().endswith(": reviewed"), out.stderr
    for args in (("trailers", "--mbox", MBOX, "--queued", "--mbox-out", "t.mbox"),
                 ("trailers", "--mbox", MBOX, "--reviewed", "-o", "out"),
                 ("replies", "--mbox", MBOX, "-o", "out")):
        out = cli(*args)
        assert out.returncode == 2, (args, out.stdout)
        assert out.stderr.count("reviewtui: error:") == 1 and "queued" in out.stderr
        assert out.stdout == ""
    assert not (tmp_path / "out").exists() and not (tmp_path / "t.mbox").exists()


def test_request_changes_carries_notes_and_comments_and_no_trailer(cli, tmp_path) -> None:
    site = _site(cli, 1)
    cli("tag", "--mbox", MBOX, site["id"], "fn-unsafe", "--note", OBJECTION)
    out = cli("comment", "--mbox", MBOX, "1", "mm/migrate.c:2092", "Why not PageAnonExclusive?")
    assert out.returncode == 0, out.stderr
    out = cli("mark", "--mbox", MBOX, "1", "reviewed", "--request-changes")
    assert "reply asking for changes queued" in out.stdout, out.stderr
    out = cli("mark", "--mbox", MBOX, "4", "reviewed", "--queue-reviewed-by")
    assert "Reviewed-by queued" in out.stdout
    out = cli("replies", "--mbox", MBOX, "--mbox-out", "replies.mbox")
    assert out.returncode == 0, out.stderr
    first, last = mailbox.mbox(str(tmp_path / "replies.mbox"))
    assert first["In-Reply-To"] == "<20230802095346.87449-2-wangkefeng.wang@huawei.com>"
    body = first.get_payload()
    assert OBJECTION in body and "Why not PageAnonExclusive?" in body
    assert "Reviewed-by" not in body and "Acked-by" not in body
    assert last["In-Reply-To"] == "<20230802095346.87449-5-wangkefeng.wang@huawei.com>"
    assert last.get_payload().rstrip().endswith("Reviewed-by: Rita Reviewer <rita@example.org>")
    # Asking for changes replaces the queued Reviewed-by and the other way round.
    cli("mark", "--mbox", MBOX, "4", "reviewed", "--request-changes")
    out = cli("trailers", "--mbox", MBOX, "--queued", "--mbox-out", "t.mbox")
    assert out.returncode == 2 and "no patch of v1 has a Reviewed-by queued" in out.stderr
    out = cli("replies", "--mbox", MBOX, "--mbox-out", "again.mbox")
    assert out.returncode == 2 and "nothing to say on 4/4" in out.stderr


def test_line_comments_round_trip_through_the_thread(cli, tmp_path) -> None:
    """Export, append to the thread, read back: every comment lands on its patch/file/line."""
    comments = [
        ("1", "mm/migrate.c:2092", [], "The first page only: a page others map is moved."),
        ("1", "mm/migrate.c:2090", ["--old"], "The old test looked at the very page."),
        ("2", "mm/migrate.c:2487", [], "Is the PMD-mappable test still needed here?"),
        ("3", "mm/migrate.c:2546", [], "A comment on a context line works too."),
    ]
    for patch, where, extra, text in comments:
        out = cli("comment", "--mbox", MBOX, patch, where, *extra, text)
        assert out.returncode == 0, out.stderr
    listing = cli("comment", "--mbox", MBOX, "--list").stdout.splitlines()
    assert len(listing) == 4 and "1/4 mm/migrate.c:2090 (old): The old test" in listing[0]
    for patch in ("1", "2", "3"):
        assert cli("mark", "--mbox", MBOX, patch, "reviewed", "--request-changes").returncode == 0
    assert cli("replies", "--mbox", MBOX, "--mbox-out", "r.mbox").returncode == 0
    both = tmp_path / "both.mbox"
    both.write_bytes((CORPUS / "migrate-folio-conversion.mbox").read_bytes()
                     + (tmp_path / "r.mbox").read_bytes())
    out = cli("thread", "--mbox", str(both), "--format", "json")
    assert out.returncode == 0, out.stderr
    mine = [m for m in json.loads(out.stdout)["messages"] if "rita@example.org" in m["from"]]
    assert len(mine) == 3
    got = sorted((a["patch"], a["file"], a["line"], a["side"], a["text"].strip())
                 for m in mine for a in m["anchors"])
    want = sorted((int(p), w.split(":")[0], int(w.split(":")[1]),
                   "old" if extra else "new", text) for p, w, extra, text in comments)
    assert got == want


def test_a_comment_must_point_at_a_line_of_the_patch(cli) -> None:
    out = cli("comment", "--mbox", MBOX, "1", "mm/migrate.c:9999", "nowhere")
    assert out.returncode == 2
    assert "1/4 has no added or context line mm/migrate.c:9999" in out.stderr
    out = cli("comment", "--mbox", MBOX, "1", "migrate.c", "bad")
    assert out.returncode == 2 and "FILE:LINE" in out.stderr
    out = cli("comment", "--mbox", MBOX, "1", "mm/migrate.c:2092", "")  # '' deletes
    assert out.returncode == 0 and "comment deleted" in out.stdout
