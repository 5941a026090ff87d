"""Enclosing C function of diff lines, including functions that start inside a hunk."""

from __future__ import annotations

import pytest

from reviewtui.analysis.cexpr import strip_lines
from reviewtui.analysis.cfunc import enclosing_functions, header_function, signature_name
from reviewtui.analysis.hunkview import view_hunk
from reviewtui.model.diff import parse_diff


def functions(section: str, *lines: str) -> list[str | None]:
    return enclosing_functions(list(lines), strip_lines(list(lines)), section)


@pytest.mark.parametrize("section,expected", [
    ("static int add_page_for_migration(struct mm_struct *mm, const void __user *p,",
     "add_page_for_migration"),
    ("static struct folio *alloc_misplaced_dst_folio(struct folio *src,",
     "alloc_misplaced_dst_folio"),
    ("int migrate_misplaced_page(struct page *page, struct vm_area_struct *vma,",
     "migrate_misplaced_page"),
    ("SYSCALL_DEFINE6(move_pages, pid_t, pid, unsigned long, nr_pages,", "move_pages"),
    ("#define folio_shared(f) \\", "folio_shared"),
    ("static const struct mm_walk_ops cold_walk_ops = {", None),
    ("struct page_vma_mapped_walk {", None),
    ("int folio_mapcount(struct folio *folio);", None),
    ("", None),
    ("@ static void bar(void)", "bar"),
])
def test_header_function(section, expected):
    assert header_function(section) == expected


def test_signature_name_rejects_statements_and_initialisers():
    assert signature_name("if (x)") is None
    assert signature_name("static struct foo bar = FOO(x)") is None
    assert signature_name("foo(int a,") == "foo"
    assert signature_name("static inline bool folio_x(struct folio *f)") == "folio_x"


def test_function_starting_inside_the_hunk_overrides_the_header():
    got = functions(
        "static struct folio *alloc_misplaced_dst_folio(struct folio *src,",
        "\treturn __folio_alloc_node(gfp, order, nid);",
        "}",
        "",
        "static int numamigrate_isolate_page(pg_data_t *pgdat,",
        "\t\t\t\t    struct page *page)",
        "{",
        "\tint nr_pages = thp_nr_pages(page);",
    )
    assert got == ["alloc_misplaced_dst_folio", "alloc_misplaced_dst_folio", None,
                   "numamigrate_isolate_page", "numamigrate_isolate_page",
                   "numamigrate_isolate_page", "numamigrate_isolate_page"]


def test_labels_comments_and_brace_styles():
    got = functions("static int f(void)",
                    "\tgoto out;", "out:", "\treturn 0;", "}",
                    "/*", " * int g(int x) describes nothing", " */",
                    "int h(int x) {", "\treturn x;", "}",
                    "static inline int k(void) { return 1; }",
                    "static int z;")
    assert got == ["f", "f", "f", "f", None, None, None, "h", "h", "h", "k", None]


def test_return_type_on_its_own_line_and_prototypes():
    got = functions("", "static int", "foo(int a,", "    int b)", "{", "\tbar();", "}",
                    "int proto(int a,", "\t  int b);", "\tstray();")
    assert got == [None, "foo", "foo", "foo", "foo", "foo", "proto", "proto", None]


def test_macros_are_their_own_function():
    got = functions("static void f(void)",
                    "\tx();", "}", "#define FOLIO_SHARED(f) \\", "\t(folio_mapcount(f) > 1)",
                    "#define ONE_LINE(f) folio_mapcount(f)", "int y;")
    assert got == ["f", "f", "FOLIO_SHARED", "FOLIO_SHARED", "ONE_LINE", None]


def test_hunk_starting_inside_a_macro_body_is_not_the_header_function():
    got = functions("static void previous(void)",
                    "\t\tfolio_mapcount(f) > 1; \\", "\t} while (0)", "", "int x;")
    assert got[0] is None


def test_view_of_a_renaming_hunk_gives_both_names():
    diff = parse_diff(
        "diff --git a/mm/m.c b/mm/m.c\n--- a/mm/m.c\n+++ b/mm/m.c\n"
        "@@ -1,6 +1,6 @@ static struct folio *alloc(struct folio *src,\n"
        " }\n \n-static int iso_page(struct page *page)\n+static int iso_folio(struct folio *f)\n"
        " {\n-\tif (total_mapcount(page) > 1)\n+\tif (folio_mapcount(f) > 1)\n \t\treturn 0;\n"
    )
    hunk = diff.files[0].hunks[0]
    view = view_hunk(0, 0, "mm/m.c", hunk)
    removed = next(i for i, ln in enumerate(hunk.lines) if ln.kind == "-" and "total" in ln.text)
    added = next(i for i, ln in enumerate(hunk.lines) if ln.kind == "+" and "folio_map" in ln.text)
    assert view.function_at(removed) == "iso_page"
    assert view.function_at(added) == "iso_folio"
    assert view.renames() == {"iso_folio": "iso_page"}
