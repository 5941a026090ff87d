"""The tolerant diff parser: real shapes and broken ones."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from reviewtui.model.diff import commit_message_of, parse_diff, split_commit_and_diff

SIMPLE = """diff --git a/mm/x.c b/mm/x.c
index 1111111..2222222 100644
--- a/mm/x.c
+++ b/mm/x.c
@@ -10,4 +10,4 @@ static int foo(void)
 {
-	if (page_mapcount(page) > 1)
+	if (folio_estimated_sharers(folio) > 1)
 		return 0;
 }
--
2.41.0
"""


def test_simple_diff_numbers():
    diff = parse_diff(SIMPLE)
    assert not diff.problems
    hunk = diff.files[0].hunks[0]
    assert diff.files[0].path == "mm/x.c" and diff.files[0].status == "modified"
    assert hunk.section == "static int foo(void)"
    assert [(ln.kind, ln.old_no, ln.new_no) for ln in hunk.lines] == [
        (" ", 10, 10), ("-", 11, None), ("+", None, 11), (" ", 12, 12), (" ", 13, 13),
    ]
    assert hunk.header == "@@ -10,4 +10,4 @@ static int foo(void)"


def test_crlf_line_ends_are_read():
    diff = parse_diff(SIMPLE.replace("\n", "\r\n"))
    assert not diff.problems and len(diff.files[0].hunks[0].lines) == 5


def test_corrupt_hunk_header_is_a_problem_not_a_crash():
    broken = SIMPLE.replace("@@ -10,4 +10,4 @@", "@@ -10,9 +10,9 @@")
    other = SIMPLE.replace("mm/x.c", "mm/y.c")
    diff = parse_diff(broken + other)
    assert [f.path for f in diff.files] == ["mm/y.c"]
    assert len(diff.problems) == 1 and diff.problems[0].startswith("mm/x.c")


def test_mail_wrapped_line_is_reported():
    wrapped = SIMPLE.replace(
        "+\tif (folio_estimated_sharers(folio) > 1)\n",
        "+\tif (folio_estimated_sharers(folio) >\n1)\n",
    )
    diff = parse_diff(wrapped)
    assert diff.problems and "mm/x.c" in diff.problems[0]


def test_rename_and_binary_diffs():
    text = (
        "diff --git a/old.c b/new.c\nsimilarity index 100%\nrename from old.c\nrename to new.c\n"
        "diff --git a/pic.png b/pic.png\nindex 1..2 100644\nBinary files a/pic.png and b/pic.png differ\n"
    )
    diff = parse_diff(text)
    assert not diff.problems
    assert [(f.status, f.path) for f in diff.files] == [("renamed", "new.c"), ("binary", "pic.png")]
    assert all(not f.hunks for f in diff.files)


def test_patch_without_diff():
    head, diff = split_commit_and_diff("Just a message\n\nSigned-off-by: A <a@b>\n")
    assert diff == "" and parse_diff(diff).files == ()
    assert commit_message_of(head).endswith("Signed-off-by: A <a@b>")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("@-+ \n\tabc,0123456789diff--git a/b/")), max_size=400))
def test_parse_diff_never_raises(text):
    result = parse_diff(text)
    assert isinstance(result.problems, tuple)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_parse_diff_never_raises_on_any_text(text):
    parse_diff("diff --git a/x b/x\n--- a/x\n+++ b/x\n" + text)


def test_broken_hunk_header_is_counted_as_a_problem():
    broken = SIMPLE.replace("@@ -10,4 +10,4 @@", "@@ -10,4 +1x0,4 @@")
    diff = parse_diff(broken)
    assert diff.problems == ("mm/x.c: 1 of 1 hunks unreadable (corrupt @@ header), not analysed",)
