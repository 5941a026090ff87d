"""In the review screen, d is progress only; r and C queue replies; c comments on a line."""

from __future__ import annotations

from conftest import SIZE, wait_for, wait_for_review

try:
    from support.cli import DEMO_CACHE, MIGRATE_V1, run_cli
except ImportError:
    from tests.support.cli import DEMO_CACHE, MIGRATE_V1, run_cli

from reviewtui.store import ReviewStore
from reviewtui.tui.app import make_app
from reviewtui.tui.screens.export import ExportDone, ExportScreen
from reviewtui.tui.screens.note_editor import NoteEditor
from reviewtui.tui.widgets.patch_view import PatchView

OBJECTION = "NAK: move_pages() must not move a page other processes map."


def dialog_text(app) -> str:
    from rich.console import Console

    console = Console(width=200, record=True, color_system=None)
    for static in app.screen.query("Static"):
        console.print(static.content)
    return console.export_text()


async def type_note(pilot, app, text: str) -> None:
    await wait_for(pilot, lambda: isinstance(app.screen, NoteEditor), what="editor")
    await pilot.press(*list(text))
    await pilot.press("ctrl+s")
    await wait_for(pilot, lambda: not isinstance(app.screen, NoteEditor), what="saved")


async def test_reviewed_with_an_objection_gives_no_reviewed_by(demo_backend, tmp_path,
                                                               monkeypatch, state_path, cli_env):
    """The reported scenario: tag and object to 1/4, press only d; w and trailers write none."""
    monkeypatch.chdir(tmp_path)
    app = make_app(backend=demo_backend)
    async with app.run_test(size=SIZE) as pilot:
        screen = await wait_for_review(pilot)
        assert screen.number == 1
        await pilot.press("t", "1", "e")
        await type_note(pilot, app, OBJECTION)
        await pilot.press("d")
        assert demo_backend.patch_state(1).state == "reviewed"
        assert demo_backend.patch_state(1).reply is None
        await pilot.press("w")
        await wait_for(pilot, lambda: isinstance(app.screen, ExportScreen), what="export")
        text = dialog_text(app)
        assert "No reply: none is queued" in text and "Reviewed-by replies for" not in text
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ExportDone), what="export done")
        assert "no reply is queued" in dialog_text(app)
        await pilot.press("enter")
    out = tmp_path / "reviewtui-export" / "v1"
    assert sorted(p.name for p in out.iterdir()) == [
        "audit.csv", "audit.html", "audit.json", "audit.md"]
    assert OBJECTION in (out / "audit.md").read_text()
    base = ("--cache-dir", str(DEMO_CACHE), "--state", str(state_path))
    for command in ("trailers", "replies"):
        extra = ("--reviewed",) if command == "trailers" else ()
        result = run_cli(*base, command, MIGRATE_V1, "--revision", "1", *extra,
                         "-o", str(tmp_path / "eml"), env=cli_env)
        assert result.returncode == 2 and "queued" in result.stderr, result.stderr
    assert not (tmp_path / "eml").exists()


async def test_export_lists_and_writes_only_queued_replies(demo_backend, tmp_path, monkeypatch):
    """1/4 reviewed (d), 2/4 Reviewed-by (r), 3/4 a line comment and changes requested (C)."""
    monkeypatch.chdir(tmp_path)
    app = make_app(backend=demo_backend)
    async with app.run_test(size=SIZE) as pilot:
        screen = await wait_for_review(pilot)
        await pilot.press("d", "]", "r", "]")
        await wait_for(pilot, lambda: screen.number == 3, what="patch 3")
        view = screen.query_one(PatchView)
        line = next(i for i, ln in enumerate(view.lines) if ln.kind == "+")
        view.move_to(line)
        await pilot.pause()
        await pilot.press("c")
        await type_note(pilot, app, "Is folio_is_file_lru() the same here?")
        assert [ln.text for ln in view.lines if ln.kind == "mine"] == [
            "Is folio_is_file_lru() the same here?"]
        assert view.lines[line].kind == "+" and view.lines[line + 1].kind == "mine"
        await pilot.press("C")
        assert demo_backend.queued_replies() == {2: "reviewed-by", 3: "changes-requested"}
        await pilot.press("w")
        await wait_for(pilot, lambda: isinstance(app.screen, ExportScreen), what="export")
        text = dialog_text(app)
        assert "Reviewed-by replies for 2/4" in text
        assert "Replies asking for changes (notes and comments, no trailer) for 3/4" in text
        assert "1/4" not in text
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ExportDone), what="export done")
        await pilot.press("enter")
    replies = sorted((tmp_path / "reviewtui-export" / "v1" / "replies").iterdir())
    assert [p.name[:4] for p in replies] == ["0002", "0003"]
    second, third = (p.read_text() for p in replies)
    assert "Reviewed-by: Rita Reviewer <rita@example.org>" in second
    assert "Is folio_is_file_lru() the same here?" in third and "Reviewed-by" not in third
    with ReviewStore.open(demo_backend.store.path) as store:
        (stored,) = store.line_comments(demo_backend.family, 1)
    assert (stored.file, stored.side) == ("mm/migrate.c", "new")
