"""Pilot tests of the review screen, asserting on state (the store, the panes' content)."""

from __future__ import annotations

from conftest import SIZE, review_args, wait_for, wait_for_review

try:
    from support.cli import CORPUS, MIGRATE_V1
except ImportError:
    from tests.support.cli import CORPUS, MIGRATE_V1

from reviewtui.store import ReviewStore
from reviewtui.tui.app import make_app
from reviewtui.tui.screens.tag_picker import TagPicker
from reviewtui.tui.widgets.discussion import DiscussionBody, DiscussionPane
from reviewtui.tui.widgets.patch_view import PatchView
from reviewtui.tui.widgets.series_list import SeriesList
from reviewtui.tui.widgets.site_list import SiteList

NUMA_SITE_FUNCTION = "numamigrate_isolate_page"  # renamed numamigrate_isolate_folio by 2/4


def body_text(pane: DiscussionPane) -> str:
    """What the discussion pane shows, as plain text."""
    return "\n".join(line.rstrip() for line in pane.query_one(DiscussionBody).plain_lines())


def static_text(static, width: int = 200) -> str:
    """The plain text a Static widget displays."""
    from rich.console import Console

    console = Console(width=width, record=True, color_system=None)
    console.print(static.content)
    return console.export_text()


async def test_discussion_of_patch1_site_is_grouped(demo_backend):
    """1/4: two mails quote the mapcount line; the hugetlb / -EBUSY sub-thread is elsewhere."""
    app = make_app(backend=demo_backend)
    async with app.run_test(size=SIZE) as pilot:
        screen = await wait_for_review(pilot)
        assert screen.number == 1 and screen.site_id == "84513eb03846"
        pane = screen.query_one(DiscussionPane)
        content = pane.content
        assert [(c.author, c.text[:32]) for c in content.focus] == [
            ("Matthew Wilcox", "I do not think this is the corre"),
            ("Kefeng Wang", "Ok, I am aware of the discussion")]
        hunk, patch = content.groups
        assert hunk.heading.strip() == "Elsewhere in this hunk"
        assert patch.heading.strip() == "On the patch: 1/4 as a whole"
        assert len(hunk.comments) == 10
        assert {c.author for c in hunk.comments} == {
            "Matthew Wilcox", "Kefeng Wang", "Zi Yan", "Huang, Ying"}
        assert "Mike Kravetz" in {c.author for c in patch.comments}
        assert all(not c.quoted for c in patch.comments)
        shown = body_text(pane)
        order = [shown.index(h) for h in ("On this site", "Elsewhere in this hunk",
                                          "On the patch: 1/4", "Rest of the discussion")]
        assert order == sorted(order)
        # Kefeng's mail d184ba78 puts two comments under one quote: the quote is shown once.
        first = shown.index("When check man[1]")
        second = shown.index("-ENOENT is ok")
        between = shown[first:second]
        assert "(same quoted lines as the comment above)" in between
        assert "if (folio_test_large(folio)) {" not in between
        header = shown.rindex("Kefeng Wang <wangkefeng.wang@huawei.com>", 0, first)
        assert "if (folio_test_large(folio)) {" in shown[header:first]


async def test_tag_patch2_site_survives_quit_and_reopen(state_path):
    """Go to 2/4's call site, tag it, quit; a new app on the same state shows the tag."""
    app = make_app(review_args(state_path))
    async with app.run_test(size=SIZE) as pilot:
        screen = await wait_for_review(pilot)
        assert screen.number == 1
        await pilot.press("]")
        await pilot.pause()
        assert screen.number == 2
        site = screen.backend.site(screen.site_id)
        assert (site.patch, site.function, site.new_function) == (
            2, NUMA_SITE_FUNCTION, "numamigrate_isolate_folio")
        assert "total_mapcount(page) > 1" in site.removed
        # The diff cursor sits on the site: its heading line, then its code.
        view = screen.query_one(PatchView)
        assert view.current.sites == (site.id,)
        await pilot.press("t")
        await wait_for(pilot, lambda: isinstance(app.screen, TagPicker), what="tag picker")
        tags = [tag for tag, _meaning in screen.backend.requirements()]
        await pilot.press(str(tags.index("fn-unsafe") + 1))
        await wait_for(pilot, lambda: app.screen is screen, what="picker closed")
        assert screen.backend.requirement_of(site.id) == "fn-unsafe"
        assert screen.backend.verdict_of(site.id) == "risk"  # FN introduced at fn-unsafe
        # Written at once: another connection sees it while the app still runs.
        with ReviewStore.open(state_path) as store:
            seen = store.tags_for(screen.backend.family, 1, [site])
        assert seen[site.id].requirement == "fn-unsafe"
        await pilot.press("q")
    assert app.return_code in (0, None)

    again = make_app(review_args(state_path))
    async with again.run_test(size=SIZE) as pilot:
        screen = await wait_for_review(pilot)
        await pilot.press("]")
        await pilot.pause()
        assert screen.backend.requirement_of(site.id) == "fn-unsafe"
        row = screen.query_one(SiteList).get_option_at_index(0).prompt
        assert "fn-unsafe" in row.plain
        marks = screen.query_one(PatchView)._marks
        assert marks[site.id].verdict == "risk"
        item = screen.query_one(SeriesList).get_option("patch-2").prompt
        assert "1!" in item.plain and "?" not in item.plain.split("·", 1)[1]


async def test_discussion_of_patch2_site_shows_willy_inline_comment(demo_backend):
    """The pane for 2/4's site starts with the comments anchored there, quotes included."""
    app = make_app(backend=demo_backend)
    async with app.run_test(size=SIZE) as pilot:
        screen = await wait_for_review(pilot)
        await pilot.press("]")
        await pilot.pause()
        pane = screen.query_one(DiscussionPane)
        content = pane.content
        assert content is not None and content.focus_heading.strip().startswith(
            "On this site: site 2/3")
        willy = [c for c in content.focus if c.author == "Matthew Wilcox"]
        logic = next(c for c in willy if "right logic" in c.text)
        assert any("folio_estimated_sharers(folio) > 1" in q for q in logic.quoted)
        assert any("total_mapcount(page) > 1" in q for q in logic.quoted)
        # ... and it is what the pane displays, header, quote and text.
        shown = body_text(pane)
        # Sent at 13:30 +0100: shown in the display zone (UTC in the tests).
        assert "Matthew Wilcox <willy@infradead.org>  Wed, 02 Aug 2023 12:30 UTC" in shown
        assert "> -       if (PageTransHuge(page) && total_mapcount(page) > 1)" in shown
        assert "I don't know if this is the right logic." in shown
        # Comments on other patches are not here; 2/4's other replies come after.
        assert "I do not think this is the correct change" not in shown
        focus_end = shown.index(content.rest_heading.strip())
        assert shown.index("right logic") < focus_end
        # f: the whole thread of 2/4, every message in thread order.
        await pilot.press("f")
        await pilot.pause()
        whole = pane.content
        assert "whole thread" in whole.title
        assert [c.author for c in whole.focus][:2] == ["Matthew Wilcox", "Matthew Wilcox"]
        assert {c.author for c in whole.focus} == {"Matthew Wilcox", "Kefeng Wang",
                                                   "Hugh Dickins"}
        await pilot.press("f")
        await pilot.pause()
        assert pane.content.focus_heading.strip().startswith("On this site")


async def test_site_navigation_across_patches(demo_backend):
    """. and , walk every site of the series in order; u finds untagged ones; [ ] n p."""
    app = make_app(backend=demo_backend)
    async with app.run_test(size=SIZE) as pilot:
        screen = await wait_for_review(pilot)
        ids = [s.id for s in demo_backend.sites]
        assert screen.site_id == ids[0]
        await pilot.press("full_stop")
        assert (screen.number, screen.site_id) == (2, ids[1])
        await pilot.press("full_stop")
        assert (screen.number, screen.site_id) == (3, ids[2])
        await pilot.press("full_stop")  # no further site: stays
        assert screen.site_id == ids[2]
        await pilot.press("comma", "comma")
        assert (screen.number, screen.site_id) == (1, ids[0])
        await pilot.press("n", "n", "n")
        assert screen.number == 4 and screen.site_id is None
        assert screen.query_one(SiteList).site_ids == []
        await pilot.press("p", "left_square_bracket")
        assert screen.number == 2
        await pilot.press("left_square_bracket", "left_square_bracket")
        assert screen.number == 0  # the cover letter
        assert screen.query_one(PatchView).lines[0].text.startswith("[PATCH 0/4]")
        # u: next untagged, skipping tagged sites.
        demo_backend.set_requirement(ids[1], "estimate-ok")
        await pilot.press("u")
        assert screen.site_id == ids[0]
        await pilot.press("u")
        assert screen.site_id == ids[2]
        await pilot.press("u")
        assert screen.site_id == ids[0]  # wraps around


async def test_cursor_keys_move_and_follow_sites(demo_backend):
    """j/k and arrows move the line cursor; the current site follows it within the hunk."""
    app = make_app(backend=demo_backend)
    async with app.run_test(size=SIZE) as pilot:
        screen = await wait_for_review(pilot)
        view = screen.query_one(PatchView)
        start = view.cursor
        await pilot.press("j", "j", "down")
        assert view.cursor == start + 3
        await pilot.press("k", "up")
        assert view.cursor == start + 1
        await pilot.press("g")
        assert view.cursor == 0 and screen.site_id is None
        assert screen.query_one(DiscussionPane).content.focus_heading.strip().startswith("On 1/4")
        await pilot.press("G")
        assert view.cursor == len(view.lines) - 1


async def test_patch_states_are_stored_at_once(demo_backend, state_path):
    """d, x and r change the patch's state in the store before the next key."""
    app = make_app(backend=demo_backend)
    async with app.run_test(size=SIZE) as pilot:
        screen = await wait_for_review(pilot)
        subjects = [p.subject for p in demo_backend.revision.patches]

        def stored():
            with ReviewStore.open(state_path) as store:
                return store.patch_states(demo_backend.family, 1, subjects)

        await pilot.press("d")
        assert stored()[subjects[0]].state == "reviewed"
        await pilot.press("d")
        assert stored()[subjects[0]].state == "unreviewed"
        await pilot.press("]", "x")
        assert stored()[subjects[1]].state == "skip"
        await pilot.press("r")
        assert stored()[subjects[1]].queued is True
        item = screen.query_one(SeriesList).get_option("patch-2").prompt.plain
        assert item.startswith("–✉")
        await pilot.press("left_square_bracket", "left_square_bracket", "d")  # the cover
        assert all(s.state != "reviewed" for s in stored().values())


async def test_note_needs_a_tag_then_is_saved(demo_backend):
    """e on an untagged site explains; after t, e edits the note and saves it."""
    from reviewtui.tui.screens.note_editor import NoteEditor

    app = make_app(backend=demo_backend)
    async with app.run_test(size=SIZE) as pilot:
        screen = await wait_for_review(pilot)
        site_id = screen.site_id
        await pilot.press("e")
        assert not isinstance(app.screen, NoteEditor)
        await pilot.press("t", "1")
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, NoteEditor), what="note editor")
        await pilot.press(*"move_pages() without MPOL_MF_MOVE_ALL", "ctrl+s")
        await wait_for(pilot, lambda: app.screen is screen, what="editor closed")
        assert demo_backend.note_of(site_id) == "move_pages() without MPOL_MF_MOVE_ALL"
        assert "✎" in screen.query_one(SiteList).get_option_at_index(0).prompt.plain


async def test_search_jumps_to_diff_line_and_discussion(demo_backend):
    """/ finds text in diffs and in replies; choosing a hit goes there."""
    from reviewtui.tui.screens.search import SearchScreen

    app = make_app(backend=demo_backend)
    async with app.run_test(size=SIZE) as pilot:
        screen = await wait_for_review(pilot)
        await pilot.press("slash")
        await wait_for(pilot, lambda: isinstance(app.screen, SearchScreen), what="search")
        await pilot.press(*"__folio_test_movable", "enter")
        await pilot.pause()
        search = app.screen
        assert search.hits and search.hits[0].patch == 4
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is screen, what="search closed")
        view = screen.query_one(PatchView)
        assert screen.number == 4 and "__folio_test_movable" in view.current.text
        assert screen.search_text == "__folio_test_movable"
        # A hit in the discussion opens that patch's whole thread.
        await pilot.press("slash")
        await wait_for(pilot, lambda: isinstance(app.screen, SearchScreen), what="search")
        await pilot.press("ctrl+a", "ctrl+k", *"magical", "enter")
        await pilot.pause()
        assert [h.where for h in app.screen.hits] == ["mail"]
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is screen, what="search closed")
        assert screen.number == 2 and screen.whole_thread
        assert "magical" in body_text(screen.query_one(DiscussionPane))


async def test_summary_lists_every_site_and_jumps(demo_backend):
    """s shows every site with its verdict; enter goes to the chosen one."""
    from reviewtui.tui.screens.summary import SummaryScreen

    app = make_app(backend=demo_backend)
    async with app.run_test(size=SIZE) as pilot:
        screen = await wait_for_review(pilot)
        demo_backend.set_requirement(demo_backend.sites[2].id, "estimate-ok")
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, SummaryScreen), what="summary")
        summary = app.screen
        assert [r.site_id for r in summary.rows] == [s.id for s in demo_backend.sites]
        assert [r.verdict for r in summary.rows] == ["untagged", "untagged", "cost"]
        await pilot.press("j", "j", "enter")
        await wait_for(pilot, lambda: app.screen is screen, what="summary closed")
        assert screen.number == 3 and screen.site_id == demo_backend.sites[2].id


async def test_thread_view_index_and_full_message(demo_backend):
    """T opens the thread as a mutt-like index at the site's first comment; enter: in full."""
    from reviewtui.tui.screens.thread_view import ThreadIndex, ThreadScreen

    app = make_app(backend=demo_backend)
    async with app.run_test(size=SIZE) as pilot:
        screen = await wait_for_review(pilot)
        await pilot.press("]", "T")
        await wait_for(pilot, lambda: isinstance(app.screen, ThreadScreen), what="thread view")
        thread = app.screen
        assert len(thread.rows) == len(demo_backend.series.messages) == 32
        current = thread.current
        assert current.author == "Matthew Wilcox" and current.patch == 2
        row = thread.rows[thread.query_one(ThreadIndex).highlighted]
        assert row.tree == "└─>" or row.tree.endswith("─>")
        shown = static_text(thread.query_one("#message-body"))
        assert "Message-ID: <ZMpMfQUktateeN1D@casper.infradead.org>" in shown
        assert "I don't know if this is the right logic." in shown
        await pilot.press("j")
        assert thread.current.author == "Kefeng Wang"  # the reply below it, depth first
        await pilot.press("enter")
        assert thread.has_class("-full")
        await pilot.press("escape")
        assert not thread.has_class("-full")
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen, what="back to review")


async def test_help_is_generated_from_the_bindings(demo_backend):
    """? lists every binding of the review screen with its description."""
    from reviewtui.tui.screens.help import HelpScreen, help_rows
    from reviewtui.tui.screens.review import ReviewScreen

    app = make_app(backend=demo_backend)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_review(pilot)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), what="help")
        text = "".join(static_text(s, 120) for s in app.screen.query("Static"))
        for keys, description in help_rows(ReviewScreen.BINDINGS):
            assert f"{keys}" in text and description in text
        assert "] n" in text and ". " in text and "/ " in text
        await pilot.press("question_mark")
        assert not isinstance(app.screen, HelpScreen)


async def test_export_writes_audit_and_replies(demo_backend, tmp_path, monkeypatch):
    """w asks where, writes the audit table and the queued replies, and says where."""
    from reviewtui.tui.screens.export import ExportScreen

    monkeypatch.chdir(tmp_path)
    app = make_app(backend=demo_backend)
    async with app.run_test(size=SIZE) as pilot:
        screen = await wait_for_review(pilot)
        await pilot.press("t", "1", "r")
        await pilot.press("w")
        await wait_for(pilot, lambda: isinstance(app.screen, ExportScreen), what="export")
        await pilot.press("enter")
        from reviewtui.tui.screens.export import ExportDone

        await wait_for(pilot, lambda: isinstance(app.screen, ExportDone), what="export done")
        done = static_text(app.screen.query_one("#export-files"))
        out = tmp_path / "reviewtui-export" / "v1"
        assert sorted(p.name for p in out.iterdir()) == [
            "audit.csv", "audit.html", "audit.json", "audit.md", "replies"]
        assert "fn-unsafe" in (out / "audit.md").read_text()
        replies = list((out / "replies").iterdir())
        assert len(replies) == 1
        reply = replies[0].read_text()
        assert "Reviewed-by: Rita Reviewer <rita@example.org>" in reply
        assert "In-Reply-To: <20230802095346.87449-2-wangkefeng.wang@huawei.com>" in reply
        assert f"Wrote 5 files to {out}:" in done
        assert "audit.md" in done and "replies/" in done
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is screen, what="dialog closed")


async def test_mouse_selects_patches_sites_and_lines(demo_backend):
    """Clicks work like keys: a patch in the list, a line of the diff, a site in the list."""
    app = make_app(backend=demo_backend)
    async with app.run_test(size=SIZE) as pilot:
        screen = await wait_for_review(pilot)
        series = screen.query_one(SeriesList)
        await pilot.click(SeriesList, offset=(8, 2 * series.numbers.index(3)))
        await pilot.pause()
        assert screen.number == 3
        view = screen.query_one(PatchView)
        await pilot.click(PatchView, offset=(30, 1))
        await pilot.pause()
        assert view.cursor == view.scroll_offset.y + 1
        await pilot.click(SeriesList, offset=(8, 2 * series.numbers.index(2)))
        await pilot.pause()
        view.move_to(0)
        await pilot.pause()
        assert screen.site_id is None
        await pilot.click(SiteList, offset=(10, 0))
        await pilot.pause()
        assert screen.site_id == demo_backend.sites[1].id
        assert view.current.sites == (demo_backend.sites[1].id,)


async def test_a_newer_revision_in_the_cache_shows_as_a_banner(tmp_path):
    """v1 alone: no banner. Once v2 reaches the cache (as `fetch --revisions` puts it there),
    the v1 message-id opens v2 and says so; asking for v1 says that v2 exists."""
    from reviewtui.cli import build_parser, main

    cache, state = tmp_path / "cache", tmp_path / "state.sqlite3"
    base = ["--cache-dir", str(cache), "--state", str(state)]
    assert main([*base, "cache", "add", str(CORPUS / "migrate-folio-conversion.mbox")]) == 0

    async def banner(*extra: str) -> tuple[int, str | None]:
        app = make_app(build_parser().parse_args([*base, "review", MIGRATE_V1, *extra]))
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await wait_for_review(pilot)
            bar = screen.query_one("#notice-bar")
            text = None if bar.has_class("hidden") else static_text(bar, 80).strip()
            return screen.backend.revision.number, text

    assert await banner() == (1, None)
    assert main([*base, "cache", "add", str(CORPUS / "migrate-folio-conversion-v2.mbox")]) == 0
    number, text = await banner()
    assert number == 2 and "v2 exists: reviewing v2; --revision 1 for v1" in text
    number, text = await banner("--revision", "1")
    assert number == 1 and "v2 exists (newer than v1): --revision 2 reviews it" in text
