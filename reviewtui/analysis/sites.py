"""Call-site extraction: the changed uses of catalogued (and series-defined) APIs.

A site is a removed or added line of a C file that calls a catalogue API (or a helper the
series defines), paired with the line that replaced it in the same run of -/+ lines. Changed
lines inside the definition of a catalogued API or of a series helper form one "definition"
site per function instead.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from reviewtui.analysis.baseversion import BaseVersion, base_version
from reviewtui.analysis.callsite import CallSite
from reviewtui.analysis.catalogue import Catalogue
from reviewtui.analysis.cexpr import find_calls, find_fields, normalise
from reviewtui.analysis.delta import Model
from reviewtui.analysis.hunkview import HunkView, view_hunk
from reviewtui.analysis.moves import rewritten_pairs
from reviewtui.analysis.pairing import canonical, runs
from reviewtui.analysis.series_helpers import SeriesHelper, find_helpers
from reviewtui.analysis.siteparts import Line, build_site, definition_site, pair_run
from reviewtui.model.diff import Hunk
from reviewtui.model.thread import Patch, Revision

C_SUFFIXES = (".c", ".h")


@dataclass
class SiteList:
    """The sites of one patch and what in it could not be read."""

    sites: list[CallSite]
    problems: tuple[str, ...] = ()


@dataclass
class RevisionSites:
    """All sites of a revision, per-patch problems and the helpers the series defines."""

    sites: list[CallSite]
    problems: dict[int, tuple[str, ...]] = field(default_factory=dict)
    helpers: dict[str, SeriesHelper] = field(default_factory=dict)
    base: BaseVersion | None = None


@dataclass
class Vocabulary:
    """The names the analysis looks for: catalogue APIs, series helpers, mapcount fields."""

    catalogue: Catalogue
    helpers: dict[str, SeriesHelper]
    base: BaseVersion | None = None
    names: frozenset[str] = frozenset()
    returns: dict[str, str] = field(default_factory=dict)
    pattern: re.Pattern[str] | None = None
    model: Model = field(init=False)

    def __post_init__(self) -> None:
        base = self.base or base_version((), (), None, (), self.catalogue)
        self.model = Model(self.catalogue, base)
        self.names = self.catalogue.names | frozenset(self.helpers)
        self.returns = {n: p.returns for n, p in self.catalogue.apis.items()}
        self.returns.update({n: h.returns for n, h in self.helpers.items()})
        words = sorted(self.names | self.catalogue.mapcount_fields, key=len, reverse=True)
        alternatives = "|".join(map(re.escape, words))
        self.pattern = re.compile(rf"\b(?:{alternatives})\b") if words else None


def _prefilter(pattern: re.Pattern[str] | None, hunk: Hunk) -> bool:
    """True when a hunk with changes mentions a known name anywhere (a cheap first look)."""
    if pattern is None:
        return False
    return any(ln.kind != " " for ln in hunk.lines) and bool(
        pattern.search("\n".join(ln.text for ln in hunk.lines)))


def patch_views(patch: Patch, vocab: Vocabulary,
                views: dict[tuple[int, int], HunkView] | None = None
                ) -> tuple[dict[tuple[int, int], HunkView], list[str]]:
    """Hunk views of the patch's C hunks that mention a known name, plus unreadable parts."""
    views = {} if views is None else views
    problems = list(patch.diff.problems)
    if not patch.diff.files and not problems:
        problems.append("no diff found in the patch email")
    for fi, fpatch in enumerate(patch.diff.files):
        if fpatch.status == "binary":
            problems.append(f"{fpatch.path}: binary change, not analysed")
            continue
        if not fpatch.path.endswith(C_SUFFIXES):
            continue
        for hunk in fpatch.hunks:
            key = (fi, hunk.index)
            if key not in views and _prefilter(vocab.pattern, hunk):
                views[key] = view_hunk(fi, hunk.index, fpatch.path, hunk)
    return dict(sorted(views.items())), problems


def extract_sites(patch: Patch, catalogue: Catalogue,
                  series_helpers: dict[str, SeriesHelper] | None = None,
                  *, seen: Counter | None = None) -> SiteList:
    """The sites of one patch (ids count identical sites within SEEN, default this patch)."""
    probe = Vocabulary(catalogue, {})
    views, problems = patch_views(patch, probe)
    base = series_base(None, [patch], [views], probe)
    vocab = Vocabulary(catalogue, dict(series_helpers or {}), base)
    return _extract(patch, views, vocab, tuple(problems), Counter() if seen is None else seen)


def series_base(revision: Revision | None, patches: list[Patch],
                views: list[dict[tuple[int, int], HunkView]], vocab: Vocabulary) -> BaseVersion:
    """The base version of a series: what it says, when it was posted, the APIs it changes."""
    cover = revision.cover if revision is not None else None
    prose = [cover.body] if cover is not None else []
    prose += [p.commit_message for p in patches]
    raw = [p.message.body for p in patches]
    dates = [m.date for m in ([cover] if cover else []) + [p.message for p in patches] if m.date]
    names: set[str] = set()
    if vocab.pattern is not None:
        for patch_views_ in views:
            for view in patch_views_.values():
                for line in view.hunk.lines:
                    if line.kind != " ":
                        names.update(vocab.pattern.findall(line.text))
    return base_version(prose, raw, min(dates) if dates else None, names, vocab.catalogue)


def scan_revision(revision: Revision, catalogue: Catalogue) -> RevisionSites:
    """Sites of every patch of REVISION, with the series' own helpers detected first."""
    probe = Vocabulary(catalogue, {})
    prepared = [(patch, *patch_views(patch, probe)) for patch in revision.patches]
    helpers = find_helpers(((p.number, list(v.values())) for p, v, _ in prepared),
                           catalogue, probe.returns)
    base = series_base(revision, revision.patches, [v for _, v, _ in prepared], probe)
    vocab = Vocabulary(catalogue, helpers, base)
    seen: Counter = Counter()
    result = RevisionSites(sites=[], helpers=helpers, base=base)
    for patch, views, problems in prepared:
        if helpers:
            views, _ = patch_views(patch, vocab, views)
        found = _extract(patch, views, vocab, tuple(problems), seen)
        result.sites.extend(found.sites)
        result.problems[patch.number] = found.problems
    return result


def analyse_revision(revision: Revision, catalogue: Catalogue) -> list[CallSite]:
    """All call sites of REVISION, patch by patch."""
    return scan_revision(revision, catalogue).sites


def _lines(view: HunkView, vocab: Vocabulary) -> dict[int, Line]:
    """The changed lines of a hunk view with their calls and enclosing function."""
    out: dict[int, Line] = {}
    for kind, image in (("-", view.pre), ("+", view.post)):
        calls = find_calls(image.stream, vocab.names)
        fields = find_fields(image.stream, vocab.catalogue.mapcount_fields)
        for row, pos in enumerate(image.positions):
            line = view.hunk.lines[pos]
            if line.kind != kind:
                continue
            lo = image.starts[row]
            hi = image.starts[row + 1] if row + 1 < len(image.starts) else len(image.stream)
            out[pos] = Line(
                view=view, pos=pos, kind=kind, text=line.text.strip(), code=image.codes[row],
                function=image.functions[row], stream=image.stream,
                calls=[c for c in calls if lo <= c.index < hi],
                has_field=any(lo <= i < hi for i in fields),
                canon=canonical(image.stream[lo:hi], vocab.names),
                number=line.old_no if kind == "-" else line.new_no,
            )
    return out


def _extract(patch: Patch, views: dict[tuple[int, int], HunkView], vocab: Vocabulary,
             problems: tuple[str, ...], seen: Counter) -> SiteList:
    drafts: list[tuple[tuple, dict]] = []
    definitions: dict[tuple[str, str], list[Line]] = {}
    lone_removed: list[Line] = []
    lone_added: list[Line] = []
    for view in views.values():
        lines = _lines(view, vocab)
        renamed = view.renames()
        for run in runs(view.hunk):
            plain: list[Line] = []
            for pos in run:
                line = lines[pos]
                if line.function is not None and line.function in vocab.names:
                    if line.code.strip():
                        name = renamed.get(line.function, line.function) if line.kind == "+" \
                            else line.function
                        definitions.setdefault((view.path, name), []).append(line)
                else:
                    plain.append(line)
            for old, new in pair_run(plain):
                if old is not None and new is not None:
                    drafts.append(((view.file_index, view.hunk_index, old.pos),
                                   build_site(old, new, vocab)))
                else:
                    (lone_removed if old is not None else lone_added).append(old or new)
    rest_removed: list[Line] = []
    rest_added: list[Line] = []
    for old, new in _moved(lone_removed, lone_added):
        if old is not None and new is not None:
            drafts.append(((old.view.file_index, old.view.hunk_index, old.pos),
                           build_site(old, new, vocab, moved=True)))
        elif old is not None:
            rest_removed.append(old)
        else:
            rest_added.append(new)
    rest_removed, rest_added, rewritten = rewritten_pairs(rest_removed, rest_added, vocab.names)
    for old, new, branch in rewritten:
        drafts.append(((old.view.file_index, old.view.hunk_index, old.pos),
                       build_site(old, new, vocab, moved=True, rewritten=branch)))
    for line in (*rest_removed, *rest_added):
        old, new = (line, None) if line.kind == "-" else (None, line)
        drafts.append(((line.view.file_index, line.view.hunk_index, line.pos),
                       build_site(old, new, vocab)))
    for (path, fn), def_lines in definitions.items():
        first = def_lines[0]
        drafts.append(((first.view.file_index, first.view.hunk_index, first.pos),
                       definition_site(fn, def_lines, vocab)))
    drafts.sort(key=lambda d: d[0])
    sites = [_finish(draft, patch, problems, vocab, seen) for _, draft in drafts]
    return SiteList(sites=sites, problems=problems)


def _moved(removed: list[Line], added: list[Line]) -> Iterable[tuple[Line | None, Line | None]]:
    """Pair lone removals and additions of a patch whose code is identical (moved code)."""
    waiting: dict[tuple, list[int]] = {}
    for i, new in enumerate(added):
        waiting.setdefault(_moved_key(new), []).append(i)
    used: set[int] = set()
    for old in removed:
        candidates = waiting.get(_moved_key(old))
        if candidates:
            match = candidates.pop(0)
            used.add(match)
            yield old, added[match]
        else:
            yield old, None
    for i, new in enumerate(added):
        if i not in used:
            yield None, new


def _moved_key(line: Line) -> tuple:
    return tuple(line.canon), tuple(sorted(c.name for c in line.calls))


def _finish(draft: dict, patch: Patch, problems: tuple[str, ...], vocab: Vocabulary,
            seen: Counter) -> CallSite:
    """Give a draft site its stable id and patch fields."""
    norm_old = normalise(draft.pop("old_code") or "", vocab.names)
    norm_new = normalise(draft.pop("new_code") or "", vocab.names)
    key = (draft["file"], draft["function"] or "", norm_old, norm_new)
    occurrence = seen[key]
    seen[key] += 1
    digest = hashlib.sha1("\x1f".join((*key, str(occurrence))).encode()).hexdigest()
    place = (draft["file"], draft["function"] or "", norm_old or norm_new, "@")
    rank = seen[place]
    seen[place] += 1
    anchor = hashlib.sha1("\x1f".join((*place, str(rank))).encode()).hexdigest()
    return CallSite(id=digest[:12], anchor=anchor[:12], patch=patch.number,
                    patch_subject=patch.subject, problems=problems, **draft)
