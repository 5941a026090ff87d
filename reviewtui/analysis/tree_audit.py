"""Tree-wide audit: classify the uses of catalogue APIs in a kernel tree against a series.

Pure functions: the uses come from reviewtui.tree (which reads the tree), the sites from
reviewtui.analysis.sites. A tree line matches a site when file, function and normalised code
equal the site's removed line (the tree is before the series there) or its added line (after).

Statuses of one use:
  converted   on a line the series replaces or drops, and the call is the one it converts away
  introduced  on a line the series adds, and the call is the API it converts to
  kept        on a line the series changes, but this call stays (same-api sites, other calls)
  remaining   untouched by the series, but a call of an API the series converts away from
  internal    inside the definition of a catalogued API (the family implementing itself)
  unrelated   anything else

Row ids are stable: sha1 of "tree:", file, function, normalised line, API and the occurrence
of that key in line order, cut to 12 hex digits like site ids. Line numbers are left out, so
an id survives edits elsewhere in the file; the id of a row changes only when its own line,
its function or an identical earlier line in the same function changes. Lines the series
touches are counted apart (with a "series" marker in the key), so converting one of two
identical lines leaves the id of the other, remaining one as it was.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from reviewtui.analysis.callsite import CallSite
from reviewtui.analysis.catalogue import Catalogue
from reviewtui.analysis.cexpr import normalise, strip_line

STATUSES = ("remaining", "converted", "introduced", "kept", "internal", "unrelated")
DEFAULT_STATUSES = ("remaining", "converted", "introduced", "kept")
STATES = ("before", "after", "mixed", "unknown")
_AWAY_KINDS = frozenset({"conversion", "removal"})
_TO_KINDS = frozenset({"conversion", "addition"})


@dataclass(frozen=True)
class TreeUse:
    """One call of a catalogue API in a tree file."""

    file: str
    line: int
    function: str | None
    api: str
    text: str  # the source line, trimmed
    code: str  # the line with comments and string contents blanked
    polarity: str = "count"


@dataclass(frozen=True)
class SiteSide:
    """The removed or added line of one series site, as it would appear in a tree."""

    site: CallSite
    side: str  # "removed" or "added"
    file: str
    functions: frozenset[str]
    norm: str

    @property
    def text(self) -> str:
        """The site's line on this side."""
        return (self.site.removed if self.side == "removed" else self.site.added) or ""


@dataclass(frozen=True)
class TreeRow:
    """A classified tree use with its stable id (tags are keyed by it like site ids)."""

    id: str
    use: TreeUse
    status: str
    role: str  # "old": the series converts away from the API; "new": it converts to it
    norm: str
    site_id: str | None = None
    site_patch: int | None = None
    site_kind: str | None = None

    @property
    def file(self) -> str:
        """File of the use (relative to the tree)."""
        return self.use.file

    @property
    def function(self) -> str | None:
        """Enclosing function or macro."""
        return self.use.function

    # The review store reads these five attributes of a CallSite; a row offers them too, so
    # tags on tree uses live in the same table, keyed by (series family, id).

    @property
    def new_function(self) -> None:
        """No rename: a tree use is in one function."""
        return None

    @property
    def removed(self) -> str:
        """The expression, under the name the review store records for a site's old line."""
        return self.use.text

    @property
    def added(self) -> str:
        """Nothing: a tree use has no new line."""
        return ""

    @property
    def anchor(self) -> str:
        """No cross-revision anchor: the id itself does not depend on the revision."""
        return ""

    def as_dict(self) -> dict[str, object]:
        """Plain fields for JSON and CSV."""
        u = self.use
        return {
            "id": self.id, "status": self.status, "file": u.file, "line": u.line,
            "function": u.function or "", "api": u.api, "role": self.role,
            "polarity": u.polarity, "expression": u.text, "site_id": self.site_id or "",
            "patch": self.site_patch or "", "site_kind": self.site_kind or "",
        }


@dataclass(frozen=True)
class TreeState:
    """Which tree state the audit assumes, and the evidence for the detected one."""

    assumed: str
    detected: str
    before_found: int  # sites whose removed line is in the tree
    after_found: int  # sites whose added line is in the tree
    removed_total: int
    added_total: int
    forced: bool = False

    def describe(self) -> str:
        """One line: 'before the series (detected: 3/3 removed lines present, 0/3 added)'."""
        names = {"before": "before the series", "after": "after the series",
                 "mixed": "partly before, partly after the series",
                 "unknown": "unknown (no line the series changes is in the tree)"}
        evidence = (f"{self.before_found}/{self.removed_total} removed lines present, "
                    f"{self.after_found}/{self.added_total} added lines present")
        if self.forced:
            agree = "" if self.detected == self.assumed else f"; detected: {self.detected}"
            return f"{names[self.assumed]} (given{agree}; {evidence})"
        return f"{names[self.assumed]} (detected: {evidence})"


@dataclass
class TreeAudit:
    """Every classified use, the tree state, and the series lines not found in the tree."""

    rows: list[TreeRow]
    state: TreeState
    old_apis: frozenset[str]
    new_apis: frozenset[str]
    missing: list[SiteSide] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Rows per status, in STATUSES order."""
        have = Counter(r.status for r in self.rows)
        return {s: have.get(s, 0) for s in STATUSES}


def code_of(text: str) -> str:
    """One line of C with comments and strings blanked (a lone line, not inside a comment)."""
    return strip_line(text, False)[0]


def normalised(code: str, names: Iterable[str]) -> str:
    """The comparison form of a code line: tokens joined, API call arguments as '_'."""
    return normalise(code, frozenset(names))


def series_apis(sites: Sequence[CallSite]) -> tuple[frozenset[str], frozenset[str]]:
    """(APIs the series converts away from, APIs it converts to)."""
    old = {s.old_api for s in sites if s.kind in _AWAY_KINDS and s.old_api
           and s.old_api != s.new_api}
    new = {s.new_api for s in sites if s.kind in _TO_KINDS and s.new_api
           and s.new_api != s.old_api}
    return frozenset(old), frozenset(new)


def site_sides(sites: Sequence[CallSite], names: Iterable[str]) -> list[SiteSide]:
    """The removed and added lines of the sites that call an API, ready for matching."""
    names = frozenset(names)
    out = []
    for site in sites:
        functions = frozenset(f for f in (site.function, site.new_function) if f)
        for side, text, api in (("removed", site.removed, site.old_api),
                                ("added", site.added, site.new_api)):
            if text and api:
                out.append(SiteSide(site, side, site.file, functions,
                                    normalised(code_of(text), names)))
    return out


def tree_use_id(file: str, function: str | None, norm: str, api: str, occurrence: int,
                touched: bool = False) -> str:
    """The stable id of a tree use; TOUCHED: on a line the series changes (see the module doc)."""
    parts = ("tree:", file, function or "", norm, api, str(occurrence))
    key = "\x1f".join((*parts, "series") if touched else parts)
    return hashlib.sha1(key.encode("utf-8", "surrogatepass")).hexdigest()[:12]


def classify_tree(uses: Iterable[TreeUse], sites: Sequence[CallSite], catalogue: Catalogue,
                  assume: str | None = None, extra_names: Iterable[str] = ()) -> TreeAudit:
    """Classify USES against SITES; ASSUME ('before'/'after') overrides the detected state."""
    names = catalogue.names | frozenset(extra_names) | _site_apis(sites)
    old_apis, new_apis = series_apis(sites)
    uses = sorted(uses, key=lambda u: (u.file, u.line, u.api))
    norms = {id(u): normalised(u.code, names) for u in uses}
    lines = _tree_lines(uses, norms)
    sides = site_sides(sites, names)
    matched = _match(lines, sides)
    state = detect_state(sides, matched.values(), assume)
    rows = []
    seen: Counter = Counter()
    for use in uses:
        norm = norms[id(use)]
        side = matched.get((use.file, use.line))
        key = (use.file, use.function or "", norm, use.api, side is not None)
        occurrence = seen[key]
        seen[key] += 1
        status = _status(use, side, old_apis, names)
        role = "old" if use.api in old_apis else "new" if use.api in new_apis else ""
        rows.append(TreeRow(
            id=tree_use_id(use.file, use.function, norm, use.api, occurrence, side is not None),
            use=use,
            status=status, role=role, norm=norm,
            site_id=side.site.id if side else None, site_patch=side.site.patch if side else None,
            site_kind=side.site.kind if side else None,
        ))
    found = {id(s) for s in matched.values()}
    wanted = {"before": "removed", "after": "added"}.get(state.assumed)
    missing = [s for s in sides if id(s) not in found and (wanted is None or s.side == wanted)]
    return TreeAudit(rows=rows, state=state, old_apis=old_apis, new_apis=new_apis,
                     missing=missing)


def tree_site_records(audit: TreeAudit,
                      statuses: Iterable[str] = ("remaining",)) -> list[TreeRow]:
    """The rows a reviewer tags in the "remaining call sites" view (by default: remaining).

    Each row has .id, .file, .function, .removed and .added, so the review store can tag it
    exactly like a CallSite (tags keyed by series family and id).
    """
    wanted = frozenset(statuses)
    return [r for r in audit.rows if r.status in wanted]


def detect_state(sides: Sequence[SiteSide], matched: Iterable[SiteSide],
                 assume: str | None = None) -> TreeState:
    """The tree state the matched site lines point to (ASSUME, if given, is what is assumed)."""
    if assume is not None and assume not in ("before", "after"):
        raise ValueError(f"tree state must be 'before' or 'after', not {assume!r}")
    found = {id(s): s for s in matched}
    removed = [s for s in sides if s.side == "removed" and not _unchanged(s, sides)]
    added = [s for s in sides if s.side == "added" and not _unchanged(s, sides)]
    before = len({s.site.id for s in removed if id(s) in found})
    after = len({s.site.id for s in added if id(s) in found})
    if before and after:
        detected = "mixed"
    elif before:
        detected = "before"
    elif after:
        detected = "after"
    else:
        detected = "unknown"
    return TreeState(
        assumed=assume or detected, detected=detected, before_found=before, after_found=after,
        removed_total=len({s.site.id for s in removed}),
        added_total=len({s.site.id for s in added}), forced=assume is not None,
    )


def _unchanged(side: SiteSide, sides: Sequence[SiteSide]) -> bool:
    """True when the site's two lines compare equal (no evidence either way)."""
    return any(o.site is side.site and o.side != side.side and o.norm == side.norm
               for o in sides)


def _site_apis(sites: Sequence[CallSite]) -> frozenset[str]:
    return frozenset(n for s in sites for n in (s.old_api, s.new_api) if n)


@dataclass(frozen=True)
class _TreeLine:
    file: str
    line: int
    function: str | None
    norm: str


def _tree_lines(uses: Sequence[TreeUse], norms: dict[int, str]) -> list[_TreeLine]:
    """One entry per tree line that holds a use (a line may hold several calls)."""
    out: dict[tuple[str, int], _TreeLine] = {}
    for u in uses:
        out.setdefault((u.file, u.line), _TreeLine(u.file, u.line, u.function, norms[id(u)]))
    return list(out.values())


def _match(lines: Sequence[_TreeLine], sides: Sequence[SiteSide]) -> dict[tuple[str, int], SiteSide]:
    """Pair tree lines with site lines one to one, in line order within (file, code).

    First with the same function; then, for lines or sites whose function is unknown, by
    file and code alone. A site none of whose lines is matched yet is preferred, so two
    identical sites in a half-applied tree get one line each.
    """
    by_key: dict[tuple[str, str], list[SiteSide]] = defaultdict(list)
    for s in sorted(sides, key=_side_order):
        by_key[(s.file, s.norm)].append(s)
    result: dict[tuple[str, int], SiteSide] = {}
    used: set[int] = set()
    used_sites: set[str] = set()

    def pick(ln: _TreeLine, fits: Callable[[_TreeLine, SiteSide], bool]) -> SiteSide | None:
        free = [s for s in by_key.get((ln.file, ln.norm), ()) if id(s) not in used and fits(ln, s)]
        hit = next((s for s in free if s.site.id not in used_sites), free[0] if free else None)
        if hit is not None:
            used.add(id(hit))
            used_sites.add(hit.site.id)
            result[(ln.file, ln.line)] = hit
        return hit

    ordered = sorted(lines, key=lambda t: (t.file, t.line))
    pending = [ln for ln in ordered if pick(ln, _same_function) is None]
    for ln in pending:
        pick(ln, _function_unknown)
    return _one_side_per_site(result)


def _same_function(ln: _TreeLine, side: SiteSide) -> bool:
    return ln.function is not None and ln.function in side.functions


def _function_unknown(ln: _TreeLine, side: SiteSide) -> bool:
    return ln.function is None or not side.functions


def _one_side_per_site(matched: dict[tuple[str, int], SiteSide]) -> dict[tuple[str, int], SiteSide]:
    """Drop one side of every site whose old and new lines were both found.

    Both are in the tree when the series converted one of two identical lines (the other
    remains) or, less likely, when the tree already had a copy of the new line. The other
    sites' state decides; without evidence the series is taken as applied.
    """
    sides: dict[str, set[str]] = defaultdict(set)
    for side in matched.values():
        sides[side.site.id].add(side.side)
    both = {sid for sid, found in sides.items() if len(found) == 2}
    if not both:
        return matched
    before = sum(1 for found in sides.values() if found == {"removed"})
    after = sum(1 for found in sides.values() if found == {"added"})
    drop = "added" if before > after else "removed"
    return {key: side for key, side in matched.items()
            if not (side.site.id in both and side.side == drop)}


def _side_order(s: SiteSide) -> tuple:
    numbers = s.site.old_lines if s.side == "removed" else s.site.new_lines
    return (s.file, s.norm, s.side, numbers[0] if numbers else 0, s.site.patch)


def _status(use: TreeUse, side: SiteSide | None, old_apis: frozenset[str],
            names: frozenset[str]) -> str:
    if side is not None:
        site = side.site
        if side.side == "removed" and site.kind in _AWAY_KINDS and use.api == site.old_api:
            return "converted"
        if side.side == "added" and site.kind in _TO_KINDS and use.api == site.new_api:
            return "introduced"
        return "kept"
    if use.function is not None and use.function in names:
        return "internal"
    return "remaining" if use.api in old_apis else "unrelated"
