"""Big and hostile mboxes: the lean splitter, random lines, and the sites cache.

The speed and memory targets themselves are measured by bench/bench_commands.py; these tests
pin the behaviour those figures rest on: the splitter cuts exactly where liblore does, the
header memo changes no result, garbage is refused with one line, and a one-site `tag` reads
the sites cache instead of parsing the thread again.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import shutil

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from liblore.utils import split_mbox_as_bytes

from reviewtui import sitecache
from reviewtui.analysis.callsite import CallSite
from reviewtui.analysis.catalogue import load_catalogue
from reviewtui.analysis.sites import scan_revision
from reviewtui.cli import COMMANDS, main
from reviewtui.lore.cache import ThreadCache
from reviewtui.model import load
from reviewtui.model.mbox import _HEADER_END, _MSGID_HEADER, raw_messages

try:
    from support.cli import CORPUS, DEMO_CACHE, MIGRATE_V1, MIGRATE_V2, isolated_env, run_cli
    from support.hostile_mbox import Mail, mbox, random_lines_mbox, reply, series
except ImportError:
    from tests.support.cli import CORPUS, DEMO_CACHE, MIGRATE_V1, MIGRATE_V2, isolated_env, run_cli
    from tests.support.hostile_mbox import mbox, random_lines_mbox, reply, series


def _liblore_messages(data: bytes) -> list[bytes]:
    """liblore's split, keeping the messages whose header names a Message-ID."""
    out = []
    for raw in split_mbox_as_bytes(data):
        end = _HEADER_END.search(raw)
        if _MSGID_HEADER.search(raw, 0, end.start() + 1 if end else len(raw)):
            out.append(raw)
    return out


# --- the splitter and the header memo --------------------------------------------------------

@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.mbox")), ids=lambda p: p.stem)
def test_splitter_gives_liblores_bytes_on_the_corpus(path):
    data = path.read_bytes()
    assert list(raw_messages(data)) == _liblore_messages(data)


PIECES = [b"From a@b Mon Jan  1 00:00:00 2020\n", b"From x 00:00:00 1999\n", b">From me\n",
          b">>From you\n", b"From \n", b"Message-ID: <a@b>\n", b"message-id : <c@d>\n", b"\n",
          b"\r\n", b"Subject: x\r\n", b"body line\n", b"From b@c Tue 12:00:00 2021", b"x"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=20))
def test_splitter_gives_liblores_bytes_on_any_mix_of_lines(pieces):
    data = b"".join(pieces)
    assert list(raw_messages(data)) == _liblore_messages(data)


def test_memoised_headers_change_no_result(monkeypatch):
    from liblore import emlpolicy

    for path in sorted(CORPUS.glob("*.mbox")):
        data = path.read_bytes()
        memo = dataclasses.asdict(load.load_series(data))
        with monkeypatch.context() as m:
            m.setattr(load, "load_policy", lambda: (emlpolicy, _NoMemo()))
            plain = dataclasses.asdict(load.load_series(data))
        assert memo == plain, path.name


class _NoMemo:
    def clear(self) -> None:
        pass


def test_message_id_without_brackets_or_empty_is_skipped_not_a_traceback():
    good = mbox(series(1))
    bad = (b"From mboxrd@z Thu Jan  1 00:00:00 1970\nMessage-ID: <>\nSubject: Re: x\n\nhi\n"
           b"From mboxrd@z Thu Jan  1 00:00:00 1970\nMessage-ID: naked@id\nSubject: y\n\nho\n")
    loaded = load.load_series(bad + good)
    assert set(loaded.messages) == {"cover@hostile", "patch1@hostile"}


# --- random lines ----------------------------------------------------------------------------

@pytest.mark.parametrize("shaped", [False, True], ids=["lines", "messages"])
def test_random_lines_are_refused_with_one_line(tmp_path, shaped):
    path = tmp_path / "random.mbox"
    random_lines_mbox(path, 8_000_000, messages=shaped, msgid_every=1)
    env = isolated_env(tmp_path / "home")
    cache = tmp_path / "cache"
    res = run_cli("--cache-dir", str(cache), "sites", "--mbox", str(path), env=env)
    assert res.returncode != 0
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("reviewtui: error: ")
    assert ("no patch series" if shaped else "no message with a Message-ID") in lines[0]
    assert not cache.exists()


# --- the sites cache -------------------------------------------------------------------------

@pytest.fixture
def demo(tmp_path):
    """A private copy of the demo cache and the arguments that use it."""
    cache = tmp_path / "cache"
    shutil.copytree(DEMO_CACHE, cache, ignore=shutil.ignore_patterns("analysis", ".lock"))
    base = ["--cache-dir", str(cache), "--state", str(tmp_path / "state.sqlite3")]
    return cache, base


V1 = ("--revision", "1")  # the demo cache also holds v2, which is reviewed by default


def _sites_json(base, capsys, *extra: str) -> list[dict]:
    assert main([*base, "sites", MIGRATE_V1, "--revision", "1", "--format", "json", *extra]) == 0
    return json.loads(capsys.readouterr().out)


def _snapshot_file(cache):
    entry = ThreadCache(cache).find(MIGRATE_V1)
    return cache / "analysis" / f"{entry.key}.json"


# Command modules bind load_series when first imported: import them before any test patches it.
for _name in COMMANDS:
    importlib.import_module(f"reviewtui.commands.{_name}")


def _no_parsing(monkeypatch):
    def refuse(data):
        raise AssertionError("the thread was parsed")
    monkeypatch.setattr(load, "load_series", refuse)


def test_sites_twice_gives_the_same_answer_from_the_cache(demo, capsys, monkeypatch):
    cache, base = demo
    cold = _sites_json(base, capsys)
    assert _snapshot_file(cache).exists()
    _no_parsing(monkeypatch)
    assert _sites_json(base, capsys) == cold
    assert len(cold) == 3 and any(s["discussion"] for s in cold)


def test_one_site_tag_reads_the_cache_and_parses_nothing(demo, capsys, monkeypatch):
    _cache, base = demo
    assert main([*base, "tag", MIGRATE_V1, "zzz", "fn-unsafe", *V1]) != 0  # unknown id: lists them
    capsys.readouterr()
    cold = _sites_json(base, capsys)
    _no_parsing(monkeypatch)
    site = cold[0]
    assert main([*base, "tag", MIGRATE_V1, site["id"][:6], "fn-unsafe", "--note", "n", *V1]) == 0
    said = capsys.readouterr().out
    assert said.startswith(f"{site['id']} (1/4 mm/migrate.c ") and "verdict risk" in said
    assert main([*base, "untag", MIGRATE_V1, site["id"], *V1]) == 0
    assert capsys.readouterr().out.strip() == f"{site['id']}: untagged"


def test_cache_add_analyses_so_the_first_tag_and_sites_parse_nothing(tmp_path, capsys,
                                                                     monkeypatch):
    cache = tmp_path / "fresh"
    base = ["--cache-dir", str(cache), "--state", str(tmp_path / "state.sqlite3")]
    mbox_file = CORPUS / "migrate-folio-conversion.mbox"
    assert main([*base, "cache", "add", str(mbox_file)]) == 0
    capsys.readouterr()
    assert _snapshot_file(cache).exists()
    expected = scan_revision(load.load_series(mbox_file.read_bytes()).latest, load_catalogue())
    _no_parsing(monkeypatch)
    listed = _sites_json(base, capsys)
    assert [s["id"] for s in listed] == [s.id for s in expected.sites]
    assert any(s["discussion"] for s in listed)  # the discussion was analysed too
    site = expected.sites[0].id
    assert main([*base, "tag", MIGRATE_V1, site, "fn-unsafe", *V1]) == 0
    assert capsys.readouterr().out.startswith(f"{site} (1/4 mm/migrate.c ")


def test_cache_add_no_analysis_stores_only(tmp_path, capsys):
    cache = tmp_path / "fresh"
    base = ["--cache-dir", str(cache), "--state", str(tmp_path / "state.sqlite3")]
    assert main([*base, "cache", "add", "--no-analysis",
                 str(CORPUS / "migrate-folio-conversion.mbox")]) == 0
    assert ThreadCache(cache).find(MIGRATE_V1) is not None
    assert not _snapshot_file(cache).exists()


def test_tag_alone_fills_the_cache_without_discussion_and_sites_completes_it(demo, capsys):
    cache, base = demo
    site_id = scan_revision(load.load_series((CORPUS / "migrate-folio-conversion.mbox")
                                             .read_bytes()).latest, load_catalogue()).sites[0].id
    assert main([*base, "tag", MIGRATE_V1, site_id, "estimate-ok", *V1]) == 0
    capsys.readouterr()
    stored = json.loads(_snapshot_file(cache).read_bytes())
    assert stored["records"]["1"]["talk"] is None
    rows = _sites_json(base, capsys)
    assert next(r for r in rows if r["id"] == site_id)["requirement"] == "estimate-ok"
    stored = json.loads(_snapshot_file(cache).read_bytes())
    assert stored["records"]["1"]["talk"] is not None


@pytest.mark.parametrize("damage", ["garbage", "truncated", "not-an-object", "wrong-fields",
                                    "wrong-code", "wrong-thread"])
def test_a_damaged_or_stale_cache_file_is_ignored_and_rewritten(demo, capsys, monkeypatch, damage):
    cache, base = demo
    good = _sites_json(base, capsys)
    path = _snapshot_file(cache)
    stored = json.loads(path.read_bytes())
    if damage == "garbage":
        path.write_bytes(b"\x00\xff" * 100)
    elif damage == "truncated":
        path.write_bytes(path.read_bytes()[:500])
    elif damage == "not-an-object":
        path.write_text("[1, 2, 3]")
    else:
        record = stored["records"]["1"]
        if damage == "wrong-fields":
            del record["sites"][0]["fp"]  # as a CallSite of another version would lack a field
        elif damage == "wrong-code":
            record["sites"][0]["fp"] = "removed"
            stored["key"]["code"] = "0" * 64
        else:
            record["sites"][0]["fp"] = "removed"
            stored["key"]["thread"] = "0" * 64
        path.write_text(json.dumps(stored))
    assert _sites_json(base, capsys) == good
    assert json.loads(path.read_bytes())["key"]["code"] == sitecache.code_fingerprint()
    _no_parsing(monkeypatch)
    assert _sites_json(base, capsys) == good  # rewritten, so used again


def test_a_new_message_in_the_thread_is_seen(demo, capsys, tmp_path):
    cache, base = demo
    before = {s["id"]: s for s in _sites_json(base, capsys)}
    thread = load.load_series((CORPUS / "migrate-folio-conversion.mbox").read_bytes())
    site = next(s for s in before.values() if s["added"])
    patch = thread.latest.patch(site["patch"])
    quoted = "\n".join(f"> {line}" for line in site["added"].splitlines())
    late = reply("late@example.org", _as_mail(patch.message), f"{quoted}\n\nIs this right?\n", 500)
    path = tmp_path / "late.mbox"
    path.write_bytes((CORPUS / "migrate-folio-conversion.mbox").read_bytes() + mbox([late]))
    assert main(["--cache-dir", str(cache), "cache", "add", str(path)]) == 0
    capsys.readouterr()
    after = {s["id"]: s for s in _sites_json(base, capsys)}
    assert set(after[site["id"]]["discussion"]) == {*before[site["id"]]["discussion"],
                                                    "late@example.org"}


def _as_mail(message) -> Mail:
    """A parsed message as the generator's Mail (what reply() needs of a parent)."""
    return Mail(message.msgid, message.subject, message.body, message.in_reply_to,
                list(message.references))


def test_the_newer_revision_chosen_by_default_comes_from_the_cache_too(demo, capsys,
                                                                       monkeypatch):
    _cache, base = demo
    args = [*base, "sites", MIGRATE_V1, "--format", "json"]
    assert main(args) == 0
    cold = capsys.readouterr()
    assert "v2 exists: reviewing v2" in cold.err
    assert main([*base, "sites", MIGRATE_V2, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == json.loads(cold.out)
    _no_parsing(monkeypatch)
    assert main(args) == 0
    warm = capsys.readouterr()
    assert warm.out == cold.out and "v2 exists: reviewing v2" in warm.err
    site = json.loads(warm.out)[0]["id"]
    assert main([*base, "tag", MIGRATE_V1, site, "policy"]) == 0
    assert main([*base, "mark", MIGRATE_V1, "1", "reviewed"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{site} (") and "1/8 " in out and out.rstrip().endswith(": reviewed")


def test_another_catalogue_does_not_read_the_built_in_ones_results(demo, capsys, tmp_path):
    cache, base = demo
    _sites_json(base, capsys)
    user = tmp_path / "user.toml"
    user.write_text("")
    entry = ThreadCache(cache).find(MIGRATE_V1)
    data = ThreadCache(cache).path_of(entry).read_bytes()
    built_in = sitecache.catalogue_fingerprint(None)
    digest = sitecache.thread_digest(data)
    assert sitecache.lookup(ThreadCache(cache), entry, digest, built_in, 1) is not None
    other = sitecache.catalogue_fingerprint(user)
    assert sitecache.lookup(ThreadCache(cache), entry, digest, other, 1) is None


def test_sites_that_json_cannot_hold_are_not_cached(demo):
    cache, _base = demo
    entry = ThreadCache(cache).find(MIGRATE_V1)
    data = ThreadCache(cache).path_of(entry).read_bytes()
    thread = load.load_series(data)
    found = scan_revision(thread.latest, load_catalogue())
    odd = dataclasses.replace(found.sites[0], problems=(frozenset({"x"}),))  # type: ignore[arg-type]
    found.sites[0] = odd
    snap = sitecache.SiteSnapshot.of(thread, thread.latest, found, None)
    assert not sitecache.store(ThreadCache(cache), entry, sitecache.thread_digest(data),
                               "built-in", thread, snap)
    assert not _snapshot_file(cache).exists()
    assert isinstance(odd, CallSite)


def test_an_unwritable_sites_cache_is_not_an_error(demo, capsys):
    cache, base = demo
    (cache / "analysis").write_text("a file where the directory would go")
    assert len(_sites_json(base, capsys)) == 3
    assert main([*base, "tag", MIGRATE_V1, _sites_json(base, capsys)[0]["id"], "policy", *V1]) == 0


def test_other_revision_of_the_family_still_works(demo, capsys):
    _cache, base = demo
    assert main([*base, "sites", MIGRATE_V2, "--revision", "1", "--format", "json"]) == 0
    v1 = json.loads(capsys.readouterr().out)
    assert main([*base, "sites", MIGRATE_V2, "--format", "json"]) == 0
    v2 = json.loads(capsys.readouterr().out)
    assert v1 and v2 and {s["id"] for s in v1} != {s["id"] for s in v2}
    assert main([*base, "tag", MIGRATE_V2, v1[0]["id"], "policy", "--revision", "1"]) == 0
