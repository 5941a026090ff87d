"""The per-call-site audit table: one row per site, as Markdown, CSV, JSON or standalone HTML.

Every string that comes from email (subjects, names, notes, code) is treated as hostile:
escaped for HTML and Markdown, neutralised against spreadsheet formulas in CSV, and in every
format control characters (ESC...) and bidi overrides are shown as tokens, never written raw.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from urllib.parse import quote

from reviewtui.analysis.callsite import CallSite
from reviewtui.analysis.catalogue import Catalogue
from reviewtui.analysis.discussion import Discussion
from reviewtui.analysis.explain import witness_text
from reviewtui.analysis.sitejson import site_to_json
from reviewtui.analysis.verdict import verdict
from reviewtui.config import LORE_LINK
from reviewtui.errors import ReviewtuiError, UsageError
from reviewtui.lore.cache import write_atomic
from reviewtui.model.thread import Revision, Series
from reviewtui.store import SiteTag
from reviewtui.text_safety import escape_controls, json_dumps, one_line

FORMATS = ("md", "csv", "json", "html")
# (field, column title) in the order every table format shows them.
COLUMNS = (
    ("series", "series"), ("revision", "rev"), ("patch", "patch"),
    ("patch_subject", "patch subject"), ("site_id", "site"), ("file", "file"),
    ("function", "function"), ("removed", "removed"), ("added", "added"),
    ("old_api", "old API"), ("new_api", "new API"), ("fp", "FP"), ("fn", "FN"),
    ("requirement", "requirement"), ("verdict", "verdict"), ("note", "note"),
    ("tagged_by", "tagged by"), ("tagged_on", "tagged on"), ("previous", "previously"),
    ("discussion", "discussion"), ("fn_mentions", "FN mentions"),
    ("fp_mentions", "FP mentions"), ("witnesses", "witnesses"),
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def lore_link(msgid: str) -> str:
    """https://lore.kernel.org/r/<msgid>, percent-encoded so it stays one safe URL."""
    return LORE_LINK + quote(msgid.strip("<>"), safe="@+=-._~!$*,;:")


@dataclass(frozen=True)
class SiteMessage:
    """A discussion message anchored at a site."""

    author: str
    msgid: str

    @property
    def link(self) -> str:
        """The message on lore."""
        return lore_link(self.msgid)


@dataclass(frozen=True)
class AuditRow:
    """One call site with the reviewer's tag, the verdict and the discussion anchored there."""

    site: CallSite
    series: str
    revision: int
    patch: str  # "n/m"
    requirement: str
    verdict: str
    note: str = ""
    tagged_by: str = ""
    tagged_on: str = ""  # "v1" when set on (and carried from) v1; "" when untagged
    previous: str = ""  # what an earlier revision tagged at this place, when untagged now
    discussion: tuple[SiteMessage, ...] = ()
    fn_mentions: int = 0
    fp_mentions: int = 0

    def text(self, key: str) -> str:
        """The cell of column KEY as plain text."""
        if key == "discussion":
            return "; ".join(f"{m.author} {m.link}" for m in self.discussion)
        if key == "site_id":
            return self.site.id
        if key == "witnesses":
            return witness_text(self.site)
        value = getattr(self, key) if key in _ROW_FIELDS else getattr(self.site, key)
        return "" if value is None else str(value)


_ROW_FIELDS = {f.name for f in fields(AuditRow)}


@dataclass(frozen=True)
class RemainingRow:
    """A use in the kernel tree of an API the series converts away from, and its tag."""

    id: str
    file: str
    line: int
    function: str
    api: str
    text: str
    requirement: str = ""
    note: str = ""
    tagged_by: str = ""


@dataclass(frozen=True, eq=False)
class Audit:
    """The audit of one revision of a series (plus, with a tree, the remaining call sites)."""

    series: str
    author: str
    root_msgid: str
    revision: int
    rows: tuple[AuditRow, ...]
    catalogue: Catalogue
    remaining: tuple[RemainingRow, ...] = ()
    tree: str = ""  # the tree scanned and the state it was taken in, when one was given

    @property
    def summary(self) -> dict[str, object]:
        """Site count, sites per verdict (catalogue order first), untagged and carried counts."""
        counts = Counter(row.verdict for row in self.rows)
        order = [v for v in self.catalogue.verdicts if v in counts]
        order += sorted(v for v in counts if v not in order)
        counted = {
            "sites": len(self.rows),
            "by_verdict": {v: counts[v] for v in order},
            "untagged": sum(1 for row in self.rows if not row.requirement),
            "carried": sum(1 for row in self.rows
                           if row.tagged_on and row.tagged_on != f"v{self.revision}"),
        }
        if self.tree:
            counted["remaining"] = len(self.remaining)
            counted["remaining_untagged"] = sum(1 for r in self.remaining if not r.requirement)
        return counted


def build_audit(
    series: Series, revision: Revision, sites: Sequence[CallSite],
    tags: Mapping[str, SiteTag], catalogue: Catalogue, discussion: Discussion | None = None,
) -> Audit:
    """One row per site of REVISION: its tag from the store, verdict, anchored discussion."""
    rows = []
    for site in sites:
        tag = tags.get(site.id)
        record = tag.record if tag is not None and tag.tagged else None
        requirement = record.requirement if record else None
        patch = revision.patch(site.patch)
        talk: tuple[SiteMessage, ...] = ()
        counts = (0, 0)
        if discussion is not None:
            talk = tuple(
                SiteMessage(series.messages[m].sender if m in series.messages else "", m)
                for m in discussion.site_discussion(site.id)
            )
            mentioned = discussion.site_counts(site.id)
            counts = (mentioned.fn, mentioned.fp)
        rows.append(AuditRow(
            site=site, series=revision.subject, revision=revision.number,
            patch=patch.label if patch else str(site.patch),
            requirement=requirement or "", verdict=verdict(site, requirement, catalogue),
            note=record.note if record else "", tagged_by=record.who if record else "",
            tagged_on=f"v{record.revision}" if record else "",
            previous="; ".join(p.describe() for p in tag.previous) if tag else "",
            discussion=talk, fn_mentions=counts[0], fp_mentions=counts[1],
        ))
    return Audit(series=revision.subject, author=revision.author,
                 root_msgid=revision.root_msgid, revision=revision.number, rows=tuple(rows),
                 catalogue=catalogue)


# -- Markdown -----------------------------------------------------------------------------

def _md(text: str) -> str:
    """A Markdown table cell: one line, no pipes, no HTML, no raw controls or bidi."""
    text = one_line(text)
    return re.sub(r"([\\|<`*\[\]])", r"\\\1", text)


def _md_code(text: str) -> str:
    text = one_line(text)
    if not text:
        return ""
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    return f"{fence} {text.replace('|', chr(92) + '|')} {fence}"  # GFM: \| even in code


def render_markdown(audit: Audit) -> str:
    """A Markdown report: title, summary, one table row per site."""
    s = audit.summary
    verdicts = ", ".join(f"{_md(k)}: {v}" for k, v in s["by_verdict"].items()) or "none"
    out = [
        f"# Audit: {_md(audit.series)} (v{audit.revision})", "",
        f"Series by {_md(audit.author)}, {lore_link(audit.root_msgid)}", "",
        (f"{s['sites']} call sites; verdicts: {verdicts}; without a requirement: "
         f"{s['untagged']}; tags carried from an earlier revision: {s['carried']}"), "",
        ("| patch | file | function | removed -> added | old -> new API | FP | FN "
         "| witnesses | requirement | verdict | note | tagged by | discussion |"),
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in audit.rows:
        site = r.site
        change = " -> ".join(
            x for x in (_md_code(site.removed or ""), _md_code(site.added or "")) if x)
        apis = f"{_md(site.old_api or '-')} -> {_md(site.new_api or '-')}"
        tagged = f"{_md(r.tagged_by)} ({r.tagged_on})" if r.tagged_on else ""
        note = _md(r.note) or (_md(r.previous) and f"_{_md(r.previous)}_")
        talk = ", ".join(f"[{_md(m.author) or 'message'}]({m.link})" for m in r.discussion)
        if r.fn_mentions or r.fp_mentions:
            talk = f"{talk} (FN {r.fn_mentions}, FP {r.fp_mentions})".strip()
        cells = [f"{r.patch} {_md(site.patch_subject)}", _md_code(site.file),
                 _md_code(site.function or ""), change, apis, _md(site.fp), _md(site.fn),
                 _md(witness_text(site)), _md(r.requirement) or "-",
                 f"**{_md(r.verdict)}**", note, tagged, talk]
        out.append("| " + " | ".join(cells) + " |")
    if audit.tree:
        out += ["", "## Remaining call sites", "", _md(audit.tree), "",
                "| site | file:line | function | use | API | requirement | note | tagged by |",
                "|---|---|---|---|---|---|---|---|"]
        for r in audit.remaining:
            out.append("| " + " | ".join([
                r.id, _md_code(f"{r.file}:{r.line}"), _md_code(r.function), _md_code(r.text),
                _md(r.api), _md(r.requirement) or "-", _md(r.note), _md(r.tagged_by),
            ]) + " |")
    return "\n".join(out) + "\n"


# -- CSV and JSON -------------------------------------------------------------------------

def csv_cell(text: object) -> str:
    """A CSV cell a spreadsheet will not run as a formula, controls and bidi made visible."""
    text = escape_controls(str(text))
    return f"'{text}" if text.startswith(_FORMULA_START) else text


def render_csv(audit: Audit) -> str:
    """One header row, then one row per site (formula injection neutralised)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([title for _, title in COLUMNS])
    for row in audit.rows:
        writer.writerow([csv_cell(row.text(key)) for key, _ in COLUMNS])
    for rem in audit.remaining:
        # Remaining tree uses share the table: patch "remaining", the use as "removed".
        cells = {"series": audit.series, "revision": str(audit.revision), "patch": "remaining",
                 "site_id": rem.id, "file": f"{rem.file}:{rem.line}", "function": rem.function,
                 "removed": rem.text, "old_api": rem.api, "requirement": rem.requirement,
                 "note": rem.note, "tagged_by": rem.tagged_by}
        writer.writerow([csv_cell(cells.get(key, "")) for key, _ in COLUMNS])
    return buf.getvalue()


def audit_json(audit: Audit) -> dict[str, object]:
    """The JSON object: series, revision, summary, rows (site_to_json plus the audit fields)."""
    rows = []
    for row in audit.rows:
        talk = [{"author": m.author, "msgid": m.msgid, "link": m.link} for m in row.discussion]
        item = site_to_json(row.site, row.requirement or None, row.note or None, talk,
                            audit.catalogue)
        item.update(series=row.series, revision=row.revision, patch_label=row.patch,
                    tagged_by=row.tagged_by, tagged_on=row.tagged_on, previous=row.previous,
                    fn_mentions=row.fn_mentions, fp_mentions=row.fp_mentions)
        rows.append(item)
    out: dict[str, object] = {
        "series": {"subject": audit.series, "author": audit.author,
                   "msgid": audit.root_msgid, "link": lore_link(audit.root_msgid)},
        "revision": audit.revision,
        "summary": audit.summary,
        "rows": rows,
    }
    if audit.tree:
        out["tree"] = audit.tree
        out["remaining"] = [
            {"id": r.id, "file": r.file, "line": r.line, "function": r.function, "api": r.api,
             "text": r.text, "requirement": r.requirement or None, "note": r.note or None,
             "tagged_by": r.tagged_by or None}
            for r in audit.remaining
        ]
    return out


def render_json(audit: Audit) -> str:
    """The audit as indented JSON."""
    return json_dumps(audit_json(audit), indent=2) + "\n"


def render(audit: Audit, fmt: str) -> str:
    """The audit in FORMAT (md, csv, json or html)."""
    from reviewtui.export.audit_html import render_html

    renderers = {"md": render_markdown, "csv": render_csv, "json": render_json,
                 "html": render_html}
    if fmt not in renderers:
        raise UsageError(f"unknown audit format {fmt!r}; valid: {', '.join(FORMATS)}")
    return renderers[fmt](audit)


def format_for(path: str | None, fmt: str | None) -> str:
    """The format asked for, else the one the output file's suffix names, else md."""
    if fmt:
        return fmt
    suffix = Path(path).suffix.lower().lstrip(".") if path else ""
    return {"htm": "html", "markdown": "md"}.get(suffix, suffix) if suffix in (
        *FORMATS, "htm", "markdown") else "md"


def write_audit(text: str, path: str | Path) -> Path:
    """Write the rendered audit to PATH atomically."""
    path = Path(path)
    try:
        write_atomic(path, text.encode("utf-8"))
    except OSError as exc:
        raise ReviewtuiError(f"cannot write {path}: {exc.strerror or exc}") from exc
    return path
