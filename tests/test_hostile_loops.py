"""In-Reply-To/References loops and huge References lists: every command finishes and says so.

A loop of replies with a trailer made b4's get_series walk forever (every command hung at
100% CPU); a References list of 100,000 ids took about a minute inside b4. The commands run
in real processes with a timeout, so a regression fails instead of hanging the suite.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reviewtui.model.links import MAX_REFERENCES, Links, repair_links, trim_references
from reviewtui.model.load import load_series

try:
    from support.cli import CORPUS, isolated_env, run_cli
    from support.hostile_mbox import Mail, mbox, reply, series
except ImportError:
    from tests.support.cli import CORPUS, isolated_env, run_cli
    from tests.support.hostile_mbox import Mail, mbox, reply, series

REVIEWED = "Looks right.\n\nReviewed-by: Rita Reviewer <rita@example.org>\n"
ACKED = "Thanks.\n\nAcked-by: Bob Builder <bob@example.org>\n"
BOB = "Bob Builder <bob@example.org>"
TIMEOUT = 120  # seconds; the commands take about one on these threads


# --- the pure repair -------------------------------------------------------------------------

def test_a_two_message_loop_drops_the_older_link_and_keeps_the_nearest_reference():
    links = [Links("cover", None, ()), Links("p1", "cover", ("cover",)),
             Links("a", "b", ("cover", "p1", "b")), Links("b", "a", ("cover", "p1", "a"))]
    repair = repair_links(links, age=lambda m: ({"a": 1, "b": 2}.get(m, 0),))
    assert repair.links == {"a": Links("a", "p1", ("cover", "p1"))}
    assert len(repair.problems) == 1
    assert "loop <a> -> <b> -> back" in repair.problems[0] or \
        "loop <b> -> <a> -> back" in repair.problems[0]
    assert "the link of <a> to <b> is ignored" in repair.problems[0]


def test_the_oldest_message_of_a_loop_loses_its_link_whatever_the_mbox_order():
    links = [Links("b", "a", ("a",)), Links("a", "b", ("b",))]
    repair = repair_links(links, age=lambda m: ({"a": 1, "b": 2}[m],))
    assert repair.links == {"a": Links("a", None, ())}
    # Without dates the first message of the mbox counts as the oldest.
    assert repair_links(links).links == {"b": Links("b", None, ())}


def test_self_links_are_dropped_and_reported():
    links = [Links("p", None, ()), Links("s", "s", ("p", "s")), Links("t", "p", ("t", "p"))]
    repair = repair_links(links)
    assert repair.links == {"s": Links("s", "p", ("p",)), "t": Links("t", "p", ("p",))}
    assert sum("names itself" in p for p in repair.problems) == 2


def test_longer_loops_and_several_loops_are_all_broken():
    ring = [Links(f"r{i}", f"r{(i + 1) % 5}", ()) for i in range(5)]
    pair = [Links("x", "y", ()), Links("y", "x", ())]
    repair = repair_links([*ring, *pair], age=lambda m: (m,))
    assert set(repair.links) == {"r0", "x"}
    assert len(repair.problems) == 2
    assert any("(5 messages)" in p for p in repair.problems)


def test_a_loop_behind_the_first_broken_link_is_broken_too():
    # Dropping a's link to b makes its next reference, c, the parent: c answers a.
    links = [Links("a", "b", ("c", "b")), Links("b", "a", ("a",)), Links("c", "a", ("a",))]
    repair = repair_links(links, age=lambda m: ({"a": 1, "b": 2, "c": 3}[m],))
    assert repair.links == {"a": Links("a", None, ())}
    assert len(repair.problems) == 2


def test_a_normal_thread_is_left_alone():
    for path in sorted(CORPUS.glob("*.mbox")):
        series_ = load_series(path.read_bytes())
        assert series_.problems == [], path.name


def test_a_huge_references_list_keeps_the_nearest_known_ids():
    known = {f"k{i}" for i in range(100)}
    refs = [f"gone{i}" for i in range(100_000)] + sorted(known, key=lambda k: int(k[1:]))
    kept, problem = trim_references("me", refs, known)
    assert kept == tuple(f"k{i}" for i in range(100 - MAX_REFERENCES, 100))
    assert problem is not None and "lists 100100 message-ids" in problem
    assert trim_references("me", ["a", "b", "a"], known) == (("a", "b"), None)


def test_problem_texts_do_not_carry_control_characters():
    links = [Links("a\x1b]52;c;aGk=\x07", "a\x1b]52;c;aGk=\x07", ())]
    (problem,) = repair_links(links).problems
    assert "\x1b" not in problem and "\x07" not in problem


# --- hostile threads through the model and the commands --------------------------------------

def _loop_reply_thread() -> tuple[list[Mail], Mail, Mail]:
    """Rita's review of patch 1 and Bob's answer to it name each other as parent."""
    mails = series(2)
    rita = reply("rita@hostile", mails[1], REVIEWED, 10)
    bob = reply("bob@hostile", rita, ACKED, 11, sender=BOB)
    rita.in_reply_to = bob.msgid
    rita.references = [*rita.references, bob.msgid]
    return [*mails, rita, bob], rita, bob


def _self_loop_thread() -> list[Mail]:
    mails = series(2)
    me = reply("me@hostile", mails[2], REVIEWED, 10)
    me.in_reply_to = me.msgid
    me.references = [*me.references, me.msgid]
    return [*mails, me]


def _cover_loop_thread() -> list[Mail]:
    """The cover letter answers its own reply, which carries a trailer for the series."""
    mails = series(2)
    cover = mails[0]
    answer = reply("cover-reply@hostile", cover, ACKED, 10, sender=BOB)
    cover.in_reply_to = answer.msgid
    cover.references = [answer.msgid]
    # A cover with a trailer of its own counts as a reply for b4, so it walks on up.
    cover.body += "\nSigned-off-by: Pat Author <pat@example.org>\n"
    return [*mails, answer]


LOOPS = {
    "a-b": lambda: _loop_reply_thread()[0],
    "self": _self_loop_thread,
    "cover-reply": _cover_loop_thread,
}


@pytest.mark.parametrize("shape", sorted(LOOPS))
def test_loaded_model_has_no_loop_and_reports_it(shape):
    loaded = load_series(mbox(LOOPS[shape]()))
    assert loaded.problems and all("<" in p for p in loaded.problems)
    for msg in loaded.messages.values():
        chain = [msg.msgid, *msg.parents]
        assert len(chain) == len(set(chain))
    assert [p.label for p in loaded.latest.patches] == ["1/2", "2/2"]


def test_reply_loop_trailers_still_reach_the_patch():
    mails, rita, bob = _loop_reply_thread()
    loaded = load_series(mbox(mails))
    patch1 = loaded.latest.patch(1)
    assert "Reviewed-by: Rita Reviewer <rita@example.org>" in patch1.followup_trailers
    assert "Acked-by: Bob Builder <bob@example.org>" in patch1.followup_trailers
    assert loaded.latest.patch(2).followup_trailers == []
    assert loaded.messages[rita.msgid].patch == 1 and loaded.messages[bob.msgid].patch == 1
    (problem,) = loaded.problems
    assert f"the link of <{rita.msgid}> to <{bob.msgid}> is ignored" in problem


def test_the_cover_letter_stays_the_root_of_a_cover_reply_loop():
    loaded = load_series(mbox(_cover_loop_thread()))
    assert loaded.root_msgid == "cover@hostile"
    assert loaded.latest.cover is not None and loaded.latest.cover.in_reply_to is None
    assert loaded.messages["cover-reply@hostile"].patch == 0


@pytest.fixture
def cached_loop(tmp_path) -> tuple[dict[str, str], tuple[str, ...]]:
    """A cache holding the a-b loop thread, and the base arguments to use it."""
    env = isolated_env(tmp_path / "home")
    path = tmp_path / "loop.mbox"
    path.write_bytes(mbox(_loop_reply_thread()[0]))
    base = ("--cache-dir", str(tmp_path / "cache"), "--state", str(tmp_path / "state.sqlite3"))
    added = run_cli(*base, "cache", "add", str(path), env=env, timeout=TIMEOUT)
    assert added.returncode == 0, added.stderr
    return env, base


def test_every_command_finishes_on_a_cached_loop_thread(cached_loop, tmp_path):
    env, base = cached_loop
    thread = "cover@hostile"

    def ok(*args: str):
        res = run_cli(*base, *args, env=env, timeout=TIMEOUT)
        assert res.returncode == 0, (args, res.stderr)
        return res

    sites = json.loads(ok("sites", thread, "--format", "json").stdout)
    assert [s["patch"] for s in sites] == [1, 2]
    assert "loop" in ok("sites", thread).stdout
    data = json.loads(ok("thread", thread, "--format", "json").stdout)
    assert len(data["problems"]) == 1 and "loop" in data["problems"][0]
    assert "problem:" in ok("thread", thread).stdout
    assert "problem:" in ok("review", thread, "--print").stdout
    ok("audit", thread, "--format", "json")
    ok("tag", thread, sites[0]["id"], "fn-unsafe")
    ok("mark", thread, "1", "reviewed", "--queue-reviewed-by")
    ok("trailers", thread, "--reviewed", "-o", str(tmp_path / "out"))
    assert list((tmp_path / "out").glob("*.eml"))


@pytest.mark.parametrize("shape", sorted(LOOPS))
def test_loop_threads_from_a_file(shape, tmp_path):
    env = isolated_env(tmp_path / "home")
    path = tmp_path / f"{shape}.mbox"
    path.write_bytes(mbox(LOOPS[shape]()))
    res = run_cli("thread", "--mbox", str(path), "--format", "json", env=env, timeout=TIMEOUT)
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["problems"]


def test_huge_references_list_is_cut_before_b4_reads_it(tmp_path):
    mails = series(2)
    answer = reply("refs@hostile", mails[1], REVIEWED, 10)
    answer.references = [f"missing{i}@refs.example" for i in range(100_000)] + answer.references
    data = mbox([*mails, answer])
    loaded = load_series(data)
    msg = loaded.messages["refs@hostile"]
    assert msg.references == ["cover@hostile", "patch1@hostile"]
    assert msg.patch == 1
    assert "Reviewed-by: Rita Reviewer <rita@example.org>" in loaded.latest.patch(1).followup_trailers
    (problem,) = loaded.problems
    assert "lists 100002 message-ids in References" in problem
    # The file keeps every byte: only the parsed copy handed to b4 was cut.
    path = tmp_path / "refs.mbox"
    path.write_bytes(data)
    env = isolated_env(tmp_path / "home")
    base = ("--cache-dir", str(tmp_path / "cache"))
    assert run_cli(*base, "cache", "add", str(path), env=env, timeout=TIMEOUT).returncode == 0
    res = run_cli(*base, "sites", "cover@hostile", "--format", "json", env=env, timeout=TIMEOUT)
    assert res.returncode == 0 and "References" in res.stderr
    (stored,) = Path(tmp_path / "cache" / "threads").glob("*.mbox")
    assert stored.read_bytes().count(b"@refs.example>") == 100_000
