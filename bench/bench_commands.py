"""Whole-process figures: reviewtui commands against b4's own parse of the same mbox.

    python bench/bench_commands.py [--runs N] [--patches 500] [--cases series,refs,random]
                                   [--random-mb 200] [--reviewtui PATH]

Every figure is one process, measured from outside: wall time, CPU time (user + system) and
peak RSS (os.wait4's rusage of that child). "b4" is a process that runs b4's own offline parse
of the same file (mailsplit + LoreMailbox.add_message + get_series for every revision, as in
bench_analysis.py); ratios are reviewtui / b4 of the same run.

Cases:
  series  a generated series of N patches, 10 replies each, every reply quoting its patch
          (26 MB for 500), put into a fresh cache with `cache add` (which analyses the call
          sites, as `fetch` does), the first `tag` after it, `sites` cold (no sites cache:
          `--no-analysis`, or a new reviewtui) and warm, `tag` of one site cold and warm,
          `thread`, `review --print`.
  refs    a 4-patch series where one reply's References lists 100,000 message-ids.
  random  a file of random lines (--random-mb MB): without structure, and split into
          messages of random text (every other one with a Message-ID).
--reviewtui names another checkout's console script (e.g. main's) to compare before/after.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from bench_analysis import generated_series
from support.hostile_mbox import mbox, random_lines_mbox, reply, series

B4_PARSE = """
import sys, b4, logging, argparse
logging.getLogger("b4").setLevel(logging.CRITICAL)
b4.setup_config(argparse.Namespace(config={}))
msgs = b4.mailsplit_bytes(open(sys.argv[1], "rb").read())
lmbx = b4.LoreMailbox()
for msg in msgs:
    try:
        lmbx.add_message(msg)
    except ValueError:
        pass  # a message without a usable Message-ID
for revision in sorted(lmbx.series):
    lmbx.get_series(revision=revision, codereview_trailers=False)
"""


@dataclass
class Run:
    """One process: wall and CPU seconds, peak RSS in MB, exit code."""

    wall: float
    cpu: float
    rss: float
    code: int


def measure(argv: list[str], env: dict[str, str], out: Path, timeout: float) -> Run:
    """Run ARGV once with stdout and stderr to files; rusage of that child only."""
    with open(out, "wb") as stdout, open(out.with_suffix(".err"), "wb") as stderr:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, env=env, stdout=stdout, stderr=stderr)
        deadline = start + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.005)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, proc.returncode)


def median_run(argv: list[str], env: dict[str, str], out: Path, runs: int, timeout: float,
               before=None) -> Run:
    """Median of RUNS runs (BEFORE() runs ahead of each, e.g. to drop the sites cache)."""
    results = []
    for _ in range(runs):
        if before is not None:
            before()
        results.append(measure(argv, env, out, timeout))
    return Run(statistics.median(r.wall for r in results), statistics.median(r.cpu for r in results),
               max(r.rss for r in results), results[-1].code)


def bench_env(home: Path) -> dict[str, str]:
    """An environment whose cache, state and git config live under HOME."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REVIEWTUI_", "XDG_"))}
    env.update(HOME=str(home), XDG_CACHE_HOME=str(home / "cache"),
               XDG_DATA_HOME=str(home / "data"), GIT_CONFIG_GLOBAL="/dev/null",
               GIT_CONFIG_NOSYSTEM="1", NO_COLOR="1", COLUMNS="160")
    return env


class Table:
    """Prints one row per measured process, with ratios against the case's b4 row."""

    def __init__(self) -> None:
        self.base: Run | None = None
        print(f"{'case':<10} {'process':<34} {'wall s':>7} {'cpu s':>7} {'RSS MB':>7} "
              f"{'wall/b4':>7} {'cpu/b4':>7} {'rc':>3}")

    def row(self, case: str, name: str, run: Run, *, base: bool = False) -> None:
        if base:
            self.base = run
        ratio = (f"{run.wall / self.base.wall:>7.2f} {run.cpu / self.base.cpu:>7.2f}"
                 if self.base and not base else f"{'':>7} {'':>7}")
        print(f"{case:<10} {name:<34} {run.wall:>7.2f} {run.cpu:>7.2f} {run.rss:>7.0f} "
              f"{ratio} {run.code:>3}", flush=True)


def first_site(cache_dir: Path, reviewtui: list[str], env: dict[str, str], thread: str) -> str:
    """The id of the first call site `sites --format json` lists."""
    import json

    res = subprocess.run([*reviewtui, "--cache-dir", str(cache_dir), "sites", thread,
                          "--format", "json"], env=env, capture_output=True, text=True,
                         check=True)
    return json.loads(res.stdout)[0]["id"]


def case_series(args, work: Path, reviewtui: list[str], table: Table) -> None:
    path = work / "series.mbox"
    path.write_bytes(generated_series(args.patches, quote=True))
    env = bench_env(work / "home-series")
    cache = work / "home-series" / "threads"
    rt = [*reviewtui, "--cache-dir", str(cache), "--state", str(work / "state.sqlite3")]
    thread = "bench-0@example.org"
    name = f"{args.patches}p {path.stat().st_size / 1e6:.0f}MB"
    out = work / "out.txt"
    runs, timeout = args.runs, args.timeout
    table.row(name, "b4 parse", median_run([sys.executable, "-c", B4_PARSE, str(path)], env,
                                           out, runs, timeout), base=True)

    def drop() -> None:
        shutil.rmtree(cache / "analysis", ignore_errors=True)

    def fresh() -> None:
        shutil.rmtree(cache, ignore_errors=True)

    table.row(name, "cache add (analyses)", median_run([*rt, "cache", "add", str(path)], env,
                                                       out, runs, timeout, before=fresh))
    site = first_site(cache, reviewtui, env, thread)
    table.row(name, "tag after cache add", median_run([*rt, "tag", thread, site, "fn-unsafe"],
                                                      env, out, 1, timeout))

    table.row(name, "sites (cold)", median_run([*rt, "sites", thread], env, out, runs,
                                               timeout, before=drop))
    table.row(name, "sites (warm)", median_run([*rt, "sites", thread], env, out, runs, timeout))
    site = first_site(cache, reviewtui, env, thread)
    tag = [*rt, "tag", thread, site, "fn-unsafe"]
    table.row(name, "tag one site (cold)", median_run(tag, env, out, runs, timeout, before=drop))
    table.row(name, "tag one site (warm)", median_run(tag, env, out, runs, timeout))
    table.row(name, "thread", median_run([*rt, "thread", thread], env, out, runs, timeout))
    table.row(name, "review --print", median_run([*rt, "review", thread, "--print"], env, out,
                                                 runs, timeout))


def case_refs(args, work: Path, reviewtui: list[str], table: Table) -> None:
    mails = series(4)
    answer = reply("refs@hostile", mails[1], "Reviewed-by: Rita Reviewer <rita@example.org>\n", 30)
    answer.references = [f"missing{i}@refs.example" for i in range(100_000)] + answer.references
    path = work / "refs.mbox"
    path.write_bytes(mbox([*mails, answer]))
    env = bench_env(work / "home-refs")
    cache = work / "home-refs" / "threads"
    rt = [*reviewtui, "--cache-dir", str(cache), "--state", str(work / "state.sqlite3")]
    name = f"refs 100k {path.stat().st_size / 1e6:.1f}MB"
    out = work / "out.txt"
    table.row(name, "b4 parse", median_run([sys.executable, "-c", B4_PARSE, str(path)], env, out,
                                           1, args.timeout), base=True)
    table.row(name, "sites --mbox", median_run([*rt, "sites", "--mbox", str(path)], env, out,
                                               1, args.timeout))
    table.row(name, "cache add", measure([*rt, "cache", "add", str(path)], env, out, args.timeout))


def case_random(args, work: Path, reviewtui: list[str], table: Table) -> None:
    out = work / "out.txt"
    for shaped in (False, True):
        path = work / f"random-{shaped}.mbox"
        size = random_lines_mbox(path, args.random_mb * 1_000_000, messages=shaped)
        env = bench_env(work / "home-random")
        rt = [*reviewtui, "--cache-dir", str(work / "home-random" / "threads"),
              "--state", str(work / "state.sqlite3")]
        name = f"random {size / 1e6:.0f}MB" + (" msgs" if shaped else "")
        if args.b4_random:
            table.row(name, "b4 parse", measure([sys.executable, "-c", B4_PARSE, str(path)], env,
                                                out, args.timeout), base=True)
        else:
            table.base = None
        table.row(name, "sites --mbox", measure([*rt, "sites", "--mbox", str(path)], env, out,
                                                args.timeout))
        path.unlink()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per process (median)")
    parser.add_argument("--patches", type=int, default=500, help="patches of the series case")
    parser.add_argument("--cases", default="series,refs,random", help="cases to run")
    parser.add_argument("--random-mb", type=int, default=200, help="size of the random files")
    parser.add_argument("--b4-random", action="store_true",
                        help="also run b4's parse on the random files (needs several GB)")
    parser.add_argument("--timeout", type=float, default=600, help="seconds per process")
    parser.add_argument("--reviewtui", default=None,
                        help="reviewtui console script to measure (default: this checkout)")
    args = parser.parse_args()
    reviewtui = [args.reviewtui] if args.reviewtui else [sys.executable, "-m", "reviewtui.cli"]
    cases = {"series": case_series, "refs": case_refs, "random": case_random}
    table = Table()
    with tempfile.TemporaryDirectory(prefix="reviewtui-bench-") as tmp:
        for name in args.cases.split(","):
            cases[name](args, Path(tmp), reviewtui, table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
