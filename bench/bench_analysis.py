"""Time b4's own parse of an mbox against reviewtui's load_series + full site analysis.

    python bench/bench_analysis.py [--runs N] [--sizes 125,250,500] [--profile]

"b4" = b4.mailsplit_bytes + LoreMailbox.add_message + get_series(codereview_trailers=False)
for every revision in the mbox. "reviewtui" = load_series (which runs b4's parse itself) +
scan_revision over every revision (FP/FN deltas, witnesses and alternatives of the scenario
model included), with a freshly loaded catalogue per run so that no model cache is warm. b4
and reviewtui runs alternate, so a busy machine slows both alike. Inputs: the four corpus mboxes and generated series of
N patches with 10 replies each, made by templating the corpus patches and replies.
"""

from __future__ import annotations

import argparse
import cProfile
import email
import email.policy
import io
import os
import pstats
import statistics
import sys
import time
from email.message import EmailMessage
from pathlib import Path

import b4

from reviewtui.analysis.catalogue import load_catalogue
from reviewtui.analysis.sites import scan_revision
from reviewtui.model.load import load_series, setup_b4

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "tests" / "data" / "corpus"
THREADS = ["migrate-folio-conversion", "mapcount-large-folio-sharing",
           "migrate-folio-conversion-v2", "mapcount-large-folio-sharing-v2"]
REPLIES_PER_PATCH = 10


def b4_parse(data: bytes) -> int:
    """b4's own offline parse; returns the number of patches it found."""
    msgs = b4.mailsplit_bytes(data)
    lmbx = b4.LoreMailbox()
    for msg in msgs:
        lmbx.add_message(msg)
    patches = 0
    for revision in sorted(lmbx.series):
        lser = lmbx.get_series(revision=revision, codereview_trailers=False)
        patches += len(lser.patches) - 1 if lser else 0
    return patches


def reviewtui_parse(data: bytes, catalogue) -> tuple[float, float, int]:
    """load_series + site analysis of every revision: (load s, analysis s, sites)."""
    start = time.perf_counter()
    series = load_series(data)
    loaded = time.perf_counter()
    sites = sum(len(scan_revision(rev, catalogue).sites) for rev in series.revisions.values())
    return loaded - start, time.perf_counter() - loaded, sites


def _text(msg: email.message.Message) -> str:
    part = msg
    if msg.is_multipart():
        part = next((p for p in msg.walk() if p.get_content_type() == "text/plain"), None)
        if part is None:
            return ""
    payload = part.get_payload(decode=True) or b""
    return payload.decode(part.get_content_charset() or "utf-8", errors="replace")


def corpus_templates() -> tuple[list[str], list[str]]:
    """(patch bodies, reply bodies) of every corpus thread."""
    patches: list[str] = []
    replies: list[str] = []
    for name in THREADS:
        for msg in b4.mailsplit_bytes((CORPUS / f"{name}.mbox").read_bytes()):
            body = _text(msg)
            subject = str(msg.get("Subject", ""))
            if subject.startswith(("Re:", "RE:")):
                replies.append(body)
            elif "\ndiff --git " in body:
                patches.append(body)
    return patches, replies


def _message(subject: str, msgid: str, parents: list[str], body: str, minute: int) -> bytes:
    msg = EmailMessage(policy=email.policy.compat32)
    msg["From"] = "Bench Author <bench@example.org>"
    msg["To"] = "linux-mm@kvack.org"
    msg["Subject"] = subject
    msg["Date"] = email.utils.format_datetime(
        email.utils.localtime().replace(year=2023, month=8, day=1, hour=minute // 60 % 24,
                                        minute=minute % 60, second=0, microsecond=0))
    msg["Message-ID"] = f"<{msgid}>"
    if parents:
        msg["In-Reply-To"] = f"<{parents[-1]}>"
        msg["References"] = " ".join(f"<{p}>" for p in parents)
    msg.set_payload(body, charset="utf-8")
    return b"From mboxrd@z Thu Jan  1 00:00:00 1970\n" + msg.as_bytes() + b"\n"


def generated_series(patch_count: int, *, quote: bool = False) -> bytes:
    """A series of PATCH_COUNT patches with REPLIES_PER_PATCH replies each, from the corpus.

    QUOTE: every reply first quotes the whole patch it answers, as a reviewer's mail client
    does (26 MB for 500 patches instead of 16 MB).
    """
    patch_bodies, reply_bodies = corpus_templates()
    out = io.BytesIO()
    cover = "bench-0@example.org"
    title = "mm: generated benchmark series"
    out.write(_message(f"[PATCH 0/{patch_count}] {title}", cover, [],
                       "Cover letter of a generated series.\n", 0))
    minute = 1
    for n in range(1, patch_count + 1):
        pid = f"bench-{n}@example.org"
        subject = f"[PATCH {n}/{patch_count}] mm: generated change {n}"
        patch_body = patch_bodies[n % len(patch_bodies)]
        out.write(_message(subject, pid, [cover], patch_body, minute))
        minute += 1
        chain = [cover, pid]
        for r in range(REPLIES_PER_PATCH):
            rid = f"bench-{n}-r{r}@example.org"
            body = reply_bodies[(n * REPLIES_PER_PATCH + r) % len(reply_bodies)]
            if quote:
                body = ("On Tue, Aug 1, 2023, Bench Author wrote:\n"
                        + "".join(f"> {line}\n" for line in patch_body.splitlines())
                        + "\n" + body)
            out.write(_message(f"Re: {subject}", rid, list(chain), body, minute))
            minute += 1
            chain = chain + [rid] if r % 3 else [cover, pid, rid]
    return out.getvalue()


def median_time(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per input (median reported)")
    parser.add_argument("--sizes", default="125,250,500",
                        help="patch counts of the generated series (10 replies per patch)")
    parser.add_argument("--profile", action="store_true",
                        help="profile reviewtui on the largest generated series")
    args = parser.parse_args()
    os.environ.setdefault("GIT_CONFIG_GLOBAL", "/dev/null")
    os.environ.setdefault("XDG_CACHE_HOME", "/tmp/reviewtui-bench-cache")
    setup_b4()
    catalogue = load_catalogue()
    inputs = [(name, (CORPUS / f"{name}.mbox").read_bytes()) for name in THREADS]
    sizes = [int(s) for s in args.sizes.split(",") if s]
    for size in sizes:
        data = generated_series(size)
        inputs.append((f"generated {size}p/{size * REPLIES_PER_PATCH}r", data))
    print("medians in seconds; ratio = (load_series + analysis) / b4; us/msg = total per message")
    print(f"{'input':<34} {'msgs':>5} {'b4':>7} {'load':>7} {'analysis':>8} {'ratio':>6} "
          f"{'analysis/b4':>11} {'us/msg':>7} {'sites':>5}")
    for name, data in inputs:
        runs = args.runs if len(data) < 2_000_000 else max(1, (args.runs + 1) // 2)
        count = len(b4.mailsplit_bytes(data))
        b4_times = []
        results = []
        for _ in range(runs):
            b4_times.append(median_time(lambda d=data: b4_parse(d), 1))
            results.append(reviewtui_parse(data, load_catalogue()))
        b4_time = statistics.median(b4_times)
        load = statistics.median(r[0] for r in results)
        analysis = statistics.median(r[1] for r in results)
        total = statistics.median(r[0] + r[1] for r in results)
        print(f"{name:<34} {count:>5} {b4_time:>7.3f} {load:>7.3f} {analysis:>8.3f} "
              f"{total / b4_time:>6.2f} {analysis / b4_time:>11.3f} "
              f"{total / count * 1e6:>7.0f} {results[0][2]:>5}")
    if args.profile and sizes:
        data = generated_series(max(sizes))
        profiler = cProfile.Profile()
        profiler.enable()
        reviewtui_parse(data, catalogue)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    return 0


if __name__ == "__main__":
    sys.exit(main())
