"""`reviewtui sites`: list the changed call sites of catalogued APIs, patch by patch."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass

from rich import box
from rich.console import Console
from rich.table import Table

from reviewtui.analysis.callsite import CallSite
from reviewtui.analysis.catalogue import Catalogue
from reviewtui.analysis.discussion import SiteTalk
from reviewtui.analysis.explain import delta_summary
from reviewtui.analysis.sitejson import site_to_json
from reviewtui.analysis.sites import RevisionSites
from reviewtui.analysis.verdict import verdict as verdict_of
from reviewtui.commands.common import add_command, add_thread_arguments, output_console, shown
from reviewtui.model.thread import Revision
from reviewtui.session import site_context, stored_tags
from reviewtui.sitecache import RevisionOutline, TalkIds
from reviewtui.store import SiteTag
from reviewtui.text_safety import json_dumps, one_line

_VERDICT_STYLE = {"risk": "bold red", "improvement": "green", "neutral": "dim",
                  "untagged": "yellow"}
_DELTA_STYLE = {"introduced": "bold red", "removed": "green", "unchanged": "dim",
                "unknown": "yellow", "traded": "bold yellow"}


def register(subparsers) -> None:
    """Add the sites subcommand."""
    parser = add_command(
        subparsers, "sites", "List the changed call sites of catalogued APIs",
        "List every changed use of a mapcount-family API in a series: file, function, old and "
        "new expression, and what the change does to false positives (FP) and false "
        "negatives (FN) of the 'is this folio shared?' question.",
    )
    add_thread_arguments(parser)
    parser.add_argument("--format", choices=("table", "json"), default="table",
                        help="table for people (default), json for tools")
    parser.set_defaults(run=run)


@dataclass
class SiteReview:
    """What the reviewer and the discussion say of each site."""

    tags: dict[str, SiteTag]
    discussion: dict[str, list[str]]
    talk: dict[str, SiteTalk | TalkIds] | None = None  # grouped: site, elsewhere in hunk, patch

    def requirement(self, site_id: str) -> str | None:
        """The site's requirement tag, if any."""
        tag = self.tags.get(site_id)
        return tag.requirement if tag else None

    def note(self, site_id: str) -> str | None:
        """The site's note, if any."""
        tag = self.tags.get(site_id)
        return (tag.note or None) if tag else None


def run(args: argparse.Namespace) -> int:
    """Print the sites of the chosen revision with their tags, verdicts and discussion."""
    ctx = site_context(args, discussion=True)
    found, revision, catalogue = ctx.found, ctx.revision, ctx.catalogue
    talk = ctx.talk or {}
    review = SiteReview(
        tags=stored_tags(args, ctx),
        discussion={sid: t.msgids("site") for sid, t in talk.items()},
        talk=talk,
    )
    if getattr(args, "format", "table") == "json":
        _print_json(found, revision, catalogue, review)
        for problem in ctx.thread_problems:
            print(f"reviewtui: thread: {one_line(problem)}", file=sys.stderr)
    else:
        print_table(found, revision, output_console(), catalogue, review, ctx.thread_problems)
    return 0


def _print_json(found: RevisionSites, revision: Revision | RevisionOutline, catalogue: Catalogue,
                review: SiteReview) -> None:
    talk = review.talk or {}
    rows = [
        site_to_json(site, requirement=review.requirement(site.id), note=review.note(site.id),
                     discussion=review.discussion.get(site.id, ()), catalogue=catalogue,
                     discussion_hunk=talk[site.id].msgids("hunk") if site.id in talk else [],
                     discussion_patch=talk[site.id].msgids("patch") if site.id in talk else [])
        for site in found.sites
    ]
    sys.stdout.write(json_dumps(rows, indent=2) + "\n")
    for patch in revision.patches:
        for problem in found.problems.get(patch.number, ()):
            print(f"reviewtui: patch {patch.label}: {one_line(problem)}", file=sys.stderr)


def print_table(found: RevisionSites, revision: Revision | RevisionOutline, console: Console,
                catalogue: Catalogue, review: SiteReview,
                thread_problems: Sequence[str] = ()) -> None:
    """Sites grouped by patch, with the problems of the thread and of each patch."""
    by_patch: dict[int, list[CallSite]] = {}
    for site in found.sites:
        by_patch.setdefault(site.patch, []).append(site)
    console.print(f"[bold]v{revision.number}[/bold] {shown(revision.subject)}: "
                  f"{len(found.sites)} site(s) in {len(revision.patches)} patch(es)")
    console.print("[dim]FP: an exclusive folio reported shared; FN: a shared folio reported "
                  "exclusive (introduced / removed / traded by the change, each with the "
                  "smallest scenario that shows it)[/dim]")
    for problem in thread_problems:
        console.print(f"[yellow]thread problem:[/yellow] {shown(one_line(problem))}")
    if found.base is not None:
        console.print(f"[dim]API semantics as of {shown(found.base.label)}[/dim]")
    for helper in found.helpers.values():
        built = ", ".join(helper.builds_on)
        console.print(f"[yellow]series helper:[/yellow] {shown(helper.name)}() "
                      f"(patch {helper.patch}, {shown(helper.file)}) built on {shown(built)}")
    for patch in revision.patches:
        sites = by_patch.get(patch.number, [])
        console.print()
        console.print(f"[bold]{shown(f'[{patch.label}]')}[/bold] {shown(patch.subject)}")
        for problem in found.problems.get(patch.number, ()):
            console.print(f"  [yellow]problem:[/yellow] {shown(one_line(problem))}")
        if not sites:
            console.print("  [dim]no sites[/dim]")
            continue
        console.print(_table(sites, catalogue, review))


def _table(sites: list[CallSite], catalogue: Catalogue, review: SiteReview) -> Table:
    table = Table(box=box.SIMPLE_HEAD, show_lines=True, expand=sys.stdout.isatty(), padding=(0, 1))
    table.add_column("id", style="cyan", no_wrap=True, width=12)
    table.add_column("where", overflow="fold", ratio=2, min_width=16)
    table.add_column("change", overflow="fold",
                     ratio=5, min_width=30)
    table.add_column("review", overflow="fold", ratio=2, min_width=14)
    for site in sites:
        where = f"{shown(site.file)}\n{shown(site.function or '(file scope)')}()"
        if site.new_function:
            where += f"\n[dim]-> {shown(site.new_function)}()[/dim]"
        api = f"{site.old_api or '(none)'} -> {site.new_api or '(none)'}"
        change = (f"[bold]{shown(api)}[/bold]  FP {_delta(site.fp)}  FN {_delta(site.fn)}"
                  f"  [dim]{site.kind}, {shown(site.polarity or 'no test')}[/dim]")
        if site.removed is not None:
            change += f"\n[red]- {shown(site.removed)}[/red]"
        if site.added is not None:
            change += f"\n[green]+ {shown(site.added)}[/green]"
        if site.explanation:
            change += f"\n[dim]{shown(site.explanation)}[/dim]"
        if site.trade or site.unknown:
            change += f"\n[yellow]{shown(delta_summary(site))}[/yellow]"
        for witness in site.witnesses:
            change += f"\n[bold]{shown(witness.title)}[/bold]: {shown(witness.text)}"
        requirement = review.requirement(site.id)
        verdict = verdict_of(site, requirement, catalogue)
        verdict_style = _VERDICT_STYLE.get(verdict, "")
        verdict_text = f"[{verdict_style}]{verdict}[/]" if verdict_style else shown(verdict)
        said = f"{shown(requirement or 'untagged')}\n{verdict_text}"
        tag = review.tags.get(site.id)
        if tag is not None and tag.previous and not requirement:
            earlier = "; ".join(record.describe() for record in tag.previous)
            said += f"\n[dim]{shown(earlier)}[/dim]"
        if review.note(site.id):
            said += f"\n[italic]{shown(review.note(site.id) or '', lines=True)}[/italic]"
        talk = len(review.discussion.get(site.id, ()))
        if talk:
            said += f"\n[dim]{talk} message(s)[/dim]"
        grouped = (review.talk or {}).get(site.id)
        if grouped is not None and grouped.hunk:
            said += f"\n[dim]+{len(grouped.msgids('hunk'))} elsewhere in the hunk[/dim]"
        table.add_row(site.id, where, change, said)
    return table


def _delta(value: str) -> str:
    style = _DELTA_STYLE.get(value, "")
    return f"[{style}]{shown(value)}[/{style}]" if style else shown(value)
