"""`reviewtui thread`: the thread as a tree, with comment anchors, FN/FP mentions and trailers."""

from __future__ import annotations

import argparse
import re
import sys
import unicodedata
from datetime import UTC

from rich.console import Console
from rich.markup import escape
from rich.tree import Tree

from reviewtui.analysis.discussion import Discussion, analyse_discussion
from reviewtui.analysis.mentions import count_mentions
from reviewtui.commands.common import (
    add_command,
    add_thread_arguments,
    catalogue_path,
    open_thread,
    output_console,
)
from reviewtui.model.thread import Message, Revision, Series
from reviewtui.text_safety import json_dumps

MAX_DEPTH = 12
_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")


def register(subparsers) -> None:
    """Add the thread subcommand."""
    parser = add_command(
        subparsers, "thread", "Show the thread as a tree with anchors, FN/FP mentions and trailers",
        "Show one revision's messages as a reply tree (date, author, subject) with where each "
        "reply's comments point in the diff, its false-negative/false-positive mentions and "
        "trailers. --format json prints the same for tools.",
    )
    add_thread_arguments(parser)
    parser.add_argument("--format", choices=("text", "json"), default="text",
                        help="text tree for people (default), json for tools")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Print the thread of the chosen revision as a tree or as JSON."""
    loaded = open_thread(args)
    series, revision = loaded.series, loaded.revision
    discussion = analyse_discussion(series, revision, _sites(revision, args))
    messages = thread_messages(series, revision)
    if getattr(args, "format", "text") == "json":
        data = thread_json(messages, revision, discussion)
        data["problems"] = list(series.problems)
        sys.stdout.write(json_dumps(data, indent=2))
        sys.stdout.write("\n")
    else:
        print_tree(series, revision, messages, discussion, output_console())
    return 0


def _sites(revision: Revision, args: argparse.Namespace):
    from reviewtui.analysis.catalogue import load_catalogue
    from reviewtui.analysis.sites import analyse_revision

    return analyse_revision(revision, load_catalogue(catalogue_path(args)))


def thread_messages(series: Series, revision: Revision) -> list[Message]:
    """REVISION's messages (cover, patches, replies) plus replies linked to no revision."""
    return [m for m in series.ordered_messages()
            if m.revision == revision.number or m.revision is None]


def thread_json(messages: list[Message], revision: Revision, discussion: Discussion) -> dict:
    """The JSON contract: {"messages": [...], "patches": [...]}."""
    return {
        "messages": [_message_json(m, discussion) for m in messages],
        "patches": [
            {
                "patch": p.number,
                "subject": p.subject,
                "trailers": list(discussion.trailers_for_patch(p.number).trailers),
                "trailer_mismatches": list(discussion.trailers_for_patch(p.number).mismatches),
            }
            for p in revision.patches
        ],
    }


def _message_json(message: Message, discussion: Discussion) -> dict:
    anchors = [c.anchor for c in discussion.comments_for_message(message.msgid)
               if c.anchor is not None]
    return {
        "msgid": message.msgid,
        "kind": message.kind,
        "from": message.sender,
        "date": message.date.isoformat() if message.date else None,
        "subject": message.subject,
        "in_reply_to": message.in_reply_to,
        "patch": message.patch,
        "trailers": list(message.trailers),
        "fn_fp_mentions": [
            {"kind": m.kind, "start": m.start, "end": m.end, "text": m.text}
            for m in discussion.message_mentions(message.msgid)
        ],
        "anchors": [
            {"patch": a.patch, "file": a.file, "line": a.line, "side": a.side,
             "site_id": a.site_id, "text": a.text, "scope": a.scope,
             "hunk": list(a.hunk) if a.hunk is not None else None}
            for a in anchors
        ],
    }


def clean(text: str) -> str:
    """TEXT on one line, without ANSI escapes or control/format characters, markup-escaped."""
    text = _ANSI.sub("", text or "")
    text = "".join(" " if ch in "\t\r\n" else ch for ch in text
                   if unicodedata.category(ch) not in ("Cc", "Cf") or ch in "\t\r\n")
    return escape(" ".join(text.split()))


def _parent(message: Message, shown: dict[str, Message]) -> str | None:
    for ref in [message.in_reply_to, *message.parents, *reversed(message.references)]:
        if ref and ref in shown and ref != message.msgid:
            return ref
    return None


def _label(message: Message, discussion: Discussion) -> str:
    date = message.date.astimezone(UTC).strftime("%Y-%m-%d %H:%M") if message.date else "?"
    parts = [f"[dim]{date}[/]", f"[bold]{clean(message.author or message.email)}[/]",
             clean(message.subject)]
    places = []
    for comment in discussion.comments_for_message(message.msgid):
        a = comment.anchor
        if a is not None and a.line is not None:
            where = f"{a.patch}: {clean(a.file or '?')}:{a.line}"
            if a.site_id:
                where += f" site {a.site_id}"
            if where not in places:
                places.append(where)
    if places:
        parts.append(f"[cyan]→ {', '.join(places)}[/]")
    counts = count_mentions(discussion.message_mentions(message.msgid))
    if counts.total:
        parts.append(f"[magenta]FN×{counts.fn} FP×{counts.fp}[/]")
    names = list(dict.fromkeys(t.split(":", 1)[0] for t in message.trailers))
    if names and message.kind == "reply":
        parts.append(f"[green]{clean(', '.join(names))}[/]")
    return "  ".join(parts)


def print_tree(series: Series, revision: Revision, messages: list[Message],
               discussion: Discussion, console: Console) -> None:
    """Print MESSAGES as a reply tree, oldest first at each level."""
    others = sorted(n for n in series.revisions if n != revision.number)
    note = f"; also in this thread: {', '.join(f'v{n}' for n in others)}" if others else ""
    console.print(f"[bold]{clean(revision.subject)}[/] v{revision.number}, "
                  f"{len(messages)} messages{note}")
    for problem in series.problems:
        console.print(f"[yellow]problem:[/] {clean(problem)}")
    shown = {m.msgid: m for m in messages}
    children: dict[str | None, list[Message]] = {}
    for message in messages:
        children.setdefault(_parent(message, shown), []).append(message)
    root = Tree("", hide_root=True, guide_style="dim")
    stack = [(root, m, 1) for m in reversed(children.get(None, []))]
    seen: set[str] = set()
    while stack:
        node, message, depth = stack.pop()
        if message.msgid in seen:
            continue
        seen.add(message.msgid)
        branch = node.add(_label(message, discussion))
        # Past MAX_DEPTH a long back-and-forth continues at one level instead of drifting right.
        under, below = (branch, depth + 1) if depth < MAX_DEPTH else (node, depth)
        stack.extend((under, child, below) for child in reversed(children.get(message.msgid, [])))
    for message in messages:  # a reply cycle leaves messages unreached: show them at the top
        if message.msgid not in seen:
            root.add(_label(message, discussion))
    console.print(root)
