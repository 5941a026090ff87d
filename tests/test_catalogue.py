"""The API catalogue (data + loader), the delta of a change and the verdict rules."""

from __future__ import annotations

import pytest

from reviewtui.analysis.callsite import CallSite
from reviewtui.analysis.catalogue import (
    DELTA_VALUES,
    PROFILE_VALUES,
    default_catalogue,
    load_catalogue,
)
from reviewtui.analysis.verdict import describe, verdict
from reviewtui.errors import CatalogueError

DOMAIN_APIS = [
    "page_mapcount", "total_mapcount", "folio_mapcount", "folio_total_mapcount",
    "folio_estimated_sharers", "folio_likely_mapped_shared", "folio_maybe_mapped_shared",
    "folio_entire_mapcount", "folio_large_mapcount", "page_count", "folio_ref_count",
    "PageAnonExclusive", "folio_mapped", "page_mapped",
]


@pytest.fixture
def cat():
    return load_catalogue()


def site(fp: str = "unchanged", fn: str = "unchanged", kind: str = "conversion",
         uncatalogued: bool = False) -> CallSite:
    return CallSite(id="x", patch=1, patch_subject="s", file="mm/x.c", function="f", kind=kind,
                    removed="a", added="b", old_api="folio_mapcount",
                    new_api="folio_estimated_sharers", polarity="shared?", fp=fp, fn=fn,
                    uncatalogued=uncatalogued)


def test_builtin_catalogue_holds_the_domain_facts(cat):
    for name in DOMAIN_APIS:
        profile = cat.api(name)
        assert profile is not None, name
        assert profile.fp in PROFILE_VALUES and profile.fn in PROFILE_VALUES
        assert profile.answers and profile.explanation
        assert profile.arg in ("page", "folio")
    assert (cat.api("folio_mapcount").fp, cat.api("folio_mapcount").fn) == ("yes", "no")
    assert (cat.api("folio_estimated_sharers").fp, cat.api("folio_estimated_sharers").fn) \
        == ("rare", "yes")
    assert cat.api("folio_estimated_sharers").versions == "v6.3–v6.8"
    assert cat.api("folio_maybe_mapped_shared").fn == "no"
    assert cat.api("page_count").fp == "n/a"
    assert set(cat.requirements) == {"fn-unsafe", "fp-unsafe", "estimate-ok", "policy",
                                     "not-sharing"}
    assert all(r.meaning for r in cat.requirements.values())
    assert {"_mapcount", "_large_mapcount", "_entire_mapcount", "_nr_pages_mapped",
            "_total_mapcount"} <= cat.mapcount_fields
    assert default_catalogue().names == cat.names


def test_verdicts_follow_the_domain_examples(cat):
    risky = site(fp="removed", fn="introduced")
    assert verdict(risky, None, cat) == "untagged"
    assert verdict(risky, "fn-unsafe", cat) == "risk"
    # A trade is never an improvement: a cost where the introduced error is tolerated.
    assert verdict(risky, "estimate-ok", cat) == "cost"
    assert verdict(risky, "fp-unsafe", cat) == "cost"
    assert verdict(risky, "policy", cat) == "risk"
    assert verdict(risky, "not-sharing", cat) == "review"
    assert verdict(site(fp="introduced", fn="removed"), "fn-unsafe", cat) == "cost"
    assert verdict(site(fp="introduced", fn="removed"), "fp-unsafe", cat) == "risk"
    moved = site(fp="unchanged", fn="traded")
    assert verdict(moved, "fn-unsafe", cat) == "risk"
    assert verdict(moved, "policy", cat) == "risk"
    assert verdict(moved, "fp-unsafe", cat) == "cost"
    assert verdict(moved, "estimate-ok", cat) == "cost"
    assert verdict(site(fp="traded", fn="unchanged"), "fp-unsafe", cat) == "risk"
    assert verdict(site(fp="removed", fn="unchanged"), "fn-unsafe", cat) == "improvement"
    assert verdict(site(fp="removed", fn="unchanged"), "estimate-ok", cat) == "improvement"
    assert verdict(site(fp="introduced", fn="unchanged"), "fn-unsafe", cat) == "cost"
    assert verdict(site(fp="introduced", fn="unchanged"), "estimate-ok", cat) == "cost"
    assert verdict(site(), "fn-unsafe", cat) == "neutral"
    assert verdict(site(kind="same-api"), "not-sharing", cat) == "neutral"
    assert verdict(site(fp="unknown", fn="unknown", kind="uncatalogued", uncatalogued=True),
                   "estimate-ok", cat) == "review"
    for tag in cat.requirements:
        for fp in DELTA_VALUES:
            for fn in DELTA_VALUES:
                assert verdict(site(fp=fp, fn=fn), tag, cat) in cat.verdicts


def test_describe_names_both_apis(cat):
    text = describe("folio_mapcount", "folio_estimated_sharers", cat)
    assert "folio_mapcount()" in text and "first page" in text
    assert "one page only" in describe("page_mapcount", "folio_estimated_sharers", cat)
    assert describe("unknown_api", None, cat) == ""


def test_user_file_extends_and_overrides(tmp_path):
    user = tmp_path / "mine.toml"
    user.write_text(
        '[api.folio_mapcount]\nfn = "rare"\n\n'
        '[api.folio_mapped_shared]\narg = "folio"\nreturns = "shared"\n'
        'answers = "our helper"\nfp = "yes"\nfn = "no"\n\n'
        '[requirements.gup-pin]\nmeaning = "decides whether a pin is allowed"\n\n'
        '[[rules]]\nrequirement = "estimate-ok"\nfn = "introduced"\nverdict = "risk"\n\n'
        '[[conversions]]\nfrom = "folio_mapcount"\nto = "folio_estimated_sharers"\n'
        'fp = "removed"\nfn = "unchanged"\n\n'
        '[mapcount]\nfields = ["_my_mapcount"]\n'
    )
    cat = load_catalogue(user)
    assert cat.api("folio_mapcount").fn == "rare"
    assert cat.api("folio_mapcount").fp == "yes"  # merged key by key
    assert cat.api("folio_mapped_shared").returns == "shared"
    assert "gup-pin" in cat.requirements and "fn-unsafe" in cat.requirements
    assert verdict(site(fp="removed", fn="introduced"), "estimate-ok", cat) == "risk"
    assert cat.conversion("folio_mapcount", "folio_estimated_sharers").fp == "removed"
    assert {"_my_mapcount", "_mapcount"} <= cat.mapcount_fields
    assert cat.sources == ("catalogue.toml", str(user))


@pytest.mark.parametrize("text,words", [
    ('[api.folio_mapcount\nfp = "yes"\n', ["invalid TOML", "line 1"]),
    ('[api.folio_mapcount]\nfp = 3\n', ["api.folio_mapcount.fp", "expected str"]),
    ('[api.folio_mapcount]\nfp = "maybe"\n', ["api.folio_mapcount.fp", "'maybe'"]),
    ('[api.folio_mapcount]\nfpp = "yes"\n', ["api.folio_mapcount", "unknown key 'fpp'"]),
    ('[api.new_one]\nfp = "yes"\n', ["api.new_one", "missing arg"]),
    ('[api."bad name"]\narg = "page"\n', ["api.bad name", "C identifier"]),
    ('[[rules]]\nverdict = "doom"\n', ["rules[1]", "'doom'"]),
    ('[[rules]]\nrequirement = "nope"\nverdict = "risk"\n', ["rules[1].requirement", "'nope'"]),
    ('[[rules]]\nfp = "gone"\nverdict = "risk"\n', ["rules[1].fp", "'gone'"]),
    ('[[conversions]]\nfrom = "a"\nto = "b"\nfp = "removed"\n', ["conversions", "'fn'"]),
    ('[requirements.x]\nmeans = "typo"\n', ["requirements.x", "meaning"]),
    ('rules = 3\n', ["rules", "array of tables"]),
    ('surprise = 1\n', ["unknown top-level key 'surprise'"]),
    ('[mapcount]\nfields = "x"\n', ["mapcount.fields"]),
])
def test_broken_user_catalogue_names_file_and_entry(tmp_path, text, words):
    user = tmp_path / "broken.toml"
    user.write_text(text)
    with pytest.raises(CatalogueError) as err:
        load_catalogue(user)
    message = str(err.value)
    assert "broken.toml" in message
    for word in words:
        assert word in message


def test_missing_or_binary_user_file(tmp_path):
    with pytest.raises(CatalogueError, match="cannot read"):
        load_catalogue(tmp_path / "absent.toml")
    bad = tmp_path / "latin1.toml"
    bad.write_bytes(b'[api.x]\nanswers = "\xe9"\n')
    with pytest.raises(CatalogueError, match="UTF-8"):
        load_catalogue(bad)
