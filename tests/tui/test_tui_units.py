"""Plain unit tests of the TUI's pure parts: display lines, search, thread order, help."""

from __future__ import annotations

from reviewtui.tui.backend import thread_order, trailer_counts
from reviewtui.tui.patch_lines import build_message_lines, build_patch_lines
from reviewtui.tui.screens.help import help_rows
from reviewtui.tui.screens.thread_view import thread_rows
from reviewtui.tui.search import search_revision
from reviewtui.tui.views import discussion_content, series_item, summary_rows


def test_patch_lines_mark_the_site_and_the_commented_lines(demo_prepared):
    revision = demo_prepared.context.revision
    sites = [s for s in demo_prepared.context.sites if s.patch == 2]
    counts = {("mm/migrate.c", "+", 2488): 4, ("mm/migrate.c", "+", 2484): 2}
    lines = build_patch_lines(revision.patch(2), sites, counts)
    assert lines[0].kind == "subject" and lines[0].text.startswith("[PATCH 2/4]")
    assert lines[1].text.startswith("From: Kefeng Wang <wangkefeng.wang@huawei.com>  Wed, 02")
    heading = next(i for i, line in enumerate(lines) if line.kind == "site")
    assert lines[heading].sites == (sites[0].id,)
    removed, added = lines[heading + 1], lines[heading + 2]
    assert (removed.kind, removed.old_no, removed.sites) == ("-", 2487, (sites[0].id,))
    assert (added.kind, added.new_no, added.sites) == ("+", 2487, (sites[0].id,))
    assert "total_mapcount(page) > 1" in removed.text
    commented = {(line.new_no, line.comments) for line in lines if line.comments}
    assert commented == {(2488, 4), (2484, 2)}
    assert sum(1 for line in lines if line.kind == "hunk") == 3
    assert [line.text for line in lines if line.kind == "file"] == ["mm/migrate.c"]


def test_cover_letter_lines(demo_prepared):
    cover = demo_prepared.context.revision.cover
    lines = build_message_lines(cover)
    assert lines[0].text == "[PATCH 0/4] mm: migrate: more folio conversion"
    assert any("This patch series converts several functions" in ln.text for ln in lines)


def test_search_finds_diff_lines_and_replies(demo_prepared):
    revision = demo_prepared.context.revision
    hits = search_revision(revision, "FOLIO_ESTIMATED_SHARERS")
    assert {h.patch for h in hits if h.where == "diff"} == {1, 2, 3}
    lines = build_patch_lines(revision.patch(2))
    for hit in hits:
        if hit.where == "diff" and hit.patch == 2:
            assert "folio_estimated_sharers" in lines[hit.line].text
    mail = search_revision(revision, "magical")
    assert [(h.patch, h.where, h.author) for h in mail] == [(2, "mail", "Matthew Wilcox")]
    assert search_revision(revision, "   ") == []


def test_thread_rows_are_depth_first_with_mutt_arrows(demo_prepared):
    series = demo_prepared.context.loaded.series
    rows = thread_rows(series)
    assert len(rows) == len(series.messages)
    assert rows[0].message.kind == "cover" and rows[0].tree == ""
    assert rows[1].message.subject.startswith("[PATCH 1/4]") and rows[1].tree == "├─>"
    willy = next(r for r in rows if r.message.msgid == "ZMpMfQUktateeN1D@casper.infradead.org")
    assert willy.tree.endswith("└─>") and not willy.show_subject
    # Every reply comes after its parent.
    position = {r.message.msgid: i for i, r in enumerate(rows)}
    for row in rows:
        parent = row.message.in_reply_to
        if parent in position:
            assert position[parent] < position[row.message.msgid]


def test_thread_order_under_one_patch(demo_prepared):
    patch = demo_prepared.context.revision.patch(2)
    ordered = thread_order(patch.replies, patch.msgid)
    assert [m.author for m in ordered] == ["Matthew Wilcox", "Kefeng Wang", "Hugh Dickins"]


def test_trailer_counts():
    counts = trailer_counts(["Reviewed-by: A <a@x>", "acked-by: B <b@x>",
                             "Reviewed-by: C <c@x>", "Signed-off-by: D <d@x>"])
    assert counts == {"acked": 1, "reviewed": 2, "tested": 0}


def test_views_of_the_demo_series(demo_backend):
    item = series_item(demo_backend, 4)
    assert (item.reviewed, item.sites, item.replies) == (2, 0, 2)
    item = series_item(demo_backend, 1)
    assert (item.sites, item.untagged, item.risky) == (1, 1, 0)
    demo_backend.set_requirement(demo_backend.sites[0].id, "fn-unsafe")
    assert series_item(demo_backend, 1).risky == 1
    rows = summary_rows(demo_backend)
    assert [r.verdict for r in rows] == ["risk", "untagged", "untagged"]
    # Off the site, in the commit message: the patch's general comments come first.
    content = discussion_content(demo_backend, 4, None, None, False)
    assert content.focus_heading.strip() == "On 4/4 in general"
    assert {c.author for c in content.focus} == {"Matthew Wilcox", "David Hildenbrand"}


def test_help_rows_join_keys_and_prefer_the_long_text():
    from textual.binding import Binding

    rows = help_rows([Binding("right_square_bracket,n", "next", "Next", key_display="]",
                              tooltip="Next patch of the series"),
                      Binding("slash", "search", "Search")])
    assert rows == [("] n", "Next patch of the series"), ("/", "Search")]


def test_site_detail_shows_the_test_the_witnesses_and_the_alternatives(demo_backend):
    from reviewtui.tui.views import site_detail

    site = next(s for s in demo_backend.sites_of(3))
    text = site_detail(demo_backend, site.id).plain
    assert "FP introduced · FN traded" in text
    assert "test: `page_mapcount(page) != 1 && page_is_file_lru(page)" in text
    assert "FP introduced: THP of which MM A maps pages 1-511 by PTE" in text
    assert "FN removed: THP PTE-mapped fully by MM A; MM B maps page 0 only" in text
    assert "  folio_maybe_mapped_shared(folio): FP when" in text
    assert "API semantics as of v6.5 (posted 2023-08-02" in text
