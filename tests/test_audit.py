"""The audit table in every format, read back with real parsers, including hostile text."""

from __future__ import annotations

import base64
import csv
import dataclasses
import hashlib
import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from reviewtui.analysis.catalogue import default_catalogue
from reviewtui.analysis.discussion import analyse_discussion
from reviewtui.analysis.sites import analyse_revision
from reviewtui.export.audit import (
    COLUMNS,
    build_audit,
    csv_cell,
    format_for,
    lore_link,
    render,
    write_audit,
)
from reviewtui.model.load import load_series
from reviewtui.store import ReviewStore

CORPUS = Path(__file__).resolve().parent / "data" / "corpus"
FAMILY = "fam"
WHO = "Rita Reviewer <rita@example.org>"
SCRIPT = "<script>alert('x')</script>"
FORMULA = "=cmd|' /C calc'!A0"


@pytest.fixture(scope="module")
def migrate():
    series = load_series((CORPUS / "migrate-folio-conversion.mbox").read_bytes())
    revision = series.latest
    catalogue = default_catalogue()
    sites = analyse_revision(revision, catalogue)
    return series, revision, catalogue, sites


def _audit(migrate, tmp_path: Path, tags: dict[str, tuple[str, str]], hostile: bool = False):
    series, revision, catalogue, sites = migrate
    if hostile:
        sites = [dataclasses.replace(
            s, removed=f"{SCRIPT} {s.removed}", function=f"{s.function}\n| bad | row |",
            file="+mm/migrate.c") for s in sites]
    with ReviewStore.open(tmp_path / "state.sqlite3") as store:
        for site in sites:
            if site.id in tags:
                requirement, note = tags[site.id]
                store.set_tag(FAMILY, revision.number, site, requirement, note, WHO)
        stored = store.tags_for(FAMILY, revision.number, sites)
    discussion = analyse_discussion(series, revision, sites)
    return build_audit(series, revision, sites, stored, catalogue, discussion)


@pytest.fixture
def tagged(migrate, tmp_path):
    _, _, _, sites = migrate
    first, second = sites[0].id, sites[1].id
    return _audit(migrate, tmp_path, {first: ("fn-unsafe", "move_pages() policy"),
                                      second: ("fp-unsafe", "")})


def test_rows_summary_and_verdicts(tagged, migrate) -> None:
    _, _, _, sites = migrate
    assert [r.site.id for r in tagged.rows] == [s.id for s in sites]
    # 2/4 trades FPs for FNs: at an fp-unsafe site the FNs it introduces are a cost.
    assert [r.verdict for r in tagged.rows] == ["risk", "cost", "untagged"]
    assert tagged.summary == {"sites": 3, "by_verdict": {"risk": 1, "cost": 1,
                                                          "untagged": 1},
                              "untagged": 1, "carried": 0}
    first = tagged.rows[0]
    assert (first.patch, first.requirement, first.note, first.tagged_by, first.tagged_on) == (
        "1/4", "fn-unsafe", "move_pages() policy", WHO, "v1")
    # Only the two mails about the mapcount line, not the hugetlb / -EBUSY sub-thread below it.
    assert [m.author for m in first.discussion] == ["Matthew Wilcox <willy@infradead.org>",
                                                    "Kefeng Wang <wangkefeng.wang@huawei.com>"]
    assert all(m.link.startswith("https://lore.kernel.org/r/") for m in first.discussion)


def test_json_reads_back(tagged) -> None:
    data = json.loads(render(tagged, "json"))
    assert set(data) == {"series", "revision", "summary", "rows"}
    assert data["revision"] == 1 and data["series"]["subject"] == tagged.series
    assert data["summary"]["by_verdict"] == {"risk": 1, "cost": 1, "untagged": 1}
    row = data["rows"][0]
    assert (row["id"], row["requirement"], row["verdict"], row["note"]) == (
        tagged.rows[0].site.id, "fn-unsafe", "risk", "move_pages() policy")
    assert (row["fp"], row["fn"], row["patch_label"], row["tagged_by"]) == (
        "unchanged", "traded", "1/4", WHO)
    assert [(w["error"], w["change"], w["scenario"]) for w in row["witnesses"]] == [
        ("fn", "introduced", "tail-shared"), ("fn", "removed", "head-shared")]
    assert any(a["api"] == "folio_maybe_mapped_shared" for a in row["alternatives"])
    assert row["discussion"][0]["link"] == lore_link(row["discussion"][0]["msgid"])
    assert data["rows"][2]["requirement"] is None and data["rows"][2]["verdict"] == "untagged"


def test_csv_reads_back(tagged) -> None:
    rows = list(csv.reader(io.StringIO(render(tagged, "csv"))))
    assert rows[0] == [title for _, title in COLUMNS]
    assert len(rows) == 1 + len(tagged.rows)
    record = dict(zip(rows[0], rows[1], strict=True))
    assert record["verdict"] == "risk" and record["FN"] == "traded"
    assert record["witnesses"].startswith("FN introduced: THP PTE-mapped fully by MM A; MM B "
                                          "maps pages 1-511 only")
    assert " | FN removed: THP PTE-mapped fully by MM A; MM B maps page 0 only" in \
        record["witnesses"]
    assert record["removed"] == "if (page_mapcount(page) > 1 && !migrate_all)"
    assert "https://lore.kernel.org/r/" in record["discussion"]


def test_markdown_has_one_table_row_per_site(tagged) -> None:
    text = render(tagged, "md")
    table = [ln for ln in text.splitlines() if ln.startswith("|")]
    assert len(table) == 2 + len(tagged.rows)
    columns = [len(re.split(r"(?<!\\)\|", ln)) for ln in table]
    assert set(columns) == {columns[0]}
    assert "**risk**" in table[2] and "move_pages() policy" in table[2]
    assert "FN introduced: THP PTE-mapped fully by MM A" in table[2]
    assert "FP removed: THP PTE-mapped fully by MM A only" in table[3]


def test_html_is_standalone_escaped_and_sortable(tagged) -> None:
    text = render(tagged, "html")
    soup = BeautifulSoup(text, "html.parser")
    body_rows = soup.select("table.audit tbody tr")
    assert len(body_rows) == len(tagged.rows)
    assert [th.get_text() for th in soup.select("table.audit thead th")][:3] == [
        "patch", "file", "function"]
    assert "v-risk" in body_rows[0]["class"]
    assert body_rows[0].select_one("td.verdict").get_text() == "risk"
    witnesses = [w.get_text() for w in body_rows[1].select("span.witness")]
    assert witnesses[0].startswith("FP removed: THP PTE-mapped fully by MM A only")
    assert witnesses[1].startswith("FN introduced: THP PTE-mapped fully by MM A; MM B")
    # Standalone: nothing is loaded from elsewhere.
    assert not soup.find_all(src=True) and not soup.find_all("link")
    assert all(a["href"].startswith("https://lore.kernel.org/r/") for a in soup.find_all("a"))
    # The only script and style are ours, and the CSP names them by hash.
    (script,) = soup.find_all("script")
    (style,) = soup.find_all("style")
    csp = soup.find("meta", attrs={"http-equiv": "Content-Security-Policy"})["content"]
    for element, kind in ((script, "script-src"), (style, "style-src")):
        digest = base64.b64encode(hashlib.sha256(element.string.encode()).digest()).decode()
        assert f"{kind} 'sha256-{digest}'" in csp
    assert "default-src 'none'" in csp
    assert "addEventListener(\"click\"" in script.string


def test_hostile_text_stays_text_in_every_format(migrate, tmp_path) -> None:
    series, _, _, sites = migrate
    message = next(iter(series.messages.values()))
    evil_note = (f"{SCRIPT}\n{FORMULA}\n| col | injection |\n\"quoted\", comma\n"
                 "access \u202e level")
    audit = _audit(migrate, tmp_path, {s.id: ("policy", evil_note) for s in sites},
                   hostile=True)
    # A discussion author with markup in the name.
    row = audit.rows[0]
    evil_author = dataclasses.replace(row.discussion[0], author='"><img src=x onerror=alert(1)>')
    audit = dataclasses.replace(audit, rows=(
        dataclasses.replace(row, discussion=(evil_author, *row.discussion[1:])), *audit.rows[1:]))
    assert message  # the series itself is untouched

    soup = BeautifulSoup(render(audit, "html"), "html.parser")
    assert len(soup.find_all("script")) == 1 and not soup.find_all("img")
    cells = soup.select("table.audit tbody tr")[0].find_all("td")
    texts = [c.get_text() for c in cells]
    assert any(SCRIPT in t for t in texts)  # shown, not run
    assert any(FORMULA in t for t in texts)
    assert any("access <U+202E> level" in t for t in texts)  # a bidi override is shown
    assert len(soup.select("table.audit tbody tr")) == len(sites)

    rows = list(csv.reader(io.StringIO(render(audit, "csv"))))
    header = rows[0]
    assert len(rows) == 1 + len(sites)
    for line in rows[1:]:
        record = dict(zip(header, line, strict=True))
        # Newlines kept inside the quoted cell; the bidi override shown, not written raw.
        assert record["note"] == evil_note.replace("\u202e", "<U+202E>")
        assert record["file"] == "'+mm/migrate.c"
        for cell in line:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell

    data = json.loads(render(audit, "json"))
    assert data["rows"][0]["note"] == evil_note

    md = render(audit, "md")
    table = [ln for ln in md.splitlines() if ln.startswith("|")]
    assert len(table) == 2 + len(sites)  # newlines and pipes did not add rows or columns
    columns = [len(re.split(r"(?<!\\)\|", ln)) for ln in table]
    assert set(columns) == {columns[0]}
    # Outside code spans (where Markdown shows HTML as text) every "<" is escaped.
    prose = re.sub(r"(`+) .*? \1", "", md)
    assert SCRIPT in md and not re.search(r"(?<!\\)<", prose)


@pytest.mark.parametrize("value,expected", [
    ("=1+2", "'=1+2"), ("+1", "'+1"), ("-1", "'-1"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("\rx", "^Mx"), ("\x1b[2Jx", "^[[2Jx"), ("plain", "plain"), ("", ""),
    (3, "3"),
])
def test_csv_cell_neutralises_formulas(value, expected) -> None:
    assert csv_cell(value) == expected


def test_lore_links_are_percent_encoded() -> None:
    assert lore_link("<ZMpKYfNWA/jNgEuL@casper.infradead.org>") == (
        "https://lore.kernel.org/r/ZMpKYfNWA%2FjNgEuL@casper.infradead.org")
    assert re.fullmatch(r"https://lore\.kernel\.org/r/[\w%@.+=-]+",
                        lore_link('a"><script>(x)@y'))


def test_format_follows_the_flag_then_the_suffix() -> None:
    assert format_for("out.html", None) == "html"
    assert format_for("out.CSV", None) == "csv"
    assert format_for("out.txt", None) == "md"
    assert format_for(None, None) == "md"
    assert format_for("out.html", "json") == "json"


def test_write_audit_is_atomic(tagged, tmp_path) -> None:
    path = write_audit(render(tagged, "html"), tmp_path / "sub" / "audit.html")
    assert path.read_text().startswith("<!DOCTYPE html>")
    assert [p.name for p in path.parent.iterdir()] == ["audit.html"]


_FAKE_DOM = """
function cell(text, key) {
  return {textContent: text, getAttribute: function (n) { return n === "data-key" ? key : null; }};
}
var rows = [
  {id: "b", cells: [cell("2/12 x", "0002"), cell("beta")]},
  {id: "c", cells: [cell("10/12 y", "0010"), cell("alpha")]},
  {id: "a", cells: [cell("1/12 z", "0001"), cell("gamma")]},
];
var body = {rows: rows.slice(), appendChild: function (tr) {
  this.rows.splice(this.rows.indexOf(tr), 1); this.rows.push(tr); }};
var table = {tBodies: [body]};
var ths = [0, 1].map(function () {
  return {attrs: {}, getAttribute: function (n) { return n in this.attrs ? this.attrs[n] : null; },
          setAttribute: function (n, v) { this.attrs[n] = v; },
          removeAttribute: function (n) { delete this.attrs[n]; },
          addEventListener: function (e, f) { this.click = f; },
          closest: function (s) { return s === "table" ? table : headerRow; }};
});
var headerRow = {querySelectorAll: function () { return ths; }};
var document = {querySelectorAll: function () { return ths; }};
var order = function () { return body.rows.map(function (r) { return r.id; }).join(""); };
var seen = [];
"""


def test_html_sort_script_sorts_numbers_and_text(tagged) -> None:
    node = shutil.which("node") or shutil.which("nodejs")
    if node is None:
        pytest.skip("node is not installed")
    script = BeautifulSoup(render(tagged, "html"), "html.parser").find("script").string
    program = (_FAKE_DOM + script + """
ths[0].click(); seen.push(order(), ths[0].attrs["aria-sort"]);
ths[0].click(); seen.push(order(), ths[0].attrs["aria-sort"]);
ths[1].click(); seen.push(order(), String(ths[0].attrs["aria-sort"]));
console.log(seen.join(" "));
""")
    out = subprocess.run([node, "-e", program], capture_output=True, text=True, timeout=30,
                         check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["abc", "ascending", "cba", "descending", "cba", "undefined"]
