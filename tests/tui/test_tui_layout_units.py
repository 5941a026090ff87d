"""The pure parts of the review screen's fit to the terminal: arrangement, wrapping, dates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from rich.cells import cell_len

from reviewtui import config
from reviewtui.errors import UsageError
from reviewtui.tui.layout import arrange, mode_for
from reviewtui.tui.safe_text import clean_line, clean_lines
from reviewtui.tui.screens.thread_view import row_prompt, thread_rows
from reviewtui.tui.times import Clock
from reviewtui.tui.widgets.discussion import CommentView, comment_parts
from reviewtui.tui.wrap import wrap_points

ADDED = "+\tif (folio_test_pmd_mappable(folio) && folio_estimated_sharers(folio) > 1)"


@pytest.mark.parametrize(("size", "mode"), [
    ((80, 24), "stacked"), ((100, 30), "stacked"), ((132, 40), "stacked"),
    ((169, 40), "stacked"), ((170, 40), "split"), ((197, 40), "split"), ((198, 50), "wide"),
    ((200, 50), "wide"), ((300, 80), "wide"),
])
def test_the_arrangement_follows_the_width(size, mode):
    width, height = size
    chosen = arrange(width, height - 3)
    assert mode_for(width) == chosen.mode == mode
    # The series column only where the diff still gets its 96 columns beside it.
    assert chosen.left == (mode == "wide") and chosen.header == (mode != "wide")
    assert chosen.discussion
    diff = width - chosen.left_width - (0 if chosen.stacked else chosen.discussion_width)
    assert diff >= (width if mode == "stacked" else 96)
    if chosen.stacked:
        # Under the diff, the discussion takes two fifths of the rows at most.
        assert 6 <= chosen.discussion_height <= (height - 3) * 2 // 5


def test_the_reviewer_zooms_hides_and_shows_panes():
    assert arrange(80, 21, sides=False) == arrange(80, 21, sides=False, series=True)
    alone = arrange(80, 21, sides=False)
    assert not alone.left and not alone.discussion and alone.header
    with_list = arrange(80, 21, series=True)
    assert with_list.left and 80 - with_list.left_width >= 52  # narrower, by request
    wide_without = arrange(200, 47, series=False)
    assert not wide_without.left and wide_without.header and wide_without.discussion
    for pane in ("left", "diff", "discussion"):
        zoomed = arrange(132, 37, zoom=pane)
        assert zoomed.zoom == pane
        assert zoomed.left == (pane == "left")
        assert zoomed.discussion == (pane == "discussion")
        assert not zoomed.stacked


def test_wrap_points_break_after_a_space_or_operator_and_hang():
    text = " " * 12 + ADDED.expandtabs(8)
    points = wrap_points(text, 79, 25)
    assert len(points) == 1
    (char, cell), = points
    first, rest = text[:char], text[char:]
    assert first.rstrip().endswith("&&") and rest == "folio_estimated_sharers(folio) > 1)"
    assert cell == char and len(first) <= 79 and 25 + len(rest) <= 79
    # No good break: cut at the row's end; every row after the first holds width - indent.
    assert wrap_points("x" * 30, 10, 2) == [(10, 10), (18, 18), (26, 26)]
    assert wrap_points("short", 10, 2) == []
    # Wide characters count two cells and are never split.
    assert wrap_points("中" * 3, 3, 0) == [(1, 2), (2, 4)]


def test_clean_lines_breaks_lines_and_keeps_controls_visible():
    assert clean_lines("a >\n1)") == ["a >", "1)"]
    assert clean_lines("a\r\nb") == ["a", "b"]
    assert clean_lines("\x1b[31mred\rx") == ["^[[31mred^Mx"]
    assert clean_line("a >\n1)") == "a >^J1)"  # one-line fields still show it


def test_a_quoted_line_a_mail_client_wrapped_shows_as_two_quoted_lines():
    comment = CommentView("m@x", "Hugh", "h@x", None, "Right.",
                          quoted=("+\tif (folio_estimated_sharers(folio) >\n1)", "+\x1b[2J"))
    lines = [part.plain for part in comment_parts(comment)]
    assert "> +       if (folio_estimated_sharers(folio) >" in lines
    assert "> 1)" in lines
    assert "> +^[[2J" in lines
    assert not any("^J" in line for line in lines)


def test_dates_in_one_zone():
    sent = datetime(2023, 8, 2, 17, 53, tzinfo=timezone(timedelta(hours=8)))
    reply = datetime(2023, 8, 2, 13, 21, tzinfo=timezone(timedelta(hours=1)))
    utc = Clock(UTC)
    assert (utc.short(sent), utc.short(reply)) == ("2023-08-02 09:53", "2023-08-02 12:21")
    assert utc.long(reply) == "Wed, 02 Aug 2023 12:21 UTC"
    assert utc.full(reply) == "Wed, 02 Aug 2023 12:21:00 UTC (sender: 13:21 +0100)"
    berlin = Clock(ZoneInfo("Europe/Berlin"))
    assert berlin.long(sent) == "Wed, 02 Aug 2023 11:53 CEST"
    assert berlin.name() == "Europe/Berlin"
    # A date without a zone is UTC ("-0000"), not the machine's zone.
    assert utc.short(datetime(2023, 8, 2, 9, 53)) == "2023-08-02 09:53"
    assert utc.short(None).strip() == "(no date)" and len(utc.short(None)) == 16


def test_the_zone_setting(monkeypatch):
    monkeypatch.delenv("REVIEWTUI_TZ", raising=False)
    assert config.display_zone() is None  # the machine's local zone
    assert config.display_zone("utc") is UTC
    monkeypatch.setenv("REVIEWTUI_TZ", "Asia/Shanghai")
    assert config.display_zone() == ZoneInfo("Asia/Shanghai")
    assert config.display_zone("UTC") is UTC  # --tz wins
    with pytest.raises(UsageError, match="unknown time zone 'Mars/Olympus'"):
        config.display_zone("Mars/Olympus")


def test_thread_index_in_one_zone_siblings_by_instant(demo_prepared):
    series = demo_prepared.context.loaded.series
    rows = thread_rows(series)
    clock = Clock(UTC)
    shown = {row.message.msgid: row_prompt(row, clock).plain for row in rows}
    patch1 = next(r.message for r in rows if r.message.subject.startswith("[PATCH 1/4]"))
    willy = series.messages["ZMpKYfNWA/jNgEuL@casper.infradead.org"]
    # Sent 17:53 +0800 and 13:21 +0100: in one zone the reply is after the patch it answers.
    assert patch1.date.strftime("%H:%M %z") == "17:53 +0800"
    assert willy.date.strftime("%H:%M %z") == "13:21 +0100"
    assert shown[patch1.msgid].startswith("2023-08-02 09:53")
    assert shown[willy.msgid].startswith("2023-08-02 12:21")
    in_shanghai = row_prompt(next(r for r in rows if r.message is willy),
                             Clock(ZoneInfo("Asia/Shanghai"))).plain
    assert in_shanghai.startswith("2023-08-02 20:21")
    # Siblings (replies to one message) follow the instant they were sent.
    children: dict[str | None, list] = {}
    for row in rows:
        children.setdefault(row.message.in_reply_to, []).append(row.message)
    for kids in children.values():
        stamps = [m.date.timestamp() for m in kids if m.date]
        assert stamps == sorted(stamps)
        times = [shown[m.msgid][:16] for m in kids if m.date]
        assert times == sorted(times)  # and so do the times shown
    for row in rows:
        parent = series.messages.get(row.message.in_reply_to or "")
        if parent is not None and parent.date and row.message.date:
            assert shown[parent.msgid][:16] <= shown[row.message.msgid][:16]


def test_wrapped_lines_never_lose_text():
    text = "if (a && b) { x = some_function(argument_one, argument_two); y++; }" * 3
    for width in (20, 37, 61, 80):
        points = wrap_points(text, width, 6)
        starts = [0, *(char for char, _cell in points)]
        pieces = [text[a:b] for a, b in zip(starts, [*starts[1:], len(text)], strict=True)]
        assert "".join(pieces) == text
        assert cell_len(pieces[0]) <= width
        assert all(cell_len(piece) <= width - 6 for piece in pieces[1:])
