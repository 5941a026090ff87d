"""The review screen at real terminal sizes: the diff wins the space, every text is readable.

Each test reads what the screen shows (the composited rows, as a terminal would show them)
rather than the widgets' state. Snapshots of the same screens are in __snapshots__/.
"""

from __future__ import annotations

import pytest
from conftest import wait_for, wait_for_review

from reviewtui.tui.app import make_app
from reviewtui.tui.screens.site_detail import SiteDetailScreen
from reviewtui.tui.widgets.discussion import DiscussionPane, WrappedText
from reviewtui.tui.widgets.patch_view import PatchView

SIZES = [(80, 24), (100, 30), (132, 40), (200, 50)]
IDS = [f"{w}x{h}" for w, h in SIZES]
# A comment on 2/4's added site line, long enough to wrap at 80 columns, with a line break.
MINE = ("folio_estimated_sharers() reads the first page only: a THP whose first page the "
        "other MM does not map looks exclusive here.\nIs that what NUMA balancing wants?")


def screen_rows(app) -> list[str]:
    """The rows the terminal shows, as text."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


def squeeze(text: str) -> str:
    return "".join(text.split())


def diff_on_screen(app, view: PatchView) -> list[tuple[str, str]]:
    """(kind, text) of every diff line ('-', '+', ' ') and own comment ('mine') the patch pane
    shows, each wrapped line's continuation rows joined back to it.

    A diff row is the gutter (comment mark, site mark, old and new numbers), the +/- column,
    the code; a continuation row has a ↪ in the gutter; a comment row a ✎ after the gutter.
    """
    region = view.scrollable_content_region  # without the scrollbar
    gutter = view.gutter_width
    shown: list[tuple[str, str]] = []
    for row in screen_rows(app)[region.y:region.bottom]:
        cells = row[region.x:region.right]
        head, kind, text = cells[:gutter], cells[gutter:gutter + 1], cells[gutter + 1:]
        if "↪" in head and shown:
            shown[-1] = (shown[-1][0], shown[-1][1] + " " + text)
        elif kind in ("+", "-", " ") and any(ch.isdigit() for ch in head):
            shown.append((kind, text))
        elif kind == "✎":
            shown.append(("mine", text))
        elif shown and shown[-1][0] == "mine" and not cells[:gutter + 2].strip() and \
                cells.strip():
            shown[-1] = ("mine", shown[-1][1] + " " + cells)  # a wrapped comment
    return shown


@pytest.mark.parametrize("size", SIZES, ids=IDS)
async def test_the_current_site_is_readable_at(size, demo_backend):
    """2/4's call site: its removed and added lines in full on screen, the diff at least 60
    columns (the whole width below 170), the banner whole, the discussion there too, and
    the reviewer's own comment on the line wrapped at the pane's width."""
    demo_backend.set_line_comment(2, "mm/migrate.c", "new", 2487, MINE)
    app = make_app(backend=demo_backend)
    async with app.run_test(size=size) as pilot:
        screen = await wait_for_review(pilot)
        await pilot.press("]")
        await wait_for(pilot, lambda: screen.number == 2, what="patch 2")
        await pilot.pause()
        view = screen.query_one(PatchView)
        width = size[0]
        assert view.region.width >= 60
        if width < 170:
            assert view.region.width == width  # stacked: the diff spans the terminal
        site = demo_backend.site(screen.site_id)
        code = [line for line in view.lines if line.sites == (site.id,) and line.is_code]
        assert [line.kind for line in code] == ["-", "+"]
        shown = diff_on_screen(app, view)
        for line in code:
            assert (line.kind, squeeze(line.text)) in [(k, squeeze(t)) for k, t in shown], (
                line.text, shown)
        mine = [text for kind, text in shown if kind == "mine"]
        assert squeeze(" ".join(mine)) == squeeze(MINE)
        rows = screen_rows(app)
        banner = next(row for row in rows if "▼ site 2/3" in row)
        assert "untagged" in banner and "FN introduced · FP removed" in banner
        assert not any("^J" in row for row in rows)
        pane = screen.query_one(DiscussionPane)
        assert pane.display and pane.region.height >= 6
        title = rows[pane.region.y]
        assert "Discussion of 2/4" in title
        if width < 170:
            assert pane.region.y > view.region.y  # under the diff
        else:
            assert pane.region.x > view.region.x  # beside it
        # The series column where it fits beside a 96-column diff, else the one-line header.
        header = screen.query_one("#series-header")
        assert header.display == (width < 198) == (not screen.query_one("#left").display)
        if header.display:
            assert rows[header.region.y].startswith(" 2/4 ")
            assert "site 2/3  untagged  FN introduced · FP removed" in rows[header.region.y]


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_review_screen_snapshot(snap_compare, demo_backend, colour, size):
    """2/4 at its call site, with a line comment, at each size."""
    demo_backend.set_line_comment(2, "mm/migrate.c", "new", 2487, MINE)
    assert snap_compare(make_app(backend=demo_backend), press=["]"], terminal_size=size)


def test_site_detail_snapshot(snap_compare, demo_backend, colour):
    """i at 80x24: the whole explanation of 1/4's site, wrapped."""
    assert snap_compare(make_app(backend=demo_backend), press=["i"], terminal_size=(80, 24))


async def test_site_detail_shows_the_whole_explanation(demo_backend):
    """Cut nowhere: i shows every line views.site_detail builds, wrapped at 80 columns, down
    to the last (what each API counts), which G scrolls to."""
    from reviewtui.tui.views import site_detail

    app = make_app(backend=demo_backend)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await wait_for_review(pilot)
        expected = site_detail(demo_backend, screen.site_id).plain
        last = expected.splitlines()[-1]
        assert last.endswith("a shared folio whose first page the other MM does not map "
                             "looks exclusive")
        await pilot.press("i")
        await wait_for(pilot, lambda: isinstance(app.screen, SiteDetailScreen), what="detail")
        body = app.screen.query_one(WrappedText)
        lines = body.plain_lines()
        assert squeeze("".join(lines)) == squeeze(expected)
        assert max(len(line.rstrip()) for line in lines) <= 78  # wrapped, not cut
        await pilot.press("G")
        await pilot.pause()
        assert body.scroll_offset.y > 0
        shown = " ".join(" ".join(row.split()) for row in screen_rows(app))
        assert "looks exclusive" in shown and squeeze(last[-60:]) in squeeze(shown)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen, what="back")


async def test_keys_zoom_hide_and_show_panes(demo_backend):
    """z zooms the focused pane, v hides the side panes, l shows the series list."""
    app = make_app(backend=demo_backend)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await wait_for_review(pilot)
        view = screen.query_one(PatchView)
        pane = screen.query_one(DiscussionPane)
        left = screen.query_one("#left")
        header = screen.query_one("#series-header")
        assert screen.arrangement.mode == "stacked"
        assert not left.display and header.display and pane.display
        stacked_height = view.region.height
        await pilot.press("v")
        await pilot.pause()
        assert not pane.display and view.region.height > stacked_height
        await pilot.press("v")
        await pilot.pause()
        assert pane.display and view.region.height == stacked_height
        await pilot.press("z")  # the diff has the focus
        await pilot.pause()
        assert screen.zoom == "diff" and not pane.display and not left.display
        await pilot.press("z")
        await pilot.pause()
        assert screen.zoom is None and pane.display
        pane.query_one("#discussion-body").focus()
        await pilot.press("z")
        await pilot.pause()
        assert screen.zoom == "discussion" and not view.display
        assert pane.region.height >= 20 and pane.region.width == 80
        await pilot.press("z")
        await pilot.pause()
        await pilot.press("l")
        await pilot.pause()
        assert left.display and not header.display
        assert view.region.width >= 50 and screen.focused.id == "series"
        await pilot.press("z")  # the series list, zoomed
        await pilot.pause()
        assert screen.zoom == "left" and left.region.width == 80 and not view.display
        await pilot.press("z", "l")
        await pilot.pause()
        assert not left.display and header.display
        assert screen.focused is not None and screen.focused.display


async def test_wide_terminal_has_three_panes_and_resizes(demo_backend):
    """200 columns: series | diff | discussion; shrunk to 100, the panes re-arrange."""
    app = make_app(backend=demo_backend)
    async with app.run_test(size=(200, 50)) as pilot:
        screen = await wait_for_review(pilot)
        left = screen.query_one("#left")
        view = screen.query_one(PatchView)
        pane = screen.query_one(DiscussionPane)
        assert screen.arrangement.mode == "wide"
        assert left.region.right <= view.region.x < pane.region.x
        assert view.region.width >= 96
        await pilot.resize_terminal(100, 30)
        await wait_for(pilot, lambda: screen.arrangement.mode == "stacked", what="stacked")
        await pilot.pause()
        assert not left.display and view.region.width == 100
        assert pane.region.y > view.region.y


async def test_thread_view_and_dialogs_fit_80x24(demo_backend):
    """T at 80x24: the index over the message, dates in one zone; ?, t and w fit too."""
    from reviewtui.tui.screens.export import ExportScreen
    from reviewtui.tui.screens.help import HelpScreen
    from reviewtui.tui.screens.tag_picker import TagPicker
    from reviewtui.tui.screens.thread_view import ThreadScreen

    app = make_app(backend=demo_backend)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await wait_for_review(pilot)
        await pilot.press("T")
        await wait_for(pilot, lambda: isinstance(app.screen, ThreadScreen), what="thread")
        await pilot.pause()
        thread = app.screen
        assert thread.has_class("-narrow")
        index = thread.query_one("#thread-index")
        message = thread.query_one("#message-scroll")
        assert index.region.width == 80 and message.region.y > index.region.y
        rows = screen_rows(app)
        assert "times in UTC" in rows[0]
        # Willy's reply to 1/4 (13:21 +0100) after the patch (17:53 +0800), both in UTC.
        assert any(row.startswith(" 2023-08-02 09:53  Kefeng Wang") for row in rows)
        assert any(row.startswith(" 2023-08-02 12:21  Matthew Wilcox") for row in rows)
        assert any("Date: Wed, 02 Aug 2023 12:21:53 UTC (sender: 13:21 +0100)" in row
                   for row in rows)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen, what="back")
        for key, dialog in (("question_mark", HelpScreen), ("t", TagPicker),
                            ("w", ExportScreen)):
            await pilot.press(key)
            await wait_for(pilot, lambda d=dialog: isinstance(app.screen, d), what=str(key))
            await pilot.pause()
            box = app.screen.query_one(".dialog")
            assert box.region.x >= 0 and box.region.right <= 80, (key, box.region)
            await pilot.press("escape")
            await wait_for(pilot, lambda: app.screen is screen, what="closed")
