"""C expression helpers: comment/string stripping, call finding, polarity, normalisation."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reviewtui.analysis.cexpr import (
    find_calls,
    find_fields,
    normalise,
    polarity,
    similarity,
    strip_line,
    strip_lines,
    tokens,
)

NAMES = frozenset({"folio_mapcount", "page_mapcount", "folio_likely_mapped_shared",
                   "PageAnonExclusive", "folio_mapped"})
RETURNS = {"folio_mapcount": "count", "page_mapcount": "count",
           "folio_likely_mapped_shared": "shared", "PageAnonExclusive": "exclusive",
           "folio_mapped": "mapped"}


def stream_of(*lines: str) -> list[str]:
    out: list[str] = []
    for code in strip_lines(list(lines)):
        out.extend(tokens(code))
    return out


def pol(*lines: str) -> list[str]:
    stream = stream_of(*lines)
    return [polarity(stream, c, RETURNS[c.name]) for c in find_calls(stream, NAMES)]


def test_comments_and_strings_are_blanked():
    code, state, closed = strip_line('\tx = folio_mapcount(f); /* folio_mapcount() */ y', False)
    assert "folio_mapcount(f)" in code and code.count("folio_mapcount") == 1
    assert not state and not closed
    code, _, _ = strip_line('\tpr_info("folio_mapcount(%d)", n); // page_mapcount(p)', False)
    assert "folio_mapcount" not in code and "page_mapcount" not in code
    code, _, _ = strip_line(r"c = '\''; s = \"a\\\"folio_mapcount(\";", False)
    assert "folio_mapcount" not in code


def test_block_comment_state_carries_over_lines():
    codes = strip_lines(["\t/*", "\t * folio_mapcount(folio) != 1 means shared",
                         "\t */", "\tif (folio_mapcount(folio) != 1)"])
    assert [("folio_mapcount" in c) for c in codes] == [False, False, False, True]


def test_text_that_begins_inside_a_comment():
    codes = strip_lines(["\t   folio_mapcount(folio) counts all pages", "\t */",
                         "\tx = folio_mapcount(folio);"])
    assert "folio_mapcount" not in codes[0]
    assert "folio_mapcount" in codes[2]
    codes = strip_lines(["\t * uses page_mapcount(page)", "\t * more", "\tcode();"])
    assert "page_mapcount" not in codes[0]
    assert "code" in codes[2]
    codes = strip_lines(["\tnr = folio_nr_pages(folio)", "\t     * folio_mapcount(folio);"])
    assert "folio_mapcount" in codes[1]  # a continued product, not a comment


def test_member_calls_and_declarations_are_not_calls():
    stream = stream_of("static inline int folio_mapcount(struct folio *folio)", "{", "}",
                       "int folio_mapcount(struct folio *folio);",
                       "#define folio_mapped(f) (folio_mapcount(f) > 0)",
                       "ops->folio_mapcount(f); s.page_mapcount(p);",
                       "return folio_mapcount(f);")
    calls = find_calls(stream, NAMES)
    assert [c.name for c in calls] == ["folio_mapcount", "folio_mapcount"]
    assert stream[calls[1].index - 1] == "return"


def test_fields_are_member_accesses():
    stream = stream_of("x = atomic_read(&folio->_large_mapcount) + page._mapcount;",
                       "int _mapcount;")
    assert [stream[i] for i in find_fields(stream, frozenset({"_mapcount", "_large_mapcount"}))] \
        == ["_large_mapcount", "_mapcount"]


@pytest.mark.parametrize("line,expected", [
    ("if (folio_mapcount(folio) > 1)", "shared?"),
    ("if (folio_mapcount(folio) != 1)", "shared?"),
    ("if (folio_mapcount(folio) >= 2)", "shared?"),
    ("if (folio_mapcount(folio) == 1)", "exclusive?"),
    ("if (folio_mapcount(folio) <= 1)", "exclusive?"),
    ("if (folio_mapcount(folio) < 2)", "exclusive?"),
    ("if (1 < folio_mapcount(folio))", "shared?"),
    ("if (folio_mapcount(folio) > 0)", "mapped?"),
    ("if (folio_mapcount(folio) == 0)", "not mapped?"),
    ("if (!folio_mapcount(folio))", "not mapped?"),
    ("if (!!folio_mapcount(folio))", "mapped?"),
    ("if (folio_mapcount(folio))", "mapped?"),
    ("if (x && folio_mapcount(folio))", "mapped?"),
    ("if (folio_mapcount(folio) > nr)", "count"),
    ("if (folio_mapcount(folio) > 2)", "count"),
    ("nr = folio_mapcount(folio);", "count"),
    ("return folio_mapcount(folio) + 1;", "count"),
    ("if (folio_likely_mapped_shared(folio))", "shared?"),
    ("if (!folio_likely_mapped_shared(folio))", "exclusive?"),
    ("shared = folio_likely_mapped_shared(folio);", "shared?"),
    ("if (folio_likely_mapped_shared(folio) == false)", "exclusive?"),
    ("if (PageAnonExclusive(page))", "exclusive?"),
    ("if (!PageAnonExclusive(page))", "shared?"),
    ("if (!folio_mapped(folio))", "not mapped?"),
    ("if (page_mapcount(page) != 1 && page_is_file_lru(page) &&", "shared?"),
])
def test_polarity(line, expected):
    assert pol(line) == [expected]


def test_polarity_reads_a_condition_continued_on_the_next_line():
    assert pol("\tif (x &&", "\t    folio_mapcount(folio)", "\t    > 1)") == ["shared?"]
    assert pol("\tif (folio_mapcount(folio) /* total */", "\t    == 1)") == ["exclusive?"]


def test_several_calls_on_one_line():
    assert pol("if (folio_mapcount(a) > 1 || !folio_likely_mapped_shared(b))") == \
        ["shared?", "exclusive?"]


def test_normalise_ignores_spacing_comments_and_call_arguments():
    a = normalise("if (folio_mapcount(folio)  != 1)   ", NAMES)
    b = normalise("if(folio_mapcount( src )!=1)", NAMES)
    assert a == b
    assert normalise("if (folio_mapcount(folio) == 1)", NAMES) != a
    assert normalise("x(folio)", NAMES) != normalise("x(page)", NAMES)


def test_similarity():
    assert similarity(["a", "b"], ["a", "b"]) == 1.0
    assert similarity([], ["a"]) == 0.0
    assert 0 < similarity(tokens("if (a(x) > 1 && y)"), tokens("if (b(z) > 1 && y)")) < 1


@settings(max_examples=300, deadline=None)
@given(st.text(), st.booleans())
def test_strip_line_keeps_columns_and_never_raises(text, state):
    code, _, _ = strip_line(text, state)
    assert len(code) == len(text)


C_PIECES = st.sampled_from([
    "folio_mapcount", "page_mapcount", "folio_likely_mapped_shared", "(", ")", "!", ">", "==",
    "!=", "1", "0", "&&", "||", ";", "{", "}", "/*", "*/", "//", '"', "'", "\\", "->", ".",
    "if", "return", "x", " ", "\n", "#define", "?", ":", "=", "-", "*",
])


@settings(max_examples=300, deadline=None)
@given(st.lists(C_PIECES, max_size=40))
def test_expression_helpers_never_raise(pieces):
    lines = "".join(pieces).split("\n")
    stream = stream_of(*lines)
    for call in find_calls(stream, NAMES):
        assert polarity(stream, call, RETURNS[call.name]) in {
            "shared?", "exclusive?", "mapped?", "not mapped?", "count"}
    normalise("".join(pieces), NAMES)
