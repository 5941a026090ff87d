"""Tree-audit output: the summary lines and the rows as a terminal table, Markdown, CSV, JSON."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from reviewtui.analysis.tree_audit import STATUSES, TreeRow

if TYPE_CHECKING:
    from reviewtui.tree.audit import TreeReport

FORMATS = ("table", "json", "md", "csv")
COLUMNS = ("status", "id", "file", "line", "function", "api", "role", "test", "expression",
           "patch", "tag", "note")
_MEANING = {
    "before": "remaining = uses of an API the series converts away from that the series does "
              "not touch (missed call sites?)",
    "after": "remaining = callers that still use an API the series converted away from",
}


@dataclass(frozen=True)
class RowTag:
    """A reviewer's tag shown next to a row (the row's own, or its series site's)."""

    requirement: str
    note: str = ""
    via_site: bool = False  # the tag belongs to the series site the row matches


@dataclass
class AuditView:
    """What a rendering needs: the report, the series title, the rows to show, their tags."""

    report: TreeReport
    title: str
    rows: Sequence[TreeRow]
    shown: Sequence[str]
    tags: Mapping[str, RowTag] = field(default_factory=dict)


def safe(text: str) -> str:
    """TEXT without control characters or undecodable bytes (for terminals and CSV)."""
    text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return "".join(c if c.isprintable() or c == "\t" else "?" for c in text).replace("\t", " ")


def summary_lines(view: AuditView) -> list[str]:
    """The header every text format starts with."""
    report = view.report
    scan, audit = report.scan, report.audit
    searched = f", {scan.files_searched} C files read" if scan.files_searched is not None else ""
    lines = [
        f"series: {safe(view.title)}",
        (f"tree: {safe(str(scan.root))} ({scan.method}{searched}, {scan.files_with_hits} files "
         f"with hits, {len(scan.uses)} calls; {scan.mentions} hit lines were comments, strings "
         f"or declarations, not counted; {scan.seconds:.2f} s)"),
        f"state: {audit.state.describe()}",
    ]
    if audit.old_apis or audit.new_apis:
        lines.append(f"series converts: {', '.join(sorted(audit.old_apis)) or '-'} -> "
                     f"{', '.join(sorted(audit.new_apis)) or '(dropped)'}")
    else:
        lines.append("series converts no catalogued API away: nothing can be remaining")
    if audit.state.assumed in _MEANING:
        lines.append(_MEANING[audit.state.assumed])
    counts = audit.counts()
    lines.append("counts: " + ", ".join(f"{s} {counts[s]}" for s in STATUSES)
                 + f" (shown: {', '.join(view.shown)})")
    for line in scan.skipped.lines():
        lines.append(f"skipped {safe(line)}")
    if scan.replaced_bytes:
        lines.append(f"not UTF-8 (read with U+FFFD): {len(scan.replaced_bytes)} files "
                     f"({safe(', '.join(scan.replaced_bytes[:5]))})")
    for side in audit.missing:
        site = side.site
        lines.append(f"not in the tree: {side.side} line of site {site.id} (patch {site.patch}) "
                     f"{site.file} {side_function(side)}: {safe(side.text)}")
    return lines


def side_function(side) -> str:
    """The function a site side lives in ('' when unknown)."""
    site = side.site
    if side.side == "added" and site.new_function:
        return site.new_function
    return site.function or ""


def row_cells(row: TreeRow, tag: RowTag | None) -> list[str]:
    """One row's cells in COLUMNS order."""
    u = row.use
    requirement = ""
    if tag is not None:
        requirement = f"{tag.requirement} (site)" if tag.via_site else tag.requirement
    return [row.status, row.id, u.file, str(u.line), u.function or "", u.api, row.role,
            u.polarity, u.text, str(row.site_patch or ""), requirement,
            tag.note if tag else ""]


def render_csv(view: AuditView) -> str:
    """Rows as CSV with a header line (no summary)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in view.rows:
        writer.writerow([safe(c) for c in row_cells(row, view.tags.get(row.id))])
    return out.getvalue()


def render_markdown(view: AuditView) -> str:
    """Summary as a list, rows as a Markdown table."""
    out = [f"## Tree audit: {_md(view.title)}", ""]
    out += [f"- {_md(line)}" for line in summary_lines(view)[1:]]
    out += ["", "| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for row in view.rows:
        cells = row_cells(row, view.tags.get(row.id))
        cells[8] = f"`{cells[8]}`" if cells[8] else ""
        out.append("| " + " | ".join(_md(c) for c in cells) + " |")
    return "\n".join(out) + "\n"


def render_json(view: AuditView) -> str:
    """Everything, machine-readable."""
    scan, audit = view.report.scan, view.report.audit
    state = audit.state
    data = {
        "series": view.title,
        "tree": {
            "root": str(scan.root), "method": scan.method, "files_searched": scan.files_searched,
            "files_with_hits": scan.files_with_hits, "calls": len(scan.uses),
            "mentions_not_counted": scan.mentions, "seconds": round(scan.seconds, 3),
            "skipped": {reason: {"count": n, "examples": scan.skipped.examples.get(reason, [])}
                        for reason, n in sorted(scan.skipped.counts.items())},
            "not_utf8": scan.replaced_bytes,
        },
        "state": {"assumed": state.assumed, "detected": state.detected, "given": state.forced,
                  "removed_lines_present": state.before_found,
                  "removed_lines": state.removed_total,
                  "added_lines_present": state.after_found, "added_lines": state.added_total,
                  "text": state.describe()},
        "converts_from": sorted(audit.old_apis),
        "converts_to": sorted(audit.new_apis),
        "counts": audit.counts(),
        "shown": list(view.shown),
        "rows": [_json_row(row, view.tags.get(row.id)) for row in view.rows],
        "missing": [{"site_id": s.site.id, "patch": s.site.patch, "side": s.side,
                     "file": s.site.file, "function": side_function(s), "line": s.text}
                    for s in audit.missing],
    }
    return json.dumps(data, indent=1, ensure_ascii=True) + "\n"


def _json_row(row: TreeRow, tag: RowTag | None) -> dict[str, object]:
    out = row.as_dict()
    out["tag"] = tag.requirement if tag else ""
    out["tag_note"] = tag.note if tag else ""
    out["tag_from_site"] = bool(tag and tag.via_site)
    return out


def _md(text: str) -> str:
    return safe(text).replace("|", "\\|")
