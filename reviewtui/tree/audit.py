"""Scan a tree for uses of the APIs and classify them against a series' call sites."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from reviewtui.analysis.callsite import CallSite
from reviewtui.analysis.catalogue import Catalogue
from reviewtui.analysis.tree_audit import TreeAudit, TreeUse, classify_tree
from reviewtui.tree.scan import (
    DEFAULT_MAX_BYTES,
    SearchStats,
    SkipCounts,
    check_tree,
    find_hits,
    read_source,
)
from reviewtui.tree.uses import file_uses


@dataclass
class TreeScan:
    """Every API call found in a tree, and how the tree was read."""

    root: Path
    method: str
    uses: list[TreeUse]
    skipped: SkipCounts
    files_with_hits: int = 0
    files_searched: int | None = None
    mentions: int = 0  # grep hits that were no call (comments, strings, prototypes)
    replaced_bytes: list[str] = field(default_factory=list)  # non-UTF-8 files, read anyway
    seconds: float = 0.0


@dataclass
class TreeReport:
    """A scan and its classification against one series revision."""

    scan: TreeScan
    audit: TreeAudit


def scan_tree(root: str | os.PathLike[str], names: Iterable[str], returns: dict[str, str], *,
              method: str = "auto", max_bytes: int = DEFAULT_MAX_BYTES) -> TreeScan:
    """The calls of NAMES in the C files under ROOT (UsageError when ROOT is unusable)."""
    started = time.perf_counter()
    path = check_tree(root)
    names = frozenset(names)
    stats = SearchStats()
    hits = find_hits(path, names, stats, method=method, max_bytes=max_bytes)
    scan = TreeScan(root=path, method=stats.method, uses=[], skipped=stats.skipped)
    for found in hits:
        scan.files_with_hits += 1
        data = found.data
        if data is None:
            data = read_source(path, found.path, max_bytes, scan.skipped)
            if data is None:
                continue
        uses = file_uses(safe_path(found.path), data, found.rows, names, returns)
        scan.uses.extend(uses.uses)
        scan.mentions += uses.mentions
        if uses.replaced_bytes:
            scan.replaced_bytes.append(safe_path(found.path))
    scan.uses.sort(key=lambda u: (u.file, u.line, u.api))
    scan.replaced_bytes.sort()
    scan.files_searched = stats.files_searched
    scan.seconds = time.perf_counter() - started
    return scan


def safe_path(path: str) -> str:
    """PATH with undecodable bytes (surrogate escapes) shown as U+FFFD."""
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def run_tree_audit(root: str | os.PathLike[str], sites: Sequence[CallSite], catalogue: Catalogue,
                   *, assume: str | None = None, method: str = "auto",
                   max_bytes: int = DEFAULT_MAX_BYTES) -> TreeReport:
    """Scan ROOT for every catalogue API (and the series' own helpers) and classify the uses."""
    returns = {name: api.returns for name, api in catalogue.apis.items()}
    names = set(catalogue.names)
    names.update(n for s in sites for n in (s.old_api, s.new_api) if n)
    scan = scan_tree(root, names, returns, method=method, max_bytes=max_bytes)
    audit = classify_tree(scan.uses, sites, catalogue, assume=assume, extra_names=names)
    return TreeReport(scan=scan, audit=audit)
