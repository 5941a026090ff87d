"""`sites` shows the reviewer's tags, catalogue verdicts and the anchored discussion."""

from __future__ import annotations

import json

try:
    from support.cli import DEMO_CACHE, MIGRATE_V1, MIGRATE_V2, run_cli
except ImportError:
    from tests.support.cli import DEMO_CACHE, MIGRATE_V1, MIGRATE_V2, run_cli


def _sites(env, state, thread, *extra):
    res = run_cli("--cache-dir", str(DEMO_CACHE), "--state", str(state), "sites", thread,
                  "--format", "json", *extra, env=env)
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


def test_sites_json_carries_tags_verdicts_and_discussion(tmp_path, cli_env):
    state = tmp_path / "state.db"
    before = _sites(cli_env, state, MIGRATE_V1, "-v", "1")
    assert not state.exists()  # listing sites never creates the state file
    assert [s["requirement"] for s in before] == [None, None, None]
    assert {s["verdict"] for s in before} == {"untagged"}
    numa = next(s for s in before if s["patch"] == 2)
    assert "ZMpMfQUktateeN1D@casper.infradead.org" in numa["discussion"]  # Matthew Wilcox
    first = next(s for s in before if s["patch"] == 1)
    res = run_cli("--cache-dir", str(DEMO_CACHE), "--state", str(state), "tag", MIGRATE_V1,
                  "-v", "1", first["id"], "fn-unsafe", "--note", "move_pages() policy",
                  env=cli_env)
    assert res.returncode == 0, res.stderr
    after = {s["id"]: s for s in _sites(cli_env, state, MIGRATE_V1, "-v", "1")}
    assert after[first["id"]]["requirement"] == "fn-unsafe"
    assert after[first["id"]]["verdict"] == "risk"  # FN introduced at an fn-unsafe site
    assert after[first["id"]]["note"] == "move_pages() policy"
    assert after[numa["id"]]["verdict"] == "untagged"


def test_sites_json_groups_the_discussion_per_site(tmp_path, cli_env):
    """1/4's hunk holds the mapcount site and the hugetlb check: only 2 mails are on the site."""
    first = next(s for s in _sites(cli_env, tmp_path / "state.db", MIGRATE_V1, "-v", "1")
                 if s["patch"] == 1)
    willy, kefeng = ("ZMpKYfNWA/jNgEuL@casper.infradead.org",
                     "001ee9b0-ea25-a896-e3ae-9a9b05a46546@huawei.com")
    assert first["discussion"] == [willy, kefeng]
    # Both also comment on the hugetlb check below it, as does the whole -EBUSY sub-thread.
    assert first["discussion_hunk"] == [
        willy, kefeng, "ZMud3RreEpsvFKuA@casper.infradead.org",
        "fb2a22cf-14ae-3594-f5f3-8680c2100d70@huawei.com",
        "F2621E68-F36E-493C-8619-ADFE05050823@nvidia.com",
        "d184ba78-97d1-a264-fc31-87dfdbe6fdff@huawei.com",
        "871qg59cwd.fsf@yhuang6-desk2.ccr.corp.intel.com",
        "2E8CA295-CEA2-4093-8287-F68C3977A538@nvidia.com",
        "87zg2s6nvt.fsf@yhuang6-desk2.ccr.corp.intel.com"]
    assert not set(first["discussion_patch"]) & set(first["discussion_hunk"])
    assert len(first["discussion_patch"]) == 10
    assert "20230809205316.GA3537@monkey" in first["discussion_patch"]  # Mike Kravetz, prose


def test_changed_site_in_next_revision_says_what_it_was(tmp_path, cli_env):
    state = tmp_path / "state.db"
    v1 = _sites(cli_env, state, MIGRATE_V1, "-v", "1")
    misplaced = next(s for s in v1 if s["function"] == "migrate_misplaced_page")
    run_cli("--cache-dir", str(DEMO_CACHE), "--state", str(state), "tag", MIGRATE_V1, "-v", "1",
            misplaced["id"], "estimate-ok", env=cli_env)
    res = run_cli("--cache-dir", str(DEMO_CACHE), "--state", str(state), "sites", MIGRATE_V2,
                  env=dict(cli_env, COLUMNS="160"))
    assert res.returncode == 0, res.stderr
    assert "was tagged estimate-ok on v1" in " ".join(res.stdout.split())
    v2 = _sites(cli_env, state, MIGRATE_V2)
    assert all(s["requirement"] is None for s in v2)


def test_link_by_hand_keeps_tags(tmp_path, cli_env):
    import shutil

    cache = tmp_path / "cache"
    shutil.copytree(DEMO_CACHE, cache)
    state = tmp_path / "state.db"
    base = ("--cache-dir", str(cache), "--state", str(state))
    madvise_v1 = "20230728161356.1784568-1-fengwei.yin@intel.com"
    res = run_cli(*base, "sites", madvise_v1, "-v", "1", "--format", "json", env=cli_env)
    site = json.loads(res.stdout)[0]["id"]
    assert run_cli(*base, "tag", madvise_v1, "-v", "1", site, "estimate-ok", env=cli_env).returncode == 0
    # Link the madvise v1 thread with the migrate v1 thread by hand (a wrong link on purpose):
    res = run_cli(*base, "link", madvise_v1, MIGRATE_V1, env=cli_env)
    assert res.returncode == 0, res.stderr
    res = run_cli(*base, "sites", madvise_v1, "-v", "1", "--format", "json", env=cli_env)
    assert json.loads(res.stdout)[0]["requirement"] == "estimate-ok"
    res = run_cli(*base, "link", "--unlink", madvise_v1, MIGRATE_V1, env=cli_env)
    assert res.returncode == 0, res.stderr
    res = run_cli(*base, "sites", madvise_v1, "-v", "1", "--format", "json", env=cli_env)
    assert json.loads(res.stdout)[0]["requirement"] == "estimate-ok"
    res = run_cli(*base, "link", madvise_v1, env=cli_env)
    assert res.returncode == 2 and "at least two" in res.stderr


def test_remaining_tree_sites_can_be_tagged_and_audited(tmp_path, cli_env):
    from bs4 import BeautifulSoup

    tree = DEMO_CACHE.parent / "tests" / "tree" / "corpus_tree"
    state = tmp_path / "state.db"
    base = ("--cache-dir", str(DEMO_CACHE), "--state", str(state))
    res = run_cli(*base, "tree-audit", MIGRATE_V1, "--tree", str(tree), "--format", "json",
                  env=cli_env)
    assert res.returncode == 0, res.stderr
    remaining = [r for r in json.loads(res.stdout)["rows"] if r["status"] == "remaining"]
    assert remaining
    target = remaining[0]
    res = run_cli(*base, "tag", MIGRATE_V1, target["id"], "estimate-ok", "--note", "fine as is",
                  "--tree", str(tree), env=cli_env)
    assert res.returncode == 0, res.stderr
    assert "tree" in res.stdout and "estimate-ok" in res.stdout
    # Without --tree the id is not a site of the series: a clear error.
    res = run_cli(*base, "tag", MIGRATE_V1, target["id"], "estimate-ok", env=cli_env)
    assert res.returncode == 2 and "unknown site" in res.stderr
    res = run_cli(*base, "audit", MIGRATE_V1, "--tree", str(tree), "--format", "json",
                  env=cli_env)
    audit = json.loads(res.stdout)
    rows = {r["id"]: r for r in audit["remaining"]}
    assert set(rows) == {r["id"] for r in remaining}
    assert rows[target["id"]]["requirement"] == "estimate-ok"
    assert rows[target["id"]]["note"] == "fine as is"
    assert audit["summary"]["remaining"] == len(remaining)
    assert "before the series" in audit["tree"]
    html = run_cli(*base, "audit", MIGRATE_V1, "--tree", str(tree), "--format", "html",
                   env=cli_env).stdout
    soup = BeautifulSoup(html, "html.parser")
    cell = soup.select_one(f"#tree-{target['id']}")
    assert cell is not None and "fine as is" in cell.get_text()
    md = run_cli(*base, "audit", MIGRATE_V1, "--tree", str(tree), env=cli_env).stdout
    assert "## Remaining call sites" in md and target["id"] in md
