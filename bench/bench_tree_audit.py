"""Time `reviewtui tree-audit` against plain `git grep -n -E '<api names>'` on the same tree.

    python bench/bench_tree_audit.py [--runs N] [--ten] [--walk] [--tree PATH] [--keep DIR]

Generates a git tree shaped like the kernel's mm/ + include/ (about 6,000 C files, 55 MB, a
few hundred API calls, most in mm/), optionally one ten times larger (--ten), and times:
  git grep    `git grep -n -E 'page_mapcount|...'` (all catalogue names), output captured
  audit       run_tree_audit() in-process: git grep, reading the matched files, tree-sitter
              on the chunks around the hits, classification against the migrate series
  cli         the whole `reviewtui tree-audit --format json` process (Python start-up,
              imports and the series' own analysis included)
  walk        (--walk) run_tree_audit(method="walk"): the scan used for plain directories
Runs are interleaved after one warm-up each; medians and minimums are printed.
--tree PATH times an existing tree as well (a kernel checkout, say).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("GIT_CONFIG_GLOBAL", "/dev/null")
os.environ.setdefault("XDG_CACHE_HOME", "/tmp/reviewtui-bench-cache")

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from reviewtui.analysis.catalogue import load_catalogue
from reviewtui.analysis.sites import analyse_revision
from reviewtui.model.load import load_series
from reviewtui.tree import run_tree_audit

THREAD = next((REPO / "cache" / "threads").glob("20230802095346.87449-1-*.mbox"))
# Kernel v6.1: mm/ has ~150 C files (5 MB), include/ ~5,900 (52 MB); ~550 lines name an API.
SHAPE = {"mm": (150, 34_000, 0.3), "include/linux": (2_900, 9_000, 0.008),
         "include/uapi": (1_500, 8_500, 0.0), "include/trace": (1_450, 9_000, 0.004)}
USE_SHARE = 0.2  # of the functions / header items of a file with uses
API_LINES = [
    "if (page_mapcount(page) > 1)", "if (folio_mapcount(folio) != 1)",
    "if (total_mapcount(page) > 1 && !all)", "nr = folio_ref_count(folio) - 1;",
    "if (page_count(page) != expected)", "if (!folio_mapped(folio))",
    "if (PageAnonExclusive(page))", "VM_BUG_ON_PAGE(page_mapcount(page) < 0, page);",
    "if (folio_estimated_sharers(folio) > 1)", "mapcount = folio_entire_mapcount(folio);",
    "if (page_mapped(page) && page_count(page) == 1)",
]
MENTIONS = ["/* page_mapcount() looks at one page only */",
            "/* see folio_mapcount(): the total over all pages */"]
# No two words may join into an API name ("page" + "count"): the calls would be real hits.
WORDS = ("vma", "addr", "page", "folio", "mm", "pte", "pmd", "nr", "flags", "err", "ret",
         "cnt", "node", "zone", "lru", "order", "pgoff", "mapping", "index", "entry", "offset",
         "start", "end", "len", "next", "prev", "head", "tail", "state")
FILE_HEAD = ("// SPDX-License-Identifier: GPL-2.0\n/*\n * Generated for the tree-audit "
             "benchmark.\n */\n#include <linux/mm.h>\n")
STATEMENTS = [
    "{a} = {b} + {c};", "if (!{a})\n\t\treturn -EINVAL;", "{a} = {f}({b}, {c});",
    "spin_lock(&{a}->lock);", "spin_unlock(&{a}->lock);", "list_add_tail(&{a}->lru, &{b});",
    "if (unlikely({a} > {b}))\n\t\tgoto out;", "{a} |= {C};", "WARN_ON_ONCE({a} != {b});",
    "for ({a} = 0; {a} < {b}; {a}++)\n\t\t{f}({c}, {a});", "/* {a} and {b} are stable here */",
]


def _name(rng: random.Random, parts: int = 3) -> str:
    return "_".join(rng.choice(WORDS) for _ in range(parts))


def _function(rng: random.Random, uses: int) -> str:
    name = _name(rng)
    params = ",\n\t\t".join(f"struct {rng.choice(WORDS)} *{rng.choice(WORDS)}"
                            for _ in range(rng.randint(1, 4)))
    body = [f"\tint {', '.join(rng.sample(WORDS, 3))};", ""]
    for _ in range(rng.randint(8, 40)):
        body.append("\t" + rng.choice(STATEMENTS).format(
            a=rng.choice(WORDS), b=rng.choice(WORDS), c=rng.choice(WORDS), f=_name(rng, 2),
            C=_name(rng, 2).upper()))
    for _ in range(uses):
        body.insert(rng.randint(2, len(body)), f"\t{rng.choice(API_LINES)}\n\t\tgoto out;")
    if rng.random() < 0.03:
        body.insert(2, "\t" + rng.choice(MENTIONS))
    body += ["out:", "\treturn 0;"]
    return f"static int {name}({params})\n{{\n" + "\n".join(body) + "\n}\n"


def _header_item(rng: random.Random, uses: int) -> str:
    kind = rng.random()
    if uses or kind < 0.3:
        line = rng.choice(API_LINES).replace("if (", "return (").replace(")", ");", 1) \
            if uses else f"return {rng.choice(WORDS)}->{rng.choice(WORDS)};"
        return (f"static inline int {_name(rng)}(struct {rng.choice(WORDS)} *page)\n{{\n"
                f"\tstruct folio *folio = page_folio(page);\n\n\t{line}\n}}\n")
    if kind < 0.6:
        fields = "\n".join(f"\tunsigned long {_name(rng, 2)};" for _ in range(rng.randint(3, 12)))
        return f"struct {_name(rng)} {{\n{fields}\n}};\n"
    if kind < 0.8:
        return f"#define {_name(rng).upper()}(x)\t\\\n\t(((x) >> {rng.randint(1, 30)}) & 0xff)\n"
    return f"extern int {_name(rng)}(struct {rng.choice(WORDS)} *{rng.choice(WORDS)});\n"


def _file(rng: random.Random, size: int, header: bool, with_uses: bool) -> str:
    parts = [FILE_HEAD]
    total = len(parts[0])
    while total < size:
        uses = 1 if with_uses and rng.random() < USE_SHARE else 0
        item = _header_item(rng, uses) if header else _function(rng, uses)
        parts.append(item)
        total += len(item) + 1
    return "\n".join(parts)


def generate(root: Path, scale: int, seed: int = 1) -> tuple[int, int]:
    """Write the tree and commit it; returns (files, bytes)."""
    rng = random.Random(seed)
    files = size = 0
    for copy in range(scale):
        for folder, (count, mean, share) in SHAPE.items():
            base = root / (folder if copy == 0 else f"{folder}{copy}")
            base.mkdir(parents=True, exist_ok=True)
            header = folder.startswith("include")
            for i in range(count):
                text = _file(rng, int(rng.expovariate(1 / mean)) + 500, header,
                             rng.random() < share)
                (base / f"f{i:04d}.{'h' if header else 'c'}").write_text(text)
                files += 1
                size += len(text)
    env = {**os.environ, "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@b",
           "GIT_COMMITTER_NAME": "b", "GIT_COMMITTER_EMAIL": "b@b"}
    for cmd in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "generated"]):
        subprocess.run(["git", "-C", str(root), *cmd], check=True, env=env)
    return files, size


def _time(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def bench(root: Path, runs: int, walk: bool, sites, catalogue) -> dict[str, list[float]]:
    """Interleaved timings of every contender on ROOT."""
    pattern = "|".join(sorted(catalogue.names))
    contenders = {
        "git grep": lambda: subprocess.run(["git", "-C", str(root), "grep", "-n", "-E", pattern],
                                           capture_output=True, check=False),
        "audit": lambda: run_tree_audit(root, sites, catalogue),
        "cli": lambda: subprocess.run(
            [sys.executable, "-m", "reviewtui.cli", "tree-audit", "--mbox", str(THREAD),
             "--tree", str(root), "--format", "json"], capture_output=True, check=True),
    }
    if walk:
        contenders["walk"] = lambda: run_tree_audit(root, sites, catalogue, method="walk")
    for fn in contenders.values():
        fn()  # warm the page cache and the imports
    times: dict[str, list[float]] = {k: [] for k in contenders}
    for _ in range(runs):
        for key, fn in contenders.items():
            times[key].append(_time(fn))
    return times


def report(label: str, root: Path, times: dict[str, list[float]], sites, catalogue) -> None:
    """Print one block of figures."""
    result = run_tree_audit(root, sites, catalogue)
    grep = statistics.median(times["git grep"])
    print(f"\n{label}: {root}")
    print(f"  {len(result.scan.uses)} calls in {result.scan.files_with_hits} files; "
          f"counts {result.audit.counts()}")
    print(f"  {'':10} {'median s':>9} {'min s':>8} {'x git grep':>11}")
    for key, values in times.items():
        med = statistics.median(values)
        print(f"  {key:10} {med:9.3f} {min(values):8.3f} {med / grep:11.2f}")


def main() -> int:
    """Entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--ten", action="store_true", help="also the tree ten times larger")
    parser.add_argument("--walk", action="store_true", help="also time the plain-directory scan")
    parser.add_argument("--tree", type=Path, help="also time this existing tree")
    parser.add_argument("--keep", type=Path, help="generate into DIR and keep it")
    args = parser.parse_args()
    catalogue = load_catalogue()
    sites = analyse_revision(load_series(THREAD.read_bytes()).latest, catalogue)
    print(f"cores: {os.cpu_count()}; series: {THREAD.name} ({len(sites)} sites); "
          f"runs: {args.runs}")
    if args.tree:
        report("given tree", args.tree, bench(args.tree, args.runs, args.walk, sites, catalogue),
               sites, catalogue)
    with tempfile.TemporaryDirectory(prefix="reviewtui-bench-") as tmp:
        base = args.keep or Path(tmp)
        for scale in (1, 10) if args.ten else (1,):
            root = base / f"tree-x{scale}"
            if not (root / ".git").exists():
                started = time.perf_counter()
                files, size = generate(root, scale)
                print(f"\ngenerated x{scale}: {files} files, {size / 1e6:.0f} MB "
                      f"in {time.perf_counter() - started:.0f} s")
            times = bench(root, args.runs, args.walk, sites, catalogue)
            report(f"generated x{scale}", root, times, sites, catalogue)
    return 0


if __name__ == "__main__":
    sys.exit(main())
