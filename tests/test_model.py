"""The typed model built from the real corpus threads, pinned after checking the mboxes."""

from __future__ import annotations

import pytest

from reviewtui.errors import MboxError
from reviewtui.model.load import load_series

try:
    from support.cli import CORPUS
except ImportError:
    from tests.support.cli import CORPUS


def _load(name: str):
    return load_series((CORPUS / f"{name}.mbox").read_bytes())


@pytest.fixture(scope="module")
def migrate():
    return _load("migrate-folio-conversion")


def test_migrate_v1_patches_in_order(migrate):
    rev = migrate.latest
    assert list(migrate.revisions) == [1]
    assert rev.cover is not None and rev.cover.subject == "[PATCH 0/4] mm: migrate: more folio conversion"
    assert [p.label for p in rev.patches] == ["1/4", "2/4", "3/4", "4/4"]
    assert rev.patches[1].subject == (
        "mm: migrate: convert numamigrate_isolate_page() to numamigrate_isolate_folio()"
    )
    assert len(migrate.messages) == 32
    assert migrate.root_msgid == "20230802095346.87449-1-wangkefeng.wang@huawei.com"


def test_migrate_v1_files_and_hunks(migrate):
    rev = migrate.latest
    assert [[(f.path, len(f.hunks)) for f in p.diff.files] for p in rev.patches] == [
        [("mm/migrate.c", 2)], [("mm/migrate.c", 3)], [("mm/migrate.c", 3)], [("mm/migrate.c", 6)],
    ]
    assert all(not p.diff.problems for p in rev.patches)


def test_hunk_line_numbers_follow_the_header(migrate):
    hunk = migrate.latest.patches[0].diff.files[0].hunks[1]
    assert (hunk.old_start, hunk.old_len, hunk.new_start, hunk.new_len) == (2079, 45, 2080, 42)
    removed = [ln for ln in hunk.lines if "page_mapcount(page) > 1" in ln.text]
    assert removed[0].kind == "-" and removed[0].old_no == 2090 and removed[0].new_no is None
    added = [ln for ln in hunk.lines if "folio_estimated_sharers(folio) > 1" in ln.text]
    assert added[0].kind == "+" and added[0].new_no == 2092 and added[0].old_no is None


def test_commit_message_stops_before_diffstat(migrate):
    msg = migrate.latest.patches[0].commit_message
    assert msg.startswith("Use a folio in add_page_for_migration()")
    assert "Signed-off-by: Kefeng Wang <wangkefeng.wang@huawei.com>" in msg
    assert "mm/migrate.c |" not in msg


def test_followups_reach_their_patch(migrate):
    rev = migrate.latest
    assert len(rev.cover_replies) == 3
    assert [len(p.replies) for p in rev.patches] == [19, 3, 0, 2]
    # Kefeng's answer to Zi Yan replies to a reply: the chain leads to patch 1.
    msg = migrate.messages["5BBFF5D3-3416-4C0E-9FDD-655661657D67@nvidia.com"]
    assert msg.patch == 1 and msg.kind == "reply"
    assert msg.parents[-1] == "20230802095346.87449-2-wangkefeng.wang@huawei.com"
    assert msg.parents[0] == "de0100e4-d673-428b-8d50-11ae2b7a9641@huawei.com"


def test_followup_trailers_per_patch(migrate):
    patch4 = migrate.latest.patches[3]
    assert patch4.followup_trailers == [
        "Reviewed-by: Matthew Wilcox (Oracle) <willy@infradead.org>",
        "Reviewed-by: David Hildenbrand <david@redhat.com>",
    ]
    assert migrate.messages["ZMpOCgBcc7FR0Ix5@casper.infradead.org"].trailers == [
        "Reviewed-by: Matthew Wilcox (Oracle) <willy@infradead.org>"
    ]


def test_replies_to_missing_messages_still_find_the_cover():
    series = _load("mapcount-large-folio-sharing")
    # In-Reply-To names a Ryan Roberts message absent from the archive; References lead on.
    msg = series.messages["5f98748a-97ca-6426-1e24-a5675da75381@intel.com"]
    assert msg.patch == 0
    assert len(series.latest.cover_replies) == 21
    assert [len(p.replies) for p in series.latest.patches] == [0, 3]
    assert [[(f.path, len(f.hunks)) for f in p.diff.files] for p in series.latest.patches] == [
        [("mm/madvise.c", 2)], [("mm/huge_memory.c", 1), ("mm/madvise.c", 1)],
    ]


def test_v2_threads():
    migrate2 = _load("migrate-folio-conversion-v2")
    assert list(migrate2.revisions) == [2]
    assert [p.label for p in migrate2.latest.patches] == [f"{n}/8" for n in range(1, 9)]
    assert migrate2.latest.patches[1].followup_trailers == [
        'Reviewed-by: "Huang, Ying" <ying.huang@intel.com>'
    ]
    madvise2 = _load("mapcount-large-folio-sharing-v2")
    assert [p.label for p in madvise2.latest.patches] == ["1/3", "2/3", "3/3"]
    assert len(madvise2.messages) == 15


def test_two_revisions_in_one_mbox():
    data = (CORPUS / "migrate-folio-conversion.mbox").read_bytes() + (
        CORPUS / "migrate-folio-conversion-v2.mbox"
    ).read_bytes()
    series = load_series(data)
    assert sorted(series.revisions) == [1, 2]
    assert series.latest.number == 2
    assert len(series.revision(1).patches) == 4
    with pytest.raises(KeyError, match="v3"):
        series.revision(3)
    # Replies belong to the revision of the patch they answer.
    assert series.messages["ZONay3H/RB381x8a@casper.infradead.org"].revision == 2
    assert series.messages["ZMpKYfNWA/jNgEuL@casper.infradead.org"].revision == 1


@pytest.mark.parametrize("data, reason", [
    (b"", "empty"),
    (b"hello world\nthis is not mail\n", "not an mbox"),
    (b"From mboxrd@z Thu Jan  1 00:00:00 1970\nSubject: hi\nMessage-ID: <a@b>\n\nno patch\n",
     "no patch series"),
])
def test_bad_mboxes(data, reason):
    with pytest.raises(MboxError, match=reason):
        load_series(data)
