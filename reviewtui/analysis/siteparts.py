"""Building one site from a removed/added line pair (or a definition's changed lines)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from reviewtui.analysis.alternatives import alternatives as alternatives_of
from reviewtui.analysis.cexpr import Call, bigrams, dice, polarity
from reviewtui.analysis.delta import Delta, Side
from reviewtui.analysis.hunkview import HunkView
from reviewtui.analysis.pairing import API_PAIR_MIN, OTHER_PAIR_MIN, align, best_partners
from reviewtui.analysis.verdict import describe

if TYPE_CHECKING:
    from reviewtui.analysis.sites import Vocabulary


@dataclass
class Line:
    """A changed line of a hunk with what the analysis found in it."""

    view: HunkView
    pos: int
    kind: str
    text: str
    code: str
    function: str | None
    stream: list[str]
    calls: list[Call]
    has_field: bool
    canon: list[str]
    number: int | None
    grams: dict = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.grams = bigrams(self.canon)


def pair_run(lines: list[Line]) -> Iterator[tuple[Line | None, Line | None]]:
    """(old, new) pairs of one run; a side is None for a pure removal or addition.

    Lines using an API pair with each other in order by similarity; a leftover one may pair
    with a similar line without an API (the expression that replaced it, or that it replaced).
    """
    removed = [ln for ln in lines if ln.kind == "-"]
    added = [ln for ln in lines if ln.kind == "+"]
    rem_api = [i for i, ln in enumerate(removed) if ln.calls]
    add_api = [j for j, ln in enumerate(added) if ln.calls]

    def score(i: int, j: int) -> float:
        a, b = removed[i], added[j]
        return 1.0 if a.canon == b.canon else dice(a.grams, b.grams)

    pairs = dict(align(rem_api, add_api, score, API_PAIR_MIN))
    taken = set(pairs.values())
    lone_rem = [i for i in rem_api if i not in pairs]
    lone_add = [j for j in add_api if j not in taken]
    plain_add = [j for j, ln in enumerate(added) if not ln.calls and ln.code.strip()]
    plain_rem = [i for i, ln in enumerate(removed) if not ln.calls and ln.code.strip()]
    pairs.update(best_partners(lone_rem, plain_add, score, OTHER_PAIR_MIN))
    back = best_partners(lone_add, plain_rem, lambda j, i: score(i, j), OTHER_PAIR_MIN)
    out: list[tuple[int, Line | None, Line | None]] = []
    for i, j in pairs.items():
        out.append((removed[i].pos, removed[i], added[j]))
    for j, i in back.items():
        out.append((removed[i].pos, removed[i], added[j]))
    for i in rem_api:
        if i not in pairs:
            out.append((removed[i].pos, removed[i], None))
    paired_add = set(pairs.values()) | set(back)
    for j in add_api:
        if j not in paired_add:
            out.append((added[j].pos, None, added[j]))
    out.sort(key=lambda t: t[0])
    for _, old, new in out:
        yield old, new


def _primary(old: Line | None, new: Line | None) -> tuple[Call | None, Call | None, list[str]]:
    """The calls a site is about: the differing pair when the line swaps APIs, else the first."""
    old_calls = old.calls if old else []
    new_calls = new.calls if new else []
    gone = _minus(old_calls, new_calls)
    came = _minus(new_calls, old_calls)
    new_names = {c.name for c in new_calls}
    extra: list[str] = []
    if gone and came:
        extra = [f"also {a.name}() -> {b.name}()" for a, b in zip(gone[1:], came[1:])]
        extra += [f"also drops {c.name}()" for c in gone[len(came):]]
        extra += [f"also adds {c.name}()" for c in came[len(gone):]]
        return gone[0], came[0], extra
    if old_calls and new_calls:
        common = next(c for c in old_calls if c.name in new_names)
        match = next(c for c in new_calls if c.name == common.name)
        extra = [f"also drops {c.name}()" for c in gone] + [f"also adds {c.name}()" for c in came]
        return common, match, extra
    return (old_calls[0] if old_calls else None), (new_calls[0] if new_calls else None), extra


def _minus(calls: list[Call], others: list[Call]) -> list[Call]:
    """CALLS whose name is not matched one-for-one by a call in OTHERS (multiset difference)."""
    budget = Counter(c.name for c in others)
    out = []
    for call in calls:
        if budget[call.name]:
            budget[call.name] -= 1
        else:
            out.append(call)
    return out


def _polarity(line: Line | None, call: Call | None, vocab: Vocabulary) -> str | None:
    if line is None or call is None:
        return None
    return polarity(line.stream, call, vocab.returns.get(call.name, "count"))


def side_of(line: Line | None, call: Call | None, vocab: Vocabulary) -> Side:
    """The model's view of one side of a site (no line or call: no test)."""
    if line is None or call is None:
        return vocab.model.side(None, None, None)
    return vocab.model.side(line.stream, call.index, call.name)


def judge(old: Side, new: Side, old_api: str | None, new_api: str | None,
          vocab: Vocabulary) -> tuple[Delta, str]:
    """The delta of OLD -> NEW and a note when the catalogue states it by hand."""
    conv = vocab.catalogue.conversion(old_api, new_api)
    if conv is not None:
        return Delta(conv.fp, conv.fn), "delta stated by the catalogue's conversion entry"
    return vocab.model.delta(old, new), ""


def build_site(old: Line | None, new: Line | None, vocab: Vocabulary,
               moved: bool = False, rewritten: str = "") -> dict:
    """Draft CallSite fields for an old/new line pair (either may be None).

    REWRITTEN names the branch a moved-and-rewritten test guards (both sides guard it).
    """
    old_call, new_call, extra = _primary(old, new)
    old_api = old_call.name if old_call else None
    new_api = new_call.name if new_call else None
    old_pol = _polarity(old, old_call, vocab)
    new_pol = _polarity(new, new_call, vocab)
    helpers = [n for n in (old_api, new_api) if n and n in vocab.helpers]
    notes: list[str] = []
    old_side = side_of(old, old_call, vocab)
    new_side = side_of(new, new_call, vocab)
    result = Delta("unknown", "unknown")
    alternatives: tuple = ()
    if helpers:
        kind = "uncatalogued"
        result = Delta("unknown", "unknown", unknown=f"{helpers[0]}(): defined by this series; "
                       "add it to a catalogue with semantics to evaluate it")
        for name in dict.fromkeys(helpers):
            h = vocab.helpers[name]
            built = ", ".join(f"{b}()" if b in vocab.names else b for b in h.builds_on)
            notes.append(f"{name}() is defined by this series (patch {h.patch}, {h.file}) "
                         f"on top of {built}")
    elif old_api and new_api:
        kind = "same-api" if old_api == new_api else "conversion"
        result, stated = judge(old_side, new_side, old_api, new_api, vocab)
        notes += [stated] if stated else []
        if rewritten:
            notes.append(f"test moved and rewritten; both guard `{rewritten}`")
        elif moved:
            where = "" if old.view.path == new.view.path else f" from {old.view.path} to " \
                f"{new.view.path}"
            notes.append(f"line moved{where}, expression unchanged")
        elif kind == "same-api":
            notes.append("same API and test" if old_pol == new_pol
                         else f"same API, test changed from {old_pol} to {new_pol}")
    elif old_api:
        kind = "removal"
        if new is not None:
            notes.append(f"{old_api}() replaced by an expression without a catalogued API")
            result = Delta("unknown", "unknown", unknown=f"{new.text}: no catalogued API")
        else:
            result, stated = judge(old_side, vocab.model.side(None, None, None), old_api, None,
                                   vocab)
            notes += [stated] if stated else []
            notes.append(f"the {old_api}() check is dropped")
    else:
        kind = "addition"
        result, stated = judge(vocab.model.side(None, None, None), new_side, None, new_api, vocab)
        notes += [stated] if stated else []
        notes.append(f"new use of {new_api}()")
    if not helpers:
        alternatives = alternatives_of(vocab.model, old_side, new_side, old_api, new_api)
    text = describe(old_api, new_api, vocab.catalogue)
    explanation = "; ".join([*notes, *extra, *([text] if text else [])])
    draft = _draft(old, new, kind, old_api, new_api, new_pol or old_pol, result.fp, result.fn,
                   bool(helpers), explanation)
    return _with_model(draft, result, alternatives, old_side, new_side, vocab)


def _with_model(draft: dict, result: Delta, alternatives: tuple, old: Side, new: Side,
                vocab: Vocabulary) -> dict:
    """DRAFT with the model's witnesses, alternatives, tests and base version."""
    draft.update(witnesses=result.witnesses, alternatives=alternatives, old_test=old.text,
                 new_test=new.text, base_version=vocab.model.base.text,
                 base_version_from=vocab.model.base.source, unknown=result.unknown)
    return draft


def definition_site(fn_name: str, lines: list[Line], vocab: Vocabulary) -> dict:
    """Draft CallSite fields for the changed lines of the definition of FN_NAME.

    FN_NAME is the pre-image name; added lines may carry the new name of a renamed function.
    old_api / new_api are the APIs the shown body lines call (the function's own name when
    they only read mapcount fields); fp / fn compare them when the body changed.
    """
    removed = [ln for ln in lines if ln.kind == "-"]
    added = [ln for ln in lines if ln.kind == "+"]
    old = next((ln for ln in removed if ln.calls or ln.has_field), removed[0] if removed else None)
    new = next((ln for ln in added if ln.calls or ln.has_field), added[0] if added else None)
    post_name = new.function if new is not None and new.function else fn_name
    existed = old is not None or any(f == fn_name for ln in lines for f in ln.view.pre.functions)
    remains = new is not None or any(f == post_name for ln in lines
                                     for f in ln.view.post.functions)
    helper = vocab.helpers.get(fn_name) or vocab.helpers.get(post_name)
    inner_old = _inner(old, vocab)
    inner_new = _inner(new, vocab)
    old_pol = _polarity(old, inner_old, vocab)
    pol = _polarity(new, inner_new, vocab) or old_pol
    result = Delta("unknown", "unknown")
    old_side = side_of(old, inner_old, vocab)
    new_side = side_of(new, inner_new, vocab)
    names = [c.name for c in (inner_old, inner_new) if c is not None]
    if old is not None and new is not None and inner_old and inner_new and not any(
            n in vocab.helpers for n in names):
        result, _ = judge(old_side, new_side, inner_old.name, inner_new.name, vocab)
    if helper is not None:
        built = ", ".join(f"{b}()" if b in vocab.names else b for b in helper.builds_on)
        what = f"series helper {helper.name}() built on {built}"
    else:
        what = f"catalogued {fn_name}(): check its profile still holds"
    if inner_old and inner_new and inner_old.name != inner_new.name:
        text = describe(inner_old.name, inner_new.name, vocab.catalogue)
        what += f"; its body goes from {inner_old.name}() to {inner_new.name}()"
        what += f": {text}" if text else ""
    verb = "changed" if existed and remains else ("added" if remains else "removed")
    if existed and remains and post_name != fn_name:
        verb += f" and renamed {post_name}()"
    draft = _draft(old, new, "definition",
                   (inner_old.name if inner_old else fn_name) if old else None,
                   (inner_new.name if inner_new else post_name) if new else None,
                   pol, result.fp, result.fn, helper is not None, f"definition {verb}: {what}",
                   function=fn_name if existed else post_name,
                   old_lines=[ln.number for ln in removed], new_lines=[ln.number for ln in added])
    if existed and remains and post_name != fn_name:
        draft["new_function"] = post_name
    return _with_model(draft, result, (), old_side, new_side, vocab)


def _inner(line: Line | None, vocab: Vocabulary) -> Call | None:
    """The API call a definition line is about: a catalogued one first, else a helper."""
    if line is None:
        return None
    own = line.function
    calls = [c for c in line.calls if c.name != own]
    return next((c for c in calls if c.name in vocab.catalogue.apis), calls[0] if calls else None)


def _draft(old: Line | None, new: Line | None, kind: str, old_api: str | None,
           new_api: str | None, pol: str | None, fp: str, fn: str, uncatalogued: bool,
           explanation: str, function: str | None = None,
           old_lines: list | None = None, new_lines: list | None = None) -> dict:
    first = old or new
    assert first is not None
    pre_fn = old.function if old else None
    post_fn = new.function if new else None
    name = function or (pre_fn if old else post_fn)
    return {
        "file": first.view.path, "function": name,
        "new_function": post_fn if function is None and old and new and post_fn != pre_fn else None,
        "kind": kind, "removed": old.text if old else None, "added": new.text if new else None,
        "old_api": old_api, "new_api": new_api, "polarity": pol, "fp": fp, "fn": fn,
        "file_index": first.view.file_index, "hunk_index": first.view.hunk_index,
        "old_lines": tuple(n for n in (old_lines if old_lines is not None
                                    else [old.number if old else None]) if n is not None),
        "new_lines": tuple(n for n in (new_lines if new_lines is not None
                                    else [new.number if new else None]) if n is not None),
        "uncatalogued": uncatalogued, "explanation": explanation,
        "old_code": old.code if old else None, "new_code": new.code if new else None,
    }
