"""`reviewtui audit`: the per-call-site audit table as Markdown, CSV, JSON or HTML."""

from __future__ import annotations

import argparse
import sys

from reviewtui.commands.common import add_command, add_thread_arguments
from reviewtui.export.audit import (
    FORMATS,
    Audit,
    RemainingRow,
    build_audit,
    format_for,
    render,
    write_audit,
)
from reviewtui.session import ReviewContext, add_tree_arguments, review_context, stored_tags


def register(subparsers) -> None:
    """Add the audit subcommand."""
    parser = add_command(
        subparsers, "audit", "Write the per-call-site audit table",
        "One row per call site: the change, its FP/FN delta, your requirement tag and note, "
        "the verdict, and the discussion anchored there, with a summary per verdict.",
    )
    add_thread_arguments(parser)
    add_tree_arguments(parser)
    parser.add_argument("--format", choices=FORMATS,
                        help="md, csv, json or html (default: from the -o suffix, else md)")
    parser.add_argument("-o", "--output", metavar="FILE", help="write to FILE (default: stdout)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Build the audit of the chosen revision and write it."""
    from reviewtui.analysis.discussion import analyse_discussion

    ctx = review_context(args)
    tags = stored_tags(args, ctx)
    discussion = analyse_discussion(ctx.loaded.series, ctx.revision, ctx.sites)
    audit = build_audit(ctx.loaded.series, ctx.revision, ctx.sites, tags, ctx.catalogue,
                        discussion)
    if ctx.tree is not None:
        audit = with_remaining(audit, ctx, args)
    text = render(audit, format_for(args.output, args.format))
    if args.output:
        print(write_audit(text, args.output))
    else:
        sys.stdout.write(text)
    return 0


def with_remaining(audit: Audit, ctx: ReviewContext, args: argparse.Namespace) -> Audit:
    """AUDIT plus the tree's remaining call sites, each with its own tag."""
    from dataclasses import replace

    from reviewtui.tree.render import safe

    tags = stored_tags(args, ctx, ctx.remaining)
    rows = []
    for r in ctx.remaining:
        tag = tags.get(r.id)
        tagged = tag is not None and tag.tagged
        rows.append(RemainingRow(
            id=r.id, file=safe(r.file), line=r.use.line, function=r.function or "",
            api=r.use.api, text=safe(r.use.text),
            requirement=(tag.requirement or "") if tagged else "",
            note=tag.note if tagged else "", tagged_by=tag.who if tagged else "",
        ))
    tree = f"tree {safe(str(ctx.tree.scan.root))}: {ctx.tree.audit.state.describe()}"
    return replace(audit, remaining=tuple(rows), tree=tree)
