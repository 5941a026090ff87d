"""Call-site extraction: the corpus threads against EXPECTED_SITES, synthetic diffs, JSON, CLI."""

from __future__ import annotations

import json
import re
from collections import Counter
from functools import cache
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reviewtui.analysis.catalogue import load_catalogue
from reviewtui.analysis.sitejson import site_to_json
from reviewtui.analysis.sites import RevisionSites, extract_sites, scan_revision
from reviewtui.cli import main
from reviewtui.model.diff import parse_diff
from reviewtui.model.load import load_series
from reviewtui.model.thread import Message, Patch, Revision

CORPUS = Path(__file__).resolve().parent / "data" / "corpus"
THREADS = ["migrate-folio-conversion", "mapcount-large-folio-sharing",
           "migrate-folio-conversion-v2", "mapcount-large-folio-sharing-v2"]
JSON_KEYS = {"id", "patch", "patch_subject", "file", "function", "kind", "removed", "added",
             "old_api", "new_api", "polarity", "fp", "fn", "requirement", "verdict", "note",
             "discussion", "problems"}


@cache
def corpus_sites(name: str) -> RevisionSites:
    series = load_series((CORPUS / f"{name}.mbox").read_bytes())
    return scan_revision(series.revision(None), load_catalogue())


def expected(name: str) -> list[dict]:
    data = json.loads((CORPUS / "expected_sites.json").read_text())
    return [s for s in data["sites"] if s["thread"] == name]


# --- the corpus ------------------------------------------------------------------------------

@pytest.mark.parametrize("name", THREADS)
def test_corpus_sites_match_expected_sites(name):
    found = corpus_sites(name)
    want = expected(name)
    unmatched = list(found.sites)
    for exp in want:
        match = next((s for s in unmatched
                      if s.patch == exp["patch"] and s.file == exp["file"]
                      and s.removed == exp["removed"] and s.added == exp["added"]
                      and (s.function in exp["function"]
                           or s.new_function in exp["function"])), None)
        assert match is not None, f"missing {exp}"
        assert match.old_api == exp["old_api"] and match.new_api == exp["new_api"]
        assert match.function in exp["function"]
        unmatched.remove(match)
    assert unmatched == [], f"unexpected sites: {unmatched}"
    assert not any(found.problems.values())
    assert not found.helpers
    assert len({s.id for s in found.sites}) == len(found.sites)


def test_corpus_deltas_kinds_and_polarity():
    def summary(name):
        return [(s.patch, s.kind, s.polarity, s.fp, s.fn) for s in corpus_sites(name).sites]

    assert summary("migrate-folio-conversion") == [
        (1, "conversion", "shared?", "unchanged", "introduced"),
        (2, "conversion", "shared?", "removed", "introduced"),
        (3, "conversion", "shared?", "unchanged", "introduced"),
    ]
    assert summary("migrate-folio-conversion-v2") == [
        (2, "removal", "shared?", "removed", "introduced"),
        (4, "same-api", "shared?", "unchanged", "unchanged"),
    ]
    for name in ("mapcount-large-folio-sharing", "mapcount-large-folio-sharing-v2"):
        assert {row[1:] for row in summary(name)} == {
            ("conversion", "shared?", "removed", "introduced")}


def test_renamed_function_keeps_the_pre_image_name():
    site = corpus_sites("migrate-folio-conversion").sites[1]
    assert (site.function, site.new_function) == ("numamigrate_isolate_page",
                                                  "numamigrate_isolate_folio")
    assert site.old_lines == (2487,) and site.new_lines == (2487,)


def test_madvise_v1_and_v2_ids_are_equal():
    v1 = corpus_sites("mapcount-large-folio-sharing").sites
    v2 = corpus_sites("mapcount-large-folio-sharing-v2").sites
    assert [s.id for s in v1] == [s.id for s in v2]
    assert len({s.id for s in v1}) == 4  # two identical sites in one function stay distinct
    assert [s.patch for s in v1] != [s.patch for s in v2]


def test_migrate_anchors_link_the_changed_sites_across_revisions():
    v1 = {s.patch: s for s in corpus_sites("migrate-folio-conversion").sites}
    v2 = {s.patch: s for s in corpus_sites("migrate-folio-conversion-v2").sites}
    assert v1[2].anchor == v2[2].anchor and v1[2].id != v2[2].id
    assert v1[3].anchor == v2[4].anchor and v1[3].id != v2[4].id


def test_extract_sites_of_one_patch():
    series = load_series((CORPUS / "mapcount-large-folio-sharing.mbox").read_bytes())
    patch = series.revision(None).patch(1)
    result = extract_sites(patch, load_catalogue())
    assert [s.id for s in result.sites] == [s.id for s in
                                             corpus_sites("mapcount-large-folio-sharing").sites[:2]]
    assert result.problems == ()


# --- synthetic diffs -------------------------------------------------------------------------

def fix_counts(diff: str) -> str:
    """Recompute the @@ line counts of a hand-written diff."""
    lines = diff.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        m = re.match(r"@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@(.*)$", lines[i])
        if not m:
            out.append(lines[i])
            i += 1
            continue
        j = i + 1
        old = new = 0
        while j < len(lines) and lines[j][:1] in (" ", "-", "+"):
            old += lines[j][0] in " -"
            new += lines[j][0] in " +"
            j += 1
        out.append(f"@@ -{m.group(1)},{old} +{m.group(2)},{new} @@{m.group(3)}")
        out.extend(lines[i + 1:j])
        i = j
    return "\n".join(out)


def make_patch(diff: str, number: int = 1, fix: bool = True) -> Patch:
    text = fix_counts(diff) if fix else diff
    msg = Message(msgid=f"p{number}@example.org", subject=f"[PATCH {number}/9] p{number}",
                  author="A", email="a@example.org", date=None,
                  body=f"Commit message.\n---\n{text}", in_reply_to=None, references=[], to=[],
                  cc=[])
    return Patch(number=number, expected=9, subject=f"p{number}", full_subject=msg.subject,
                 message=msg, commit_message="Commit message.", trailers=[],
                 diff=parse_diff(text))


def scan(*diffs: str, fix: bool = True) -> RevisionSites:
    patches = [make_patch(d, i + 1, fix) for i, d in enumerate(diffs)]
    rev = Revision(number=1, subject="s", author="A", email="a@example.org", cover=None,
                   patches=patches, expected=len(patches), complete=True)
    return scan_revision(rev, load_catalogue())


def file_diff(path: str, *hunks: str) -> str:
    return f"diff --git a/{path} b/{path}\n--- a/{path}\n+++ b/{path}\n" + "".join(hunks)


FUNC_START = file_diff("mm/x.c", """@@ -10,1 +10,1 @@ static int before(void)
 	return 0;
 }
 
-static int old_name(struct folio *folio)
+static int new_name(struct folio *folio)
 {
 	int nr = 3;
 
 	/* Do not touch folio_mapcount(folio) > 1 folios: folio_mapcount() */
-	if (x &&
-	    folio_mapcount(folio) > 1)
+	if (x &&
+	    folio_estimated_sharers(folio) > 1)
 		return -EBUSY;
-	if (total_mapcount(&folio->page) != 1 || page_mapcount(page) > 1)
+	if (folio_likely_mapped_shared(folio) || folio_estimated_sharers(folio) > 1)
 		return -EAGAIN;
-	pr_info("folio_mapcount(%d)", nr);
+	pr_info("mapcount %d", folio_mapcount(folio));
 	return nr;
 }
""")


def test_function_starting_in_hunk_multiline_condition_several_sites_and_comments():
    found = scan(FUNC_START)
    rows = [(s.function, s.new_function, s.kind, s.old_api, s.new_api, s.polarity)
            for s in found.sites]
    assert rows == [
        ("old_name", "new_name", "conversion", "folio_mapcount", "folio_estimated_sharers",
         "shared?"),
        ("old_name", "new_name", "conversion", "total_mapcount", "folio_likely_mapped_shared",
         "shared?"),
        ("old_name", "new_name", "addition", None, "folio_mapcount", "count"),
    ]
    assert found.sites[0].removed == "folio_mapcount(folio) > 1)"
    assert "also" in found.sites[1].explanation
    assert found.sites[2].removed == 'pr_info("folio_mapcount(%d)", nr);'  # replaced line
    assert found.helpers == {}


MACROS_AND_SCOPE = file_diff("include/linux/x.h", """@@ -1,1 +1,1 @@
-#define SKIP_IF_SHARED(f) \\
-	do { if (folio_mapcount(f) != 1) return; } while (0)
+#define SKIP_IF_SHARED(f) \\
+	do { if (folio_estimated_sharers(f) != 1) return; } while (0)
-extern int folio_mapcount(struct folio *folio);
+extern int folio_mapcount(const struct folio *folio);
-static int table_size = sizeof(int) * page_mapcount(NULL);
+static int table_size = sizeof(int) * folio_mapcount(NULL);
""")


def test_sites_in_macros_and_at_file_scope_and_declarations_are_not_sites():
    found = scan(MACROS_AND_SCOPE)
    rows = [(s.function, s.old_api, s.new_api) for s in found.sites]
    assert rows == [("SKIP_IF_SHARED", "folio_mapcount", "folio_estimated_sharers"),
                    (None, "page_mapcount", "folio_mapcount")]
    assert found.sites[0].fp == "removed" and found.sites[0].fn == "introduced"


HELPER_DEF = file_diff("include/linux/mm.h", """@@ -100,1 +100,1 @@ static inline int folio_estimated_sharers(struct folio *folio)
 	return page_mapcount(folio_page(folio, 0));
 }
 
+static inline bool folio_mapped_shared(struct folio *folio)
+{
+	return folio_mapcount(folio) > 1;
+}
+
 struct foo;
""")
HELPER_USE = file_diff("mm/y.c", """@@ -5,1 +5,1 @@ static void y(struct folio *folio)
 {
-	if (folio_mapcount(folio) > 1)
+	if (folio_mapped_shared(folio))
 		return;
-	if (folio_mapped_shared(other))
+	if (folio_mapped_shared(other) && z)
 		return;
 }
""", """@@ -50,1 +50,1 @@ static int numamigrate_like(struct folio *folio)
 {
-	if (folio_mapcount(folio) > 1)
+	if (folio_estimated_sharers(folio) > 1)
 		return 0;
 	return 1;
 }
""")


def test_series_helper_definition_and_uses():
    found = scan(HELPER_DEF, HELPER_USE)
    assert set(found.helpers) == {"folio_mapped_shared"}
    helper = found.helpers["folio_mapped_shared"]
    assert (helper.patch, helper.builds_on, helper.returns) == (1, ("folio_mapcount",), "shared")
    rows = [(s.patch, s.function, s.kind, s.old_api, s.new_api, s.uncatalogued, s.fp, s.fn)
            for s in found.sites]
    assert rows == [
        (1, "folio_mapped_shared", "definition", None, "folio_mapcount", True,
         "unknown", "unknown"),
        (2, "y", "uncatalogued", "folio_mapcount", "folio_mapped_shared", True,
         "unknown", "unknown"),
        (2, "y", "uncatalogued", "folio_mapped_shared", "folio_mapped_shared", True,
         "unknown", "unknown"),
        (2, "numamigrate_like", "conversion", "folio_mapcount", "folio_estimated_sharers", False,
         "removed", "introduced"),
    ]
    assert found.sites[0].added == "return folio_mapcount(folio) > 1;"
    assert "patch 1" in found.sites[1].explanation


def test_changed_helper_body_gives_a_definition_site_with_a_delta():
    diff = file_diff("mm/internal.h", """@@ -1,1 +1,1 @@ static inline int folio_is_shared(struct folio *folio)
 {
-	return folio_mapcount(folio) > 1;
+	return folio_estimated_sharers(folio) > 1;
 }
""")
    (site,) = scan(diff).sites
    assert (site.kind, site.function, site.old_api, site.new_api) == (
        "definition", "folio_is_shared", "folio_mapcount", "folio_estimated_sharers")
    assert (site.fp, site.fn, site.uncatalogued) == ("removed", "introduced", True)
    assert "series helper folio_is_shared()" in site.explanation


def test_changed_catalogue_api_definition():
    diff = file_diff("include/linux/mm.h", """@@ -1,1 +1,1 @@ static inline int folio_estimated_sharers(struct folio *folio)
 {
-	return page_mapcount(folio_page(folio, 0));
+	return folio_precise_page_mapcount(folio, folio_page(folio, 0));
 }
""")
    (site,) = scan(diff).sites
    assert (site.kind, site.function, site.uncatalogued) == (
        "definition", "folio_estimated_sharers", False)
    assert (site.old_api, site.new_api) == ("page_mapcount", "folio_precise_page_mapcount")
    assert (site.fp, site.fn) == ("unchanged", "unchanged")
    assert "check its profile" in site.explanation


def test_renamed_catalogue_api_definition_and_kerneldoc():
    diff = file_diff("include/linux/mm.h", """@@ -2100,1 +2100,1 @@ static inline size_t folio_size(struct folio *folio)
 }
 
 /**
- * folio_estimated_sharers - Estimate the number of sharers of a folio.
+ * folio_likely_mapped_shared - Estimate if the folio is mapped shared
  * @folio: The folio.
  *
- * folio_estimated_sharers() looks at the first page: page_mapcount().
+ * Whether the folio is estimated to be mapped into more than one MM.
  */
-static inline int folio_estimated_sharers(struct folio *folio)
+static inline bool folio_likely_mapped_shared(struct folio *folio)
 {
-	return page_mapcount(folio_page(folio, 0));
+	return page_mapcount(folio_page(folio, 0)) > 1;
 }
""")
    (site,) = scan(diff).sites
    assert (site.kind, site.function, site.new_function) == (
        "definition", "folio_estimated_sharers", "folio_likely_mapped_shared")
    assert site.removed == "return page_mapcount(folio_page(folio, 0));"
    assert "renamed folio_likely_mapped_shared()" in site.explanation
    assert site.old_lines == (2108, 2110)


def test_pure_addition_removal_and_moved_lines():
    diff = file_diff("mm/z.c", """@@ -1,1 +1,1 @@ static void z(struct folio *folio)
 {
-	if (folio_mapcount(folio) > 1)
-		return;
 	a();
+	b();
+	if (folio_mapcount(folio) > 1)
+		return;
 	c();
+	if (PageAnonExclusive(page))
+		reuse();
 }
""")
    rows = [(s.kind, s.old_api, s.new_api, s.fp, s.fn) for s in scan(diff).sites]
    assert rows == [
        ("same-api", "folio_mapcount", "folio_mapcount", "unchanged", "unchanged"),
        ("addition", None, "PageAnonExclusive", "unknown", "unknown"),
    ]


def test_crlf_diff_gives_the_same_sites():
    plain = [(s.id, s.removed, s.added) for s in scan(HELPER_USE).sites]
    crlf = [(s.id, s.removed, s.added) for s in scan(fix_counts(HELPER_USE).replace("\n", "\r\n"),
                                                      fix=False).sites]
    assert crlf == plain


def test_unreadable_diffs_are_problems_not_crashes():
    wrapped = fix_counts(FUNC_START).replace("(folio_likely_mapped_shared(folio) ||",
                                             "(folio_likely_mapped_shared(folio)\n||")
    corrupt = fix_counts(HELPER_USE).replace("@@ -50,", "@@ -5x,", 1)
    rename = "diff --git a/mm/a.c b/mm/b.c\nsimilarity index 100%\nrename from mm/a.c\n" \
             "rename to mm/b.c\n"
    binary = "diff --git a/x.png b/x.png\nindex 1..2 100644\nBinary files a/x.png and b/x.png differ\n"
    found = scan(wrapped, corrupt, rename, binary, "", fix=False)
    problems = found.problems
    assert "unreadable" in problems[1][0]
    assert "1 of 2 hunks unreadable" in problems[2][0]
    assert problems[3] == ()
    assert "binary" in problems[4][0]
    assert "no diff" in problems[5][0]
    assert [(s.patch, s.kind) for s in found.sites] == [(2, "removal")]  # the readable hunk
    assert all(s.problems == problems[2] for s in found.sites)


def test_non_c_files_are_skipped():
    doc = file_diff("Documentation/mm/x.rst", "@@ -1,1 +1,1 @@\n-folio_mapcount(folio) > 1\n"
                                              "+folio_estimated_sharers(folio) > 1\n")
    assert scan(doc).sites == []


DIFF_PIECES = st.sampled_from([
    "diff --git a/mm/x.c b/mm/x.c\n", "--- a/mm/x.c\n", "+++ b/mm/x.c\n", "@@ -1,2 +1,2 @@ f(\n",
    "@@ -1 +1 @@\n", " context\n", "-\tif (folio_mapcount(f) > 1)\n",
    "+\tif (folio_estimated_sharers(f) > 1)\n", "+#define X(f) \\\n", "}\n", "{\n",
    "static int f(void)\n", "/*\n", " */\n", "\\ No newline at end of file\n", "\r\n",
    "Binary files a/x b/x differ\n", "rename from a\n", "-- \n", "2.39.0\n", "@@\n", "+\n",
])


@settings(max_examples=200, deadline=None)
@given(st.lists(DIFF_PIECES, max_size=30))
def test_random_diffs_never_crash_the_analysis(pieces):
    scan("".join(pieces), fix=False)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_parse_diff_never_raises(text):
    parse_diff(text)
    parse_diff("diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n" + text)


# --- JSON and the command --------------------------------------------------------------------

def test_site_to_json_is_the_contract():
    site = corpus_sites("migrate-folio-conversion").sites[0]
    row = site_to_json(site)
    assert JSON_KEYS <= set(row)
    assert (row["requirement"], row["verdict"], row["note"], row["discussion"]) == (
        None, "untagged", None, [])
    tagged = site_to_json(site, requirement="policy", note="move_pages() without MOVE_ALL",
                          discussion=[{"msgid": "x"}])
    assert (tagged["verdict"], tagged["note"], tagged["discussion"]) == (
        "risk", "move_pages() without MOVE_ALL", [{"msgid": "x"}])
    json.dumps(row)


def test_cli_json_output(capsys):
    assert main(["sites", "--mbox", str(CORPUS / "migrate-folio-conversion.mbox"),
                 "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["patch"] for r in rows] == [1, 2, 3]
    assert all(JSON_KEYS <= set(r) for r in rows)
    assert Counter(r["fn"] for r in rows) == {"introduced": 3}


def test_cli_table_output(capsys):
    assert main(["sites", "--mbox", str(CORPUS / "migrate-folio-conversion-v2.mbox")]) == 0
    out = capsys.readouterr().out
    site_ids = [s.id for s in corpus_sites("migrate-folio-conversion-v2").sites]
    for site_id in site_ids:
        assert site_id in out
    assert "[5/8]" in out and "no sites" in out


def test_cli_bad_catalogue_is_one_clear_error(tmp_path, capsys):
    bad = tmp_path / "c.toml"
    bad.write_text("[api.x\n")
    code = main(["sites", "--mbox", str(CORPUS / "migrate-folio-conversion.mbox"),
                 "--catalogue", str(bad)])
    assert code == 8
    err = capsys.readouterr().err
    assert "c.toml" in err and "line 1" in err
