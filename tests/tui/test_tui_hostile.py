"""Hostile mail text: markup, action links, ANSI escapes and control characters show literally."""

from __future__ import annotations

import pytest
from conftest import SIZE, review_args, wait_for, wait_for_review

try:
    from support.cli import CORPUS, MIGRATE_V1
except ImportError:
    from tests.support.cli import CORPUS, MIGRATE_V1

from reviewtui.lore.cache import raw_to_mbox, split_raw
from reviewtui.tui.app import make_app
from reviewtui.tui.safe_text import clean, safe_text
from reviewtui.tui.widgets.discussion import DiscussionBody, DiscussionPane

PATCH2 = "20230802095346.87449-3-wangkefeng.wang@huawei.com"
# Each on its own short line, so that no line of the pane wraps inside one.
MARKUP = "[bold red]RED[/bold red] [@click=app.quit]click me[/]"
LINK = "[link=file:///etc/passwd]x[/link]"
ANSI = "\x1b[2J\x1b[31mansi red\x1b[0m"
OSC = "\x1b]8;;http://evil.example/\x07osc link\x1b]8;;\x07"
CONTROLS = "bell\x07 back\x08space cr\rreturn \u202eevil bidi\u202c"


def hostile_reply() -> bytes:
    """A reply to 2/4 quoting its call site, then markup, escapes and controls.

    The sender's name is an RFC 2047 word that decodes to an escape sequence and markup.
    """
    body = (
        "On Wed, Aug 02, 2023 at 05:53:44PM +0800, Kefeng Wang wrote:\n"
        ">  \t/* Do not migrate THP mapped by multiple processes */\n"
        "> -\tif (PageTransHuge(page) && total_mapcount(page) > 1)\n"
        "> +\tif (folio_test_pmd_mappable(folio) && folio_estimated_sharers(folio) > 1)\n"
        ">  \t\treturn 0;\n"
        "\n"
        f"{MARKUP}\n{LINK}\n{ANSI}\n{OSC}\n{CONTROLS}\n"
        "[red]This adds false negatives[/red]\n"
    )
    head = (
        "From: =?utf-8?q?=1B[31m[bold]Mallory[/bold]=1B[0m?= <mallory@example.org>\n"
        "Subject: Re: [PATCH 2/4] [blink]pwned[/blink] [@click=app.quit]q[/]\n"
        "Date: Thu, 03 Aug 2023 12:00:00 +0000\n"
        "Message-ID: <hostile-1@example.org>\n"
        f"In-Reply-To: <{PATCH2}>\n"
        f"References: <{MIGRATE_V1}> <{PATCH2}>\n"
        "MIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=utf-8\n"
        "Content-Transfer-Encoding: 8bit\n\n"
    )
    return (head + body).encode("utf-8")


@pytest.fixture
def hostile_mbox(tmp_path):
    raws = split_raw((CORPUS / "migrate-folio-conversion.mbox").read_bytes())
    path = tmp_path / "hostile.mbox"
    path.write_bytes(raw_to_mbox([*raws, hostile_reply()]))
    return path


def test_clean_shows_controls_as_carets():
    """Escapes and controls become visible text; markup is not parsed by safe_text."""
    assert clean("\x1b[31mred\x1b[0m") == "^[[31mred^[[0m"
    assert clean("a\x07b\x08c\x00d\x7fe") == "a^Gb^Hc^@d^?e"
    assert clean("tab\there") == "tab     here"
    assert clean("\u202eevil") == "<U+202E>evil"
    assert clean("x\x9by") == "x<U+009B>y"  # C1 CSI
    text = safe_text("[bold]not bold[/bold] [@click=app.quit]x[/]")
    assert text.plain == "[bold]not bold[/bold] [@click=app.quit]x[/]" and not text.spans


def _screen_strips(app):
    return app.screen._compositor.render_strips()


def _assert_inert(app) -> str:
    """Every segment on screen: no raw control character, no action or link meta."""
    lines = []
    for strip in _screen_strips(app):
        for segment in strip:
            assert not any(ord(c) < 32 or 0x7F <= ord(c) < 0xA0 for c in segment.text), segment
            style = segment.style
            if style is not None:
                assert not style.link, segment
                assert "@click" not in (style.meta or {}), segment
        lines.append(strip.text)
    return "\n".join(lines)


async def test_hostile_reply_is_shown_literally_and_runs_nothing(hostile_mbox, state_path):
    app = make_app(review_args(state_path, "--mbox", str(hostile_mbox), thread=None))
    async with app.run_test(size=SIZE) as pilot:
        screen = await wait_for_review(pilot)
        await pilot.press("]")
        await pilot.pause()
        pane = screen.query_one(DiscussionPane)
        mallory = [c for c in pane.content.focus if c.msgid == "hostile-1@example.org"]
        assert mallory, "the hostile reply is anchored to 2/4's call site"
        shown = "\n".join(screen.query_one(DiscussionBody).plain_lines())
        assert MARKUP in shown and LINK in shown
        assert "^[[2J^[[31mansi red^[[0m" in shown
        assert "^[]8;;http://evil.example/^Gosc link^[]8;;^G" in shown
        assert "bell^G back^Hspace cr^Mreturn <U+202E>evil bidi<U+202C>" in shown
        assert "[red]This adds false negatives[/red]" in shown
        assert "^[[31m[bold]Mallory[/bold]^[[0m <mallory@example.org>" in shown
        # The mention is still found and highlighted inside the literal text.
        assert any(m.kind == "fn" for m in mallory[0].mentions)
        body = screen.query_one(DiscussionBody)
        row = next(i for i, line in enumerate(body.plain_lines()) if "click me" in line)
        header = max(i for i, line in enumerate(body.plain_lines()[:row]) if "Mallory" in line)
        body.scroll_to(y=max(0, header - 1), animate=False, immediate=True)
        await pilot.pause()
        screen_text = _assert_inert(app)
        assert MARKUP in screen_text and "^[[31m[bold]Mallory" in screen_text

        # Clicking the would-be action link does nothing: the app keeps running.
        column = body.plain_lines()[row].index("click me")
        await pilot.click(DiscussionBody, offset=(column + 2, row - body.scroll_offset.y))
        await pilot.pause()
        assert app.is_running and app.screen is screen

        # The whole-thread pane, the thread view and the search show it literally too.
        await pilot.press("f")
        await pilot.pause()
        assert MARKUP in "\n".join(body.plain_lines())
        _assert_inert(app)
        await pilot.press("T")
        from reviewtui.tui.screens.thread_view import ThreadIndex, ThreadScreen

        await wait_for(pilot, lambda: isinstance(app.screen, ThreadScreen), what="thread view")
        thread = app.screen
        index = thread.query_one(ThreadIndex)
        index.highlighted = next(i for i, r in enumerate(thread.rows)
                                 if r.message.msgid == "hostile-1@example.org")
        await pilot.pause()
        text = _assert_inert(app)
        assert "[blink]pwned[/blink] [@click=app.quit]q[/]" in text
        assert MARKUP in text and "^[[2J^[[31mansi red^[[0m" in text
        await pilot.press("escape")
        await pilot.press("slash")
        await pilot.press(*"click me", "enter")
        await pilot.pause()
        assert "[@click=app.quit]click me[/]" in _assert_inert(app)
        await pilot.press("escape")
        await pilot.pause()
        assert app.is_running
