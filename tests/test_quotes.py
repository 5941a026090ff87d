"""split_quotes: quote depths, attributions, signatures, PGP noise, offsets; never crashes."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from reviewtui.analysis.quotes import is_attribution, own_blocks, quote_depth, split_quotes


def _kinds(body: str) -> list[tuple[str, int, str]]:
    return [(b.kind, b.depth, b.text) for b in split_quotes(body)]


def test_quote_depth_counts_every_prefix_style():
    assert quote_depth("> a") == (1, "a")
    assert quote_depth("> > a") == (2, "a")
    assert quote_depth(">> a") == (2, "a")
    assert quote_depth("> >> a") == (3, "a")
    assert quote_depth(">\u00a0> a") == (2, "a")
    assert quote_depth("plain") == (0, "plain")


def test_quote_prefix_keeps_the_diff_marker_of_context_lines():
    # "> " then a context line " \terr": the blank after ">" is eaten once, the marker stays.
    assert quote_depth(">  \terr = -EACCES;") == (1, " \terr = -EACCES;")
    assert quote_depth(">>>> -\tif (x)") == (4, "-\tif (x)")


def test_blocks_by_depth_and_own_text():
    body = (
        "On Wed, Aug 02, 2023 at 05:53:43PM +0800, Kefeng Wang wrote:\n"
        "> -\tif (page_mapcount(page) > 1)\n"
        "> +\tif (folio_estimated_sharers(folio) > 1)\n"
        "\n"
        "I do not think this is the correct change.\n"
        "\n"
        "Second paragraph of the same comment.\n"
        "\n"
        "> > deeper\n"
        "> back\n"
        "\n"
        "Another comment.\n"
    )
    kinds = _kinds(body)
    assert [(k, d) for k, d, _ in kinds] == [
        ("attribution", 0), ("quote", 1), ("own", 0), ("quote", 2), ("quote", 1), ("own", 0)]
    assert kinds[2][2] == ("I do not think this is the correct change.\n\n"
                           "Second paragraph of the same comment.")
    assert kinds[1][2].splitlines() == ["-\tif (page_mapcount(page) > 1)",
                                        "+\tif (folio_estimated_sharers(folio) > 1)"]


def test_own_block_offsets_are_body_slices_even_with_crlf():
    body = "> quoted\r\n\r\nMy comment\r\nspans two lines\r\n> more\r\n"
    (own,) = own_blocks(split_quotes(body))
    assert body[own.start:own.end] == own.text
    assert own.text == "My comment\r\nspans two lines"
    assert own.first_line == 2


def test_attributions_own_quoted_and_wrapped():
    assert is_attribution("On 2023/8/2 20:21, Matthew Wilcox wrote:")
    assert is_attribution("Kefeng Wang <wangkefeng.wang@huawei.com> writes:")
    assert is_attribution("On 3 Aug 2023, at 21:45, Kefeng Wang wrote:")
    assert not is_attribution("I wrote this code.")
    body = (
        "On Mon, Aug 7, 2023 at 8:10\u202fPM Yin Fengwei <fengwei.yin@intel.com>\n"
        "wrote:\n"
        ">\n"
        "> On 2023/8/2 20:21, Matthew Wilcox wrote:\n"
        ">> text\n"
        "\n"
        "LGTM\n"
    )
    kinds = _kinds(body)
    assert [(k, d) for k, d, _ in kinds] == [
        ("attribution", 0), ("attribution", 1), ("quote", 2), ("own", 0)]
    assert kinds[0][2].endswith("<fengwei.yin@intel.com>\nwrote:")


def test_attribution_needs_a_quote_after_it():
    kinds = _kinds("As Willy wrote:\n\nthis is my own text\n")
    assert kinds == [("own", 0, "As Willy wrote:\n\nthis is my own text")]


def test_signature_dropped_until_the_next_quote():
    body = (
        "> q1\n\nIt seems fine.\n\n--\nBest Regards,\nHuang, Ying\n\n>> q2\n>> q3\n"
        "-- \nCheers,\n\nDavid / dhildenb\n"
    )
    kinds = _kinds(body)
    assert [(k, t) for k, _, t in kinds] == [
        ("quote", "q1"), ("own", "It seems fine."), ("quote", "q2\nq3")]


def test_pgp_armour_and_trim_markers_dropped():
    body = (
        "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n"
        "> first\n[...]\n> second\n...\n\nComment.\n\n"
        "-----BEGIN PGP SIGNATURE-----\n\niQEzBAEBCAAdFiEE\n=abcd\n-----END PGP SIGNATURE-----\n"
    )
    kinds = _kinds(body)
    assert [(k, t) for k, _, t in kinds] == [
        ("quote", "first"), ("quote", "second"), ("own", "Comment.")]


def test_top_posting_keeps_own_text_first():
    body = "Looks good to me.\n\nOn Tue, X wrote:\n> -a\n> +b\n"
    kinds = _kinds(body)
    assert [k for k, _, _ in kinds] == ["own", "attribution", "quote"]


def test_outlook_original_message_is_a_quote():
    body = "Fine by me.\n\n-----Original Message-----\nFrom: X\nSubject: y\n\n+\tfoo();\n"
    kinds = _kinds(body)
    assert kinds[0] == ("own", 0, "Fine by me.")
    assert {(k, d) for k, d, _ in kinds[1:]} == {("quote", 1)}


def test_blank_and_empty_bodies():
    assert split_quotes("") == []
    assert split_quotes("\n\n  \n") == []
    assert [b.kind for b in split_quotes(">\n>\n")] == []


@settings(max_examples=300, deadline=None, database=None)
@given(st.lists(st.sampled_from(list("> \t\n\r-+@ab:\u00a0\u202f.[]")
                                + ["wrote:", "-- \n", "On x wrote:\n", "-----BEGIN PGP SIGNATURE-----",
                                   "\n...\n", "-----Original Message-----\n"])).map("".join))
def test_split_quotes_never_crashes_and_offsets_hold(body):
    blocks = split_quotes(body)
    for block in blocks:
        assert 0 <= block.start <= block.end <= len(body)
        assert block.kind in ("quote", "own", "attribution")
        if block.kind != "quote":
            assert body[block.start:block.end] == block.text
            assert block.depth == 0 or block.kind == "attribution"
        else:
            assert block.depth >= 1


@settings(max_examples=200, deadline=None, database=None)
@given(st.text())
def test_split_quotes_on_arbitrary_unicode(body):
    for block in split_quotes(body):
        assert 0 <= block.start <= block.end <= len(body)
