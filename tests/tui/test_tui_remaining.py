"""`review --tree PATH` and R: the call sites the series leaves in a kernel tree, tagged too.

The tree is tests/tree/corpus_tree (mm before the migrate series): three uses of
page_mapcount/total_mapcount remain there. Tags on them live in the same store as site tags,
so `reviewtui audit --tree PATH` shows what the TUI wrote.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import SIZE, last_notice, review_args, wait_for, wait_for_review

try:
    from support.cli import DEMO_CACHE, MIGRATE_V1, run_cli
except ImportError:
    from tests.support.cli import DEMO_CACHE, MIGRATE_V1, run_cli

from reviewtui.analysis.tree_audit import tree_site_records
from reviewtui.store import ReviewStore
from reviewtui.tree.audit import run_tree_audit
from reviewtui.tui import views
from reviewtui.tui.app import make_app
from reviewtui.tui.backend import Prepared, ReviewBackend, prepare
from reviewtui.tui.screens.loading import LoadingScreen
from reviewtui.tui.screens.note_editor import NoteEditor
from reviewtui.tui.screens.remaining import RemainingScreen
from reviewtui.tui.screens.review import ReviewScreen
from reviewtui.tui.screens.tag_picker import TagPicker

TREE = DEMO_CACHE.parent / "tests" / "tree" / "corpus_tree"
NOTE = "fine as is: khugepaged only estimates"


@pytest.fixture(scope="session")
def tree_load(tmp_path_factory) -> tuple[Prepared, list[str]]:
    """The demo thread loaded with --tree corpus_tree once, and the loader's progress lines."""
    state = tmp_path_factory.mktemp("unused") / "state.sqlite3"
    steps: list[str] = []
    return prepare(review_args(state, "--tree", str(TREE)), steps.append), steps


def static_text(static, width: int = 200) -> str:
    """The plain text a Static widget displays."""
    from rich.console import Console

    console = Console(width=width, record=True, color_system=None)
    console.print(static.content)
    return console.export_text()


def expected_rows(prepared: Prepared) -> list[dict[str, object]]:
    """The remaining rows as `tree-audit --format json` lists them, computed independently."""
    ctx = prepared.context
    report = run_tree_audit(TREE, ctx.sites, ctx.catalogue)
    return [row.as_dict() for row in tree_site_records(report.audit)]


def shown_rows(screen: RemainingScreen) -> list[tuple]:
    """(id, file, line, function, api, source line) of every row the screen lists."""
    return [(i.row_id, i.file, i.line, i.function, i.api, i.text) for i in screen.items]


def table_rows(screen: RemainingScreen) -> list[list[str]]:
    """The cells the table displays, as plain text."""
    from textual.widgets import DataTable

    table = screen.query_one(DataTable)
    return [[cell.plain for cell in table.get_row_at(i)] for i in range(table.row_count)]


async def open_remaining(pilot) -> RemainingScreen:
    await pilot.press("R")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, RemainingScreen),
                   what="remaining call sites")
    await pilot.pause()
    return pilot.app.screen


def test_the_loader_scans_the_tree_after_the_thread(tree_load, demo_prepared):
    """'Scanning the tree ...' is a step of its own; the rows are the tree audit's remaining."""
    prepared, steps = tree_load
    scanning = [s for s in steps if s.startswith("Scanning the tree ")]
    assert scanning == [f"Scanning the tree {TREE} ..."]
    assert steps.index(scanning[0]) > steps.index("Parsing the thread and finding call sites")
    ctx = prepared.context
    assert ctx.tree is not None and ctx.tree.audit.state.assumed == "before"
    assert [r.as_dict() for r in ctx.remaining] == expected_rows(demo_prepared)
    assert len(ctx.remaining) == 3
    # The series itself is loaded exactly as without a tree.
    assert [s.id for s in ctx.sites] == [s.id for s in demo_prepared.context.sites]


async def test_tag_a_remaining_site_reopen_and_audit(tree_load, state_path, cli_env):
    """R lists the tree's remaining sites; t and e on one are stored at once, survive a
    restart, and `reviewtui audit --tree` shows them."""
    expected = expected_rows(tree_load[0])
    args = review_args(state_path, "--tree", str(TREE))
    app = make_app(args)
    async with app.run_test(size=SIZE) as pilot:
        review = await wait_for_review(pilot)
        screen = await open_remaining(pilot)
        assert shown_rows(screen) == [
            (r["id"], r["file"], r["line"], r["function"], r["api"], r["expression"])
            for r in expected]
        assert table_rows(screen)[0][:4] == [
            f"{expected[0]['file']}:{expected[0]['line']}", expected[0]["function"],
            expected[0]["api"], expected[0]["expression"]]
        state = static_text(screen.query_one("#remaining-state"))
        assert review.backend.tree.audit.state.describe() in state
        assert "before the series (detected: 3/3 removed lines present" in state
        assert "3 remaining call sites: 0 tagged · 3 untagged" in static_text(
            screen.query_one("#remaining-counts"))
        # j/k and the arrows move; the detail follows the cursor.
        await pilot.press("j", "down", "k")
        assert screen.current.row_id == expected[1]["id"]
        assert expected[1]["expression"] in static_text(screen.query_one("#remaining-detail"))
        # e before t: a note belongs to a requirement.
        await pilot.press("e")
        assert app.screen is screen
        await pilot.press("t")
        await wait_for(pilot, lambda: isinstance(app.screen, TagPicker), what="tag picker")
        tags = [tag for tag, _meaning in review.backend.requirements()]
        await pilot.press(str(tags.index("estimate-ok") + 1))
        await wait_for(pilot, lambda: app.screen is screen, what="picker closed")
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, NoteEditor), what="note editor")
        await pilot.press(*NOTE, "ctrl+s")
        await wait_for(pilot, lambda: app.screen is screen, what="editor closed")
        target = review.backend.remaining_row(expected[1]["id"])
        # Written at once: another connection sees it while the app still runs.
        with ReviewStore.open(state_path) as store:
            seen = store.tags_for(review.backend.family, 1, [target])[target.id]
        assert (seen.requirement, seen.note) == ("estimate-ok", NOTE)
        assert seen.who == "Rita Reviewer <rita@example.org>"
        assert table_rows(screen)[1][4:] == ["estimate-ok", NOTE]
        assert "1 tagged · 2 untagged" in static_text(screen.query_one("#remaining-counts"))
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is review, what="back to review")
        await pilot.press("q")

    again = make_app(args)
    async with again.run_test(size=SIZE) as pilot:
        review = await wait_for_review(pilot)
        screen = await open_remaining(pilot)
        assert [(i.requirement, i.note) for i in screen.items] == [
            (None, ""), ("estimate-ok", NOTE), (None, "")]
        assert table_rows(screen)[1][4:] == ["estimate-ok", NOTE]
        await pilot.press("q")  # q goes back here, it does not quit
        await wait_for(pilot, lambda: again.screen is review, what="back to review")
        # The series summary counts them.
        await pilot.press("s")
        await wait_for(pilot, lambda: again.screen is not review, what="summary")
        counts = static_text(again.screen.query_one("#summary-counts"))
        assert "3 remaining call sites in the tree: 1 tagged · 2 untagged" in counts

    base = ("--cache-dir", str(DEMO_CACHE), "--state", str(state_path))
    result = run_cli(*base, "audit", MIGRATE_V1, "-v", "1", "--tree", str(TREE), "--format", "json",
                     env=cli_env)
    assert result.returncode == 0, result.stderr
    audit = json.loads(result.stdout)
    rows = {r["id"]: r for r in audit["remaining"]}
    assert list(rows) == [r["id"] for r in expected]
    assert rows[target.id]["requirement"] == "estimate-ok"
    assert rows[target.id]["note"] == NOTE
    assert rows[target.id]["tagged_by"] == "Rita Reviewer <rita@example.org>"
    assert audit["summary"]["remaining"] == 3 and audit["summary"]["remaining_untagged"] == 2


async def test_r_without_a_tree_says_how_to_get_one(demo_backend):
    """No --tree: R stays on the review screen and says to start with --tree PATH."""
    app = make_app(backend=demo_backend)
    async with app.run_test(size=SIZE) as pilot:
        review = await wait_for_review(pilot)
        await pilot.press("R")
        await pilot.pause()
        assert app.screen is review
        notice = await last_notice(pilot)
        assert notice.severity == "warning"
        assert "--tree PATH" in notice.message and "reviewtui review THREAD" in notice.message
        # Nor does the summary mention a tree.
        assert views.remaining_line(demo_backend) is None


async def test_bad_tree_path_is_a_load_error(state_path, tmp_path):
    """--tree on a missing directory: the loading screen says so, like other load errors."""
    missing = tmp_path / "no-such-tree"
    app = make_app(review_args(state_path, "--tree", str(missing)))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, LoadingScreen)
                       and bool(app.screen.failed_message), what="the failure")
        assert app.screen.failed_message == f"--tree {missing}: no such directory"
        notice = await last_notice(pilot)
        assert notice.severity == "error" and "no such directory" in notice.message
        await pilot.press("q")
    assert app._exception is None
    assert type(app.load_error).__name__ == "UsageError"  # the CLI exits with 2


async def test_export_has_the_remaining_section_of_the_cli(tree_load, state_path, tmp_path,
                                                           cli_env):
    """w with a tree: the audit table has the remaining sites, exactly as `audit --tree`."""
    prepared = tree_load[0]
    backend = ReviewBackend.open(prepared, state_path)
    try:
        row = backend.remaining[0]
        backend.set_remaining_requirement(row.id, "not-sharing")
        backend.set_remaining_note(row.id, "a refcount, not sharing")
        backend.set_requirement(backend.sites[0].id, "fn-unsafe")
        result = backend.export(tmp_path / "out")
    finally:
        backend.close()
    exported = json.loads((result.directory / "audit.json").read_text())
    assert exported["remaining"][0]["requirement"] == "not-sharing"
    assert "## Remaining call sites" in (result.directory / "audit.md").read_text()
    base = ("--cache-dir", str(DEMO_CACHE), "--state", str(state_path))
    for fmt in ("json", "md", "csv", "html"):
        cli = run_cli(*base, "audit", MIGRATE_V1, "-v", "1", "--tree", str(TREE), "--format", fmt,
                      env=cli_env)
        assert cli.returncode == 0, cli.stderr
        assert (result.directory / f"audit.{fmt}").read_text() == cli.stdout, fmt


async def test_untag_a_remaining_site(tree_load, state_path):
    """t then 0 removes the tag again (and the store forgets it)."""
    backend = ReviewBackend.open(tree_load[0], state_path)
    row = backend.remaining[2]
    backend.set_remaining_requirement(row.id, "policy")
    app = make_app(backend=backend)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_review(pilot)
        screen = await open_remaining(pilot)
        await pilot.press("j", "j", "t")
        await wait_for(pilot, lambda: isinstance(app.screen, TagPicker), what="tag picker")
        assert app.screen.current == "policy"
        await pilot.press("0")
        await wait_for(pilot, lambda: app.screen is screen, what="picker closed")
        assert backend.requirement_of(row.id) is None
        assert table_rows(screen)[2][4] == "—"
    with ReviewStore.open(state_path) as store:
        assert not store.tags_for(backend.family, 1, [row])[row.id].tagged


HOSTILE_C = (
    "static int hostile(struct page *page)\n"
    "{\n"
    "\tif (page_mapcount(page) > 1) /* [bold red]x[/] [@click=app.quit]q[/] \x1b[2J\x07 */\n"
    "\t\treturn 1;\n"
    "\treturn 0;\n"
    "}\n"
)


async def test_tree_text_is_shown_literally(demo_prepared, tmp_path, state_path):
    """Markup, escapes and controls in tree lines reach the screen as visible text."""
    tree = tmp_path / "tree"
    shutil.copytree(TREE, tree)
    (tree / "mm" / "hostile.c").write_text(HOSTILE_C)
    prepared = prepare(review_args(tmp_path / "unused.sqlite3", "--tree", str(tree)),
                       lambda _text: None)
    backend = ReviewBackend.open(prepared, state_path)
    app = make_app(backend=backend)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_review(pilot)
        screen = await open_remaining(pilot)
        rows = table_rows(screen)
        hostile = next(r for r in rows if r[0] == "mm/hostile.c:3")
        assert "[bold red]x[/] [@click=app.quit]q[/] ^[[2J^G" in hostile[3]
        await pilot.press(*["j"] * [r[0] for r in rows].index("mm/hostile.c:3"))
        detail = static_text(screen.query_one("#remaining-detail"))
        assert "[@click=app.quit]q[/] ^[[2J^G" in detail
        assert app.screen is screen and app._exception is None


async def test_a_tree_with_nothing_left(tmp_path, state_path):
    """Only the files the series converts: no remaining site, and the screen says why."""
    tree = tmp_path / "tree"
    (tree / "mm").mkdir(parents=True)
    shutil.copy(TREE / "mm" / "migrate.c", tree / "mm" / "migrate.c")
    app = make_app(review_args(state_path, "--tree", str(tree)))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_review(pilot)
        screen = await open_remaining(pilot)
        assert screen.items == [] and screen.current is None
        assert static_text(screen.query_one("#remaining-counts")).strip() == (
            "0 remaining call sites: no use of page_mapcount, total_mapcount is left in the tree")
        await pilot.press("t")
        assert app.screen is screen
        assert (await last_notice(pilot)).message == "no remaining call site to tag"


# -- snapshot -------------------------------------------------------------------------------

@pytest.fixture
def tree_backend(tree_load, state_path):
    """A backend with the tree loaded; the tree named by its path in the repository (the
    checkout's absolute path would make the snapshot depend on where the tests run)."""
    prepared = tree_load[0]
    ctx = prepared.context
    scan = replace(ctx.tree.scan, root=Path("tests/tree/corpus_tree"))
    shown = Prepared(replace(ctx, tree=replace(ctx.tree, scan=scan)), prepared.discussion)
    backend = ReviewBackend.open(shown, state_path)
    yield backend
    backend.close()


@pytest.mark.usefixtures("colour")
def test_remaining_screen_snapshot(snap_compare, tree_backend):
    """The tree state, the three remaining sites, one tagged estimate-ok with a note."""
    row = tree_backend.remaining[1]
    tree_backend.set_remaining_requirement(row.id, "estimate-ok")
    tree_backend.set_remaining_note(row.id, NOTE)
    assert snap_compare(make_app(backend=tree_backend), press=["R", "j"], terminal_size=SIZE)


def test_help_lists_r(demo_backend):
    """R is a binding of the review screen, so the footer and the help list it."""
    from reviewtui.tui.screens.help import help_rows

    rows = dict(help_rows(ReviewScreen.BINDINGS))
    assert "kernel tree" in rows["R"] and "--tree PATH" in rows["R"]
