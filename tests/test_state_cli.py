"""End to end through the command line: tag, untag, mark, trailers, audit on the demo cache.

Most scenarios call reviewtui.cli.main in-process (each subprocess costs ~0.7 s of imports);
test_every_command_runs_as_a_real_process runs each command once as its own process.
"""

from __future__ import annotations

import csv
import email
import email.policy
import io
import json
import mailbox
import os
import subprocess
import sys

import pytest

from reviewtui.cli import main

try:
    from support.cli import DEMO_CACHE, MADVISE_V1, MADVISE_V2, MIGRATE_V1, MIGRATE_V2, run_cli
except ImportError:
    from tests.support.cli import (
        DEMO_CACHE,
        MADVISE_V1,
        MADVISE_V2,
        MIGRATE_V1,
        MIGRATE_V2,
        run_cli,
    )


def _in_process(argv: list[str], env: dict[str, str], monkeypatch) -> subprocess.CompletedProcess:
    """main(argv) with its own stdout/stderr (bytes-capable, like a real process)."""
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    with monkeypatch.context() as patch:
        for key, value in env.items():
            patch.setenv(key, value)
        patch.setattr(sys, "stdout", out)
        patch.setattr(sys, "stderr", err)
        code = main(argv)
        out.flush()
        err.flush()
    return subprocess.CompletedProcess(argv, code, out.buffer.getvalue().decode(),
                                       err.buffer.getvalue().decode())


@pytest.fixture
def cli(cli_env, tmp_path, monkeypatch):
    """Run reviewtui with the demo cache and a state file in tmp_path, from tmp_path/work.

    The scenarios name v1 threads to work on v1: a command naming MIGRATE_V1 or MADVISE_V1
    without --revision gets --revision 1, because by default reviewtui reviews the latest
    cached revision of a series (v2 for both).
    """
    state = tmp_path / "state" / "review.sqlite3"
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)

    def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        argv = ["--cache-dir", str(DEMO_CACHE), "--state", str(state), *args]
        if {MIGRATE_V1, MADVISE_V1} & set(args) and "--revision" not in args:
            argv += ["--revision", "1"]
        return _in_process(argv, env or {}, monkeypatch)

    run.state = state
    run.work = work
    return run


def _rows(cli, thread: str) -> list[dict]:
    out = cli("audit", thread, "--format", "json")
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)["rows"]


def _one_line_error(out, code: int) -> str:
    assert out.returncode == code, (out.stdout, out.stderr)
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("reviewtui: error: "), out.stderr
    assert "Traceback" not in out.stderr
    return lines[0]


def test_tag_untag_and_audit(cli) -> None:
    site = _rows(cli, MIGRATE_V1)[0]
    out = cli("tag", MIGRATE_V1, site["id"][:6], "fn-unsafe", "--note",
              "move_pages() must not move shared pages")
    assert out.returncode == 0, out.stderr
    assert site["id"] in out.stdout and "risk" in out.stdout
    assert cli.state.exists() and list(cli.work.iterdir()) == []  # nothing lands in the cwd
    row = _rows(cli, MIGRATE_V1)[0]
    assert (row["requirement"], row["verdict"], row["note"]) == (
        "fn-unsafe", "risk", "move_pages() must not move shared pages")
    assert row["tagged_by"] == "Rita Reviewer <rita@example.org>"  # from git config
    out = cli("untag", MIGRATE_V1, site["id"])
    assert out.returncode == 0 and "untagged" in out.stdout
    assert _rows(cli, MIGRATE_V1)[0]["requirement"] is None
    assert "had no tag" in cli("untag", MIGRATE_V1, site["id"]).stdout


def test_unknown_site_or_requirement_lists_the_valid_ones(cli) -> None:
    ids = [r["id"] for r in _rows(cli, MIGRATE_V1)]
    line = _one_line_error(cli("tag", MIGRATE_V1, "nosuchsite", "fn-unsafe"), 2)
    assert "unknown site 'nosuchsite'" in line and all(i in line for i in ids)
    line = _one_line_error(cli("tag", MIGRATE_V1, ids[0], "lgtm"), 2)
    assert "unknown requirement 'lgtm'" in line
    for tag in ("fn-unsafe", "fp-unsafe", "estimate-ok", "policy", "not-sharing"):
        assert tag in line
    line = _one_line_error(cli("mark", MIGRATE_V1, "9", "reviewed"), 2)
    assert "no patch '9'" in line and "1/4" in line


def test_madvise_tags_carry_to_v2_and_migrate_changes_show_previous(cli) -> None:
    for row in _rows(cli, MADVISE_V1):
        assert cli("tag", MADVISE_V1, row["id"], "estimate-ok", "--note",
                   "reclaim heuristic").returncode == 0
    v2 = _rows(cli, MADVISE_V2)
    assert len(v2) == 4
    assert all((r["requirement"], r["tagged_on"], r["note"]) == (
        "estimate-ok", "v1", "reclaim heuristic") for r in v2)

    for row in _rows(cli, MIGRATE_V1):
        assert cli("tag", MIGRATE_V1, row["id"], "fn-unsafe").returncode == 0
    v2 = _rows(cli, MIGRATE_V2)
    assert v2 and all(r["requirement"] is None for r in v2)
    assert all(r["previous"].startswith("was tagged fn-unsafe on v1 (mm/migrate.c ") for r in v2)


def test_mark_and_reviewed_by_replies(cli, tmp_path) -> None:
    site = _rows(cli, MIGRATE_V1)[0]
    cli("tag", MIGRATE_V1, site["id"], "fn-unsafe", "--note", "this adds false negatives")
    out = cli("mark", MIGRATE_V1, "1/4", "reviewed", "--queue-reviewed-by")
    assert out.returncode == 0 and "Reviewed-by queued" in out.stdout, out.stderr
    assert cli("mark", MIGRATE_V1, "3", "skip").returncode == 0
    _one_line_error(cli("mark", MIGRATE_V1, "2", "skip", "--queue-reviewed-by"), 2)

    env = {"REVIEWTUI_NAME": "Zoë Réviewer", "REVIEWTUI_EMAIL": "zoe@example.org"}
    out = cli("trailers", MIGRATE_V1, "--reviewed", "-o", str(tmp_path / "eml"), env=env)
    assert out.returncode == 0, out.stderr
    (path,) = (tmp_path / "eml").iterdir()
    assert path.name == "0001-re-mm-migrate-use-a-folio-in-add-page-for-migration.eml"
    assert out.stdout.strip() == str(path)
    msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert msg["From"] == "Zoë Réviewer <zoe@example.org>"
    assert msg["In-Reply-To"] == "<20230802095346.87449-2-wangkefeng.wang@huawei.com>"
    body = msg.get_content()
    assert "this adds false negatives" in body and "> -\tif (page_mapcount(page) > 1" in body
    assert body.rstrip().endswith("Reviewed-by: Zoë Réviewer <zoe@example.org>")

    out = cli("trailers", MIGRATE_V1, "--cover", "--trailer", "Acked-by",
              "--mbox-out", str(tmp_path / "acks.mbox"))
    assert out.returncode == 0, out.stderr
    (ack,) = list(mailbox.mbox(str(tmp_path / "acks.mbox")))
    assert ack["Subject"] == "Re: [PATCH 0/4] mm: migrate: more folio conversion"
    assert "Acked-by: Rita Reviewer <rita@example.org>" in ack.get_payload()

    out = cli("trailers", MIGRATE_V1, "--patches", "2,4")
    assert out.returncode == 0 and out.stdout.startswith("From mboxrd@z ")
    assert out.stdout.count("\nReviewed-by: Rita Reviewer <rita@example.org>\n") == 2


def test_trailers_refuses_unclear_choices(cli) -> None:
    assert "--patches LIST, --queued or --cover" in _one_line_error(
        cli("trailers", MIGRATE_V1), 2)
    assert "no patch of v1 has a Reviewed-by queued" in _one_line_error(
        cli("trailers", MIGRATE_V1, "--reviewed"), 2)
    assert "whole series" in _one_line_error(
        cli("trailers", MIGRATE_V1, "--patches", "1", "--cover"), 2)
    assert "no patch '7'" in _one_line_error(cli("trailers", MIGRATE_V1, "--patches", "1,7"), 2)


def test_audit_formats_and_files(cli, tmp_path) -> None:
    out = cli("audit", MIGRATE_V1)
    assert out.returncode == 0 and out.stdout.startswith("# Audit: mm: migrate: more folio")
    out = cli("audit", MIGRATE_V1, "--format", "csv")
    rows = list(csv.reader(io.StringIO(out.stdout)))
    assert len(rows) == 4 and rows[0][0] == "series"
    target = tmp_path / "reports" / "audit.html"
    out = cli("audit", MIGRATE_V1, "-o", str(target))
    assert out.returncode == 0 and out.stdout.strip() == str(target)
    assert target.read_text().startswith("<!DOCTYPE html>")
    assert not cli.state.exists()  # a read-only command creates no state file


def test_broken_state_file_is_one_line_error(cli) -> None:
    cli.state.parent.mkdir(parents=True)
    cli.state.write_bytes(b"garbage, not sqlite\n" * 100)
    for args in (("audit", MIGRATE_V1), ("mark", MIGRATE_V1, "1", "reviewed"),
                 ("trailers", MIGRATE_V1, "--patches", "1")):
        line = _one_line_error(cli(*args), 7)
        assert str(cli.state) in line and "not a usable database" in line
    assert cli.state.read_bytes() == b"garbage, not sqlite\n" * 100


def test_every_command_runs_as_a_real_process(cli_env, tmp_path) -> None:
    state = tmp_path / "state.sqlite3"
    base = ["--cache-dir", str(DEMO_CACHE), "--state", str(state)]

    def run(*args: str) -> subprocess.CompletedProcess:
        return run_cli(*base, *args, "--revision", "1", env=cli_env, cwd=tmp_path)

    sites = json.loads(run("sites", MIGRATE_V1, "--format", "json").stdout)
    out = run("tag", MIGRATE_V1, sites[1]["id"], "fp-unsafe", "--note", "FP removed")
    # FPs removed for FNs introduced: a trade, a cost at an fp-unsafe site.
    assert out.returncode == 0 and "verdict cost" in out.stdout, out.stderr
    assert run("mark", MIGRATE_V1, "2", "reviewed", "--queue-reviewed-by").returncode == 0
    # The contract: with THREAD given, --mbox FILE is the output mbox.
    out = run("trailers", MIGRATE_V1, "--reviewed", "--mbox", str(tmp_path / "r.mbox"))
    assert out.returncode == 0, out.stderr
    (reply,) = list(mailbox.mbox(str(tmp_path / "r.mbox")))
    assert "FP removed" in reply.get_payload() and reply["Subject"].startswith("Re: [PATCH 2/4]")
    out = run("audit", MIGRATE_V1, "--format", "json")
    rows = json.loads(out.stdout)["rows"]
    assert [r["verdict"] for r in rows] == ["untagged", "cost", "untagged"]
    assert run("untag", MIGRATE_V1, sites[1]["id"]).returncode == 0
    out = run("tag", MIGRATE_V1, "zz", "policy")
    assert out.returncode == 2 and out.stderr.startswith("reviewtui: error: unknown site")
    left = set(os.listdir(tmp_path)) - {"state.sqlite3-wal", "state.sqlite3-shm"}
    assert left == {"r.mbox", "state.sqlite3"}  # nothing else written, no temp files
