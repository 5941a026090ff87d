"""`reviewtui tree-audit`: which uses of the APIs in a kernel tree did the series not touch?"""

from __future__ import annotations

import argparse
import re
import sys

from rich.table import Table
from rich.text import Text

from reviewtui import config
from reviewtui.analysis.catalogue import load_catalogue
from reviewtui.analysis.tree_audit import DEFAULT_STATUSES, STATUSES, TreeRow
from reviewtui.commands.common import (
    add_command,
    add_thread_arguments,
    catalogue_path,
    open_thread,
    output_console,
)
from reviewtui.errors import ReviewtuiError, UsageError
from reviewtui.tree.render import (
    COLUMNS,
    FORMATS,
    AuditView,
    RowTag,
    render_csv,
    render_json,
    render_markdown,
    row_cells,
    safe,
    summary_lines,
)
from reviewtui.tree.scan import DEFAULT_MAX_BYTES, METHODS, check_tree

_SIZE = re.compile(r"^\s*(\d+)\s*([kKmMgG]?)i?[bB]?\s*$")
_STYLE = {"remaining": "bold yellow", "converted": "green", "introduced": "cyan",
          "kept": "blue", "internal": "dim", "unrelated": "dim"}


def register(subparsers) -> None:
    """Add the tree-audit subcommand."""
    parser = add_command(
        subparsers, "tree-audit", "Find remaining uses of the APIs in a kernel tree",
        "Find every call of a catalogue API in the C files of a kernel tree and classify it "
        "against the series: converted, remaining (still an API the series converts away "
        "from), introduced, kept, internal (inside an API's own definition) or unrelated.",
    )
    add_thread_arguments(parser)
    parser.add_argument("--tree", required=True, metavar="PATH",
                        help="kernel source tree (a git checkout or a plain directory)")
    parser.add_argument("--format", choices=FORMATS, default="table",
                        help="output format (default: table)")
    parser.add_argument("--tree-state", choices=("auto", "before", "after"), default="auto",
                        help="tree state to assume: before or after the series "
                        "(default: detected from the lines the series changes)")
    parser.add_argument("--status", metavar="LIST", default=",".join(DEFAULT_STATUSES),
                        help=f"statuses to list, comma-separated, or 'all' ({', '.join(STATUSES)};"
                        f" default: {','.join(DEFAULT_STATUSES)})")
    parser.add_argument("--scan", choices=METHODS, default="auto",
                        help="search with git grep (git checkouts), a directory walk, or "
                        "pick automatically (default)")
    parser.add_argument("--max-file-size", metavar="SIZE", default=str(DEFAULT_MAX_BYTES),
                        help="skip larger files (bytes, or with k/M/G; default 8M)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Scan the tree, classify against the chosen revision's sites and print the audit."""
    from reviewtui.analysis.sites import analyse_revision
    from reviewtui.tree.audit import run_tree_audit

    check_tree(args.tree)  # fail before loading the thread
    shown = parse_statuses(args.status)
    max_bytes = parse_size(args.max_file_size)
    loaded = open_thread(args)
    catalogue = load_catalogue(catalogue_path(args))
    sites = analyse_revision(loaded.revision, catalogue)
    report = run_tree_audit(args.tree, sites, catalogue,
                            assume=None if args.tree_state == "auto" else args.tree_state,
                            method=args.scan, max_bytes=max_bytes)
    rows = sorted((r for r in report.audit.rows if r.status in shown),
                  key=lambda r: (STATUSES.index(r.status), r.use.file, r.use.line))
    rev = loaded.revision
    view = AuditView(report=report, title=f"{rev.subject} (v{rev.number})", rows=rows,
                     shown=shown, tags=_tags(args, loaded, sites, rows))
    if args.format == "json":
        sys.stdout.write(render_json(view))
    elif args.format == "csv":
        sys.stdout.write(render_csv(view))
    elif args.format == "md":
        sys.stdout.write(render_markdown(view))
    else:
        _print_table(view)
    return 0


def parse_statuses(value: str) -> tuple[str, ...]:
    """'remaining,converted' -> the statuses, in STATUSES order ('all' = every one)."""
    wanted = {v.strip() for v in value.split(",") if v.strip()}
    if "all" in wanted:
        return STATUSES
    unknown = sorted(wanted - set(STATUSES))
    if unknown or not wanted:
        raise UsageError(f"--status: unknown status {unknown[0] if unknown else '(none)'!r} "
                         f"(use {', '.join(STATUSES)} or all)")
    return tuple(s for s in STATUSES if s in wanted)


def parse_size(value: str) -> int:
    """'8M' -> 8388608."""
    m = _SIZE.match(value)
    if m is None:
        raise UsageError(f"--max-file-size: not a size: {value!r} (e.g. 8M, 500k, 1000000)")
    return int(m.group(1)) * {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}[m.group(2).lower()]


def _tags(args: argparse.Namespace, loaded, sites, rows: list[TreeRow]) -> dict[str, RowTag]:
    """Tags from the review store: a row's own, else that of the series site it matches."""
    path = config.state_file(getattr(args, "state", None))
    if not rows or not path.exists() or not loaded.family:
        return {}
    try:
        from reviewtui.store import ReviewStore

        with ReviewStore.open(path) as store:
            found = store.tags_for(loaded.family, loaded.revision.number, [*sites, *rows])
    except ReviewtuiError as exc:
        print(f"reviewtui: warning: tags not shown: {safe(str(exc))}", file=sys.stderr)
        return {}
    out: dict[str, RowTag] = {}
    for row in rows:
        own = found.get(row.id)
        site = found.get(row.site_id) if row.site_id else None
        if own is not None and own.tagged:
            out[row.id] = RowTag(own.requirement or "", own.note)
        elif site is not None and site.tagged:
            out[row.id] = RowTag(site.requirement or "", site.note, via_site=True)
    return out


def _print_table(view: AuditView) -> None:
    console = output_console()
    for line in summary_lines(view):
        console.print(Text(line), soft_wrap=True)
    if not view.rows:
        console.print(Text("no call sites with the statuses shown"))
        return
    table = Table(show_edge=False, pad_edge=False, box=None, header_style="bold")
    for name, fold in (("status", False), ("id", False), ("where", True), ("function", True),
                       ("call", True), ("expression", True), ("patch", False), ("tag", True)):
        table.add_column(name, overflow="fold", no_wrap=not fold, min_width=None)
    for row in view.rows:
        cells = dict(zip(COLUMNS, row_cells(row, view.tags.get(row.id))))
        status = Text(row.status, style=_STYLE[row.status])
        table.add_row(status, cells["id"], safe(f"{cells['file']}:{cells['line']}"),
                      safe(cells["function"]), f"{cells['api']} {cells['test']}",
                      Text(safe(cells["expression"])), cells["patch"], safe(cells["tag"]))
    console.print(table)
