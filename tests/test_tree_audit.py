"""Tree-wide audit: scanning a C tree, enclosing functions, classification against a series."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reviewtui.analysis.callsite import CallSite
from reviewtui.analysis.catalogue import load_catalogue
from reviewtui.analysis.sites import analyse_revision
from reviewtui.analysis.tree_audit import (
    TreeUse,
    classify_tree,
    code_of,
    tree_site_records,
    tree_use_id,
)
from reviewtui.cli import main
from reviewtui.errors import UsageError
from reviewtui.lore.revisions import series_key
from reviewtui.model.load import load_series
from reviewtui.tree import run_tree_audit, scan_tree
from reviewtui.tree.scan import anchors

try:
    from support.cli import CORPUS, run_cli
    from tree.apply import apply_by_content
except ImportError:
    from tests.support.cli import CORPUS, run_cli
    from tests.tree.apply import apply_by_content

HERE = Path(__file__).resolve().parent
CTREE = HERE / "tree" / "ctree"
CORPUS_TREE = HERE / "tree" / "corpus_tree"
CATALOGUE = load_catalogue()
RETURNS = {name: api.returns for name, api in CATALOGUE.apis.items()}
HELPERS = "include/linux/mapcount_helpers.h"
SAMPLE = "mm/sample.c"

# Every call in the synthetic tree: (file, line, function, api, polarity).
CTREE_USES = [
    (HELPERS, 17, "folio_is_shared_hint", "folio_mapcount", "shared?"),
    (HELPERS, 22, "folio_estimated_sharers", "page_mapcount", "count"),
    (HELPERS, 26, "folio_shared_macro", "folio_mapcount", "shared?"),
    (HELPERS, 30, "SAMPLE_SHARED", "page_mapcount", "shared?"),
    (SAMPLE, 13, "sample_multi_line", "page_mapcount", "shared?"),
    (SAMPLE, 15, "sample_multi_line", "page_mapcount", "count"),
    (SAMPLE, 27, "sample_second", "folio_mapcount", "count"),
    (SAMPLE, 30, "sample_second", "total_mapcount", "shared?"),
    (SAMPLE, 38, "sample_syscall", "page_mapcount", "exclusive?"),
    (SAMPLE, 49, "sample_two_calls", "page_count", "count"),
    (SAMPLE, 49, "sample_two_calls", "page_mapcount", "count"),
    (SAMPLE, 55, "sample_two_calls_again", "page_count", "count"),
    (SAMPLE, 55, "sample_two_calls_again", "page_mapcount", "count"),
    (SAMPLE, 60, "sample_copy", "page_mapcount", "shared?"),
    (SAMPLE, 62, "sample_copy", "page_mapcount", "shared?"),
]


def _scan(root: Path, method: str = "walk", **kw):
    return scan_tree(root, CATALOGUE.names, RETURNS, method=method, **kw)


def _tuples(uses) -> list[tuple]:
    return [(u.file, u.line, u.function, u.api, u.polarity) for u in uses]


def _git_init(root: Path) -> None:
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1"}
    subprocess.run(["git", "init", "-q", str(root)], check=True, env=env)
    subprocess.run(["git", "-C", str(root), "add", "-A"], check=True, env=env)


# -- scanning the synthetic tree ------------------------------------------------------------

def test_walk_finds_exactly_the_calls():
    scan = _scan(CTREE)
    assert _tuples(scan.uses) == CTREE_USES
    assert scan.method == "walk"
    assert scan.files_searched == 2
    # comments, strings, prototypes (one split over two lines), a member call, a definition
    assert scan.mentions == 11
    assert scan.skipped.total == 0


def test_git_grep_agrees_with_walk(tmp_path):
    root = tmp_path / "tree"
    shutil.copytree(CTREE, root)
    _git_init(root)
    (root / "mm" / "untracked.c").write_text("int f(struct page *p)\n{\n\treturn page_mapcount(p);\n}\n")
    scan = _scan(root, method="auto")
    assert scan.method == "git grep"
    assert _tuples(scan.uses) == sorted(
        CTREE_USES + [("mm/untracked.c", 3, "f", "page_mapcount", "count")])
    assert _tuples(_scan(root, method="walk").uses) == _tuples(scan.uses)


def test_anchor_prefilter_covers_every_name():
    names = sorted(CATALOGUE.names)
    found = anchors(names)
    assert all(any(a.decode() in n for a in found) for n in names)
    assert len(found) < len(names)


# -- classification (pure) ------------------------------------------------------------------

def _site(file, function, removed, added, old_api, new_api, kind="conversion", sid="s1",
          patch=1, new_function=None, old_line=1) -> CallSite:
    return CallSite(id=sid, patch=patch, patch_subject="x", file=file, function=function,
                    kind=kind, removed=removed, added=added, old_api=old_api, new_api=new_api,
                    polarity="shared?", fp="removed", fn="introduced", old_lines=(old_line,),
                    new_lines=(old_line,), new_function=new_function)


def test_classify_synthetic_series():
    site = _site(SAMPLE, "sample_copy", "if (page_mapcount(page) > 1)",
                 "if (folio_estimated_sharers(folio) > 1)", "page_mapcount",
                 "folio_estimated_sharers")
    audit = classify_tree(_scan(CTREE).uses, [site], CATALOGUE)
    got = [(r.status, r.use.file, r.use.line, r.use.api) for r in audit.rows]
    assert got == [
        ("unrelated", HELPERS, 17, "folio_mapcount"),
        ("internal", HELPERS, 22, "page_mapcount"),  # inside folio_estimated_sharers()
        ("unrelated", HELPERS, 26, "folio_mapcount"),
        ("remaining", HELPERS, 30, "page_mapcount"),  # the SAMPLE_SHARED macro
        ("remaining", SAMPLE, 13, "page_mapcount"),
        ("remaining", SAMPLE, 15, "page_mapcount"),
        ("unrelated", SAMPLE, 27, "folio_mapcount"),
        ("unrelated", SAMPLE, 30, "total_mapcount"),
        ("remaining", SAMPLE, 38, "page_mapcount"),
        ("unrelated", SAMPLE, 49, "page_count"),
        ("remaining", SAMPLE, 49, "page_mapcount"),
        ("unrelated", SAMPLE, 55, "page_count"),
        ("remaining", SAMPLE, 55, "page_mapcount"),
        ("converted", SAMPLE, 60, "page_mapcount"),  # the site matches one line only
        ("remaining", SAMPLE, 62, "page_mapcount"),
    ]
    assert audit.rows[13].site_id == "s1"
    assert audit.state.detected == "before"
    assert audit.old_apis == {"page_mapcount"} and audit.new_apis == {"folio_estimated_sharers"}
    assert [r.use.line for r in tree_site_records(audit)] == [30, 13, 15, 38, 49, 55, 62]


def test_remaining_id_survives_converting_an_identical_line(tmp_path):
    root = tmp_path / "tree"
    shutil.copytree(CTREE, root)
    site = _site(SAMPLE, "sample_copy", "if (page_mapcount(page) > 1)",
                 "if (folio_estimated_sharers(folio) > 1)", "page_mapcount",
                 "folio_estimated_sharers")
    before = classify_tree(_scan(root).uses, [site], CATALOGUE)
    sample = root / SAMPLE
    lines = sample.read_text().split("\n")
    lines[59] = lines[59].replace("page_mapcount(page)", "folio_estimated_sharers(folio)")
    sample.write_text("\n".join(lines))
    after = classify_tree(_scan(root).uses, [site], CATALOGUE)

    def copy_rows(audit):
        return [(r.status, r.id) for r in audit.rows if r.use.function == "sample_copy"]

    (b_conv, b_conv_id), (b_rem, b_rem_id) = copy_rows(before)
    (a_intro, a_intro_id), (a_rem, a_rem_id) = copy_rows(after)
    assert (b_conv, b_rem, a_intro, a_rem) == ("converted", "remaining", "introduced", "remaining")
    assert a_rem_id == b_rem_id
    assert len({b_conv_id, b_rem_id, a_intro_id}) == 3


def test_half_applied_identical_sites():
    old, new = "if (folio_mapcount(folio) != 1)", "if (folio_estimated_sharers(folio) != 1)"
    sites = [_site("mm/m.c", "f", old, new, "folio_mapcount", "folio_estimated_sharers",
                   sid=sid, old_line=n) for sid, n in (("a", 10), ("b", 20))]
    uses = [_use(11, new, api="folio_estimated_sharers", file="mm/m.c"),
            _use(21, old, api="folio_mapcount", file="mm/m.c")]
    audit = classify_tree(uses, sites, CATALOGUE)
    assert [(r.status, r.site_id) for r in audit.rows] == [("introduced", "a"), ("converted", "b")]
    assert audit.state.detected == "mixed"


def _use(line, text="if (page_mapcount(page) > 1)", function="f", file="mm/a.c",
         api="page_mapcount") -> TreeUse:
    return TreeUse(file=file, line=line, function=function, api=api, text=text,
                   code=code_of(text))


def test_state_detection_and_forced_state():
    one = _site("mm/a.c", "f", "if (page_mapcount(page) > 1)",
                "if (folio_estimated_sharers(folio) > 1)", "page_mapcount",
                "folio_estimated_sharers", sid="s1")
    two = _site("mm/a.c", "g", "x = total_mapcount(page);", "x = folio_mapcount(folio);",
                "total_mapcount", "folio_mapcount", sid="s2")
    after_one = _use(5, "if (folio_estimated_sharers(folio) > 1)", api="folio_estimated_sharers")
    before_two = _use(9, "x = total_mapcount(page);", function="g", api="total_mapcount")
    mixed = classify_tree([after_one, before_two], [one, two], CATALOGUE)
    assert (mixed.state.detected, mixed.state.before_found, mixed.state.after_found) == \
        ("mixed", 1, 1)
    assert [r.status for r in mixed.rows] == ["introduced", "converted"]
    unknown = classify_tree([_use(3, "y = page_mapcount(p);")], [one], CATALOGUE)
    assert unknown.state.detected == "unknown" and unknown.rows[0].status == "remaining"
    forced = classify_tree([after_one], [one], CATALOGUE, assume="before")
    assert forced.state.assumed == "before" and forced.state.detected == "after"
    assert "given; detected: after" in forced.state.describe()
    assert [m.site.id for m in forced.missing] == ["s1"]
    with pytest.raises(ValueError):
        classify_tree([], [one], CATALOGUE, assume="sideways")


def test_function_unknown_falls_back_to_file_and_code():
    site = _site("mm/a.c", None, "if (page_mapcount(page) > 1)", "x", "page_mapcount", None,
                 kind="removal")
    audit = classify_tree([_use(4, function="f"), _use(8, function="g")], [site], CATALOGUE)
    assert [r.status for r in audit.rows] == ["converted", "remaining"]
    named = _site("mm/a.c", "h", "if (page_mapcount(page) > 1)", None, "page_mapcount", None,
                  kind="removal")
    audit = classify_tree([_use(4, function="f")], [named], CATALOGUE)
    assert [r.status for r in audit.rows] == ["remaining"]  # another function's identical line


def test_ids_are_stable_and_distinct():
    site = _site("mm/x.c", "zzz", "a = page_mapcount(p);", "b", "page_mapcount", None)
    rows = classify_tree([_use(10), _use(20), _use(30, function="g")], [site], CATALOGUE).rows
    shifted = classify_tree([_use(110), _use(120), _use(130, function="g")], [site],
                            CATALOGUE).rows
    assert [r.id for r in rows] == [r.id for r in shifted]  # line numbers do not matter
    assert len({r.id for r in rows}) == 3  # same line twice in f, and once in g
    norm = rows[0].norm
    assert rows[0].id == tree_use_id("mm/a.c", "f", norm, "page_mapcount", 0)
    assert rows[1].id == tree_use_id("mm/a.c", "f", norm, "page_mapcount", 1)
    assert len(rows[0].id) == 12 and int(rows[0].id, 16) >= 0
    spaced = classify_tree([_use(10, text="if (page_mapcount( page )>1) /* x */")], [site],
                           CATALOGUE).rows
    assert spaced[0].id == rows[0].id  # whitespace and comments do not matter either


@settings(max_examples=30, deadline=None)
@given(shift=st.integers(0, 500), spaces=st.lists(st.sampled_from(["", " ", "\t", "  "]),
                                                  min_size=4, max_size=4),
       comment=st.sampled_from(["", "/* page_mapcount(x) */", "// folio_mapcount(f) > 1"]))
def test_ids_ignore_layout(shift, spaces, comment):
    a, b, c, d = spaces
    text = f"{a}if{b}({c}page_mapcount(page){d}>{b}1){comment}"
    plain = classify_tree([_use(7)], [], CATALOGUE).rows[0]
    moved = classify_tree([_use(7 + shift, text=text)], [], CATALOGUE).rows[0]
    assert moved.id == plain.id and moved.norm == plain.norm


# -- the corpus series against a reconstructed tree ------------------------------------------

MIGRATE_OTHERS = [
    ("remaining", "mm/khugepaged.c", "is_refcount_suitable", "total_mapcount"),
    ("remaining", "mm/khugepaged.c", "hpage_collapse_scan_pmd", "page_mapcount"),
    ("remaining", "mm/memory.c", "do_numa_page", "page_mapcount"),
]
MADVISE_OTHERS = [
    ("remaining", "mm/huge_memory.c", "can_split_folio", "folio_mapcount"),
    ("remaining", "mm/internal.h", "folio_maybe_exclusive", "folio_mapcount"),
]
MADVISE_SITES = [
    ("mm/huge_memory.c", "madvise_free_huge_pmd"),
    ("mm/madvise.c", "madvise_cold_or_pageout_pte_range"),
    ("mm/madvise.c", "madvise_cold_or_pageout_pte_range"),
    ("mm/madvise.c", "madvise_free_pte_range"),
]
CORPUS_EXPECTED = {
    ("migrate-folio-conversion", "before"): MIGRATE_OTHERS + [
        ("converted", "mm/migrate.c", "add_page_for_migration", "page_mapcount"),
        ("converted", "mm/migrate.c", "numamigrate_isolate_page", "total_mapcount"),
        ("converted", "mm/migrate.c", "migrate_misplaced_page", "page_mapcount"),
    ],
    ("migrate-folio-conversion", "after"): MIGRATE_OTHERS + [
        ("introduced", "mm/migrate.c", "add_page_for_migration", "folio_estimated_sharers"),
        ("introduced", "mm/migrate.c", "numamigrate_isolate_folio", "folio_estimated_sharers"),
        ("introduced", "mm/migrate.c", "migrate_misplaced_page", "folio_estimated_sharers"),
    ],
    ("mapcount-large-folio-sharing", "before"): MADVISE_OTHERS + [
        ("converted", f, fn, "folio_mapcount") for f, fn in MADVISE_SITES],
    ("mapcount-large-folio-sharing", "after"): MADVISE_OTHERS + [
        ("introduced", f, fn, "folio_estimated_sharers") for f, fn in MADVISE_SITES],
    # v2 drops the total_mapcount check and keeps page_mapcount(): only total_mapcount is
    # converted away, so page_mapcount callers are no longer "remaining".
    ("migrate-folio-conversion-v2", "before"): [
        ("remaining", "mm/khugepaged.c", "is_refcount_suitable", "total_mapcount"),
        ("converted", "mm/migrate.c", "numamigrate_isolate_page", "total_mapcount"),
        ("kept", "mm/migrate.c", "migrate_misplaced_page", "page_mapcount"),
    ],
    ("migrate-folio-conversion-v2", "after"): [
        ("remaining", "mm/khugepaged.c", "is_refcount_suitable", "total_mapcount"),
        ("kept", "mm/migrate.c", "migrate_misplaced_page", "page_mapcount"),
    ],
}
CORPUS_EXPECTED[("mapcount-large-folio-sharing-v2", "before")] = \
    CORPUS_EXPECTED[("mapcount-large-folio-sharing", "before")]
CORPUS_EXPECTED[("mapcount-large-folio-sharing-v2", "after")] = \
    CORPUS_EXPECTED[("mapcount-large-folio-sharing", "after")]
INTERNAL = [  # the API definitions in include/linux/mm.h: never remaining
    ("page_mapcount", "folio_entire_mapcount"), ("folio_mapcount", "folio_total_mapcount"),
    ("total_mapcount", "folio_total_mapcount"), ("folio_estimated_sharers", "page_mapcount"),
]
_SERIES_CACHE: dict[str, tuple] = {}


def _corpus_series(name: str):
    if name not in _SERIES_CACHE:
        series = load_series((CORPUS / f"{name}.mbox").read_bytes())
        _SERIES_CACHE[name] = (series, analyse_revision(series.latest, CATALOGUE))
    return _SERIES_CACHE[name]


def _corpus_tree(tmp_path: Path, name: str, state: str) -> Path:
    root = tmp_path / state
    shutil.copytree(CORPUS_TREE, root)
    if state == "after":
        series, sites = _corpus_series(name)
        applied = apply_by_content(root, series.latest)
        site_hunks = {(s.patch, s.file, s.hunk_index) for s in sites}
        assert site_hunks <= set(applied), "every hunk with a call site applies"
    return root


@pytest.mark.parametrize("name,state", sorted(CORPUS_EXPECTED))
def test_corpus_series_classification(tmp_path, name, state):
    _, sites = _corpus_series(name)
    report = run_tree_audit(_corpus_tree(tmp_path, name, state), sites, CATALOGUE)
    audit = report.audit
    got = sorted((r.status, r.use.file, r.use.function, r.use.api) for r in audit.rows
                 if r.status not in ("unrelated", "internal"))
    assert got == sorted(CORPUS_EXPECTED[(name, state)])
    internal = sorted((r.use.function, r.use.api) for r in audit.rows if r.status == "internal")
    assert internal == sorted(INTERNAL)
    assert audit.state.detected == state
    assert audit.missing == []
    matched = {r.site_id for r in audit.rows if r.site_id}
    wanted = {s.id for s in sites if (s.removed if state == "before" else s.added)}
    assert matched == wanted


def test_corpus_remaining_ids_survive_the_series(tmp_path):
    _, sites = _corpus_series("migrate-folio-conversion")
    before = run_tree_audit(_corpus_tree(tmp_path, "migrate-folio-conversion", "before"),
                            sites, CATALOGUE).audit
    after = run_tree_audit(_corpus_tree(tmp_path, "migrate-folio-conversion", "after"),
                           sites, CATALOGUE).audit
    ids = [r.id for r in tree_site_records(before)]
    assert len(ids) == 3 and ids == [r.id for r in tree_site_records(after)]


# -- bad input ------------------------------------------------------------------------------

def test_missing_and_non_directory_tree(tmp_path):
    with pytest.raises(UsageError, match="no such directory"):
        _scan(tmp_path / "nope")
    (tmp_path / "file.c").write_text("int x;\n")
    with pytest.raises(UsageError, match="not a directory"):
        _scan(tmp_path / "file.c")


def test_hostile_files_are_skipped_and_counted(tmp_path):
    root = tmp_path / "tree"
    (root / "mm").mkdir(parents=True)
    use = b"int f(struct page *p)\n{\n\treturn page_mapcount(p);\n}\n"
    (root / "mm" / "ok.c").write_bytes(use)
    (root / "mm" / "latin1.c").write_bytes(b"/* Copyright \xe9 */\n" + use)
    (root / "mm" / "binary.c").write_bytes(b"\0\1\2 page_mapcount(p) \0")
    (root / "mm" / "huge.c").write_bytes(use + b"/* padding */\n" * 2000)
    (root / "mm" / "dangling.c").symlink_to(root / "mm" / "missing.c")
    (root / "mm" / "loop").symlink_to(root)  # a directory loop
    (root / "mm" / "self.c").symlink_to("self.c")  # a symlink loop
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "ext.c").write_bytes(use)
    (root / "linked").symlink_to(outside)  # followed once: it is not in the tree otherwise
    (root / "linked2").symlink_to(outside)  # the same directory again
    scan = _scan(root, max_bytes=4096)
    assert sorted((u.file, u.line) for u in scan.uses) == [
        ("linked/ext.c", 3), ("mm/latin1.c", 4), ("mm/ok.c", 3)]
    assert scan.replaced_bytes == ["mm/latin1.c"]
    assert scan.skipped.counts == {
        "binary": 1, "larger than 4096 bytes": 1, "broken symlink or vanished": 1,
        "symlink loop": 1, "symlinked directory already scanned (or a loop)": 2,
    }
    assert scan.skipped.examples["symlinked directory already scanned (or a loop)"] == [
        "linked2", "mm/loop"]


def test_git_grep_outside_a_checkout_is_a_clear_error(tmp_path):
    (tmp_path / "a.c").write_text("int x;\n")
    with pytest.raises(UsageError, match="git grep failed in .*not a git repository"):
        _scan(tmp_path, method="git")


def test_git_tree_skips_huge_files_too(tmp_path):
    root = tmp_path / "tree"
    root.mkdir()
    (root / "big.c").write_text("int f(struct page *p)\n{\n\treturn page_mapcount(p);\n}\n" * 50)
    _git_init(root)
    scan = _scan(root, method="git", max_bytes=1000)
    assert scan.uses == [] and scan.skipped.counts == {"larger than 1000 bytes": 1}


# -- the command ----------------------------------------------------------------------------

def _cli_json(capsys, *args) -> dict:
    assert main(["tree-audit", "--format", "json", *args]) == 0
    return json.loads(capsys.readouterr().out)


def test_cli_json_and_tags(tmp_path, capsys):
    mbox = str(CORPUS / "migrate-folio-conversion.mbox")
    tree = _corpus_tree(tmp_path, "migrate-folio-conversion", "before")
    state = tmp_path / "state.db"
    data = _cli_json(capsys, "--mbox", mbox, "--tree", str(tree), "--status", "all")
    assert data["state"]["assumed"] == "before" and data["state"]["removed_lines_present"] == 3
    assert data["counts"]["remaining"] == 3 and data["counts"]["converted"] == 3
    assert data["converts_from"] == ["page_mapcount", "total_mapcount"]
    remaining = [r for r in data["rows"] if r["status"] == "remaining"]
    assert [r["function"] for r in remaining] == [
        "is_refcount_suitable", "hpage_collapse_scan_pmd", "do_numa_page"]

    from reviewtui.store import ReviewStore

    series, sites = _corpus_series("migrate-folio-conversion")
    family = series_key(None, series, series.latest)
    report = run_tree_audit(tree, sites, CATALOGUE)
    row = next(r for r in tree_site_records(report.audit) if r.function == "do_numa_page")
    with ReviewStore.open(state) as store:
        store.set_tag(family, 1, row, "estimate-ok", note="NUMA grouping heuristic")
        store.set_tag(family, 1, sites[0], "policy", note="move_pages()")
    data = _cli_json(capsys, "--state", str(state), "--mbox", mbox, "--tree", str(tree))
    tags = {(r["function"], r["tag"], r["tag_from_site"]) for r in data["rows"] if r["tag"]}
    assert tags == {("do_numa_page", "estimate-ok", False),
                    ("add_page_for_migration", "policy", True)}


def test_cli_formats(tmp_path, capsys):
    mbox = str(CORPUS / "mapcount-large-folio-sharing.mbox")
    tree = str(_corpus_tree(tmp_path, "mapcount-large-folio-sharing", "after"))
    assert main(["tree-audit", "--mbox", mbox, "--tree", tree, "--format", "csv",
                 "--status", "remaining"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("status,id,file,line,function,api")
    assert len(lines) == 3 and all(ln.startswith("remaining,") for ln in lines[1:])
    assert main(["tree-audit", "--mbox", mbox, "--tree", tree, "--format", "md"]) == 0
    out = capsys.readouterr().out
    assert "after the series (detected: 0/4 removed lines present, 4/4 added" in out
    assert out.count("| introduced |") == 4
    assert main(["tree-audit", "--mbox", mbox, "--tree", tree, "--tree-state", "before"]) == 0
    out = capsys.readouterr().out
    assert "state: before the series (given; detected: after" in out
    assert "not in the tree: removed line of site" in out


def test_cli_bad_input_is_one_line(tmp_path, cli_env):
    mbox = str(CORPUS / "migrate-folio-conversion.mbox")
    for tree, message in ((tmp_path / "missing", "no such directory"),
                          (Path(mbox), "not a directory")):
        proc = run_cli("tree-audit", "--mbox", mbox, "--tree", str(tree), env=cli_env)
        assert proc.returncode == 2
        assert "Traceback" not in proc.stderr and message in proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1
    for extra, message in ((("--status", "bogus"), "unknown status 'bogus'"),
                           (("--max-file-size", "lots"), "not a size: 'lots'"),
                           (("--scan", "git"), "not a git repository")):
        proc = run_cli("tree-audit", "--mbox", mbox, "--tree", str(tmp_path), *extra,
                       env=cli_env)
        assert proc.returncode == 2 and message in proc.stderr, proc.stderr
        assert "Traceback" not in proc.stderr


def test_size_and_status_options():
    from reviewtui.commands.tree_audit import parse_size, parse_statuses

    assert parse_size("8M") == 8 << 20 and parse_size("500k") == 500 << 10
    assert parse_size("1000") == 1000 and parse_size("2GiB") == 2 << 30
    assert parse_statuses("kept, remaining") == ("remaining", "kept")
    assert len(parse_statuses("all")) == 6
