"""FN/FP mention detection: phrasings, spans, context for bare abbreviations, corpus counts."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reviewtui.analysis.discussion import analyse_discussion
from reviewtui.analysis.mentions import MentionCount, count_mentions, find_mentions
from reviewtui.model.load import load_series

try:
    from support.cli import CORPUS
except ImportError:
    from tests.support.cli import CORPUS

SEED = (
    "I'm not 100% sure what to think about that at this point. We eventually \n"
    "add false negatives (actually shared but we fail to detect it) all over \n"
    "the place, instead of having false positives (actually exclusive, but we \n"
    "fail to detect it)."
)


def _found(text: str) -> list[tuple[str, str]]:
    return [(m.kind, m.text) for m in find_mentions(text)]


def test_seed_message_sentence():
    assert _found(SEED) == [
        ("fn", "false negatives"),
        ("fn", "actually shared but we fail to detect it"),
        ("fp", "false positives"),
        ("fp", "actually exclusive, but we \nfail to detect it"),
    ]


def test_spans_point_into_the_text():
    for m in find_mentions(SEED):
        assert SEED[m.start:m.end] == m.text


@pytest.mark.parametrize("text, expected", [
    ("this adds a false negative", [("fn", "false negative")]),
    ("a false-positive at worst", [("fp", "false-positive")]),
    ("more false -ves, fewer false +ves", [("fn", "false -ves"), ("fp", "false +ves")]),
    ("the FN/FP trade-off of a sharing check", [("fn", "FN"), ("fp", "FP")]),
    ("FPs only cost a missed split of shared folios", [("fp", "FPs")]),
    ("we fail to detect it shared", [("fn", "fail to detect it shared")]),
    ("we may fail to detect that the folio is shared", [
        ("fn", "fail to detect that the folio is shared")]),
    ("it treats a shared folio as exclusive", [("fn", "treats a shared folio as exclusive")]),
    ("it would consider an exclusive folio as shared", [
        ("fp", "consider an exclusive folio as shared")]),
    ("this may wrongly report the folio as exclusive", [
        ("fn", "wrongly report the folio as exclusive")]),
    ("this underestimates the number of sharers", [
        ("fn", "underestimates the number of sharers")]),
    ("FALSE NEGATIVES everywhere", [("fn", "FALSE NEGATIVES")]),
])
def test_phrasings(text, expected):
    assert _found(text) == expected


@pytest.mark.parametrize("text", [
    "FP registers are saved on context switch.",
    "FN key on the laptop",
    "isolate_hugetlb() would return false, no error would show up",
    "bool locked = false;",
    "It is falsely named.",
    "positive return value indicating non-migrated pages",
])
def test_not_mentions(text):
    assert find_mentions(text) == []


def test_counts_add_up():
    counts = count_mentions(find_mentions(SEED))
    assert counts == MentionCount(fn=2, fp=2)
    assert counts.total == 4
    assert counts + MentionCount(1, 0) == MentionCount(3, 2)


def _counts(name: str) -> dict[str, MentionCount]:
    series = load_series((CORPUS / f"{name}.mbox").read_bytes())
    out: dict[str, MentionCount] = {}
    for revision in series.revisions.values():
        for msgid, counts in analyse_discussion(series, revision).message_counts().items():
            if counts.total:
                out[msgid] = counts
    return out


def test_corpus_mentions_only_in_the_seed_message():
    """Only David's 2 Aug reply discusses FN/FP in its own text; quotes of it never count."""
    assert _counts("mapcount-large-folio-sharing") == {
        "31093c49-5baa-caed-9871-9503cb89454b@redhat.com": MentionCount(fn=2, fp=2)}
    for name in ("mapcount-large-folio-sharing-v2", "migrate-folio-conversion",
                 "migrate-folio-conversion-v2"):
        assert _counts(name) == {}, name


def test_corpus_mention_offsets_are_body_offsets():
    series = load_series((CORPUS / "mapcount-large-folio-sharing.mbox").read_bytes())
    msgid = "31093c49-5baa-caed-9871-9503cb89454b@redhat.com"
    discussion = analyse_discussion(series, series.latest)
    body = series.messages[msgid].body
    mentions = discussion.message_mentions(msgid)
    assert mentions[0].text == "false negatives"
    assert all(body[m.start:m.end] == m.text for m in mentions)
    assert discussion.patch_counts(0) == MentionCount(2, 2)


@settings(max_examples=200, deadline=None, database=None)
@given(st.lists(st.sampled_from(["false", " ", "-", "+", "ves", "negative", "FN", "FP", "/",
                                 "shared", "actually", "but", "we", "fail to detect", "it",
                                 "\n", "\u00a0", "exclusive", "as", "treat", "x"])).map("".join))
def test_find_mentions_never_crashes_and_never_overlaps(text):
    mentions = find_mentions(text)
    for a, b in itertools.pairwise(mentions):
        assert a.end <= b.start
    for m in mentions:
        assert text[m.start:m.end] == m.text and m.kind in ("fn", "fp")
