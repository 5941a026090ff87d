"""The review screen: series and sites | patch with diff | discussion, arranged by size.

Where the panes go is decided by tui/layout.py from the terminal size and the reviewer's
choices (z zoom, v side panes, l series list); the diff always gets the space first.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container, Horizontal, Vertical
from textual.reactive import var
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static

from reviewtui.errors import ReviewtuiError
from reviewtui.tui import views
from reviewtui.tui.backend import ReviewBackend
from reviewtui.tui.layout import Arrangement, arrange
from reviewtui.tui.patch_lines import comment_target
from reviewtui.tui.safe_text import clean_line
from reviewtui.tui.screens.export import ExportDone, ExportScreen
from reviewtui.tui.screens.remaining import RemainingScreen
from reviewtui.tui.screens.search import SearchScreen
from reviewtui.tui.screens.summary import SummaryScreen
from reviewtui.tui.screens.tagging import (
    ask_line_comment,
    ask_note,
    ask_requirement,
    report_failure,
)
from reviewtui.tui.screens.thread_view import ThreadScreen
from reviewtui.tui.search import SearchHit, search_revision
from reviewtui.tui.widgets.discussion import DiscussionPane, WrappedText
from reviewtui.tui.widgets.patch_view import PatchView
from reviewtui.tui.widgets.series_list import SeriesList
from reviewtui.tui.widgets.site_list import SiteList


class ReviewScreen(Screen[None]):
    """Everything about one revision; every change goes to the store at once."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("right_square_bracket,n", "next_patch", "Next patch", key_display="]",
                tooltip="Next patch of the series"),
        Binding("left_square_bracket,p", "prev_patch", "Prev patch", key_display="[",
                tooltip="Previous patch (the cover letter comes first)"),
        Binding("full_stop", "next_site", "Next site", key_display=".",
                tooltip="Next call site, into the next patch if needed"),
        Binding("comma", "prev_site", "Prev site", key_display=",",
                tooltip="Previous call site, into the previous patch if needed"),
        Binding("u", "next_untagged", "Untagged", tooltip="Next call site without a requirement"),
        Binding("j", "diff('cursor_down')", "Line down", show=False,
                tooltip="Move the diff cursor down (also down arrow)"),
        Binding("k", "diff('cursor_up')", "Line up", show=False,
                tooltip="Move the diff cursor up (also up arrow)"),
        Binding("t", "tag", "Tag", tooltip="Tag the site: pick its requirement from the catalogue"),
        Binding("e", "note", "Note", tooltip="Edit the note of the (tagged) site"),
        Binding("c", "line_comment", "Comment",
                tooltip="Comment on the diff line under the cursor (any line)"),
        Binding("d", "toggle_state('reviewed')", "Reviewed",
                tooltip="Mark the patch reviewed: your progress only, no reply "
                "(again: unreviewed)"),
        Binding("x", "toggle_state('skip')", "Skip", tooltip="Mark the patch skipped (again: unset)"),
        Binding("r", "queue_reply", "Reviewed-by",
                tooltip="Queue a Reviewed-by reply for the patch (again: unqueue)"),
        Binding("C", "request_changes", "Changes", key_display="C",
                tooltip="Queue a reply asking for changes: your notes and line comments, no "
                "trailer (again: unqueue)"),
        Binding("f", "toggle_thread", "Site/thread",
                tooltip="Discussion: this site (or hunk) first, or the patch's whole thread"),
        Binding("T", "thread_view", "Thread", key_display="T",
                tooltip="The whole thread as a mutt-like index; open any message in full"),
        Binding("s", "summary", "Summary",
                tooltip="Series summary: every site with its verdict; jump to one"),
        Binding("h", "history", "History",
                tooltip="History of the site: other series changing its function and API"),
        Binding("R", "remaining", "Remaining", key_display="R",
                tooltip="Remaining call sites of the kernel tree (--tree PATH); tag them"),
        Binding("slash", "search", "Search", key_display="/",
                tooltip="Search the diffs, commit messages and discussion"),
        Binding("w", "export", "Export",
                tooltip="Write the audit table and the replies you queued (r, C)"),
        Binding("J", "discussion(5)", "Discussion down", show=False,
                tooltip="Scroll the discussion down"),
        Binding("K", "discussion(-5)", "Discussion up", show=False,
                tooltip="Scroll the discussion up"),
        Binding("i", "site_detail", "Site detail",
                tooltip="The current site in full: delta, witnesses, alternatives, note "
                "(scrollable)"),
        Binding("z", "zoom", "Zoom",
                tooltip="Zoom the focused pane (diff, discussion or series) to the whole "
                "screen; again: back"),
        Binding("v", "toggle_sides", "Side panes",
                tooltip="Hide the series list and the discussion (the diff alone); again: "
                "show them"),
        Binding("l", "toggle_series", "Series list",
                tooltip="Show or hide the series and site list (narrow terminals show a "
                "one-line header instead)"),
    ]

    # var, not reactive: the panes redraw themselves; a screen-wide repaint per key is slow.
    number: var[int] = var(-1, init=False)
    site_id: var[str | None] = var(None, init=False)
    whole_thread: var[bool] = var(False, init=False)
    search_text: var[str] = var("", init=False)
    # The reviewer's layout choices (None / True: as the terminal's size allows).
    zoom: var[str | None] = var(None, init=False)
    sides: var[bool] = var(True, init=False)
    series_shown: var[bool | None] = var(None, init=False)

    def __init__(self, backend: ReviewBackend) -> None:
        super().__init__()
        self.backend = backend
        self.numbers = views.numbers(backend)
        self._discussion_key: tuple | None = None
        self.arrangement: Arrangement | None = None

    # -- layout --------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(views.title_text(self.backend), id="title-bar")
        yield Static(views.notice_text(self.backend), id="notice-bar",
                     classes="" if self.backend.notice else "hidden")
        yield Static(id="series-header")
        with Horizontal(id="panes"):
            with Vertical(id="left"):
                yield Static(Text(" Series", style="bold"), classes="pane-title")
                yield SeriesList(id="series")
                yield Static(Text(" Call sites", style="bold"), classes="pane-title")
                yield SiteList(id="sites")
                yield Static(Text.assemble((" Site", "bold"), ("  i: in full", "dim")),
                             classes="pane-title", id="site-title")
                yield WrappedText(id="site-detail")
            with Container(id="main"):
                yield PatchView(id="patch")
                yield DiscussionPane(id="discussion")
        yield Footer()

    def on_mount(self) -> None:
        series = self.query_one(SeriesList)
        series.set_items([views.series_item(self.backend, n) for n in self.numbers])
        self._arrange()
        first = next((n for n in self.numbers if n > 0), self.numbers[0] if self.numbers else 0)
        self.number = first
        self.query_one(PatchView).focus()

    # -- arrangement by size (tui/layout.py) and the z / v / l keys ----------------------

    def on_resize(self) -> None:
        self._arrange()

    def on_screen_resume(self) -> None:
        self._arrange()  # the terminal may have been resized under another screen

    def _arrange(self) -> None:
        """Place the panes for the screen's size and the reviewer's choices."""
        width, height = self.size if self.size.width else self.app.size
        bars = 2 + (1 if self.backend.notice else 0)  # title bar and footer, the notice
        chosen = arrange(width, height - bars, series=self.series_shown, sides=self.sides,
                         zoom=self.zoom)
        if chosen == self.arrangement:
            return
        self.arrangement = chosen
        left = self.query_one("#left")
        main = self.query_one("#main")
        patch = self.query_one(PatchView)
        discussion = self.query_one(DiscussionPane)
        left.display = chosen.left
        left.styles.width = "1fr" if chosen.zoom == "left" else chosen.left_width
        self.query_one("#series-header").display = chosen.header
        main.display = chosen.zoom != "left"
        main.set_class(chosen.stacked, "-stacked")
        patch.display = chosen.zoom not in ("left", "discussion")
        discussion.display = chosen.discussion
        if chosen.zoom == "discussion":
            discussion.styles.width, discussion.styles.height = "1fr", "1fr"
        elif chosen.stacked:
            discussion.styles.width = "1fr"
            discussion.styles.height = chosen.discussion_height
        else:
            discussion.styles.width, discussion.styles.height = chosen.discussion_width, "1fr"
        self.set_class(chosen.mode == "wide", "-wide")
        self.set_class(chosen.mode == "split", "-split")
        self.set_class(chosen.mode == "stacked", "-stacked")
        focused = self.focused
        if focused is None or not focused.is_on_screen or not _shown(focused):
            target = {"left": "#series", "discussion": "#discussion-body"}.get(
                chosen.zoom or "", "#patch")
            self.query_one(target).focus()

    def _zoomable(self) -> str:
        """The pane the focus is in: 'left', 'discussion' or 'diff'."""
        focused = self.focused
        for node in (focused.ancestors_with_self if focused is not None else ()):
            if node.id == "left":
                return "left"
            if node.id == "discussion":
                return "discussion"
        return "diff"

    def action_zoom(self) -> None:
        self.zoom = None if self.zoom else self._zoomable()
        if self.zoom:
            self.notify(f"zoomed on the {self.zoom if self.zoom != 'left' else 'series list'}"
                        " (z: back)", timeout=2)

    def action_toggle_sides(self) -> None:
        shown = self.arrangement is not None and (self.arrangement.left
                                                  or self.arrangement.discussion)
        self.zoom = None
        self.sides = not shown
        if self.sides and self.series_shown is False:
            self.series_shown = None

    def action_toggle_series(self) -> None:
        shown = self.arrangement is not None and self.arrangement.left
        self.zoom = None
        self.series_shown = not shown
        if not shown:
            self.sides = True
            self.query_one(SeriesList).focus()

    def watch_zoom(self) -> None:
        self._arrange()

    def watch_sides(self) -> None:
        self._arrange()

    def watch_series_shown(self) -> None:
        self._arrange()

    def _update_header(self) -> None:
        self.query_one("#series-header", Static).update(
            views.series_header(self.backend, self.number, self.site_id), layout=False)

    # -- what is on display --------------------------------------------------------------

    def watch_number(self, number: int) -> None:
        backend = self.backend
        view = self.query_one(PatchView)
        sites = backend.sites_of(number)
        self.query_one(SeriesList).select_number(number)
        self.query_one(SiteList).set_items(views.site_items(backend, number))
        view.show(views.patch_lines(backend, number), views.site_marks(backend, number))
        view.set_query(self.search_text)
        first = view.line_of_site(sites[0].id) if sites else None
        if first is not None:
            view.move_to(first, center=True)
        self._follow_cursor()
        self._update_header()

    def watch_site_id(self, site_id: str | None) -> None:
        self.query_one(SiteList).select_site(site_id)
        self.query_one(WrappedText).show(views.site_detail(self.backend, site_id))
        self._update_header()
        self._refresh_discussion()

    def watch_whole_thread(self) -> None:
        self._refresh_discussion()

    def watch_search_text(self, text: str) -> None:
        self.query_one(PatchView).set_query(text)
        self._refresh_discussion(force=True)

    def _refresh_discussion(self, force: bool = False) -> None:
        view = self.query_one(PatchView)
        line = view.current
        hunk = (line.file_index, line.hunk_index) if line is not None else None
        key = (self.number, self.site_id, None if self.site_id else hunk, self.whole_thread)
        if key == self._discussion_key and not force:
            return
        self._discussion_key = key
        content = views.discussion_content(self.backend, self.number, self.site_id, line,
                                           self.whole_thread)
        self.query_one(DiscussionPane).show(content, self.search_text)

    def _follow_cursor(self) -> None:
        """The current site: the one under the cursor, else the nearest in the same hunk."""
        self.site_id = self.query_one(PatchView).nearest_site()
        self._refresh_discussion()

    @on(PatchView.CursorMoved)
    def _cursor_moved(self, event: PatchView.CursorMoved) -> None:
        event.stop()
        self._follow_cursor()

    @on(OptionList.OptionHighlighted, "#series")
    def _series_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        series = self.query_one(SeriesList)
        # Only a move the user made (not our own select_number echoing back, maybe late).
        if series.has_focus and event.option_index == series.highlighted:
            self.number = series.numbers[event.option_index]

    @on(OptionList.OptionSelected, "#series")
    def _series_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.number = self.query_one(SeriesList).numbers[event.option_index]
        self.query_one(PatchView).focus()

    @on(OptionList.OptionHighlighted, "#sites")
    def _site_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        sites = self.query_one(SiteList)
        if sites.has_focus and event.option_index == sites.highlighted and sites.site_ids:
            self.goto_site(sites.site_ids[event.option_index])

    @on(OptionList.OptionSelected, "#sites")
    def _site_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        sites = self.query_one(SiteList)
        if sites.site_ids:
            self.goto_site(sites.site_ids[event.option_index])
            self.query_one(PatchView).focus()

    # -- navigation ----------------------------------------------------------------------

    def goto_site(self, site_id: str) -> None:
        """Show SITE_ID's patch with the cursor on the site."""
        site = self.backend.site(site_id)
        if self.number != site.patch:
            self.number = site.patch
        view = self.query_one(PatchView)
        line = view.line_of_site(site_id)
        if line is not None:
            view.move_to(line, center=True)
        self.site_id = site_id

    def _step_patch(self, step: int) -> None:
        if self.number in self.numbers:
            index = self.numbers.index(self.number) + step
            if 0 <= index < len(self.numbers):
                self.number = self.numbers[index]
                return
        self.notify("no more patches" if step > 0 else "this is the first entry", timeout=2)

    def action_next_patch(self) -> None:
        self._step_patch(1)

    def action_prev_patch(self) -> None:
        self._step_patch(-1)

    def _ordered_sites(self) -> list[str]:
        return [s.id for s in self.backend.sites]

    def _site_position(self) -> float:
        """Where the cursor is in series site order (halfway between sites when off one)."""
        ids = self._ordered_sites()
        if self.site_id in ids:
            return float(ids.index(self.site_id))
        before = [i for i, s in enumerate(self.backend.sites) if s.patch < self.number]
        return (before[-1] + 0.5) if before else -0.5

    def action_next_site(self) -> None:
        ids = self._ordered_sites()
        position = self._site_position()
        target = next((i for i in range(len(ids)) if i > position), None)
        if target is None:
            self.notify("no call site after this one", timeout=2)
        else:
            self.goto_site(ids[target])

    def action_prev_site(self) -> None:
        ids = self._ordered_sites()
        position = self._site_position()
        target = next((i for i in reversed(range(len(ids))) if i < position), None)
        if target is None:
            self.notify("no call site before this one", timeout=2)
        else:
            self.goto_site(ids[target])

    def action_next_untagged(self) -> None:
        ids = self._ordered_sites()
        if not ids:
            self.notify("this series changes no call site", timeout=3)
            return
        position = self._site_position()
        start = int(position) + 1 if position >= 0 else 0
        order = ids[start:] + ids[:start]
        target = next((s for s in order if self.backend.requirement_of(s) is None), None)
        if target is None:
            self.notify("every call site is tagged", timeout=3)
        else:
            self.goto_site(target)

    def action_diff(self, action: str) -> None:
        getattr(self.query_one(PatchView), f"action_{action}")()

    def action_discussion(self, lines: int) -> None:
        self.query_one(DiscussionPane).scroll_by_lines(lines)

    def action_toggle_thread(self) -> None:
        self.whole_thread = not self.whole_thread

    def action_history(self) -> None:
        site_id = self._need_site()
        if site_id is None:
            return
        from reviewtui.tui.screens.history import HistoryScreen

        server, fetcher = self.backend.history_fetcher(site_id, getattr(self.app, "args", None))
        site = self.backend.site(site_id)
        title = (f"History of {views.site_label(self.backend, site_id)} {site.file} "
                 f"{site.function or ''}: "
                 f"{site.old_api or '—'} → {site.new_api or '—'}")
        self.app.push_screen(HistoryScreen(title, server, fetcher))

    # -- changes (written to the store at once) ---------------------------------------------

    def _where(self, site_id: str) -> str:
        site = self.backend.site(site_id)
        patch = self.backend.revision.patch(site.patch)
        return (f"{patch.label if patch else site.patch} {views.site_label(self.backend, site_id)} "
                f"{site.function or site.file}: {site.removed or '—'} → {site.added or '—'}\n"
                f"{views.change_summary(site)}")

    def _need_site(self) -> str | None:
        if self.site_id is None:
            self.notify("no call site under the cursor ( . moves to the next one)",
                        severity="warning", timeout=3)
        return self.site_id

    def _redraw_site(self, site_id: str) -> None:
        site = self.backend.site(site_id)
        self.query_one(SiteList).update_item(views.site_item(self.backend, site_id))
        self.query_one(PatchView).set_marks(views.site_marks(self.backend, site.patch))
        self.query_one(SeriesList).update_item(views.series_item(self.backend, site.patch))
        self.query_one(WrappedText).show(views.site_detail(self.backend, site_id))
        self.query_one("#title-bar", Static).update(views.title_text(self.backend), layout=False)
        self._update_header()

    def action_tag(self) -> None:
        site_id = self._need_site()
        if site_id is None:
            return

        def done(tag: str | None) -> None:
            self._redraw_site(site_id)
            self.notify(f"{views.site_label(self.backend, site_id)}: "
                        f"{tag or 'untagged'} → {self.backend.verdict_of(site_id)}",
                        markup=False, timeout=3)

        ask_requirement(self, self.backend.requirements(), self.backend.requirement_of(site_id),
                        self._where(site_id),
                        lambda tag: self.backend.set_requirement(site_id, tag), done)

    def action_note(self) -> None:
        site_id = self._need_site()
        if site_id is None:
            return

        def done(_note: str) -> None:
            self._redraw_site(site_id)
            self.notify("note saved", timeout=2)

        ask_note(self, self.backend.requirement_of(site_id), self.backend.note_of(site_id),
                 self._where(site_id), lambda note: self.backend.set_note(site_id, note), done)

    def _need_patch(self) -> bool:
        if self.number <= 0:
            self.notify("the cover letter has no review state: pick a patch", severity="warning",
                        timeout=3)
            return False
        return True

    def action_toggle_state(self, state: str) -> None:
        if not self._need_patch():
            return
        current = self.backend.patch_state(self.number).state
        new = "unreviewed" if current == state else state
        try:
            self.backend.set_patch_state(self.number, new)
        except (ReviewtuiError, ValueError) as exc:
            report_failure(self, exc)
            return
        self.query_one(SeriesList).update_item(views.series_item(self.backend, self.number))
        self._update_header()
        self.notify(f"{views.label(self.backend, self.number)}: {new}", timeout=2)

    def action_queue_reply(self) -> None:
        """r: queue (again: drop) a reply ending with the reviewer's Reviewed-by."""
        if not self._need_patch():
            return
        queued = not self.backend.patch_state(self.number).queued
        if not self._set_reply(queued=queued):
            return
        who = self.backend.who or "(no reviewer identity: set git config user.name/user.email)"
        text = (f"Reviewed-by: {who} queued for {views.label(self.backend, self.number)} "
                "(w writes it)" if queued else "Reviewed-by no longer queued")
        self.notify(clean_line(text), markup=False, timeout=4)

    def action_request_changes(self) -> None:
        """C: queue (again: drop) a reply asking for changes: notes and comments, no trailer."""
        if not self._need_patch():
            return
        wanted = not self.backend.patch_state(self.number).changes_requested
        if not self._set_reply(changes_requested=wanted):
            return
        where = views.label(self.backend, self.number)
        text = (f"reply asking for changes queued for {where}: your site notes and line "
                "comments, no trailer (w writes it)" if wanted
                else f"no reply asking for changes for {where}")
        self.notify(text, markup=False, timeout=4)

    def _set_reply(self, **reply: bool) -> bool:
        try:
            self.backend.set_patch_state(self.number, **reply)
        except (ReviewtuiError, ValueError) as exc:
            report_failure(self, exc)
            return False
        self.query_one(SeriesList).update_item(views.series_item(self.backend, self.number))
        self._update_header()
        return True

    def action_line_comment(self) -> None:
        """c: comment on the diff line under the cursor (any line, not only call sites)."""
        view = self.query_one(PatchView)
        target = comment_target(view.current) if self.number > 0 else None
        if target is None:
            self.notify("put the cursor on a diff line (added, removed or context) to comment "
                        "on it", severity="warning", timeout=4)
            return
        file, side, line = target
        existing = self.backend.line_comments_of(self.number).get(target)
        where = (f"{views.label(self.backend, self.number)} {file}:{line}"
                 f"{' (removed line)' if side == 'old' else ''}")
        cursor = view.cursor

        def done(body: str) -> None:
            number = self.number
            view.show(views.patch_lines(self.backend, number),
                      views.site_marks(self.backend, number), cursor=cursor)
            view.move_to(cursor, center=True)
            self.notify("comment saved" if body else "comment deleted", timeout=2)

        ask_line_comment(self, existing.body if existing else "", where,
                         lambda body: self.backend.set_line_comment(self.number, file, side,
                                                                    line, body), done)

    # -- other screens -------------------------------------------------------------------

    def action_site_detail(self) -> None:
        site_id = self._need_site()
        if site_id is None:
            return
        from reviewtui.tui.screens.site_detail import SiteDetailScreen

        self.app.push_screen(SiteDetailScreen(views.site_detail(self.backend, site_id)))

    def action_thread_view(self) -> None:
        comments = (self.backend.comments_of_site(self.site_id) if self.site_id else [])
        start = comments[0].msgid if comments else None
        if start is None:
            patch = self.backend.revision.patch(self.number)
            cover = self.backend.revision.cover
            start = patch.msgid if patch else (cover.msgid if cover else None)
        self.app.push_screen(ThreadScreen(self.backend.series, start, self.backend.clock))

    def action_summary(self) -> None:
        rows = views.summary_rows(self.backend)
        title = f"Series summary: {self.backend.revision.subject} v{self.backend.revision.number}"

        def jump(site_id: str | None) -> None:
            if site_id:
                self.goto_site(site_id)

        self.app.push_screen(SummaryScreen(title, rows, self.site_id,
                                           remaining=views.remaining_line(self.backend)), jump)

    def action_remaining(self) -> None:
        if not self.backend.has_tree:
            self.notify("no kernel tree was given: start with `reviewtui review THREAD --tree "
                        "PATH` to list the call sites the series leaves in that tree",
                        title="no tree", severity="warning", markup=False, timeout=8)
            return
        self.app.push_screen(RemainingScreen(self.backend))

    def action_search(self) -> None:
        def found(answer: tuple[str, SearchHit | None] | None) -> None:
            if answer is None:
                return
            query, hit = answer
            self.search_text = query
            if hit is None:
                return
            self.number = hit.patch
            if hit.where == "diff" and hit.line is not None:
                self.query_one(PatchView).move_to(hit.line, center=True)
            else:
                self.whole_thread = True
                self._refresh_discussion(force=True)

        self.app.push_screen(
            SearchScreen(lambda q: search_revision(self.backend.revision, q),
                         lambda n: views.label(self.backend, n), self.search_text),
            found,
        )

    def action_export(self) -> None:
        queued = {views.label(self.backend, n): kind
                  for n, kind in self.backend.queued_replies().items()}
        default = Path.cwd() / "reviewtui-export" / f"v{self.backend.revision.number}"

        def write(directory: Path | None) -> None:
            if directory is None:
                return
            try:
                result = self.backend.export(directory)
            except (ReviewtuiError, OSError) as exc:
                self.notify(clean_line(str(exc)), title="export failed", severity="error",
                            markup=False, timeout=10)
                return
            names = [str(p.relative_to(result.directory)) for p in result.files]
            self.app.push_screen(ExportDone(result.directory, names, list(result.warnings)))

        remaining = len(self.backend.remaining) if self.backend.has_tree else None
        self.app.push_screen(ExportScreen(default, queued, remaining), write)


def _shown(widget) -> bool:
    """True when WIDGET and every container above it are displayed."""
    return all(node.display for node in widget.ancestors_with_self if hasattr(node, "display"))
