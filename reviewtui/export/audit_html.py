"""The audit as one standalone HTML file: inline CSS, a small sorting script, nothing fetched.

Every email-derived string goes through html.escape; a Content-Security-Policy that allows
only this file's own style and script (by hash) stops anything that would slip through.
"""

from __future__ import annotations

import base64
import hashlib
import re
from html import escape

from reviewtui.export.audit import Audit, AuditRow, lore_link
from reviewtui.text_safety import escape_controls

_CSS = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #1b1b1b; }
h1 { font-size: 1.3em; margin: 0 0 .3em; }
.meta, .summary { color: #444; margin: .2em 0 1em; }
.summary span { display: inline-block; margin-right: 1em; }
table.audit { border-collapse: collapse; width: 100%; }
.audit th, .audit td { border: 1px solid #ccc; padding: .3em .45em; vertical-align: top; }
.audit th { background: #eef; cursor: pointer; user-select: none; position: sticky; top: 0; }
.audit th[aria-sort=ascending]::after { content: " \\25B2"; }
.audit th[aria-sort=descending]::after { content: " \\25BC"; }
.audit code { font: 12px/1.3 ui-monospace, monospace; white-space: pre-wrap; }
.note { white-space: pre-wrap; }
.previous { color: #666; font-style: italic; }
.verdict { font-weight: bold; }
.v-risk .verdict { color: #b00020; }
.v-cost .verdict { color: #a15c00; }
.v-improvement .verdict { color: #1b7a2e; }
.v-untagged .verdict, .v-review .verdict { color: #555; }
tr.v-risk { background: #fff1f1; }
""".strip()

# Sorts by the clicked column: numbers numerically, the rest as text; data-key overrides.
_JS = """
document.querySelectorAll("table.audit th").forEach(function (th, col) {
  th.addEventListener("click", function () {
    var body = th.closest("table").tBodies[0];
    var asc = th.getAttribute("aria-sort") !== "ascending";
    th.closest("tr").querySelectorAll("th").forEach(function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", asc ? "ascending" : "descending");
    var key = function (tr) {
      var td = tr.cells[col];
      return td.getAttribute("data-key") || td.textContent.trim();
    };
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = key(a), y = key(b), nx = parseFloat(x), ny = parseFloat(y);
      var d = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y);
      return asc ? d : -d;
    });
    rows.forEach(function (tr) { body.appendChild(tr); });
  });
});
""".strip()

_HEADERS = ("patch", "file", "function", "removed → added", "old → new API", "FP", "FN",
            "witnesses", "requirement", "verdict", "note", "tagged by", "discussion")


def _sha256(text: str) -> str:
    return base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


def _e(text: object) -> str:
    """Escaped for HTML, with controls, bidi overrides and invisible characters shown."""
    return escape(escape_controls(str(text)), quote=True)


def _class(verdict: str) -> str:
    return "v-" + (re.sub(r"[^a-z0-9-]+", "-", verdict.lower()).strip("-") or "none")


def _code(text: str) -> str:
    return f"<code>{_e(text)}</code>" if text else ""


def _witnesses(site) -> str:
    return "<br>".join(f'<span class="witness"><b>{_e(w.title)}</b>: {_e(w.text)}</span>'
                       for w in site.witnesses)


def _row(r: AuditRow) -> str:
    site = r.site
    number = r.patch.split("/", 1)[0]
    change = "<br>→ ".join(x for x in (_code(site.removed or ""), _code(site.added or "")) if x)
    apis = f"{_e(site.old_api or '–')} → {_e(site.new_api or '–')}"
    note = f'<span class="note">{_e(r.note)}</span>' if r.note else ""
    if not r.note and r.previous:
        note = f'<span class="previous">{_e(r.previous)}</span>'
    tagged = f"{_e(r.tagged_by)} ({_e(r.tagged_on)})" if r.tagged_on else ""
    talk = "<br>".join(f'<a href="{_e(m.link)}" rel="noreferrer">{_e(m.author or m.msgid)}</a>'
                       for m in r.discussion)
    if r.fn_mentions or r.fp_mentions:
        talk += f"<br>FN {r.fn_mentions}, FP {r.fp_mentions}"
    cells = [
        f'<td data-key="{_e(number.zfill(4))}">{_e(r.patch)} {_e(site.patch_subject)}</td>',
        f"<td>{_code(site.file)}</td>", f"<td>{_code(site.function or '')}</td>",
        f"<td>{change}</td>", f"<td>{apis}</td>", f"<td>{_e(site.fp)}</td>",
        f"<td>{_e(site.fn)}</td>", f"<td>{_witnesses(site)}</td>",
        f"<td>{_e(r.requirement)}</td>", f'<td class="verdict">{_e(r.verdict)}</td>',
        f"<td>{note}</td>", f"<td>{tagged}</td>", f"<td>{talk}</td>",
    ]
    return f'<tr class="{_class(r.verdict)}" id="site-{_e(site.id)}">{"".join(cells)}</tr>'


def _remaining(audit: Audit) -> str:
    if not audit.tree:
        return ""
    head = "".join(f'<th scope="col">{h}</th>' for h in (
        "site", "file:line", "function", "use", "API", "requirement", "note", "tagged by"))
    rows = "\n".join(
        f'<tr id="tree-{_e(r.id)}"><td>{_e(r.id)}</td><td>{_code(f"{r.file}:{r.line}")}</td>'
        f"<td>{_code(r.function)}</td><td>{_code(r.text)}</td><td>{_e(r.api)}</td>"
        f"<td>{_e(r.requirement)}</td><td>{_e(r.note)}</td><td>{_e(r.tagged_by)}</td></tr>"
        for r in audit.remaining)
    return (f'<h2>Remaining call sites</h2>\n<p class="meta">{_e(audit.tree)}</p>\n'
            f'<table class="audit remaining">\n<thead><tr>{head}</tr></thead>\n'
            f"<tbody>\n{rows}\n</tbody>\n</table>\n")


def render_html(audit: Audit) -> str:
    """A standalone, sortable HTML page of the audit."""
    s = audit.summary
    csp = (f"default-src 'none'; style-src 'sha256-{_sha256(_CSS)}'; "
           f"script-src 'sha256-{_sha256(_JS)}'; base-uri 'none'; form-action 'none'")
    verdicts = "".join(f"<span>{_e(k)}: <b>{v}</b></span>" for k, v in s["by_verdict"].items())
    head = "".join(f'<th scope="col">{_e(h)}</th>' for h in _HEADERS)
    rows = "\n".join(_row(r) for r in audit.rows)
    title = f"Audit: {audit.series} (v{audit.revision})"
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{_e(csp)}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(title)}</title>
<style>{_CSS}</style>
</head>
<body>
<h1>{_e(title)}</h1>
<p class="meta">Series by {_e(audit.author)} ·
<a href="{_e(lore_link(audit.root_msgid))}" rel="noreferrer">{_e(audit.root_msgid)}</a></p>
<p class="summary"><span>call sites: <b>{s['sites']}</b></span>{verdicts}
<span>untagged: <b>{s['untagged']}</b></span>
<span>carried from an earlier revision: <b>{s['carried']}</b></span></p>
<table class="audit">
<thead><tr>{head}</tr></thead>
<tbody>
{rows}
</tbody>
</table>
{_remaining(audit)}<script>{_JS}</script>
</body>
</html>
"""
