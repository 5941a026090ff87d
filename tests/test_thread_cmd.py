"""`reviewtui thread`: the text tree, the JSON contract, and hostile email-derived text."""

from __future__ import annotations

import json

import pytest

from reviewtui.cli import main
from reviewtui.commands.thread import clean
from reviewtui.model.load import load_series

try:
    from support.cli import CORPUS, DEMO_CACHE, MIGRATE_V1, run_cli
except ImportError:
    from tests.support.cli import CORPUS, DEMO_CACHE, MIGRATE_V1, run_cli

MESSAGE_KEYS = {"msgid", "kind", "from", "date", "subject", "in_reply_to", "patch", "trailers",
                "fn_fp_mentions", "anchors"}
ANCHOR_KEYS = {"patch", "file", "line", "side", "site_id", "text", "scope", "hunk"}
WILLY_1 = "ZMpKYfNWA/jNgEuL@casper.infradead.org"
DAVID_SEED = "31093c49-5baa-caed-9871-9503cb89454b@redhat.com"


def _json(capsys, *args: str) -> dict:
    assert main(["thread", *args, "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def _mbox(name: str) -> str:
    return str(CORPUS / f"{name}.mbox")


def test_json_contract_shape(capsys):
    data = _json(capsys, "--mbox", _mbox("migrate-folio-conversion"))
    assert set(data) == {"messages", "patches", "problems"}
    assert data["problems"] == []
    assert len(data["messages"]) == 32
    for msg in data["messages"]:
        assert set(msg) == MESSAGE_KEYS
        assert msg["kind"] in ("cover", "patch", "reply")
        for anchor in msg["anchors"]:
            assert set(anchor) == ANCHOR_KEYS
    kinds = [m["kind"] for m in data["messages"]]
    assert kinds.count("cover") == 1 and kinds.count("patch") == 4
    assert [p["patch"] for p in data["patches"]] == [1, 2, 3, 4]
    assert set(data["patches"][0]) == {"patch", "subject", "trailers", "trailer_mismatches"}


def test_json_messages_carry_patch_trailers_and_anchors(capsys):
    data = _json(capsys, "--mbox", _mbox("migrate-folio-conversion"))
    by_id = {m["msgid"]: m for m in data["messages"]}
    willy = by_id[WILLY_1]
    assert willy["from"] == "Matthew Wilcox <willy@infradead.org>"
    assert willy["patch"] == 1 and willy["in_reply_to"] == "20230802095346.87449-2-wangkefeng.wang@huawei.com"
    assert [(a["patch"], a["file"], a["line"], a["side"]) for a in willy["anchors"]] == [
        (1, "mm/migrate.c", 2093, "new"), (1, "mm/migrate.c", 2096, "new")]
    assert willy["anchors"][0]["text"].startswith("I do not think this is the correct change")
    # The first comment quotes the mapcount line (the site), the second the hugetlb check
    # below it: another change of the same hunk.
    assert [(a["site_id"], a["scope"], a["hunk"]) for a in willy["anchors"]] == [
        ("84513eb03846", "site", [0, 1]), (None, "hunk", [0, 1])]
    review = by_id["ZMpOCgBcc7FR0Ix5@casper.infradead.org"]
    assert review["trailers"] == ["Reviewed-by: Matthew Wilcox (Oracle) <willy@infradead.org>"]
    assert review["anchors"][0]["line"] is None and review["anchors"][0]["patch"] == 4
    assert (review["anchors"][0]["scope"], review["anchors"][0]["hunk"]) == ("patch", None)
    patch4 = data["patches"][3]
    assert patch4["trailers"] == ["Reviewed-by: Matthew Wilcox (Oracle) <willy@infradead.org>",
                                  "Reviewed-by: David Hildenbrand <david@redhat.com>"]
    assert by_id["bf4b5b30-4ed1-13ed-bba9-234887c9eeb3@redhat.com"]["patch"] == 0


def test_json_mentions_are_body_offsets(capsys):
    data = _json(capsys, "--mbox", _mbox("mapcount-large-folio-sharing"))
    series = load_series((CORPUS / "mapcount-large-folio-sharing.mbox").read_bytes())
    seed = next(m for m in data["messages"] if m["msgid"] == DAVID_SEED)
    body = series.messages[DAVID_SEED].body
    assert [(m["kind"], m["text"]) for m in seed["fn_fp_mentions"]] == [
        ("fn", "false negatives"), ("fn", "actually shared but we fail to detect it"),
        ("fp", "false positives"), ("fp", "actually exclusive, but we \nfail to detect it")]
    assert all(body[m["start"]:m["end"]] == m["text"] for m in seed["fn_fp_mentions"])
    others = [m for m in data["messages"] if m["msgid"] != DAVID_SEED and m["fn_fp_mentions"]]
    assert others == []
    assert data["patches"][0]["trailer_mismatches"], "b4's refused trailers are reported"


def test_json_revision_option(capsys):
    data = _json(capsys, "--mbox", _mbox("migrate-folio-conversion-v2"), "--revision", "2")
    assert len(data["patches"]) == 8
    assert data["patches"][1]["trailers"] == ['Reviewed-by: "Huang, Ying" <ying.huang@intel.com>']
    assert main(["thread", "--mbox", _mbox("migrate-folio-conversion-v2"), "--revision", "7"]) == 2
    assert "v7" in capsys.readouterr().err


def test_text_tree_from_the_demo_cache(cli_env):
    result = run_cli("--cache-dir", str(DEMO_CACHE), "thread", MIGRATE_V1, "--revision", "1",
                     env=cli_env)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "[PATCH 0/4] mm: migrate: more folio conversion" in out
    assert "Matthew Wilcox" in out and "Hugh Dickins" in out
    assert "1: mm/migrate.c:2093" in out
    assert "Reviewed-by" in out
    lines = out.splitlines()
    cover = next(i for i, ln in enumerate(lines) if "[PATCH 0/4]" in ln and "Re:" not in ln)
    willy = next(i for i, ln in enumerate(lines) if "Matthew Wilcox" in ln and "[PATCH 1/4]" in ln)
    assert lines[willy].index("Matthew") > lines[cover].index("Kefeng"), "replies are indented"


HOSTILE = (
    "From mboxrd@z Thu Jan  1 00:00:00 1970\n"
    "From: =?utf-8?q?Evil_=5Bbold_red=5DName=5B/=5D_=1B=5B31m?= <evil@example.org>\n"
    "Subject: [PATCH] mm: =?utf-8?q?=5Blink=3Dhttp://x=5Dclick=5B/link=5D_=1B]0;title=07?=\n"
    "Message-ID: <hostile@x>\nDate: Mon, 21 Aug 2023 19:56:17 +0800\n"
    "Content-Type: text/plain; charset=utf-8\n\n"
    "Change.\n\nSigned-off-by: Evil <evil@example.org>\n---\n x | 2 +-\n\n"
    "diff --git a/mm/x.c b/mm/x.c\n--- a/mm/x.c\n+++ b/mm/x.c\n@@ -1,2 +1,2 @@\n int a;\n"
    "-int b = page_mapcount(page);\n+int b = folio_mapcount(folio);\n\n"
    "From mboxrd@z Thu Jan  1 00:00:00 1970\n"
    "From: R <r@example.org>\nSubject: Re: [PATCH] mm: \u202eevil\nMessage-ID: <r@x>\n"
    "In-Reply-To: <hostile@x>\nReferences: <hostile@x>\nDate: Mon, 21 Aug 2023 20:56:17 +0800\n"
    "Content-Type: text/plain; charset=utf-8\n\n"
    "> -int b = page_mapcount(page);\n> +int b = folio_mapcount(folio);\n\n"
    "A false negative \x1b[2J here.\n"
)


def test_hostile_text_is_escaped_and_stripped(tmp_path, capsys):
    mbox = tmp_path / "hostile.mbox"
    mbox.write_bytes(HOSTILE.encode())
    assert main(["thread", "--mbox", str(mbox)]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
    assert "[bold red]Name[/]" in out
    assert "[link=http://x]click[/link]" in out
    data = _json(capsys, "--mbox", str(mbox))
    reply = next(m for m in data["messages"] if m["msgid"] == "r@x")
    assert [(a["line"], a["side"]) for a in reply["anchors"]] == [(2, "new")]
    assert [m["kind"] for m in reply["fn_fp_mentions"]] == ["fn"]


@pytest.mark.parametrize("raw, shown", [
    ("a\x1b[31mb\x1b[0m", "ab"),
    ("x\x1b]8;;http://e\x07y", "xy"),
    ("tab\there\nnew", "tab here new"),
    ("[b]bold[/b]", r"\[b]bold\[/b]"),
    ("zero\u200bwidth\u202e", "zerowidth"),
])
def test_clean(raw, shown):
    assert clean(raw) == shown


def test_deep_reply_chain_stays_readable(tmp_path, capsys):
    parts = [HOSTILE.split("From mboxrd@z", 2)[1].join(["From mboxrd@z", ""])]
    prev, refs = "<hostile@x>", ["<hostile@x>"]
    for i in range(40):
        mid = f"<d{i}@x>"
        parts.append(
            f"From mboxrd@z Thu Jan  1 00:00:00 1970\nFrom: R{i} <r{i}@example.org>\n"
            f"Subject: Re: [PATCH] x\nMessage-ID: {mid}\nIn-Reply-To: {prev}\n"
            f"References: {' '.join(refs)}\nDate: Mon, 21 Aug 2023 21:{i:02d}:00 +0800\n\nok\n\n")
        prev = mid
        refs.append(mid)
    mbox = tmp_path / "deep.mbox"
    mbox.write_text("".join(parts))
    assert main(["thread", "--mbox", str(mbox)]) == 0
    out = capsys.readouterr().out
    lines = [ln for ln in out.splitlines() if " R3" in ln]  # R3, R30..R39
    assert len(lines) == 11
    indents = {len(ln) - len(ln.lstrip("│ ├└─")) for ln in lines if " R3" in ln}
    assert max(indents) <= 4 * 13, "indentation stops growing at MAX_DEPTH"
