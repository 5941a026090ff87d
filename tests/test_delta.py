"""Operator-aware deltas with witnesses: the reviewer's four cases, pairing, properties."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_sites import corpus_sites, file_diff, scan

from reviewtui.analysis.alternatives import alternatives
from reviewtui.analysis.baseversion import BaseVersion, base_version
from reviewtui.analysis.catalogue import load_catalogue
from reviewtui.analysis.cexpr import tokens
from reviewtui.analysis.delta import Model
from reviewtui.analysis.explain import delta_summary, site_explanation
from reviewtui.analysis.verdict import verdict

CAT = load_catalogue()
V65 = Model(CAT, BaseVersion((6, 5), "test"))


def side(model: Model, code: str | None):
    """The model's side for the first catalogued call in CODE (None: no test)."""
    if code is None:
        return model.side(None, None, None)
    stream = list(tokens(code))
    index = next(i for i, t in enumerate(stream) if t in CAT.apis)
    return model.side(stream, index, stream[index])


def delta(old: str | None, new: str | None, model: Model = V65):
    return model.delta(side(model, old), side(model, new))


def claims(result) -> list[tuple[str, str, str, int]]:
    return [(w.error, w.change, w.scenario, w.page) for w in result.witnesses]


def one_site(before: str, after: str, function: str = "f"):
    diff = file_diff("mm/x.c", f"""@@ -10,1 +10,1 @@ static int {function}(struct folio *folio)
 {{
-	{before}
+	{after}
 		goto out;
 }}
""")
    (site,) = scan(diff).sites
    return site


# --- the four answers a reviewer found wrong ---------------------------------------------------

def test_not_one_on_the_page_becomes_a_new_false_positive_on_the_first_page():
    diff = file_diff("mm/migrate.c", """@@ -10,1 +10,1 @@ int migrate_misplaced_page(struct page *page)
 {
-	if (page_mapcount(page) != 1 && page_is_file_lru(page) &&
+	if (folio_estimated_sharers(folio) != 1 && folio_is_file_lru(folio) &&
 	    (vma->vm_flags & VM_EXEC))
 		goto out;
 }
""")
    (site,) = scan(diff).sites
    assert (site.fp, site.fn) == ("introduced", "traded")
    fp = site.witnesses[0]
    assert (fp.error, fp.change, fp.scenario, fp.page) == ("fp", "introduced", "pte-partial-1", 1)
    assert "page 0 is mapped by no MM" in fp.text
    assert "page_mapcount(page) = 1" in fp.text and "says exclusive (right)" in fp.text
    assert "folio_estimated_sharers(folio) = 0" in fp.text
    assert "says shared (a false positive)" in fp.text
    assert "Taking folio_is_file_lru(folio) true, vma->vm_flags & VM_EXEC true" in fp.text


def test_greater_than_one_moves_the_false_negatives_to_another_page():
    result = delta("if (page_mapcount(page) > 1 && !migrate_all)",
                   "if (folio_estimated_sharers(folio) > 1 && !migrate_all)")
    assert (result.fp, result.fn) == ("unchanged", "traded")
    assert claims(result) == [("fn", "introduced", "tail-shared", 1),
                              ("fn", "removed", "head-shared", 1)]
    introduced, removed = result.witnesses
    assert "MM B maps pages 1-511 only" in introduced.text
    assert "page at hand: page 1, mapped by A and B" in introduced.text
    assert "folio_estimated_sharers(folio) = 1" in introduced.text
    assert "a false negative" in introduced.text and "Taking !migrate_all true" in introduced.text
    assert "page at hand: page 1, mapped by A." in removed.text
    assert "page_mapcount(page) = 1" in removed.text and "(a false negative)" in removed.text


def test_total_mapcount_to_estimated_sharers_is_a_trade_not_an_improvement():
    site = one_site("if (PageTransHuge(page) && total_mapcount(page) > 1)",
                    "if (folio_test_pmd_mappable(folio) && folio_estimated_sharers(folio) > 1)")
    assert (site.fp, site.fn, site.trade) == ("removed", "introduced", True)
    assert [(w.error, w.change, w.scenario) for w in site.witnesses] == [
        ("fp", "removed", "pte-full-1"), ("fn", "introduced", "tail-shared")]
    assert "total_mapcount(page) = 512" in site.witnesses[0].text
    assert "total_mapcount(page) = 1023" in site.witnesses[1].text
    assert verdict(site, "estimate-ok", CAT) == "cost"
    assert verdict(site, "fn-unsafe", CAT) == "risk"
    assert "a trade" in delta_summary(site)


def test_a_moved_and_rewritten_test_is_one_site_with_a_judgement():
    diff = file_diff("mm/madvise.c", """@@ -10,1 +10,1 @@ static int madvise_free_pte_range(pmd_t *pmd)
 {
-	if (folio_mapcount(folio) != 1)
-		goto out;
 	a();
 	b();
+	if (folio_mapcount(folio) != folio_nr_pages(folio))
+		goto out;
 	c();
 }
""")
    (site,) = scan(diff).sites
    assert (site.kind, site.old_api, site.new_api) == ("same-api", "folio_mapcount",
                                                      "folio_mapcount")
    assert "test moved and rewritten; both guard `goto out;`" in site.explanation
    assert (site.fp, site.fn) == ("traded", "introduced")
    assert [(w.error, w.change, w.scenario) for w in site.witnesses] == [
        ("fp", "introduced", "pmd-1"), ("fp", "removed", "pte-full-1"),
        ("fn", "introduced", "halves")]
    assert "folio_nr_pages(folio) = 512" in site.witnesses[0].text


def test_tests_guarding_different_branches_stay_apart():
    diff = file_diff("mm/madvise.c", """@@ -10,1 +10,1 @@ static int f(struct folio *folio)
 {
-	if (folio_mapcount(folio) != 1)
-		goto out;
 	a();
+	if (folio_mapcount(folio) != folio_nr_pages(folio))
+		return -EBUSY;
 }
""")
    assert [s.kind for s in scan(diff).sites] == ["removal", "addition"]


def test_madvise_corpus_sites_trade_an_fp_for_an_fn():
    for site in corpus_sites("mapcount-large-folio-sharing").sites:
        assert (site.fp, site.fn, site.trade) == ("removed", "introduced", True)
        fp, fn = site.witnesses
        assert "THP PTE-mapped fully by MM A only" in fp.text
        assert "MM B maps pages 1-511 only" in fn.text
        assert "folio_estimated_sharers(folio) = 1" in fn.text


# --- expressions the evaluator reads ---------------------------------------------------------

@pytest.mark.parametrize("old,new,expected", [
    ("if (folio_mapcount(folio) > 1)", "if (folio_mapcount(folio) >= 2)", ("unchanged",) * 2),
    ("if (folio_mapcount(folio) > 1)", "if (1 < folio_mapcount(folio))", ("unchanged",) * 2),
    # "> 1" rewritten as "<= 1" guards the other branch: the same question
    ("if (folio_mapcount(folio) > 1)", "if (folio_mapcount(folio) <= 1)", ("unchanged",) * 2),
    # ... but "== 1" also sends an unmapped folio (mapcount 0) down the "shared" branch
    ("if (folio_mapcount(folio) > 1)", "if (folio_mapcount(folio) == 1)",
     ("introduced", "unchanged")),
    ("if (folio_mapcount(folio) > 1)", "if (!(folio_mapcount(folio) <= 1))", ("unchanged",) * 2),
    ("if (folio_mapcount(folio) > 1)", "if (folio_maybe_mapped_shared(folio))",
     ("removed", "unchanged")),
    ("if (folio_estimated_sharers(folio) > 1)", "if (folio_maybe_mapped_shared(folio))",
     ("traded", "removed")),
    ("if (page_mapcount(page) > 1)", "if (folio_mapcount(folio) > 1)", ("introduced", "removed")),
    ("if (folio_mapcount(folio))", "if (folio_mapped(folio))", ("unchanged",) * 2),
    ("if (!folio_mapcount(folio))", "if (!folio_mapped(folio))", ("unchanged",) * 2),
    ("if (folio_mapcount(folio) > 1)", None, ("removed", "introduced")),
    ("if (folio_mapcount(folio) == 1)", None, ("introduced", "unchanged")),
    (None, "if (folio_estimated_sharers(folio) > 1)", ("introduced", "removed")),
    ("x = total_mapcount(page);", "x = folio_mapcount(folio);", ("unchanged",) * 2),
])
def test_delta_of_expressions(old, new, expected):
    assert (delta(old, new).fp, delta(old, new).fn) == expected


@pytest.mark.parametrize("old,new,part", [
    ("if (folio_ref_count(folio) != folio_mapcount(folio) + 1)",
     "if (folio_ref_count(folio) != folio_estimated_sharers(folio) + 1)",
     "folio_ref_count(folio) != folio_mapcount(folio) + 1: not a sharing"),
    ("if (folio_ref_count(folio) > 1 && folio_mapcount(folio) > 1)",
     "if (folio_ref_count(folio) > 1 && folio_estimated_sharers(folio) > 1)",
     "folio_ref_count() has no semantics"),
    ("if (folio_mapcount(folio) > nr)", "if (folio_estimated_sharers(folio) > nr)", "nr"),
    ("if (folio_mapcount(folio) > 1)",
     "if (folio_mapcount(folio) > 1 && folio_test_swapcache(folio))",
     "folio_test_swapcache(folio): only in the new test"),
    ("if (folio_mapcount(folio) > 1)", "if (folio_mapcount(folio) > 0)",
     "the question changes from shared? to mapped?"),
    ("x = page_mapcount(page);", "x = folio_mapcount(folio);", "the counts differ"),
    ("if (folio_mapcount(folio) > 3)", "if (folio_mapcount(folio) > 1)",
     "not a sharing or mapping test"),
    ("if (foo(folio_mapcount(folio)) > 1)", "if (folio_mapcount(folio) > 1)", "foo(folio_mapcount"),
])
def test_unknown_names_the_part_the_model_cannot_evaluate(old, new, part):
    result = delta(old, new)
    assert (result.fp, result.fn) == ("unknown", "unknown")
    assert part in result.unknown


def test_likely_mapped_shared_changed_in_v6_10():
    old, new = "if (folio_estimated_sharers(folio) > 1)", "if (folio_likely_mapped_shared(folio))"
    v69 = Model(CAT, BaseVersion((6, 9), "test"))
    v610 = Model(CAT, BaseVersion((6, 10), "test"))
    assert (delta(old, new, v69).fp, delta(old, new, v69).fn) == ("unchanged", "unchanged")
    later = delta(old, new, v610)
    assert (later.fp, later.fn) == ("unchanged", "removed")
    assert claims(later) == [("fn", "removed", "tail-shared", 0)]


def test_alternatives_give_each_api_in_the_same_form():
    alts = {a.api: a for a in alternatives(
        V65,
        side(V65, "if (folio_mapcount(folio) != 1)"),
        side(V65, "if (folio_estimated_sharers(folio) != 1)"),
        "folio_mapcount", "folio_estimated_sharers")}
    assert "page_count" not in alts and "folio_mapped" not in alts
    mapcount = alts["folio_mapcount"]
    assert (mapcount.test, mapcount.role, mapcount.fn) == ("folio_mapcount(folio) != 1",
                                                           "before", ())
    assert "pte-full-1" in mapcount.fp_scenarios
    assert "no FN" in mapcount.text and "a PTE-mapped large folio is mapped once" in \
        " ".join(mapcount.fp)
    maybe = alts["folio_maybe_mapped_shared"]
    assert maybe.test == "folio_maybe_mapped_shared(folio)" and maybe.fn == ()
    assert maybe.fp_scenarios == ("pagecache-small-2vma", "once-three")
    assert maybe.version == "v6.15+ semantics, with CONFIG_MM_ID"
    assert alts["folio_estimated_sharers"].fn_scenarios[0] == "tail-shared"
    assert alts["page_mapcount"].test == "page_mapcount(page) != 1"


def test_catalogue_conversion_entry_overrides_the_model(tmp_path):
    user = tmp_path / "c.toml"
    user.write_text('[[conversions]]\nfrom = "folio_mapcount"\nto = "folio_estimated_sharers"\n'
                    'fp = "removed"\nfn = "unchanged"\n')
    site = scan_with(user, "if (folio_mapcount(folio) != 1)",
                     "if (folio_estimated_sharers(folio) != 1)")
    assert (site.fp, site.fn, site.witnesses) == ("removed", "unchanged", ())
    assert "conversion entry" in site.explanation


def scan_with(catalogue_path, before, after):
    from test_sites import make_patch

    from reviewtui.analysis.sites import scan_revision
    from reviewtui.model.thread import Revision

    diff = file_diff("mm/x.c", f"@@ -1,1 +1,1 @@ static int f(void)\n {{\n-\t{before}\n"
                     f"+\t{after}\n \t\tgoto out;\n }}\n")
    rev = Revision(number=1, subject="s", author="A", email="a@example.org", cover=None,
                   patches=[make_patch(diff)], expected=1, complete=True)
    (site,) = scan_revision(rev, load_catalogue(catalogue_path)).sites
    return site


def test_site_explanation_lines():
    site = corpus_sites("migrate-folio-conversion").sites[2]
    lines = site_explanation(site)
    assert lines[0].startswith("test: `page_mapcount(page) != 1 && page_is_file_lru(page)")
    assert lines[1].startswith("FP introduced, FN traded")
    assert lines[2].startswith("FP introduced: THP of which MM A maps pages 1-511")
    assert "the same test with each catalogued API:" in lines
    assert any(line.startswith("  folio_mapcount(folio) != 1: FP when") for line in lines)
    assert any(line.startswith("API semantics as of v6.5 (posted 2023-08-02") for line in lines)


# --- the base version ------------------------------------------------------------------------

@pytest.mark.parametrize("prose,raw,posted,names,version,words", [
    (["This series is based on v6.10-rc3 and mm-unstable."], [], None, [], (6, 10),
     "based on v6.10-rc3"),
    ([], ["...\nbase-commit: v6.9\n-- \n2.43.0\n"], date(2024, 1, 1), [], (6, 9), "base-commit"),
    ([], ["base-commit: 0123456789abcdef0123\n"], date(2024, 6, 1), [], (6, 10),
     "base-commit 0123456789ab"),
    ([], [], date(2023, 8, 2), ["folio_estimated_sharers"], (6, 5), "v6.5-rc cycle"),
    ([], [], date(2025, 1, 1), ["folio_estimated_sharers"], (6, 8), "exist up to v6.8"),
    ([], [], date(2022, 11, 1), ["folio_maybe_mapped_shared"], (6, 15), "exist from v6.15"),
    ([], [], None, ["folio_likely_mapped_shared"], (6, 14), "v6.9–v6.14"),
    ([], [], None, [], (6, 15), "default"),
])
def test_base_version(prose, raw, posted, names, version, words):
    base = base_version(prose, raw, posted, names, CAT)
    assert base.version == version
    assert words in base.source


# --- properties --------------------------------------------------------------------------------

_CALLS = ["page_mapcount(page)", "folio_mapcount(folio)", "folio_estimated_sharers(folio)",
          "total_mapcount(page)", "folio_entire_mapcount(folio)", "folio_nr_pages_mapped(folio)",
          "page_mapcount(folio_page(folio, 0))", "folio_large_mapcount(folio)"]
_PREDICATES = ["folio_likely_mapped_shared(folio)", "folio_maybe_mapped_shared(folio)",
               "folio_mapped(folio)", "page_count(page)"]
_RIGHT = ["0", "1", "2", "folio_nr_pages(folio)"]
_OPS = [">", ">=", "<", "<=", "==", "!="]
_MORE = ["", " && !migrate_all", " && folio_test_large(folio)", " && page_is_file_lru(page)",
         " || folio_test_pmd_mappable(folio)"]


@st.composite
def conditions(draw):
    if draw(st.booleans()):
        test = f"{draw(st.sampled_from(_CALLS))} {draw(st.sampled_from(_OPS))} " \
               f"{draw(st.sampled_from(_RIGHT))}"
    else:
        test = draw(st.sampled_from(_PREDICATES))
    if draw(st.booleans()):
        test = f"!({test})"
    return f"if ({test}{draw(st.sampled_from(_MORE))})"


@settings(max_examples=150, deadline=None)
@given(conditions())
def test_a_test_against_itself_changes_nothing(test):
    result = delta(test, test)
    assert result.witnesses == ()
    assert (result.fp, result.fn) in (("unchanged", "unchanged"), ("unknown", "unknown"))


_SWAP = {"introduced": "removed", "removed": "introduced"}


@settings(max_examples=150, deadline=None)
@given(st.one_of(st.none(), conditions()), conditions())
def test_swapping_old_and_new_swaps_introduced_and_removed(old, new):
    forward, backward = delta(old, new), delta(new, old)
    assert backward.fp == _SWAP.get(forward.fp, forward.fp)
    assert backward.fn == _SWAP.get(forward.fn, forward.fn)
    assert sorted((w.error, _SWAP[w.change], w.scenario, w.page) for w in forward.witnesses) \
        == sorted(claims(backward))
