"""Anchoring reply comments to diff lines and call sites: real threads, b4's weak spots, bad input."""

from __future__ import annotations

import base64
import quopri
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reviewtui.analysis.anchors import Anchor, anchor_blocks, content_key, prepare
from reviewtui.analysis.callsite import CallSite
from reviewtui.analysis.discussion import analyse_discussion, site_discussion_map
from reviewtui.analysis.quotes import split_quotes
from reviewtui.model.diff import parse_diff
from reviewtui.model.load import load_series
from reviewtui.model.thread import Message, Patch, Revision, Series

try:
    from support.cli import CORPUS
except ImportError:
    from tests.support.cli import CORPUS


# --- The corpus, read by hand ------------------------------------------------------------------
# Every own-text comment placed under quoted diff lines (directly, or under a quoted reply that
# itself sits under ">>" diff lines). (thread, msgid, nth comment of the message, patch, line,
# side, first words, call site or None, file). Every other comment of the corpus must get no
# line. The site is the one the quote right above the comment is about; None: the comment is
# elsewhere in the hunk (another change of it), not on the hunk's call site.

@dataclass(frozen=True)
class Expected:
    thread: str
    msgid: str
    index: int
    patch: int
    line: int
    side: str
    words: str
    site: str | None
    file: str = "mm/migrate.c"


V1, V2 = "migrate-folio-conversion", "migrate-folio-conversion-v2"
S1 = "84513eb03846"  # v1 1/4 add_page_for_migration(): page_mapcount() > 1 && !migrate_all
S2 = "c2fcda17f0a0"  # v1 2/4 numamigrate_isolate_page(): total_mapcount() > 1
V2_S4 = "eb06188f883b"  # v2 4/8 migrate_misplaced_page(): page_mapcount() != 1 (kept)
INLINE = [
    # Matthew Wilcox on 1/4: the folio_estimated_sharers() line, then the hugetlb check.
    Expected(V1, "ZMpKYfNWA/jNgEuL@casper.infradead.org", 0, 1, 2093, "new",
             "I do not think this is the correct change", S1),
    Expected(V1, "ZMpKYfNWA/jNgEuL@casper.infradead.org", 1, 1, 2096, "new",
             "This makes no sense when you read it", None),
    # Matthew Wilcox on 2/4: the VM_BUG_ON, then the total_mapcount -> estimated_sharers check.
    Expected(V1, "ZMpMfQUktateeN1D@casper.infradead.org", 0, 2, 2484, "new",
             "I don't know why we have this assertion", None),
    Expected(V1, "ZMpMfQUktateeN1D@casper.infradead.org", 1, 2, 2488, "new",
             "I don't know if this is the right logic", S2),
    # Kefeng Wang answers both, under ">>" diff lines.
    Expected(V1, "2f6c2ddb-b1a7-7152-bb7c-a5dcaf61ce36@huawei.com", 0, 2, 2484, "new",
             "Ok, will drop it.", None),
    Expected(V1, "2f6c2ddb-b1a7-7152-bb7c-a5dcaf61ce36@huawei.com", 1, 2, 2488, "new",
             "It seems that the logical is introduced", S2),
    Expected(V1, "001ee9b0-ea25-a896-e3ae-9a9b05a46546@huawei.com", 0, 1, 2093, "new",
             "Ok, I am aware of the discussion", S1),
    Expected(V1, "001ee9b0-ea25-a896-e3ae-9a9b05a46546@huawei.com", 1, 1, 2096, "new",
             "hugetlb folio is self large folio", None),
    # The PageHead() sub-thread: each reply still quotes the hunk at "> > >" ... ">>>>>>>".
    Expected(V1, "ZMud3RreEpsvFKuA@casper.infradead.org", 0, 1, 2096, "new",
             "No, that's not the difference", None),
    Expected(V1, "fb2a22cf-14ae-3594-f5f3-8680c2100d70@huawei.com", 0, 1, 2096, "new",
             "if (PageHuge(page))  // page must be a hugetlb page", None),
    Expected(V1, "F2621E68-F36E-493C-8619-ADFE05050823@nvidia.com", 0, 1, 2096, "new",
             "Right. It will prevent the kernel", None),
    Expected(V1, "d184ba78-97d1-a264-fc31-87dfdbe6fdff@huawei.com", 0, 1, 2096, "new",
             "When check man[1], the current -EACCES", None),
    Expected(V1, "d184ba78-97d1-a264-fc31-87dfdbe6fdff@huawei.com", 1, 1, 2096, "new",
             "-ENOENT is ok, but maybe the man", None),
    Expected(V1, "871qg59cwd.fsf@yhuang6-desk2.ccr.corp.intel.com", 0, 1, 2096, "new",
             "I don't think -ENOENT is appropriate", None),
    Expected(V1, "2E8CA295-CEA2-4093-8287-F68C3977A538@nvidia.com", 0, 1, 2096, "new",
             "Are you referring to a comment or the man page?", None),
    Expected(V1, "87zg2s6nvt.fsf@yhuang6-desk2.ccr.corp.intel.com", 0, 1, 2096, "new",
             "Is it possible that a page isn't present", None),
    # Hugh Dickins quotes 2/4 with the "+ if (...) >" line re-wrapped and tabs turned to spaces.
    Expected(V1, "4b83ba15-9f1-812b-8620-1bd935262eaa@google.com", 0, 2, 2488, "new",
             "Right, Mel's comment on safety above", S2),
    Expected(V1, "4b83ba15-9f1-812b-8620-1bd935262eaa@google.com", 1, 2, 2488, "new",
             "I'm out of touch with the NUMA balancing", S2),
    # v2 4/8: Zi Yan on the unconverted page_mapcount() line; three replies inherit it.
    Expected(V2, "855536BE-766C-49B2-B358-6C0548760929@nvidia.com", 1, 4, 2535, "new",
             "page_mapcount() is not converted", V2_S4),
    Expected(V2, "875y4y65b8.fsf@yhuang6-desk2.ccr.corp.intel.com", 0, 4, 2535, "new",
             "It seems that we can use folio_estimated_sharers() here.", V2_S4),
    Expected(V2, "ZO1TgSCevv5JJEz0@casper.infradead.org", 0, 4, 2535, "new",
             "So, funny thing, page_mapcount() was always wrong here.", V2_S4),
    Expected(V2, "646b619b-470a-40eb-bee9-85c7bd4c8a54@huawei.com", 0, 4, 2535, "new",
             "for PMD-mapped page", V2_S4),
    Expected(V2, "646b619b-470a-40eb-bee9-85c7bd4c8a54@huawei.com", 1, 4, 2535, "new",
             "Yes, for pte-mapped thp", V2_S4),
]
# Site each inline comment attaches to, by (thread, patch): the API the site converts.
SITE_API = {(V1, 1): "page_mapcount", (V1, 2): "total_mapcount", (V2, 4): "page_mapcount"}
THREADS = (V1, V2, "mapcount-large-folio-sharing", "mapcount-large-folio-sharing-v2")


def _sites(revision):
    try:
        from reviewtui.analysis.catalogue import load_catalogue
        from reviewtui.analysis.sites import analyse_revision
    except ImportError:  # pragma: no cover - the sites engine is built in parallel
        return []
    return analyse_revision(revision, load_catalogue())


@pytest.fixture(scope="module")
def corpus():
    out = {}
    for name in THREADS:
        series = load_series((CORPUS / f"{name}.mbox").read_bytes())
        for revision in series.revisions.values():
            sites = _sites(revision)
            out[name] = (series, revision, sites, analyse_discussion(series, revision, sites))
    return out


@pytest.mark.parametrize("exp", INLINE, ids=lambda e: f"{e.msgid[:12]}#{e.index}")
def test_corpus_inline_comment(corpus, exp):
    _series, _rev, sites, discussion = corpus[exp.thread]
    comment = discussion.comments_for_message(exp.msgid)[exp.index]
    assert comment.text.strip().startswith(exp.words)
    a = comment.anchor
    assert (a.patch, a.file, a.line, a.side) == (exp.patch, exp.file, exp.line, exp.side)
    assert a.quoted, "the quoted diff lines that placed the comment are kept"
    assert a.site_id == exp.site
    assert a.scope == ("site" if exp.site else "hunk")
    if exp.site:
        site = next(s for s in sites if s.id == a.site_id)
        assert (site.patch, site.old_api) == (exp.patch, SITE_API[(exp.thread, exp.patch)])
        assert a.hunk == (site.file_index, site.hunk_index)


def test_corpus_no_other_comment_gets_a_line(corpus):
    expected = {(e.msgid, e.index) for e in INLINE}
    placed = set()
    for _series, _rev, _sites, discussion in corpus.values():
        for c in discussion.comments:
            if c.anchor is not None and c.anchor.line is not None:
                placed.add((c.msgid, c.index))
    assert placed == expected


def test_corpus_prose_comments_keep_their_patch(corpus):
    _series, _rev, _sites, discussion = corpus[V2]
    # Willy on v2 1/8 quotes the commit message only: patch 1, no line.
    (c,) = discussion.comments_for_message("ZONay3H/RB381x8a@casper.infradead.org")
    assert (c.anchor.patch, c.anchor.file, c.anchor.line) == (1, None, None)
    # Replies to the cover letter anchor to patch 0.
    _series, _rev, _sites, d1 = corpus[V1]
    (c,) = d1.comments_for_message("bf4b5b30-4ed1-13ed-bba9-234887c9eeb3@redhat.com")
    assert (c.anchor.patch, c.anchor.line) == (0, None)
    # Every comment of a reply linked to a patch carries that patch.
    for _s, _r, _st, disc in corpus.values():
        for c in disc.comments:
            msg = _s.messages[c.msgid]
            if c.anchor is not None and msg.patch:
                assert c.anchor.patch == msg.patch


def test_corpus_site_discussion(corpus):
    series, revision, sites, discussion = corpus[V2]
    if not sites:
        pytest.skip("sites engine not available")
    site = next(s for s in sites if s.patch == 4)
    assert discussion.site_discussion(site.id) == [
        "855536BE-766C-49B2-B358-6C0548760929@nvidia.com",
        "875y4y65b8.fsf@yhuang6-desk2.ccr.corp.intel.com",
        "ZO1TgSCevv5JJEz0@casper.infradead.org",
        "646b619b-470a-40eb-bee9-85c7bd4c8a54@huawei.com",
    ]
    mapping = site_discussion_map(series, revision, sites)
    assert set(mapping) == {s.id for s in sites}
    assert mapping[site.id] == discussion.site_discussion(site.id)
    removed = next(s for s in sites if s.patch == 2)
    assert mapping[removed.id] == []


# --- Synthetic threads -------------------------------------------------------------------------

P1 = """\
diff --git a/mm/migrate.c b/mm/migrate.c
index 1111111..2222222 100644
--- a/mm/migrate.c
+++ b/mm/migrate.c
@@ -100,5 +100,5 @@ static int add_page_for_migration(struct mm_struct *mm)
 \terr = -EACCES;
-\tif (page_mapcount(page) > 1 && !migrate_all)
+\tif (folio_estimated_sharers(folio) > 1 && !migrate_all)
 \t\tgoto out_putpage;
 
 \tif (PageHuge(page)) {
@@ -200,8 +200,8 @@ static int numamigrate_isolate_page(pg_data_t *pgdat, struct page *page)
 \tint nr_pages = thp_nr_pages(page);
 
 \t/* Do not migrate THP mapped by multiple processes */
-\tif (PageTransHuge(page) && total_mapcount(page) > 1)
+\tif (folio_test_pmd_mappable(folio) && folio_estimated_sharers(folio) > 1)
 \t\treturn 0;
 
-\tif (!isolate_lru_page(page))
+\tif (!folio_isolate_lru(folio))
 \t\treturn 0;
"""
P2 = """\
diff --git a/mm/huge_memory.c b/mm/huge_memory.c
index 3333333..4444444 100644
--- a/mm/huge_memory.c
+++ b/mm/huge_memory.c
@@ -1612,4 +1612,4 @@ bool madvise_free_huge_pmd(struct mmu_gather *tlb)
 \t * the folio unless they all do MADV_FREE so let's skip the folio.
 \t */
-\tif (folio_mapcount(folio) != 1)
+\tif (folio_estimated_sharers(folio) != 1)
 \t\tgoto out;
diff --git a/mm/madvise.c b/mm/madvise.c
index 5555555..6666666 100644
--- a/mm/madvise.c
+++ b/mm/madvise.c
@@ -683,5 +683,5 @@ static int madvise_free_pte_range(pmd_t *pmd)
 \t\tif (folio_test_large(folio)) {
 \t\t\tint err;
 
-\t\t\tif (folio_mapcount(folio) != 1)
+\t\t\tif (folio_estimated_sharers(folio) != 1)
 \t\t\t\tbreak;
"""
# Patch 3 repeats patch 1's first hunk in another file: the same lines in two patches.
P3 = P1.split("@@ -200")[0].replace("mm/migrate.c", "mm/mempolicy.c")

ROOT = "<cover@syn>"
PATCH_IDS = {1: "<p1@syn>", 2: "<p2@syn>", 3: "<p3@syn>"}
T0 = datetime(2023, 8, 2, 9, 0, tzinfo=UTC)


def _mail(msgid: str, frm: str, subject: str, body: str | bytes, minutes: int,
          parent: str | None = None, refs: tuple[str, ...] = (), headers: str = "") -> str:
    date = (T0 + timedelta(minutes=minutes)).strftime("%a, %d %b %Y %H:%M:%S +0000")
    head = f"From: {frm}\nSubject: {subject}\nMessage-ID: {msgid}\nDate: {date}\n"
    if parent:
        head += f"In-Reply-To: {parent}\nReferences: {' '.join([*refs, parent])}\n"
    if not headers:
        headers = "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n"
    return f"From mboxrd@z Thu Jan  1 00:00:00 1970\n{head}{headers}\n{body}\n"


def _series_mbox(*replies: str) -> bytes:
    author = "Kefeng Wang <kw@example.org>"
    parts = [_mail(ROOT, author, "[PATCH 0/3] mm: more folio conversion",
                   "Cover letter.\n\n-- \n2.41.0\n", 0)]
    for n, diff in ((1, P1), (2, P2), (3, P3)):
        body = (f"Patch {n} description.\n\nSigned-off-by: {author}\n---\n"
                f" x | 2 +-\n\n{diff}-- \n2.41.0\n")
        parts.append(_mail(PATCH_IDS[n], author, f"[PATCH {n}/3] mm: change {n}", body, n,
                           ROOT, ()))
    return "".join(parts + list(replies)).encode()


def _reply(msgid: str, patch: int | None, body: str, minutes: int = 100,
           frm: str = "Matthew Wilcox <willy@example.org>", via: tuple[str, ...] = (),
           headers: str = "") -> str:
    """A reply to PATCH (0 = cover) through the reply chain VIA (oldest first)."""
    target = ROOT if not patch else PATCH_IDS[patch]
    chain = (ROOT, target, *via) if target != ROOT else (ROOT, *via)
    return _mail(msgid, frm, f"Re: [PATCH {patch}/3] mm: change", body, minutes, chain[-1],
                 tuple(dict.fromkeys(chain[:-1])), headers)


def _analyse(*replies: str):
    series = load_series(_series_mbox(*replies))
    revision = series.latest
    sites = _synthetic_sites()
    return series, analyse_discussion(series, revision, sites)


def _synthetic_sites() -> list[CallSite]:
    def site(sid, patch, fi, hi, old, new):
        return CallSite(id=sid, patch=patch, patch_subject="", file="", function=None,
                        kind="conversion", removed=None, added=None, old_api=None, new_api=None,
                        polarity=None, fp="removed", fn="introduced", file_index=fi,
                        hunk_index=hi, old_lines=old, new_lines=new)
    return [site("s1", 1, 0, 0, (101,), (101,)), site("s2", 1, 0, 1, (203,), (203,)),
            site("s3", 2, 0, 0, (1614,), (1614,)), site("s4", 2, 1, 0, (686,), (686,))]


def _only(discussion, msgid: str) -> list[Anchor]:
    return [c.anchor for c in discussion.comments_for_message(f"{msgid}")]


SHARERS_P1 = (
    "> -\tif (page_mapcount(page) > 1 && !migrate_all)\n"
    "> +\tif (folio_estimated_sharers(folio) > 1 && !migrate_all)\n"
)


def _where(a: Anchor | None):
    return None if a is None else (a.patch, a.file, a.line, a.side, a.site_id)


def test_quote_without_any_diff_header():
    """b4 only reads replies containing '> diff --git' or '> @@': this one has neither."""
    _s, d = _analyse(_reply("<r1@syn>", 1, f"On x, Kefeng wrote:\n{SHARERS_P1}\nWrong.\n"))
    (a,) = _only(d, "r1@syn")
    assert _where(a) == (1, "mm/migrate.c", 101, "new", "s1")
    assert a.text == "Wrong."
    assert a.quoted == ("-\tif (page_mapcount(page) > 1 && !migrate_all)",
                        "+\tif (folio_estimated_sharers(folio) > 1 && !migrate_all)")


def test_extra_blank_before_the_marker():
    quote = ">  -\tif (page_mapcount(page) > 1 && !migrate_all)\n"
    _s, d = _analyse(_reply("<r1@syn>", 1, f"{quote}\nHmm.\n"))
    assert _where(_only(d, "r1@syn")[0]) == (1, "mm/migrate.c", 101, "old", "s1")


def test_removed_line_anchors_on_the_old_side():
    _s, d = _analyse(_reply("<r1@syn>", 1,
                            "> -\tif (page_mapcount(page) > 1 && !migrate_all)\n\nKeep this.\n"))
    assert _where(_only(d, "r1@syn")[0]) == (1, "mm/migrate.c", 101, "old", "s1")


def test_several_comments_in_one_reply():
    body = (f"{SHARERS_P1}\nFirst.\n\n"
            "> -\tif (PageTransHuge(page) && total_mapcount(page) > 1)\n"
            "> +\tif (folio_test_pmd_mappable(folio) && folio_estimated_sharers(folio) > 1)\n"
            ">  \t\treturn 0;\n\nSecond.\n")
    _s, d = _analyse(_reply("<r1@syn>", 1, body))
    first, second = _only(d, "r1@syn")
    assert _where(first) == (1, "mm/migrate.c", 101, "new", "s1")
    # "return 0;" occurs twice in the hunk: the quoted lines above it pick the first.
    assert _where(second) == (1, "mm/migrate.c", 204, "new", "s2")


def test_earlier_follow_ups_of_one_reviewer_are_kept():
    """b4 keeps only a reviewer's last follow-up per patch; every one counts here."""
    first = _reply("<r1@syn>", 1, f"{SHARERS_P1}\nOne.\n", minutes=100)
    second = _reply("<r2@syn>", 1, "> -\tif (!isolate_lru_page(page))\n"
                    "> +\tif (!folio_isolate_lru(folio))\n\nTwo.\n", minutes=200)
    _s, d = _analyse(first, second)
    assert [c.msgid for c in d.comments_for_patch(1)] == ["r1@syn", "r2@syn"]
    assert d.site_discussion("s1") == ["r1@syn"]
    # isolate_lru_page() is another change of s2's hunk: the comment is on the hunk, not s2.
    assert d.site_discussion("s2") == []
    (two,) = d.comments_for_message("r2@syn")
    assert (two.anchor.scope, two.anchor.hunk) == ("hunk", (0, 1))
    assert _where(_only(d, "r2@syn")[0]) == (1, "mm/migrate.c", 206, "new", None)


def test_quote_of_the_commit_message_or_diffstat_is_patch_talk():
    """A comment right under a quoted commit message or diffstat is about the patch, even with
    diff quotes further up the mail."""
    body = (f"{SHARERS_P1}\nFirst.\n\n> Patch 1 description.\n\nAbout the changelog.\n\n"
            "> ---\n>  x | 2 +-\n\nAbout the stat.\n")
    _s, d = _analyse(_reply("<r1@syn>", 1, body))
    first, changelog, stat = _only(d, "r1@syn")
    assert (_where(first), first.scope) == ((1, "mm/migrate.c", 101, "new", "s1"), "site")
    assert (_where(changelog), changelog.scope) == ((1, None, None, None, None), "patch")
    assert (_where(stat), stat.scope) == ((1, None, None, None, None), "patch")


def test_context_right_above_a_site_is_on_the_site():
    _s, d = _analyse(_reply("<r1@syn>", 1, ">  \terr = -EACCES;\n\nWhy EACCES?\n"),
                     _reply("<r2@syn>", 1, ">  \tif (PageHuge(page)) {\n\nAnd here?\n",
                            minutes=110))
    assert _where(_only(d, "r1@syn")[0]) == (1, "mm/migrate.c", 100, "new", "s1")
    # Two lines below the site, with no other change in between: still the site's.
    assert _where(_only(d, "r2@syn")[0]) == (1, "mm/migrate.c", 104, "new", "s1")


def test_site_talk_groups():
    _s, d = _analyse(
        _reply("<r1@syn>", 1, f"{SHARERS_P1}\nOn the site.\n"),
        _reply("<r2@syn>", 1, "> -\tif (!isolate_lru_page(page))\n"
               "> +\tif (!folio_isolate_lru(folio))\n\nElsewhere in hunk 1.\n", minutes=110),
        _reply("<r3@syn>", 1, "> Patch 1 description.\n\nOn the patch.\n", minutes=120),
    )
    s1, s2 = _synthetic_sites()[:2]
    talk1, talk2 = d.site_talk(s1), d.site_talk(s2)
    assert [c.text for c in talk1.site] == ["On the site."]
    assert talk1.hunk == ()  # r2 is in the other hunk of the patch
    assert [c.text for c in talk1.patch] == [c.text for c in talk2.patch] == ["On the patch."]
    assert (talk2.site, [c.text for c in talk2.hunk]) == ((), ["Elsewhere in hunk 1."])
    assert talk2.msgids("hunk") == ["r2@syn"]


def test_nested_quotes_inherit_the_anchor():
    """b4 drops '>>' quotes; a reply to a reply still quoting the diff inherits its anchor."""
    review = _reply("<r1@syn>", 1, f"On x, Kefeng wrote:\n{SHARERS_P1}\nI do not think so.\n")
    answer = _reply("<r2@syn>", 1, "On y, Willy wrote:\n"
                    "> On x, Kefeng wrote:\n"
                    ">> -\tif (page_mapcount(page) > 1 && !migrate_all)\n"
                    ">> +\tif (folio_estimated_sharers(folio) > 1 && !migrate_all)\n"
                    "> \n> I do not think so.\n\nOk, will keep it.\n",
                    frm="Kefeng Wang <kw@example.org>", via=("<r1@syn>",), minutes=150)
    deeper = _reply("<r3@syn>", 1, "> > > -\tif (page_mapcount(page) > 1 && !migrate_all)\n"
                    "> > > +\tif (folio_estimated_sharers(folio) > 1 && !migrate_all)\n"
                    "> > I do not think so.\n> Ok, will keep it.\n\nGood.\n",
                    via=("<r1@syn>", "<r2@syn>"), minutes=160)
    _s, d = _analyse(review, answer, deeper)
    for msgid in ("r1@syn", "r2@syn", "r3@syn"):
        assert _where(_only(d, msgid)[0]) == (1, "mm/migrate.c", 101, "new", "s1"), msgid
    assert d.site_discussion("s1") == ["r1@syn", "r2@syn", "r3@syn"]


def test_nested_quote_of_prose_only_has_no_line():
    answer = _reply("<r2@syn>", 1, "> I do not think so.\n\nWhy not?\n", via=("<r1@syn>",))
    _s, d = _analyse(_reply("<r1@syn>", 1, f"{SHARERS_P1}\nI do not think so.\n"), answer)
    assert _where(_only(d, "r2@syn")[0]) == (1, None, None, None, None)


GMAIL = (  # tabs expanded to spaces
    "> -       if (PageTransHuge(page) && total_mapcount(page) > 1)\n"
    "> +       if (folio_test_pmd_mappable(folio) && folio_estimated_sharers(folio) > 1)\n"
    ">                 return 0;\n"
)
THUNDERBIRD = (  # runs of blanks written as U+00A0, the context marker's blank lost
    "> -\tif (PageTransHuge(page)\u00a0&&\u00a0total_mapcount(page) > 1)\n"
    "> +\tif (folio_test_pmd_mappable(folio) &&\u00a0folio_estimated_sharers(folio) > 1)\n"
    ">\u00a0\u00a0\u00a0\u00a0\u00a0\u00a0\u00a0\u00a0\u00a0return 0;\n"
)
REWRAPPED = (  # wrapped at 72 columns, trailing blanks stripped, blank context line emptied
    "> -\tif (PageTransHuge(page) && total_mapcount(page) > 1)\n"
    "> +\tif (folio_test_pmd_mappable(folio) && folio_estimated_sharers(folio) >\n"
    "> 1)\n"
    ">     return 0;\n>\n"
)


@pytest.mark.parametrize("quote", [GMAIL, THUNDERBIRD, REWRAPPED],
                         ids=["gmail", "thunderbird", "rewrapped"])
def test_whitespace_mangled_quotes(quote):
    _s, d = _analyse(_reply("<r1@syn>", 1, f"{quote}\nComment.\n"))
    assert _where(_only(d, "r1@syn")[0]) == (1, "mm/migrate.c", 204, "new", "s2")


def test_quoted_printable_nbsp_reply():
    text = ("On x, Kefeng wrote:\n"
            ">\u00a0 \terr =\u00a0-EACCES;\n" + SHARERS_P1 + "\nNot this way.\n")
    qp = quopri.encodestring(text.encode()).decode()
    headers = ("MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n"
               "Content-Transfer-Encoding: quoted-printable\n")
    _s, d = _analyse(_reply("<r1@syn>", 1, qp, headers=headers))
    assert _where(_only(d, "r1@syn")[0]) == (1, "mm/migrate.c", 101, "new", "s1")


def test_base64_koi8r_and_latin1_bodies():
    text = SHARERS_P1 + "\n\u041d\u0435\u0442: false negatives here.\n"
    b64 = base64.encodebytes(text.encode("koi8-r")).decode()
    h1 = ("MIME-Version: 1.0\nContent-Type: text/plain; charset=koi8-r\n"
          "Content-Transfer-Encoding: base64\n")
    latin = (SHARERS_P1 + "\nNo\u00a0way.\n").encode("latin-1").decode("latin-1")
    h2 = "MIME-Version: 1.0\nContent-Type: text/plain; charset=iso-8859-1\n"
    series = load_series(_series_mbox(_reply("<r1@syn>", 1, b64, headers=h1)).replace(
        b"", b"") + _reply("<r2@syn>", 1, latin, minutes=300, headers=h2).encode("latin-1"))
    d = analyse_discussion(series, series.latest, _synthetic_sites())
    (a,) = _only(d, "r1@syn")
    assert _where(a) == (1, "mm/migrate.c", 101, "new", "s1")
    assert [m.kind for m in d.comments_for_message("r1@syn")[0].mentions] == ["fn"]
    assert _where(_only(d, "r2@syn")[0]) == (1, "mm/migrate.c", 101, "new", "s1")


def test_html_only_and_multipart_replies_never_crash():
    html = ("MIME-Version: 1.0\nContent-Type: text/html; charset=utf-8\n")
    alt = ('MIME-Version: 1.0\nContent-Type: multipart/alternative; boundary="BB"\n')
    alt_body = (f"--BB\nContent-Type: text/plain; charset=utf-8\n\n{SHARERS_P1}\nPlain.\n"
                "--BB\nContent-Type: text/html\n\n<p>&gt; html</p>\n--BB--\n")
    _s, d = _analyse(
        _reply("<r1@syn>", 1, "<html><body><blockquote>&gt; -\tif (x)</blockquote>"
               "<p>false negative</p></body></html>\n", headers=html),
        _reply("<r2@syn>", 1, alt_body, headers=alt, minutes=120),
    )
    assert all(c.anchor is None or c.anchor.patch == 1 for c in d.comments)
    assert _where(_only(d, "r2@syn")[0]) == (1, "mm/migrate.c", 101, "new", "s1")


def test_top_posting_and_signature():
    body = (f"Looks wrong to me.\n\n-- \nWilly\n\nOn x, Kefeng wrote:\n{SHARERS_P1}")
    _s, d = _analyse(_reply("<r1@syn>", 1, body))
    (c,) = d.comments_for_message("r1@syn")
    assert c.text == "Looks wrong to me."
    assert _where(c.anchor) == (1, None, None, None, None)


def test_same_lines_in_another_patch_never_move_the_comment():
    """Patch 3 repeats patch 1's hunk: a reply to either stays on its own patch."""
    _s, d = _analyse(_reply("<r1@syn>", 3, f"{SHARERS_P1}\nHere too.\n"),
                     _reply("<r2@syn>", 1, f"{SHARERS_P1}\nHere.\n", minutes=110))
    assert _where(_only(d, "r1@syn")[0]) == (3, "mm/mempolicy.c", 101, "new", None)
    assert _where(_only(d, "r2@syn")[0]) == (1, "mm/migrate.c", 101, "new", "s1")


def test_quote_of_another_patch_in_a_reply_is_not_anchored_there():
    """A reply to patch 2 quoting patch 1's code (a quote of a quote) gets patch 2, no line."""
    body = ("Compare with what you did in patch 1:\n\n>> -\tif (PageTransHuge(page) && "
            "total_mapcount(page) > 1)\n>> +\tif (folio_test_pmd_mappable(folio) && "
            "folio_estimated_sharers(folio) > 1)\n\nSame problem.\n")
    _s, d = _analyse(_reply("<r1@syn>", 2, body))
    assert [_where(a) for a in _only(d, "r1@syn")] == [(2, None, None, None, None)] * 2


def test_cover_reply_quoting_code_anchors_only_when_unambiguous():
    unique = ("> -\tif (PageTransHuge(page) && total_mapcount(page) > 1)\n"
              "> +\tif (folio_test_pmd_mappable(folio) && folio_estimated_sharers(folio) > 1)\n")
    _s, d = _analyse(_reply("<r1@syn>", 0, f"{unique}\nThis one.\n"),
                     _reply("<r2@syn>", 0, f"{SHARERS_P1}\nIn patch 1 or 3?\n", minutes=110))
    assert _where(_only(d, "r1@syn")[0]) == (1, "mm/migrate.c", 203, "new", "s2")
    assert _where(_only(d, "r2@syn")[0]) == (0, None, None, None, None)


@pytest.mark.parametrize("quote, where", [
    # One tab of indentation (Gmail turned it into 7 spaces after the marker): huge_memory.c.
    ("> -       if (folio_mapcount(folio) != 1)\n> +       if (folio_estimated_sharers(folio) != 1)\n",
     (2, "mm/huge_memory.c", 1614, "new", "s3")),
    ("> -\t\t\tif (folio_mapcount(folio) != 1)\n> +\t\t\tif (folio_estimated_sharers(folio) != 1)\n",
     (2, "mm/madvise.c", 686, "new", "s4")),
    # Indentation lost entirely: the same change in two files stays ambiguous.
    ("> -if (folio_mapcount(folio) != 1)\n> +if (folio_estimated_sharers(folio) != 1)\n",
     (2, None, None, None, None)),
    # ... unless a file header says which.
    (("> --- a/mm/madvise.c\n> +++ b/mm/madvise.c\n> -if (folio_mapcount(folio) != 1)\n"
      "> +if (folio_estimated_sharers(folio) != 1)\n"), (2, "mm/madvise.c", 686, "new", "s4")),
])
def test_identical_change_in_two_files(quote, where):
    _s, d = _analyse(_reply("<r1@syn>", 2, f"{quote}\nComment.\n"))
    assert _where(_only(d, "r1@syn")[0]) == where


def test_lone_trivial_line_is_not_evidence():
    _s, d = _analyse(_reply("<r1@syn>", 1, ">  \t\treturn 0;\n\nHmm.\n"),
                     _reply("<r2@syn>", 1, "> }\n> \n\nWhat?\n", minutes=101))
    assert _where(_only(d, "r1@syn")[0]) == (1, None, None, None, None)
    assert _where(_only(d, "r2@syn")[0]) == (1, None, None, None, None)


# --- Hand-built revisions: hunk headers, ambiguity, properties, performance -----------------------

def _message(msgid: str, patch: int | None, body: str = "") -> Message:
    return Message(msgid=msgid, subject="s", author="A", email="a@x", date=None, body=body,
                   in_reply_to=None, references=[], to=[], cc=[], patch=patch, revision=1)


def _revision(diffs: dict[int, str]) -> Revision:
    patches = [Patch(number=n, expected=len(diffs), subject=f"p{n}", full_subject=f"p{n}",
                     message=_message(f"p{n}", n), commit_message="", trailers=[],
                     diff=parse_diff(text)) for n, text in diffs.items()]
    return Revision(number=1, subject="s", author="A", email="a@x", cover=None,
                    patches=patches, expected=len(diffs), complete=True)


TWIN = """\
diff --git a/mm/a.c b/mm/a.c
--- a/mm/a.c
+++ b/mm/a.c
@@ -10,2 +10,2 @@ void one(void)
 \tlock(&zone->lock);
-\tcount = page_mapcount(page);
+\tcount = folio_mapcount(folio);
@@ -50,2 +50,2 @@ void two(void)
 \tlock(&zone->lock);
-\tcount = page_mapcount(page);
+\tcount = folio_mapcount(folio);
"""


def _anchor_one(revision: Revision, body: str, patch: int | None = 1) -> Anchor | None:
    (a,) = anchor_blocks(split_quotes(body), patch, prepare(revision))
    return a


def test_hunk_header_picks_between_identical_hunks():
    rev = _revision({1: TWIN})
    quote = ">  \tlock(&zone->lock);\n> +\tcount = folio_mapcount(folio);\n\nWhy?\n"
    assert _where(_anchor_one(rev, quote)) == (1, "mm/a.c", None, None, None)
    assert _where(_anchor_one(rev, "> @@ -50,2 +50,2 @@ void two(void)\n" + quote)) == (
        1, "mm/a.c", 51, "new", None)
    assert _where(_anchor_one(rev, "> @@ -10,2 +10,2 @@\n" + quote)) == (
        1, "mm/a.c", 11, "new", None)


def test_unlinked_message_needs_an_unambiguous_placement():
    rev = _revision({1: TWIN, 2: P2})
    assert _anchor_one(rev, "Just prose.\n", patch=None) is None
    a = _anchor_one(rev, "> -\t\t\tif (folio_mapcount(folio) != 1)\n"
                    "> +\t\t\tif (folio_estimated_sharers(folio) != 1)\n\nX\n", patch=None)
    assert _where(a) == (2, "mm/madvise.c", 686, "new", None)


def test_content_key_drops_every_blank():
    assert content_key(" \tif (a\u00a0&&\u202fb)\u200b ") == "if(a&&b)"


_DIFF_LINES = [ln for ln in (P1 + P2 + TWIN).splitlines() if ln[:1] in " +-"
               and not ln.startswith(("---", "+++"))]
_line = st.one_of(
    st.sampled_from(_DIFF_LINES),
    st.text(alphabet="abc -+\t>(){};@", max_size=30),
    st.sampled_from(["@@ -10,2 +10,2 @@", "@@ -1612,4 +1612,4 @@", "diff --git a/mm/a.c b/mm/a.c",
                     "--- a/mm/madvise.c", "+++ b/x", "-- ", "[...]", "On x, Y wrote:", ""]),
)
_mangle = st.sampled_from([lambda s: s, lambda s: s.replace("\t", "        "),
                           lambda s: s.replace(" ", "\u00a0"), lambda s: s.rstrip(),
                           lambda s: s[:20] + "\n" + s[20:]])
_prefix = st.sampled_from(["", "> ", ">", "> > ", ">> ", ">>> ", ">\u00a0"])


@settings(max_examples=300, deadline=None, database=None)
@given(st.lists(st.tuples(_prefix, _mangle, _line), max_size=25), st.sampled_from([None, 0, 1, 2]))
def test_anchoring_never_crashes_and_never_picks_another_patch(lines, patch):
    rev = _revision({1: TWIN, 2: P2})
    ctx = prepare(rev)
    body = "\n".join(prefix + mangle(text) for prefix, mangle, text in lines)
    anchors = anchor_blocks(split_quotes(body), patch, ctx)
    for a in anchors:
        if a is None:
            assert patch is None
            continue
        if patch:
            assert a.patch == patch
        if a.line is not None:
            hunk_keys = {content_key(ln.text) for p in rev.patches if p.number == a.patch
                         for f in p.diff.files if f.path == a.file for h in f.hunks
                         for ln in h.lines if (ln.old_no if a.side == "old" else ln.new_no) == a.line}
            assert any(content_key(q) in hunk_keys or any(content_key(q).startswith(k)
                       for k in hunk_keys if k) or content_key(q[1:]) in hunk_keys
                       for q in a.quoted)


@settings(max_examples=200, deadline=None, database=None)
@given(st.text())
def test_anchoring_arbitrary_text(body):
    rev = _revision({1: TWIN, 2: P2})
    for a in anchor_blocks(split_quotes(body), 1, prepare(rev)):
        assert a is not None and a.patch == 1


def test_large_series_is_fast():
    """500 patches and 5,000 replies (deep '>>' quoting included) analyse in seconds."""
    diffs = {}
    for n in range(1, 501):
        diffs[n] = "".join(
            f"diff --git a/mm/f{n}.c b/mm/f{n}.c\n--- a/mm/f{n}.c\n+++ b/mm/f{n}.c\n"
            f"@@ -{h * 40 + 1},6 +{h * 40 + 1},6 @@ void fn_{n}_{h}(void)\n"
            f" \tint a = {h};\n \tif (x)\n \t\treturn 0;\n"
            f"-\tif (page_mapcount(page_{n}_{h}) > 1)\n+\tif (folio_mapcount(folio_{n}_{h}) > 1)\n"
            f" \t\tgoto out;\n \treturn 0;\n"
            for h in range(4))
    rev = _revision(diffs)
    messages = {}
    for n in range(1, 501):
        messages[f"p{n}"] = rev.patches[n - 1].message
        quote = (f"> -\tif (page_mapcount(page_{n}_1) > 1)\n> +\tif (folio_mapcount(folio_{n}_1) > 1)\n"
                 ">  \t\tgoto out;\n")
        prev = ""
        for r in range(10):
            body = (f"On x, Y wrote:\n{quote}\nComment {r}, a false negative.\n\n"
                    + "".join(f"> {ln}\n" for ln in prev.splitlines()) + "\nMore prose.\n" * 3)
            msg = _message(f"r{n}.{r}", n, body)
            msg.kind, msg.date = "reply", datetime(2023, 8, 2, tzinfo=UTC) + timedelta(minutes=r)
            messages[msg.msgid] = msg
            prev, quote = body, "".join(f"> {ln}\n" for ln in quote.splitlines())
    series = Series(messages=messages, revisions={1: rev}, root_msgid="p1")
    start = time.perf_counter()
    discussion = analyse_discussion(series, rev)
    elapsed = time.perf_counter() - start
    assert len({c.msgid for c in discussion.comments}) == 5000
    placed = [c for c in discussion.comments if c.anchor and c.anchor.line is not None]
    assert len(placed) >= 5000
    assert elapsed < 20, f"{elapsed:.1f}s"


def test_unlinked_reply_in_a_single_revision_thread():
    """A reply whose parent is missing from the archive: placed only when unambiguous."""
    lost = _mail("<u1@syn>", "R <r@example.org>", "Re: something", (
        "> -\t\t\tif (folio_mapcount(folio) != 1)\n> +\t\t\tif (folio_estimated_sharers(folio) != 1)\n"
        "\nA false negative here.\n\n" + SHARERS_P1 + "\nPatch 1 or 3?\n"), 500, "<gone@syn>")
    series = load_series(_series_mbox(lost))
    assert series.messages["u1@syn"].patch is None
    d = analyse_discussion(series, series.latest, _synthetic_sites())
    first, second = _only(d, "u1@syn")
    assert _where(first) == (2, "mm/madvise.c", 686, "new", "s4")
    assert second is None
    assert [m.kind for m in d.message_mentions("u1@syn")] == ["fn"]


def test_unlinked_reply_in_a_multi_revision_thread_is_never_placed():
    author = "Kefeng Wang <kw@example.org>"
    body = f"Description.\n\nSigned-off-by: {author}\n---\n x | 2 +-\n\n{P1}-- \n2.41.0\n"
    mbox = (_mail("<v1@syn>", author, "[PATCH] mm: change", body, 0)
            + _mail("<v2@syn>", author, "[PATCH v2] mm: change", body, 60)
            + _mail("<u1@syn>", "R <r@example.org>", "Re: [PATCH] mm: change",
                    f"{SHARERS_P1}\nStill a false negative.\n", 90, "<gone@syn>"))
    series = load_series(mbox.encode())
    assert sorted(series.revisions) == [1, 2]
    for revision in series.revisions.values():
        d = analyse_discussion(series, revision)
        (c,) = d.comments_for_message("u1@syn")
        assert c.anchor is None
        assert [m.kind for m in c.mentions] == ["fn"]
