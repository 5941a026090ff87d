"""`h`: the site's history screen against a real public-inbox-httpd; hostile text stays text."""

from __future__ import annotations

import shutil

from conftest import SIZE, review_args, wait_for, wait_for_review

try:
    from support.cli import CORPUS, DEMO_CACHE
    from support.history_threads import CONCURRENT_COVER, EARLIER, write_extra_mbox
except ImportError:
    from tests.support.cli import CORPUS, DEMO_CACHE
    from tests.support.history_threads import CONCURRENT_COVER, EARLIER, write_extra_mbox

from reviewtui.analysis.callsite import CallSite
from reviewtui.analysis.history import HistoryEntry, MentionNote, SiteQuery
from reviewtui.lore.search import SearchResult
from reviewtui.site_history import HistoryReport
from reviewtui.tui.app import make_app
from reviewtui.tui.backend import ReviewBackend, prepare
from reviewtui.tui.screens.history import HistoryScreen, report_parts
from reviewtui.tui.widgets.discussion import DiscussionBody


def _body(screen: HistoryScreen) -> str:
    return "\n".join(line.rstrip() for line in screen.query_one(DiscussionBody).plain_lines())


async def test_history_screen_on_a_live_server_then_offline(pi_server, tmp_path, monkeypatch):
    srv = pi_server(CORPUS / "migrate-folio-conversion.mbox")
    srv.import_mbox(write_extra_mbox(CORPUS, tmp_path / "extra.mbox"))
    monkeypatch.setenv("REVIEWTUI_SERVER", srv.base_url)
    cache = tmp_path / "cache"
    shutil.copytree(DEMO_CACHE, cache)
    state = tmp_path / "state.sqlite3"
    backend = ReviewBackend.open(prepare(review_args(state, cache=cache), lambda _t: None), state)
    app = make_app(backend=backend)
    async with app.run_test(size=SIZE) as pilot:
        screen = await wait_for_review(pilot)
        assert screen.site_id == "84513eb03846"
        await pilot.press("h")
        await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen), what="history")
        history = app.screen
        await wait_for(pilot, lambda: history.report is not None
                       and history.report.offline is None and history.report.entries,
                       what="the server's answer")
        assert [e.root for e in history.report.entries] == [EARLIER, CONCURRENT_COVER]
        await pilot.pause()
        shown = _body(history)
        assert "earlier  2022-03-14  [PATCH] mm: migrate: check sharers of the folio" in shown
        assert "    -   if (page_mapcount(page) > 1 && !migrate_all)" in shown
        assert "FN  Bob Reviewer: " in shown
        assert "later  2023-08-05  [PATCH 0/1] mm: migrate: another look" in shown
        await wait_for(pilot, lambda: "up to date: 2 other series"
                       in str(history.query_one("#history-status").render()), what="status")
        # The server goes away: r asks again, the cached history stays, one line says why.
        srv.stop()
        await pilot.press("r")
        await wait_for(pilot, lambda: "connection refused"
                       in str(history.query_one("#history-status").render()), what="offline")
        assert "earlier  2022-03-14" in _body(history)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen, what="back to the review")
        backend.close()


def test_history_lines_keep_hostile_text_literal():
    site = CallSite(id="s", patch=1, patch_subject="", file="mm/x.c", function="f",
                    kind="conversion", removed=None, added=None, old_api="a", new_api="b",
                    polarity=None, fp="unchanged", fn="introduced")
    evil = "\x1b[31m[bold]red[/bold] [@click=app.quit]q[/]\u202e"
    entry = HistoryEntry(root="r@x", date="2023-01-01T00:00:00+00:00", subject=evil,
                         author=evil, link="http://127.0.0.1/r@x/", relation="earlier",
                         hits=("r@x",), cached=True, hunk=(f"+{evil}",),
                         mentions=(MentionNote("fn", evil, "m@x", evil),))
    report = HistoryReport(site, SiteQuery("mm/x.c", ("f",), ("a",)),
                           SearchResult("http://127.0.0.1/x", "q", "2024-01-01T00:00:00+00:00",
                                        ()), (entry,))
    parts = report_parts(report)
    plain = "\n".join(p.plain for p in parts)
    assert "^[[31m[bold]red[/bold] [@click=app.quit]q[/]<U+202E>" in plain
    assert "\x1b" not in plain and "\u202e" not in plain
    for part in parts:
        for span in part.spans:
            assert "@click" not in str(span.style) and "link" not in str(span.style)
