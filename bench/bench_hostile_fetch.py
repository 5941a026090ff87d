"""Peak memory and time of `reviewtui fetch` against hostile servers on 127.0.0.1.

    python bench/bench_hostile_fetch.py [--timeout S] [--max-size SIZE]

Each line is one `reviewtui fetch` process (the real command line, default limits unless
given) against the standard-library server of tests/support/hostile_http.py:
  serve          the real migrate thread, well served (the baseline)
  bomb           a 2 MB gzip that inflates to 2 GiB
  bomb-encoded   the same bomb as Content-Encoding: gzip
  endless        a body without length that goes on for 1.5 GiB
  huge-length    a declared 1.5 GiB body
  slow-body      one byte every 0.5 s after the headers
  slow-headers   one byte every 0.5 s from the status line on
  reset          half of the thread, then a TCP reset
Printed: exit code, wall time, peak RSS of the process (wait4), the error line.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from support.cli import CORPUS, MIGRATE_V1, isolated_env
from support.hostile_http import HostileServer, gzip_bomb

MODES = ("serve", "bomb", "bomb-encoded", "endless", "huge-length", "slow-body", "slow-headers",
         "reset")


def run_once(server: HostileServer, mode: str, args: argparse.Namespace, tmp: Path) -> str:
    """One fetch process; its figures as one line."""
    server.mode = mode
    cache = tmp / f"cache-{mode}"
    env = isolated_env(tmp / "home")
    cmd = [sys.executable, "-m", "reviewtui.cli", "--cache-dir", str(cache), "--server",
           server.base_url, "fetch", "--quiet", "--timeout", str(args.timeout), MIGRATE_V1]
    if args.max_size:
        cmd[-1:-1] = ["--max-size", args.max_size]
    err = tmp / f"{mode}.err"
    start = time.monotonic()
    with open(err, "wb") as fe:
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=fe)
        _pid, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.monotonic() - start
    lines = err.read_text(errors="replace").strip().splitlines()
    last = lines[-1][len("reviewtui: error: "):][:90] if lines else "ok"
    return (f"{mode:<13} rc={proc.returncode:<2} {seconds:6.2f} s  "
            f"{usage.ru_maxrss / 1024:7.0f} MiB  {last}")


def main() -> None:
    """Run every mode once and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=3.0)
    parser.add_argument("--max-size", default=None)
    args = parser.parse_args()
    server = HostileServer(CORPUS / "migrate-folio-conversion.mbox")
    server.bomb = gzip_bomb(2)
    print(f"bomb: {len(server.bomb):,} bytes inflating to 2 GiB; --timeout {args.timeout:g}; "
          f"--max-size {args.max_size or 'default (256 MiB)'}")
    print(f"{'mode':<13} {'exit':<5} {'wall':>8}  {'peak RSS':>11}  error")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for mode in MODES:
                print(run_once(server, mode, args, Path(tmp)), flush=True)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
