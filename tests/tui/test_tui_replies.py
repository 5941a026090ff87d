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


async def test_line_comments_typed_in_the_app_round_trip_through_the_thread(
        demo_backend, tmp_path, monkeypatch, cli_env):
    """At 80x24: c on an added, a removed and a context line, C, r, w; the written .eml
    appended to the thread: `thread --format json` anchors each comment back to the same
    patch, file, line and side. The export's result closes on any key, which does nothing
    else."""
    import email
    import json
    import mailbox
    import shutil

    try:
        from support.cli import CORPUS
    except ImportError:
        from tests.support.cli import CORPUS

    monkeypatch.chdir(tmp_path)
    app = make_app(backend=demo_backend)
    wanted: list[tuple[int, str, int, str, str]] = []
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await wait_for_review(pilot)
        view = screen.query_one(PatchView)

        async def comment(pick, text: str) -> None:
            index = next(i for i, line in enumerate(view.lines) if pick(line))
            view.move_to(index, center=True)
            await pilot.pause()
            await pilot.press("c")
            await type_note(pilot, app, text)
            line = view.lines[index]
            side = "old" if line.kind == "-" else "new"
            number = line.old_no if side == "old" else line.new_no
            wanted.append((screen.number, line.path, number, side, text))

        assert screen.number == 1
        await comment(lambda ln: ln.kind == "+" and ln.sites, "The first page only, here.")
        await comment(lambda ln: ln.kind == "-" and ln.sites, "The old test read this page.")
        await pilot.press("C")
        await pilot.press("]")
        await wait_for(pilot, lambda: screen.number == 2, what="patch 2")
        await comment(lambda ln: ln.kind == " " and ln.new_no == 2486, "A context line too.")
        await pilot.press("C")
        await pilot.press("]")
        await wait_for(pilot, lambda: screen.number == 3, what="patch 3")
        await pilot.press("r")
        assert demo_backend.queued_replies() == {1: "changes-requested",
                                                 2: "changes-requested", 3: "reviewed-by"}
        await pilot.press("w")
        await wait_for(pilot, lambda: isinstance(app.screen, ExportScreen), what="export")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ExportDone), what="export done")
        await pilot.press("x")  # any key closes it, and does not mark 3/4 skipped
        await wait_for(pilot, lambda: app.screen is screen, what="closed")
        assert demo_backend.patch_state(3).state == "unreviewed"
    assert [w[:4] for w in wanted] == [(1, "mm/migrate.c", 2092, "new"),
                                       (1, "mm/migrate.c", 2090, "old"),
                                       (2, "mm/migrate.c", 2486, "new")]
    replies = sorted((tmp_path / "reviewtui-export" / "v1" / "replies").glob("*.eml"))
    assert len(replies) == 3
    thread = tmp_path / "thread.mbox"
    shutil.copyfile(CORPUS / "migrate-folio-conversion.mbox", thread)
    box = mailbox.mbox(str(thread))
    for path in replies:
        box.add(email.message_from_bytes(path.read_bytes()))
    box.flush()
    box.close()
    out = run_cli("thread", "--mbox", str(thread), "--format", "json", env=cli_env)
    assert out.returncode == 0, out.stderr
    mine = [m for m in json.loads(out.stdout)["messages"] if "rita@example.org" in m["from"]]
    assert len(mine) == 3
    got = sorted((a["patch"], a["file"], a["line"], a["side"], a["text"].strip())
                 for m in mine for a in m["anchors"] if a["file"])
    assert got == sorted(wanted)
    general = [(a["patch"], a["text"].strip()) for m in mine for a in m["anchors"]
               if not a["file"]]
    assert general == [(3, "Reviewed-by: Rita Reviewer <rita@example.org>")]
