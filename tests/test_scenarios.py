"""The scenario model: every catalogued API over every scenario, hand-computed."""

from __future__ import annotations

import pytest

from reviewtui.analysis.baseversion import BaseVersion
from reviewtui.analysis.catalogue import load_catalogue
from reviewtui.analysis.cexpr import tokens
from reviewtui.analysis.condition import parse
from reviewtui.analysis.delta import Model
from reviewtui.analysis.scenarios import Instance
from reviewtui.errors import CatalogueError

# Hand-computed from the scenario texts (THP = 512 pages):
#   tot  folio_mapcount() = entire mapcount + the PTE mappings of every page
#   ent  entire (PMD) mapcount            pm   pages with a PTE mapping
#   fes  folio_estimated_sharers() = page_mapcount() of page 0 (PTEs + entire mapcount)
#   l9   folio_likely_mapped_shared() v6.9: fes > 1
#   l10  v6.10+: small: tot > 1; tot <= 1: no; entire or tot > nr_pages: yes; else page 0's
#        PTE mapcount > 1
#   mmid folio_maybe_mapped_shared() with CONFIG_MM_ID: two MM slots, a "maybe shared" bit
#   page page_mapcount() of each page at hand (PTE mappings of it + the entire mapcount)
# and the true answers: shared (more than one MM maps the folio), mapped (any mapping).
TABLE = {
    #  scenario:             shared mapped  tot  ent   pm  fes l9 l10 mmid  page
    "small-1":              (False, True,    1,   0,    1,  1, 0, 0, 0, {0: 1}),
    "small-2":              (True,  True,    2,   0,    1,  2, 1, 1, 1, {0: 2}),
    "unmapped":             (False, False,   0,   0,    0,  0, 0, 0, 0, {0: 0}),
    "pagecache-small-2vma": (False, True,    2,   0,    1,  2, 1, 1, 1, {0: 2}),
    "pmd-1":                (False, True,    1,   1,    0,  1, 0, 0, 0, {0: 1, 1: 1}),
    "pmd-2":                (True,  True,    2,   2,    0,  2, 1, 1, 1, {0: 2, 1: 2}),
    "pte-full-1":           (False, True,  512,   0,  512,  1, 0, 0, 0, {0: 1, 1: 1}),
    "pte-full-2":           (True,  True, 1024,   0,  512,  2, 1, 1, 1, {0: 2, 1: 2}),
    "pte-partial-1":        (False, True,  511,   0,  511,  0, 0, 0, 0, {1: 1}),
    "tail-shared":          (True,  True, 1023,   0,  512,  1, 0, 1, 1, {0: 1, 1: 2}),
    "head-shared":          (True,  True,  513,   0,  512,  2, 1, 1, 1, {0: 2, 1: 1}),
    "halves":               (True,  True,  512,   0,  512,  1, 0, 0, 1, {0: 1, 1: 1}),
    "pmd-pte-mixed":        (True,  True,  257,   1,  256,  2, 1, 1, 1, {0: 2, 1: 2, 256: 1}),
    "pagecache-large-2vma": (False, True,   32,   0,   16,  2, 1, 1, 0, {0: 2, 1: 2}),
    "once-three":           (False, True,  512,   0,  512,  1, 0, 0, 1, {0: 1, 1: 1}),
}
TOTALS = ("total_mapcount", "folio_mapcount", "folio_total_mapcount", "folio_large_mapcount")
PAGE_APIS = ("page_mapcount", "folio_precise_page_mapcount")


@pytest.fixture(scope="module")
def cat():
    return load_catalogue()


def model_at(cat, version):
    return Model(cat, BaseVersion(version, "test"))


def value(model: Model, text: str, inst: Instance) -> int:
    node = parse(tokens(text))
    return model.value(node, inst)


def test_the_table_covers_every_scenario_and_every_api_with_semantics(cat):
    assert set(TABLE) == set(cat.scenarios)
    with_semantics = {n for n, a in cat.apis.items() if a.semantics}
    assert with_semantics == {*TOTALS, *PAGE_APIS, "compound_mapcount", "folio_entire_mapcount",
                              "folio_nr_pages_mapped", "folio_estimated_sharers",
                              "folio_likely_mapped_shared", "folio_maybe_mapped_shared",
                              "folio_mapped", "page_mapped"}


@pytest.mark.parametrize("name", sorted(TABLE))
def test_every_api_on_every_scenario(cat, name):
    shared, mapped, tot, ent, pm, fes, l9, l10, mmid, pages = TABLE[name]
    at_v69, at_v610, at_v615 = (model_at(cat, v) for v in ((6, 9), (6, 10), (6, 15)))
    insts = [i for i in at_v615.all_instances if i.scenario.name == name]
    assert [i.page for i in insts] == sorted(pages)
    for inst in insts:
        s = inst.scenario
        assert (s.shared, s.mapped) == (shared, mapped)
        for api in TOTALS:
            arg = "page" if cat.api(api).arg == "page" else "folio"
            assert value(at_v615, f"{api}({arg})", inst) == tot, api
        assert value(at_v615, "folio_entire_mapcount(folio)", inst) == ent
        assert value(at_v615, "compound_mapcount(page)", inst) == ent
        assert value(at_v615, "folio_nr_pages_mapped(folio)", inst) == pm
        assert value(at_v615, "folio_estimated_sharers(folio)", inst) == fes
        assert value(at_v615, "page_mapcount(folio_page(folio, 0))", inst) == fes
        assert value(at_v615, "page_mapcount(&folio->page)", inst) == fes
        assert value(at_v69, "folio_likely_mapped_shared(folio)", inst) == l9
        assert value(at_v610, "folio_likely_mapped_shared(folio)", inst) == l10
        assert value(at_v615, "folio_likely_mapped_shared(folio)", inst) == l10
        assert value(at_v615, "folio_maybe_mapped_shared(folio)", inst) == mmid
        assert value(at_v615, "folio_mapped(folio)", inst) == int(mapped)
        assert value(at_v615, "page_mapped(page)", inst) == int(mapped)
        assert value(at_v615, "page_mapcount(page)", inst) == pages[inst.page]
        assert value(at_v615, "folio_precise_page_mapcount(folio, page)", inst) \
            == pages[inst.page]
        assert value(at_v615, "folio_nr_pages(folio)", inst) == s.nr_pages
        assert value(at_v615, "folio_test_pmd_mappable(folio)", inst) == int(s.nr_pages >= 512)
        assert value(at_v615, "PageTransHuge(page)", inst) == int(s.nr_pages > 1)


def test_page_shared_is_the_page_at_hand_answer(cat):
    s = cat.scenarios["tail-shared"]
    assert (s.page_shared(0), s.page_shared(1)) == (False, True)
    assert s.describe_page(1) == "page 1, mapped by A and B"
    mixed = cat.scenarios["pmd-pte-mixed"]
    assert (mixed.page_shared(0), mixed.page_shared(300)) == (True, False)


def test_user_scenario_and_api_extend_the_model(tmp_path):
    user = tmp_path / "mine.toml"
    user.write_text(
        '[scenarios.three-mms]\norder = 5\ntext = "small folio mapped by A, B and C"\n'
        'nr_pages = 1\nmaps = [{ mm = "A", pages = "0" }, { mm = "B", pages = "0" }, '
        '{ mm = "C", pages = "0" }]\n\n'
        '[api.folio_mapcount_shared]\narg = "folio"\nreturns = "shared"\n'
        'answers = "our helper: folio_mapcount() > 1"\nfp = "yes"\nfn = "no"\n'
        'semantics = [{ rule = "total_mapcount", test = "> 1" }]\n'
    )
    cat = load_catalogue(user)
    model = model_at(cat, (6, 5))
    (inst,) = [i for i in model.all_instances if i.scenario.name == "three-mms"]
    assert model.all_instances[0] is inst  # order 5: the simplest scenario now
    assert value(model, "folio_mapcount(folio)", inst) == 3
    assert value(model, "folio_mapcount_shared(folio)", inst) == 1
    assert value(model, "folio_maybe_mapped_shared(folio)", inst) == 1


@pytest.mark.parametrize("text,words", [
    ('[scenarios.x]\norder = 1\ntext = "t"\n', ["scenarios.x", "nr_pages"]),
    ('[scenarios.x]\norder = 1\ntext = "t"\nnr_pages = 1\nmaps = [{ mm = "A", how = "pmd" }]\n',
     ["scenarios.x.maps[0]", "PMD"]),
    ('[scenarios.x]\norder = 1\ntext = "t"\nnr_pages = 4\nmaps = [{ mm = "A", pages = "2-9" }]\n',
     ["outside"]),
    ('[scenarios.x]\norder = 1\ntext = "t"\nnr_pages = 4\nmaps = [{ mm = "A", pages = "x" }]\n',
     ["'N' or 'FIRST-LAST'"]),
    ('[scenarios.x]\norder = 1\ntext = "t"\nnr_pages = 4\ncolour = 3\n', ["unknown key 'colour'"]),
    ('[api.folio_mapcount]\nsemantics = [{ rule = "guess" }]\n',
     ["api.folio_mapcount.semantics[0].rule", "'guess'"]),
    ('[api.folio_mapcount]\nsemantics = [{ rule = "total_mapcount", test = "about 1" }]\n',
     ["semantics[0].test"]),
    ('[api.folio_mapcount]\nsemantics = [{ rule = "total_mapcount", since = "soon" }]\n',
     ["semantics[0].since"]),
    ('[property.folio_test_swapcache]\narg = "folio"\nrule = "swap"\n', ["'swap'"]),
    ('[property.folio_mapcount]\narg = "folio"\nrule = "large"\n', ["both an api and a property"]),
    ('[kernel]\npmd_pages = 1\n', ["kernel.pmd_pages"]),
    ('[kernel.releases]\n"next" = 2030-01-01\n', ["kernel.releases.next"]),
])
def test_broken_model_entries_name_file_and_entry(tmp_path, text, words):
    user = tmp_path / "broken.toml"
    user.write_text(text)
    with pytest.raises(CatalogueError) as err:
        load_catalogue(user)
    for word in words:
        assert word in str(err.value)
