"""What each pane shows, computed from the backend: pure functions, no widgets."""

from __future__ import annotations

from dataclasses import replace

from rich.text import Text

from reviewtui.analysis.callsite import CallSite
from reviewtui.analysis.discussion import Comment
from reviewtui.analysis.explain import site_explanation
from reviewtui.tui.backend import ReviewBackend
from reviewtui.tui.patch_lines import (
    PatchLine,
    build_message_lines,
    build_patch_lines,
)
from reviewtui.tui.safe_text import clean_line, clean_lines
from reviewtui.tui.screens.summary import SummaryRow
from reviewtui.tui.times import UTC_CLOCK, Clock
from reviewtui.tui.verdicts import REPLY_MARKS, STATE_MARKS, verdict_style
from reviewtui.tui.widgets.discussion import CommentGroup, CommentView, DiscussionContent
from reviewtui.tui.widgets.patch_view import SiteMark
from reviewtui.tui.widgets.series_list import SeriesItem
from reviewtui.tui.widgets.site_list import SiteItem

RISKY = ("risk", "review")


def numbers(backend: ReviewBackend) -> list[int]:
    """The entries of the series list: 0 for the cover letter (if any), then the patches."""
    head = [0] if backend.revision.cover is not None else []
    return head + [p.number for p in backend.revision.patches]


def label(backend: ReviewBackend, number: int) -> str:
    """'2/4' (the cover is '0/4')."""
    return f"{number}/{backend.revision.expected}"


def series_item(backend: ReviewBackend, number: int) -> SeriesItem:
    """The series-list entry of patch NUMBER (0: the cover letter)."""
    rev = backend.revision
    if number == 0:
        cover = rev.cover
        return SeriesItem(0, label(backend, 0), cover.subject if cover else rev.subject,
                          replies=len(rev.cover_replies))
    patch = rev.patch(number)
    assert patch is not None
    state = backend.patch_state(number)
    sites = backend.sites_of(number)
    verdicts = [backend.verdict_of(s.id) for s in sites]
    counts = backend.trailer_counts(number)
    return SeriesItem(
        number, patch.label, patch.subject, state=state.state, reply=state.reply,
        acked=counts["acked"], reviewed=counts["reviewed"], tested=counts["tested"],
        sites=len(sites), untagged=sum(1 for s in sites if backend.requirement_of(s.id) is None),
        risky=sum(1 for v in verdicts if v in RISKY), replies=len(patch.replies),
    )


def site_items(backend: ReviewBackend, number: int) -> list[SiteItem]:
    """The site-list rows of patch NUMBER."""
    return [site_item(backend, site.id) for site in backend.sites_of(number)]


def site_item(backend: ReviewBackend, site_id: str) -> SiteItem:
    """One site-list row."""
    site = backend.site(site_id)
    function = site.function or ""
    if site.new_function and site.new_function != site.function:
        function = f"{function} → {site.new_function}"
    return SiteItem(
        site_id=site.id, number=backend.site_number(site), function=function,
        old_api=site.old_api or "", new_api=site.new_api or "",
        verdict=backend.verdict_of(site.id), requirement=backend.requirement_of(site.id),
        has_note=bool(backend.note_of(site.id)),
        comments=len(backend.comments_of_site(site.id)),
    )


def site_marks(backend: ReviewBackend, number: int) -> dict[str, SiteMark]:
    """How the diff marks each site of patch NUMBER."""
    return {
        site.id: SiteMark(site_label(backend, site.id), backend.verdict_of(site.id),
                          backend.requirement_of(site.id), f"FN {site.fn} · FP {site.fp}")
        for site in backend.sites_of(number)
    }


def site_label(backend: ReviewBackend, site_id: str) -> str:
    """'site 2/3': the site's number across the series (the same in every pane and notice)."""
    return f"site {backend.site_number(backend.site(site_id))}"


def change_summary(site: CallSite) -> str:
    """'FN introduced · FP unchanged · page_mapcount → folio_estimated_sharers'."""
    return f"FN {site.fn} · FP {site.fp} · {site.old_api or '—'} → {site.new_api or '—'}"


def series_header(backend: ReviewBackend, number: int, site_id: str | None) -> Text:
    """The one-line series header that stands for the series column when it is hidden:
    '2/4 ✓R  site 2/3 risk fn-unsafe FN introduced · FP removed  [subject]  (l: series)'."""
    item = series_item(backend, number)
    text = Text(no_wrap=True, overflow="ellipsis", end="")
    text.append(f" {item.label} ", "bold reverse")
    text.append(STATE_MARKS.get(item.state, "?"),
                "bold green" if item.state == "reviewed" else "dim")
    text.append(REPLY_MARKS.get(item.reply or "", " "),
                "bold cyan" if item.reply == "reviewed-by" else "bold yellow")
    if site_id is not None:
        site = backend.site(site_id)
        verdict = backend.verdict_of(site_id)
        text.append(f" {site_label(backend, site_id)} ", "bold")
        text.append(f" {verdict} ", verdict_style(verdict))
        requirement = backend.requirement_of(site_id)
        if requirement:
            text.append(f" {requirement}", "cyan")
        text.append(f" FN {site.fn} · FP {site.fp} ", "bold red" if site.fn == "introduced"
                    else "")
    elif number > 0:
        count = len(backend.sites_of(number))
        text.append(f" {count} site{'' if count == 1 else 's'} ", "dim")
    text.append(" " + clean_line(item.subject) + " ", "bold" if number else "")
    text.append(" l: series · i: site detail", "dim")
    return text


def patch_lines(backend: ReviewBackend, number: int) -> list[PatchLine]:
    """The centre pane's lines for patch NUMBER (0: the cover letter)."""
    if number == 0:
        cover = backend.revision.cover
        return build_message_lines(cover, backend.clock) if cover is not None else []
    patch = backend.revision.patch(number)
    assert patch is not None
    own = {(file, "-" if side == "old" else "+", line): c.body
           for (file, side, line), c in backend.line_comments_of(number).items()}
    return build_patch_lines(patch, backend.sites_of(number), backend.comment_counts(number),
                             own, backend.clock)


def site_detail(backend: ReviewBackend, site_id: str | None) -> Text:
    """The current site in full: change, delta, requirement, verdict, note, explanation.

    The one place that builds this text: the site pane and the detail view (i) show all of
    it, wrapped and scrollable, however long the explanation is.
    """
    if site_id is None:
        return Text("no call site under the cursor ( . next site, u next untagged )",
                    style="dim italic")
    site = backend.site(site_id)
    verdict = backend.verdict_of(site_id)
    patch = backend.revision.patch(site.patch)
    text = Text(end="")
    text.append(f"{site_label(backend, site_id)} ", "bold")
    text.append(f"({patch.label if patch else site.patch}) ", "dim")
    text.append(clean_line(f"{site.file} {site.function or ''}") + "\n")
    text.append("FP ", "bold")
    text.append(site.fp)
    text.append(" · FN ", "bold")
    text.append(site.fn + "\n", "bold red" if site.fn == "introduced" else "")
    text.append("requirement ", "bold")
    tag = backend.tag_of(site_id)
    requirement = backend.requirement_of(site_id)
    text.append((requirement or "—") + (" (carried)" if tag and tag.carried else "") + "\n",
                "cyan")
    text.append(f" {verdict} ", verdict_style(verdict))
    text.append(" " + backend.verdict_meaning(verdict) + "\n", "dim")
    if tag is not None and not tag.tagged and tag.previous:
        text.append(clean_line("; ".join(p.describe() for p in tag.previous)) + "\n", "yellow")
    note = backend.note_of(site_id)
    if note:
        text.append("note ", "bold")
        text.append("\n".join(clean_lines(note.rstrip("\n"))) + "\n", "italic")
    lines = [shown for line in site_explanation(site) for shown in clean_lines(line)]
    for i, line in enumerate(lines):
        text.append(line + ("\n" if i + 1 < len(lines) else ""), "dim")
    return text


def comment_view(comment: Comment, depth: int = 0, clock: Clock = UTC_CLOCK) -> CommentView:
    """A discussion comment as the pane shows it: who, when (in CLOCK's zone), the quoted
    lines, the text."""
    anchor = comment.anchor
    return CommentView(
        msgid=comment.msgid, author=comment.author, email=comment.email,
        date=clock.local(comment.date) if comment.date else None,
        text=comment.text, quoted=anchor.quoted if anchor else (), mentions=comment.mentions,
        depth=depth,
    )


def _views(comments: list[Comment], clock: Clock) -> list[CommentView]:
    return [comment_view(c, clock=clock) for c in comments]


def _in_hunk(comment: Comment, hunk: tuple[str, int, int, int, int] | None) -> bool:
    if hunk is None or comment.anchor is None or comment.anchor.line is None:
        return False
    path, old_start, old_end, new_start, new_end = hunk
    anchor = comment.anchor
    if anchor.file != path:
        return False
    if anchor.side == "old":
        return old_start <= anchor.line < old_end
    return new_start <= anchor.line < new_end


def hunk_range(backend: ReviewBackend, number: int, line: PatchLine | None,
               ) -> tuple[str, int, int, int, int] | None:
    """(path, old start, old end, new start, new end) of the hunk LINE lies in."""
    patch = backend.revision.patch(number)
    if patch is None or line is None or line.file_index is None or line.hunk_index is None:
        return None
    fpatch = patch.diff.files[line.file_index]
    hunk = fpatch.hunks[line.hunk_index]
    return (fpatch.path, hunk.old_start, hunk.old_start + max(hunk.old_len, 1),
            hunk.new_start, hunk.new_start + max(hunk.new_len, 1))


def discussion_content(backend: ReviewBackend, number: int, site_id: str | None,
                       line: PatchLine | None, whole_thread: bool) -> DiscussionContent:
    """The right pane: comments on the site (or hunk) first, then the rest of the patch's."""
    name = "the cover letter" if number == 0 else label(backend, number)
    if whole_thread:
        messages = backend.thread_messages(number)
        shown = []
        for msg in messages:
            depth = backend.message_depth(msg)
            comments = backend.discussion.comments_for_message(msg.msgid)
            if not comments:
                date = backend.clock.local(msg.date) if msg.date else None
                shown.append(CommentView(msg.msgid, msg.author, msg.email, date,
                                         "(no text of its own: only quotes or trailers)",
                                         depth=depth, subject=msg.subject))
            for i, comment in enumerate(comments):
                view = comment_view(comment, depth, backend.clock)
                if i == 0:
                    view = replace(view, subject=msg.subject)
                shown.append(view)
        return DiscussionContent(
            title=f"Discussion of {name} · whole thread ({len(messages)} messages) · f: this site",
            focus_heading=f" Whole thread of {name} ", focus=shown,
            empty="nobody replied to this patch",
        )
    every = backend.comments_of_patch(number)
    groups: list[CommentGroup] = []
    if site_id is not None:
        site = backend.site(site_id)
        talk = backend.discussion.site_talk(site)
        focus = list(talk.site)
        heading = f" On this site: {site_label(backend, site_id)} {site.function or ''} "
        empty = "no comment quotes this call site"
        clock = backend.clock
        groups = [CommentGroup(" Elsewhere in this hunk ", _views(list(talk.hunk), clock),
                               "no other comment in this hunk"),
                  CommentGroup(f" On the patch: {name} as a whole ",
                               _views(list(talk.patch), clock),
                               "no comment on the patch as a whole")]
        grouped = [*talk.site, *talk.hunk, *talk.patch]
    else:
        hunk = hunk_range(backend, number, line)
        if hunk is not None:
            focus = [c for c in every if _in_hunk(c, hunk)]
            heading = " On this hunk "
            empty = "no comment is anchored to this hunk"
        else:
            focus = [c for c in every if c.anchor is None or c.anchor.line is None]
            heading = f" On {name} in general "
            empty = "no general comment"
        grouped = focus
    chosen = {(c.msgid, c.index) for c in grouped}
    rest = [c for c in every if (c.msgid, c.index) not in chosen]
    return DiscussionContent(
        title=f"Discussion of {name} · {len(every)} comments · f: whole thread",
        focus_heading=heading, focus=_views(focus, backend.clock),
        rest_heading=f" Rest of the discussion of {name} ", rest=_views(rest, backend.clock),
        empty=empty, groups=groups,
    )


def summary_rows(backend: ReviewBackend) -> list[SummaryRow]:
    """Every site of the revision for the series summary."""
    rows = []
    for site in backend.sites:
        patch = backend.revision.patch(site.patch)
        rows.append(SummaryRow(
            site_id=site.id, patch_label=patch.label if patch else str(site.patch),
            number=backend.site_number(site), file=site.file, function=site.function or "",
            old_api=site.old_api or "", new_api=site.new_api or "",
            old=site.removed or "", new=site.added or "", fp=site.fp, fn=site.fn,
            requirement=backend.requirement_of(site.id), verdict=backend.verdict_of(site.id),
            note=backend.note_of(site.id), comments=len(backend.comments_of_site(site.id)),
        ))
    return rows


def remaining_line(backend: ReviewBackend) -> Text | None:
    """'3 remaining call sites in the tree: 1 tagged · 2 untagged (R)' (None without a tree)."""
    if not backend.has_tree:
        return None
    tagged, untagged = backend.remaining_counts()
    total = tagged + untagged
    text = Text(f"{total} remaining call site{'' if total == 1 else 's'} in the tree: ",
                style="bold", end="")
    text.append(f"{tagged} tagged", "cyan" if tagged else "dim")
    text.append(" · ")
    text.append(f"{untagged} untagged", "bold yellow" if untagged else "dim")
    text.append("  (R lists them)", "dim")
    return text


def notice_text(backend: ReviewBackend) -> Text:
    """The revision banner: a newer revision exists, or the thread given was an older one."""
    text = Text(no_wrap=True, overflow="ellipsis", end="")
    if backend.notice:
        text.append(" ! ", "bold reverse yellow")
        text.append(" " + clean_line(backend.notice), "bold yellow")
    return text


def title_text(backend: ReviewBackend) -> Text:
    """Top line: series, revision, author, counts."""
    rev = backend.revision
    untagged = sum(1 for s in backend.sites if backend.requirement_of(s.id) is None)
    text = Text(no_wrap=True, overflow="ellipsis", end="")
    text.append(" reviewtui ", "bold reverse")
    text.append(" " + clean_line(rev.subject), "bold")
    text.append(f"  v{rev.number}", "cyan")
    text.append("  " + clean_line(rev.author), "dim")
    text.append(f"  · {len(rev.patches)} patches · {len(backend.sites)} sites · "
                f"{untagged} untagged", "dim")
    return text
