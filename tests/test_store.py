"""The review store: schema and migrations, carry-over across revisions, failures, crashes."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from reviewtui.analysis.callsite import CallSite
from reviewtui.errors import StateError
from reviewtui.store import SCHEMA_VERSION, ReviewStore
from reviewtui.store.schema import migrate, schema_version

FAMILY = "wangkefeng.wang@huawei.com:mm: migrate: more folio conversion"
WHO = "Rita Reviewer <rita@example.org>"


def site(site_id: str, file: str = "mm/migrate.c", function: str | None = "f", **kw) -> CallSite:
    """A hand-made call site."""
    values = {
        "id": site_id, "patch": 1, "patch_subject": "mm: x", "file": file,
        "function": function, "kind": "conversion", "removed": "if (page_mapcount(page) > 1)",
        "added": "if (folio_estimated_sharers(folio) > 1)", "old_api": "page_mapcount",
        "new_api": "folio_estimated_sharers", "polarity": "shared?", "fp": "unchanged",
        "fn": "introduced",
    }
    values.update(kw)
    return CallSite(**values)


@pytest.fixture
def store(tmp_path: Path):
    with ReviewStore.open(tmp_path / "state.sqlite3", busy_timeout=0.2) as st:
        yield st


# -- schema ---------------------------------------------------------------------------------

def test_new_file_is_wal_at_the_current_version(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "dir" / "state.sqlite3"
    ReviewStore.open(path).close()
    conn = sqlite3.connect(path)
    assert schema_version(conn) == SCHEMA_VERSION
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"site_tag", "patch_state", "setting"} <= tables
    conn.close()


def test_reopening_keeps_data_and_version(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    with ReviewStore.open(path) as st:
        st.set_tag(FAMILY, 1, site("a"), "fn-unsafe", "note", WHO)
    with ReviewStore.open(path) as st:
        assert st.tags_for(FAMILY, 1, [site("a")])["a"].requirement == "fn-unsafe"
        assert schema_version(st._conn) == SCHEMA_VERSION


def test_migrations_run_in_order_from_any_version(tmp_path: Path) -> None:
    steps = (
        ("CREATE TABLE t (a TEXT)",),
        ("ALTER TABLE t ADD COLUMN b TEXT", "INSERT INTO t VALUES ('x', 'y')"),
        ("CREATE TABLE u (c TEXT)",),
    )
    path = tmp_path / "m.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    assert migrate(conn, path, 0.2, steps[:1]) == 1
    assert migrate(conn, path, 0.2, steps) == 3
    assert conn.execute("SELECT a, b FROM t").fetchall() == [("x", "y")]
    assert migrate(conn, path, 0.2, steps) == 3  # nothing left to do


def test_failed_migration_leaves_the_file_at_the_last_good_version(tmp_path: Path) -> None:
    path = tmp_path / "m.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    steps = (("CREATE TABLE t (a TEXT)",), ("CREATE TABLE u (c TEXT)", "THIS IS NOT SQL"))
    with pytest.raises(StateError, match=str(path)):
        migrate(conn, path, 0.2, steps)
    assert schema_version(conn) == 1
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    assert names == {"t"}  # the half-done step 2 was rolled back


def test_store_from_a_newer_reviewtui_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE future (x)")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(StateError, match=r"newer than this reviewtui") as info:
        ReviewStore.open(path)
    assert str(path) in str(info.value)
    assert path.read_bytes() == before
    assert not Path(f"{path}-wal").exists()


# -- tags and carry-over --------------------------------------------------------------------

def test_tag_is_visible_to_another_connection_at_once(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    with ReviewStore.open(path) as writer, ReviewStore.open(path) as reader:
        writer.set_tag(FAMILY, 1, site("a"), "fn-unsafe", "move_pages() policy", WHO)
        tag = reader.tags_for(FAMILY, 1, [site("a")])["a"]
    assert (tag.requirement, tag.note, tag.who, tag.carried) == (
        "fn-unsafe", "move_pages() policy", WHO, False)
    assert tag.record is not None and tag.record.tagged_at.endswith("+00:00")


def test_retagging_replaces_and_untagging_clears(store: ReviewStore) -> None:
    store.set_tag(FAMILY, 1, site("a"), "fn-unsafe", "first", WHO)
    store.set_tag(FAMILY, 1, site("a"), "estimate-ok", "second", WHO)
    assert store.tags_for(FAMILY, 1, [site("a")])["a"].note == "second"
    assert store.clear_tag(FAMILY, 1, "a") is True
    assert not store.tags_for(FAMILY, 1, [site("a")])["a"].tagged
    assert store.clear_tag(FAMILY, 1, "a") is False


def test_every_site_gets_an_entry_and_families_are_separate(store: ReviewStore) -> None:
    store.set_tag(FAMILY, 1, site("a"), "policy", "", WHO)
    tags = store.tags_for("other-family", 1, [site("a"), site("b")])
    assert set(tags) == {"a", "b"} and not any(t.tagged for t in tags.values())


def test_tag_of_v1_carries_to_the_same_site_id_in_v2(store: ReviewStore) -> None:
    store.set_tag(FAMILY, 1, site("a"), "fn-unsafe", "v1 note", WHO)
    tag = store.tags_for(FAMILY, 2, [site("a")])["a"]
    assert tag.requirement == "fn-unsafe" and tag.carried and tag.record.revision == 1
    # A tag set on v2 wins in v2 and does not rewrite what v1 said.
    store.set_tag(FAMILY, 2, site("a"), "estimate-ok", "v2 note", WHO)
    assert store.tags_for(FAMILY, 2, [site("a")])["a"].requirement == "estimate-ok"
    assert store.tags_for(FAMILY, 1, [site("a")])["a"].requirement == "fn-unsafe"
    assert [r.revision for r in store.tag_history(FAMILY, "a")] == [1, 2]


def test_untagging_a_carried_tag_stops_the_carry_but_keeps_v1(store: ReviewStore) -> None:
    store.set_tag(FAMILY, 1, site("a"), "fn-unsafe", "v1 note", WHO)
    assert store.clear_tag(FAMILY, 2, "a") is True
    assert not store.tags_for(FAMILY, 2, [site("a")])["a"].tagged
    assert not store.tags_for(FAMILY, 3, [site("a")])["a"].tagged
    assert store.tags_for(FAMILY, 1, [site("a")])["a"].requirement == "fn-unsafe"
    store.set_tag(FAMILY, 2, site("a"), "policy", "", WHO)
    assert store.tags_for(FAMILY, 3, [site("a")])["a"].requirement == "policy"


def test_changed_site_is_untagged_but_says_what_was_there(store: ReviewStore) -> None:
    store.set_tag(FAMILY, 1, site("old", function="add_page_for_migration"), "fn-unsafe", "n", WHO)
    store.set_tag(FAMILY, 1, site("kept", function="add_page_for_migration"), "policy", "", WHO)
    store.set_tag(FAMILY, 1, site("elsewhere", function="other"), "estimate-ok", "", WHO)
    new = site("new", function="add_page_for_migration")
    tags = store.tags_for(FAMILY, 2, [new, site("kept", function="add_page_for_migration")])
    assert not tags["new"].tagged
    # "kept" still exists in v2 and carries its own tag: it is no "previous" of another site.
    assert [p.site_id for p in tags["new"].previous] == ["old"]
    assert tags["new"].previous[0].describe() == (
        "was tagged fn-unsafe on v1 (mm/migrate.c add_page_for_migration)")
    assert tags["kept"].requirement == "policy" and tags["kept"].previous == ()
    # Seen from v1 itself nothing is "previous".
    assert store.tags_for(FAMILY, 1, [new])["new"].previous == ()


def test_previous_prefers_the_same_anchor_over_the_same_function(store: ReviewStore) -> None:
    fn = "madvise_cold_or_pageout_pte_range"
    store.set_tag(FAMILY, 1, site("pmd", function=fn, anchor="A"), "estimate-ok", "pmd", WHO)
    store.set_tag(FAMILY, 1, site("pte", function=fn, anchor="B"), "fp-unsafe", "pte", WHO)
    tags = store.tags_for(FAMILY, 2, [site("pmd2", function=fn, anchor="A"),
                                      site("new", function=fn, anchor="C")])
    assert [p.note for p in tags["pmd2"].previous] == ["pmd"]
    assert [p.note for p in tags["new"].previous] == ["pmd", "pte"]


def test_previous_follows_a_renamed_function(store: ReviewStore) -> None:
    old = site("v1", function="numamigrate_isolate_page", new_function="numamigrate_isolate_folio")
    store.set_tag(FAMILY, 1, old, "fp-unsafe", "", WHO)
    later = site("v3", function="numamigrate_isolate_folio")
    assert [p.site_id for p in store.tags_for(FAMILY, 3, [later])["v3"].previous] == ["v1"]


def test_previous_matches_sites_without_a_function(store: ReviewStore) -> None:
    store.set_tag(FAMILY, 1, site("old", function=None), "not-sharing", "", WHO)
    tags = store.tags_for(FAMILY, 2, [site("new", function=None), site("x", function="f")])
    assert [p.site_id for p in tags["new"].previous] == ["old"]
    assert tags["x"].previous == ()


def test_moving_a_family_keeps_its_tags_and_states(store: ReviewStore) -> None:
    store.set_tag("old", 1, site("a"), "fn-unsafe", "from old", WHO)
    store.set_tag("old", 1, site("b"), "policy", "old loses", WHO)
    store.set_tag("new", 1, site("b"), "estimate-ok", "new wins", WHO)
    store.set_patch_state("old", 1, "mm: a", "reviewed", queued=True)
    assert store.move_family("old", "new") == 2
    tags = store.tags_for("new", 1, [site("a"), site("b")])
    assert (tags["a"].note, tags["b"].note) == ("from old", "new wins")
    assert store.patch_states("new", 1, ["mm: a"])["mm: a"].queued
    assert not store.tags_for("old", 1, [site("a")])["a"].tagged


# -- with the real analysis on the corpus revision pairs ------------------------------------

CORPUS = Path(__file__).resolve().parent / "data" / "corpus"


def _revision_sites(name: str):
    from reviewtui.analysis.catalogue import default_catalogue
    from reviewtui.analysis.sites import analyse_revision
    from reviewtui.lore.cache import ThreadCache
    from reviewtui.lore.revisions import series_key
    from reviewtui.model.load import load_series

    series = load_series((CORPUS / name).read_bytes())
    revision = series.latest
    cache = ThreadCache(Path(__file__).resolve().parents[1] / "cache")
    family = series_key(cache, series, revision)
    return family, revision.number, analyse_revision(revision, default_catalogue())


def test_madvise_tags_of_v1_carry_to_v2(store: ReviewStore) -> None:
    family1, rev1, v1 = _revision_sites("mapcount-large-folio-sharing.mbox")
    family2, rev2, v2 = _revision_sites("mapcount-large-folio-sharing-v2.mbox")
    assert family1 == family2 and (rev1, rev2) == (1, 2)
    assert len(v1) == len(v2) == 4 and {s.id for s in v1} == {s.id for s in v2}
    for i, s in enumerate(v1):
        store.set_tag(family1, rev1, s, "estimate-ok", f"heuristic {i}", WHO)
    tags = store.tags_for(family2, rev2, v2)
    by_id = {s.id: i for i, s in enumerate(v1)}
    for s in v2:
        tag = tags[s.id]
        assert tag.carried and tag.requirement == "estimate-ok"
        assert tag.note == f"heuristic {by_id[s.id]}" and tag.previous == ()


def test_migrate_changed_sites_come_back_untagged_with_previous(store: ReviewStore) -> None:
    family1, rev1, v1 = _revision_sites("migrate-folio-conversion.mbox")
    family2, rev2, v2 = _revision_sites("migrate-folio-conversion-v2.mbox")
    assert family1 == family2
    requirement = {"add_page_for_migration": "policy", "numamigrate_isolate_page": "fp-unsafe",
                   "migrate_misplaced_page": "estimate-ok"}
    for s in v1:
        store.set_tag(family1, rev1, s, requirement[s.function], "", WHO)
    tags = store.tags_for(family2, rev2, v2)
    assert len(v2) == 2 and not {s.id for s in v2} & {s.id for s in v1}
    for s in v2:
        tag = tags[s.id]
        assert not tag.tagged
        assert [p.requirement for p in tag.previous] == [requirement[s.function]]
        assert tag.previous[0].describe().startswith(
            f"was tagged {requirement[s.function]} on v1 (mm/migrate.c {s.function}")


# -- patch states and settings --------------------------------------------------------------

def test_patch_state_is_keyed_by_subject_and_carried(store: ReviewStore) -> None:
    subject = "mm: migrate: use a folio in add_page_for_migration()"
    store.set_patch_state(FAMILY, 1, subject, "reviewed", queued=True, who=WHO)
    v1 = store.patch_states(FAMILY, 1, [subject])[subject]
    assert (v1.state, v1.queued, v1.carried, v1.wants_reply) == ("reviewed", True, False, True)
    # v2 resends the patch (prefix and case may differ): the state shows, but asks no reply.
    v2_subject = "[PATCH v2 1/8] MM: migrate: use a folio in  add_page_for_migration()"
    v2 = store.patch_states(FAMILY, 2, [v2_subject])[v2_subject]
    assert (v2.state, v2.set_on, v2.carried, v2.wants_reply) == ("reviewed", 1, True, False)
    untouched = store.patch_states(FAMILY, 2, ["mm: other"])["mm: other"]
    assert (untouched.state, untouched.set_on) == ("unreviewed", None)


def test_patch_state_none_keeps_the_other_field(store: ReviewStore) -> None:
    store.set_patch_state(FAMILY, 1, "mm: a", "reviewed")
    store.set_patch_state(FAMILY, 1, "mm: a", queued=True)
    state = store.patch_states(FAMILY, 1, ["mm: a"])["mm: a"]
    assert (state.state, state.queued) == ("reviewed", True)
    store.set_patch_state(FAMILY, 1, "mm: a", "skip", queued=False)
    state = store.patch_states(FAMILY, 1, ["mm: a"])["mm: a"]
    assert (state.state, state.queued, state.wants_reply) == ("skip", False, False)
    with pytest.raises(ValueError, match="unknown patch state"):
        store.set_patch_state(FAMILY, 1, "mm: a", "lgtm")


def test_settings_and_reviewer_override(store: ReviewStore) -> None:
    assert store.setting("x") is None and store.reviewer_override() is None
    store.set_setting("x", "1")
    assert store.setting("x") == "1"
    store.set_setting("x", None)
    assert store.setting("x") is None
    store.set_reviewer_override("Rita\n Reviewer", " rita@example.org ")
    assert store.reviewer_override() == ("Rita Reviewer", "rita@example.org")
    store.set_reviewer_override(None, None)
    assert store.reviewer_override() is None


# -- failures -------------------------------------------------------------------------------

@pytest.mark.parametrize("content", [b"this is not a database\n" * 200, os.urandom(8192)])
def test_corrupt_file_is_one_line_error_and_left_alone(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "state.sqlite3"
    path.write_bytes(content)
    with pytest.raises(StateError) as info:
        ReviewStore.open(path)
    message = str(info.value)
    assert str(path) in message and "not a usable database" in message and "\n" not in message
    assert path.read_bytes() == content


def test_damaged_pages_raise_state_error_not_traceback(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    with ReviewStore.open(path) as st:
        for i in range(200):
            st.set_tag(FAMILY, 1, site(f"s{i}"), "fn-unsafe", "x" * 200, WHO)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    data = bytearray(path.read_bytes())
    page = 4096
    data[2 * page: len(data)] = b"\xff" * (len(data) - 2 * page)  # keep the header page
    path.write_bytes(bytes(data))
    with pytest.raises(StateError, match=str(path)), ReviewStore.open(path) as st:
        st.tags_for(FAMILY, 1, [site("s1")])


def test_locked_file_fails_after_the_busy_timeout(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    ReviewStore.open(path).close()
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO setting VALUES ('k', 'v', 'now')")
    try:
        with ReviewStore.open(path, busy_timeout=0.3) as st:
            started = time.monotonic()
            with pytest.raises(StateError, match=r"locked by another process") as info:
                st.set_tag(FAMILY, 1, site("a"), "fn-unsafe", "", WHO)
            assert time.monotonic() - started >= 0.25
            assert str(path) in str(info.value)
            # Reads still work while another process writes (WAL).
            assert not st.tags_for(FAMILY, 1, [site("a")])["a"].tagged
    finally:
        other.execute("ROLLBACK")
        other.close()
    with ReviewStore.open(path) as st:
        st.set_tag(FAMILY, 1, site("a"), "fn-unsafe", "", WHO)  # works once released


def test_migration_of_a_locked_new_file_is_a_state_error(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("PRAGMA journal_mode = WAL")
    other.execute("BEGIN IMMEDIATE")
    other.execute("CREATE TABLE scratch (x)")
    try:
        with pytest.raises(StateError, match="locked"):
            ReviewStore.open(path, busy_timeout=0.2)
    finally:
        other.execute("ROLLBACK")
        other.close()


def test_disk_full_is_a_state_error_and_loses_nothing(store: ReviewStore) -> None:
    store.set_tag(FAMILY, 1, site("kept"), "fn-unsafe", "kept", WHO)
    pages = store._conn.execute("PRAGMA page_count").fetchone()[0]
    store._conn.execute(f"PRAGMA max_page_count = {pages}")  # what a full disk looks like
    with pytest.raises(StateError, match="disk full") as info:
        for i in range(50):
            store.set_tag(FAMILY, 1, site(f"big{i}"), "fn-unsafe", "x" * 50_000, WHO)
    assert str(store.path) in str(info.value)
    assert store.tags_for(FAMILY, 1, [site("kept")])["kept"].note == "kept"
    assert store.integrity_error() is None


def test_unwritable_location_is_a_state_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.raises(StateError, match=str(blocker)):
        ReviewStore.open(blocker / "state.sqlite3")


_READONLY_SCRIPT = textwrap.dedent("""
    import sys
    from reviewtui.errors import StateError
    from reviewtui.analysis.callsite import CallSite
    from reviewtui.store import ReviewStore
    for path in sys.argv[1:]:
        try:
            st = ReviewStore.open(path)
            st.set_tag("f", 1, CallSite(id="a", patch=1, patch_subject="s", file="x.c",
                       function=None, kind="conversion", removed=None, added=None,
                       old_api=None, new_api=None, polarity=None, fp="unknown",
                       fn="unknown"), "policy")
            print("WROTE", path)
        except StateError as exc:
            print("STATE", exc)
""")


def _without_root_powers() -> list[str]:
    """A command prefix under which root obeys file permissions (no CAP_DAC_*)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: permissions cannot be checked")
    caps = "-dac_override,-dac_read_search"
    return [setpriv, f"--bounding-set={caps}", f"--inh-caps={caps}"]


def test_read_only_directory_and_file_are_state_errors(tmp_path: Path) -> None:
    """Permission denied when creating the file and when writing to it."""
    (tmp_path / "ro-dir").mkdir()
    ro_file = tmp_path / "ro-file.sqlite3"
    ReviewStore.open(ro_file).close()
    ro_file.chmod(0o444)
    (tmp_path / "ro-dir").chmod(0o555)
    try:
        out = subprocess.run(
            [*_without_root_powers(), sys.executable, "-c", _READONLY_SCRIPT,
             str(tmp_path / "ro-dir" / "state.sqlite3"), str(ro_file)],
            capture_output=True, text=True, timeout=60, check=False,
        )
    finally:
        (tmp_path / "ro-dir").chmod(0o755)
        ro_file.chmod(0o644)
    lines = out.stdout.splitlines()
    assert out.returncode == 0, out.stderr
    assert len(lines) == 2 and all(line.startswith("STATE ") for line in lines), out.stdout
    assert str(tmp_path / "ro-dir" / "state.sqlite3") in lines[0]
    assert str(ro_file) in lines[1] and "cannot write" in lines[1]
    assert "Traceback" not in out.stderr


_CRASH_SCRIPT = textwrap.dedent("""
    import sys
    from reviewtui.analysis.callsite import CallSite
    from reviewtui.store import ReviewStore
    st = ReviewStore.open(sys.argv[1])
    i = 0
    while True:
        site = CallSite(id=f"s{i}", patch=1, patch_subject="s", file="mm/x.c", function="f",
                        kind="conversion", removed="-", added="+", old_api=None,
                        new_api=None, polarity=None, fp="unknown", fn="unknown")
        st.set_tag("fam", 1, site, "fn-unsafe", "note %d " % i + "x" * (i % 500), "C <c@x>")
        if i % 3 == 0:
            st.set_patch_state("fam", 1, f"mm: patch {i}", "reviewed", queued=True)
        print(i, flush=True)
        i += 1
""")


def test_killed_writer_loses_no_reported_write(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    proc = subprocess.Popen([sys.executable, "-c", _CRASH_SCRIPT, str(path)],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    seen = 0
    deadline = time.monotonic() + 60
    while seen < 150 and time.monotonic() < deadline:
        if not proc.stdout.readline():
            break
        seen += 1
    os.kill(proc.pid, signal.SIGKILL)
    rest = proc.stdout.read()
    proc.wait()
    reported = seen + len(rest.split())
    assert proc.returncode == -signal.SIGKILL and reported >= 150
    with ReviewStore.open(path) as st:
        assert st.integrity_error() is None
        sites = [site(f"s{i}", file="mm/x.c") for i in range(reported)]
        tags = st.tags_for("fam", 1, sites)
        missing = [i for i in range(reported) if not tags[f"s{i}"].tagged]
        assert missing == []
        assert tags["s7"].note.startswith("note 7 ")
        subjects = [f"mm: patch {i}" for i in range(0, reported, 3)]
        assert all(s.state == "reviewed" and s.queued
                   for s in st.patch_states("fam", 1, subjects).values())
