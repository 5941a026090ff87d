"""The FP/FN delta of a site from the scenario model, with a witness for every claim.

Both tests are evaluated on every scenario (and page at hand) of the catalogue. FP / FN for
a "shared?" test: FP = an exclusive folio reported shared, FN = a shared folio reported
exclusive ("mapped?" tests: reported mapped / unmapped wrongly). The delta of an error is
"introduced" (the new test makes it where the old did not), "removed" (the reverse), "traded"
(both), "unchanged" or "unknown" (the model cannot evaluate a part of a test).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from weakref import WeakKeyDictionary

from reviewtui.analysis.baseversion import BaseVersion
from reviewtui.analysis.catalogue import ApiProfile, Catalogue
from reviewtui.analysis.cexpr import compare_polarity
from reviewtui.analysis.condition import (
    COMPARE,
    Compiled,
    Condition,
    Node,
    Unknowable,
    atoms,
    compile_expr,
    extract,
    parse,
    path_to,
)
from reviewtui.analysis.scenarios import Instance, instances
from reviewtui.analysis.semantics import Semantics, pick, rule
from reviewtui.analysis.witness import Witness

MAX_ATOMS = 6
SHARING = ("shared?", "exclusive?")
_MAPPING = ("mapped?", "not mapped?")
_FLIP = {"shared?": "exclusive?", "exclusive?": "shared?", "mapped?": "not mapped?",
         "not mapped?": "mapped?"}
PREDICATE = {"shared": "shared?", "exclusive": "exclusive?", "mapped": "mapped?"}
_NR_PAGES_TEST = {"!=": "shared?", ">": "shared?", "==": "exclusive?", "<=": "exclusive?"}


@dataclass(frozen=True)
class Delta:
    """fp / fn values, the witnesses and what the model could not read."""

    fp: str
    fn: str
    witnesses: tuple[Witness, ...] = ()
    unknown: str = ""
    question: str = ""


@dataclass
class Side:
    """One side of a site: the condition around its call, parsed, and what it asks."""

    condition: Condition | None
    node: Node | None = None
    question: str = ""
    problem: Unknowable | None = None
    call: Node | None = None
    compiled: Compiled | None = None

    @property
    def text(self) -> str | None:
        """The test as code ('' when there is no test)."""
        return self.condition.text if self.condition is not None else None


@dataclass
class _Shared:
    """What every model of one catalogue at one version computes once."""

    all_instances: tuple[Instance, ...]
    first_instances: tuple[Instance, ...]
    semantics: dict = field(default_factory=dict)
    memo: dict = field(default_factory=dict)
    values: dict = field(default_factory=dict)


_SHARED: WeakKeyDictionary[Catalogue, dict] = WeakKeyDictionary()


def _shared(catalogue: Catalogue, version: tuple[int, int] | None) -> _Shared:
    per_version = _SHARED.setdefault(catalogue, {})
    if version not in per_version:
        every = per_version[None].all_instances if None in per_version else \
            instances(catalogue.scenarios)
        seen: dict[str, Instance] = {}
        for inst in every:
            seen.setdefault(inst.scenario.name, inst)
        per_version[version] = _Shared(every, tuple(sorted(seen.values(), key=lambda i: i.key)))
    return per_version[version]


@dataclass(eq=False)
class Model:
    """The catalogue's scenarios and API semantics at one base version.

    Models of one catalogue at one version share their caches (instances, memoised deltas,
    alternatives and API values).
    """

    catalogue: Catalogue
    base: BaseVersion
    all_instances: tuple[Instance, ...] = ()
    first_instances: tuple[Instance, ...] = ()
    _semantics: dict = field(default_factory=dict)
    memo: dict = field(default_factory=dict)
    _values: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        shared = _shared(self.catalogue, self.base.version)
        self.all_instances = shared.all_instances
        self.first_instances = shared.first_instances
        self._semantics, self.memo, self._values = shared.semantics, shared.memo, shared.values

    # -- what a call computes ---------------------------------------------------------------

    def knows(self, name: str) -> bool:
        """True for catalogued APIs and properties."""
        return name in self.catalogue.apis or name in self.catalogue.properties

    def semantics(self, api: ApiProfile, latest: bool = False) -> tuple[Semantics | None, str]:
        """(semantics at the base version, '' or the version used when it is not the base)."""
        key = (api.name, latest)
        if key not in self._semantics:
            version = None if latest else self.base.version
            if latest and api.semantics:
                entry, exact = api.semantics[-1], False
            else:
                entry, exact = pick(api.semantics, version)
            label = "" if exact and not latest else _label(api, entry)
            self._semantics[key] = (entry, label)
        return self._semantics[key]

    def value(self, call: Node, inst: Instance, latest: bool = False) -> int:
        """The value of CALL on INST."""
        key = (call.text, latest, inst.scenario.name, inst.page)
        found = self._values.get(key)
        if found is None:
            found = self._values[key] = self._value(call, inst, latest)
        return found

    def _value(self, call: Node, inst: Instance, latest: bool) -> int:
        cat = self.catalogue
        api = cat.apis.get(call.name)
        if api is None:
            prop = cat.properties[call.name]
            return rule(prop.rule, cat.pmd_pages)(inst.scenario, inst.page)
        entry, _ = self.semantics(api, latest)
        if entry is None:
            raise Unknowable(call.text, f"{api.name}() has no semantics in the catalogue")
        page = _page_of(call, api, inst)
        return entry.apply(rule(entry.rule, cat.pmd_pages), inst.scenario, page)

    # -- sides ------------------------------------------------------------------------------

    def side(self, stream: Sequence[str] | None, index: int | None, name: str | None) -> Side:
        """The side of a site whose call NAME is at token INDEX of STREAM (None: no test)."""
        if stream is None or index is None or name is None:
            return Side(None)
        condition = extract(stream, index)
        side = Side(condition)
        try:
            side.node = parse(condition.tokens)
            side.call = next((n for n in side.node.walk()
                              if n.kind == "call" and n.name == name), None)
            if side.call is None:
                raise Unknowable(f"{name}()", "the call is not part of the expression")
            side.question = self._question(side.node, side.call, condition.boolean)
            side.compiled = compile_expr(side.node, self.knows, side.question != "count")
        except Unknowable as exc:
            side.problem = exc
        return side

    def _question(self, root: Node, call: Node, boolean: bool) -> str:
        path = path_to(root, call) or [call]
        api = self.catalogue.apis.get(call.name)
        returns = api.returns if api is not None else "count"
        test_at = len(path) - 1
        parent = path[-2] if len(path) > 1 else None
        if parent is not None and parent.kind == "binary" and parent.op in COMPARE:
            test_at -= 1
            local = self._compare(parent, call, returns)
        elif returns in PREDICATE:
            local = PREDICATE[returns]
        elif test_at == 0 and not boolean:
            return "count"
        else:
            local = "mapped?"  # a count read as a truth value: != 0
        flips = 0
        for above in path[:test_at]:
            if above.kind == "unary" and above.op == "!":
                flips += 1
            elif not (above.kind == "binary" and above.op in ("&&", "||")):
                raise Unknowable(above.text, "the test is used in a way the model cannot read")
        if test_at == 0 and not boolean and local == "count":
            return "count"
        return _FLIP[local] if flips % 2 else local

    def _compare(self, test: Node, call: Node, returns: str) -> str:
        left, right = test.children
        op = test.op
        other = right
        if right is call:
            op = {">": "<", "<": ">", ">=": "<=", "<=": ">="}.get(op, op)
            other = left
        if other.kind == "num":
            found = compare_polarity(op, str(other.value), returns)
            if found is not None:
                return found
        prop = self.catalogue.properties.get(other.name) if other.kind == "call" else None
        if prop is not None and prop.rule == "nr_pages" and op in _NR_PAGES_TEST:
            return _NR_PAGES_TEST[op]
        raise Unknowable(test.text, "not a sharing or mapping test the model knows")

    # -- the delta --------------------------------------------------------------------------

    def delta(self, old: Side, new: Side) -> Delta:
        """The delta from OLD to NEW (a side without a condition is an absent test)."""
        key = ("delta", _side_key(old), _side_key(new))
        if key not in self.memo:
            try:
                self.memo[key] = self._delta(old, new)
            except Unknowable as exc:
                self.memo[key] = Delta("unknown", "unknown", unknown=str(exc))
        return self.memo[key]

    def _delta(self, old: Side, new: Side) -> Delta:
        for side in (old, new):
            if side.problem is not None:
                raise side.problem
        if old.condition is None and new.condition is None:
            raise Unknowable("(no test)", "neither side has a test")
        q_old = old.question or new.question
        q_new = new.question or old.question
        if "count" in (q_old, q_new):
            if q_old != q_new:
                raise Unknowable(new.text or old.text or "", "a count on one side, a test on "
                                 "the other")
            return self._count_delta(old, new)
        if (q_old in SHARING) != (q_new in SHARING):
            raise Unknowable(new.text or "", f"the question changes from {q_old} to {q_new}")
        old_atoms = atoms(old.node, self.knows) if old.node is not None else {}
        new_atoms = atoms(new.node, self.knows) if new.node is not None else {}
        if old.node is not None and new.node is not None:
            for mine, theirs, word in ((old_atoms, new_atoms, "old"), (new_atoms, old_atoms,
                                                                        "new")):
                lone = [text for k, text in mine.items() if k not in theirs]
                if lone:
                    raise Unknowable(lone[0], f"only in the {word} test, and the model does "
                                     "not know what it means")
        names = dict(old_atoms)
        names.update(new_atoms)
        if len(names) > MAX_ATOMS:
            raise Unknowable(", ".join(list(names.values())[MAX_ATOMS:]), "too many conditions "
                             "the model does not know")
        keys = list(names)
        uses_page = _uses_page(old, self.catalogue) or _uses_page(new, self.catalogue)
        pool = self.all_instances if uses_page else self.first_instances
        found: dict[tuple[str, str], tuple[Instance, dict]] = {}
        for inst in pool:
            truth = truth_of(q_old, inst)
            for values in itertools.product((True, False), repeat=len(keys)):
                assignment = dict(zip(keys, values, strict=True))
                e_old = errors_of(self._eval(old, inst, assignment), q_old, truth)
                e_new = errors_of(self._eval(new, inst, assignment), q_new, truth)
                for err in ("fp", "fn"):
                    if e_new[err] != e_old[err]:
                        change = "introduced" if e_new[err] else "removed"
                        found.setdefault((err, change), (inst, assignment))
        result = {}
        witnesses = []
        for err in ("fp", "fn"):
            both = [(err, c) in found for c in ("introduced", "removed")]
            result[err] = {(True, True): "traded", (True, False): "introduced",
                           (False, True): "removed", (False, False): "unchanged"}[tuple(both)]
            for change in ("introduced", "removed"):
                if (err, change) in found:
                    inst, assignment = found[(err, change)]
                    text = self._witness_text(old, new, q_old, q_new, inst, assignment, names,
                                              err, change, uses_page)
                    witnesses.append(Witness(err, change, inst.scenario.name, inst.page, text))
        return Delta(result["fp"], result["fn"], tuple(witnesses), question=q_new)

    def _eval(self, side: Side, inst: Instance, assignment: dict,
              seen: dict[str, int] | None = None) -> int:
        if side.node is None:
            return 0  # no test: the branch it guarded never runs

        def resolve(call: Node) -> int:
            value = self.value(call, inst)
            if seen is not None:
                seen.setdefault(call.text, value)
            return value

        assert side.compiled is not None
        return side.compiled(resolve, assignment)

    def _count_delta(self, old: Side, new: Side) -> Delta:
        if old.node is None or new.node is None:
            raise Unknowable(new.text or old.text or "", "a count without a test")
        for inst in self.all_instances:
            def resolve(call: Node, at: Instance = inst) -> int:
                return self.value(call, at)

            a = old.compiled(resolve, {})
            b = new.compiled(resolve, {})
            if a != b:
                raise Unknowable(new.text or "", f"the counts differ: {old.text} = {a}, "
                                 f"{new.text} = {b} when {inst.scenario.text}")
        return Delta("unchanged", "unchanged", question="count")

    def _witness_text(self, old: Side, new: Side, q_old: str, q_new: str, inst: Instance,
                      assignment: dict, names: dict[str, str], err: str, change: str,
                      uses_page: bool) -> str:
        s = inst.scenario
        where = s.text
        if uses_page and s.large:
            where += f"; page at hand: {s.describe_page(inst.page)}"
        sharing = q_old in SHARING
        truth = (("shared by several MMs" if s.shared else "mapped by one MM only")
                 if s.mapped else "not mapped") if sharing else (
            "mapped" if s.mapped else "not mapped")
        parts = [f"{where}. The folio is {truth}."]
        for label, side, q in (("Before", old, q_old), ("After", new, q_new)):
            seen: dict[str, int] = {}
            value = self._eval(side, inst, assignment, seen)
            says = _says(value, q)
            wrong = errors_of(value, q, truth_of(q, inst))
            verdict = "a false positive" if wrong["fp"] else (
                "a false negative" if wrong["fn"] else "right")
            if side.node is None:
                parts.append(f"{label}: no test, so it is treated as {says} ({verdict}).")
                continue
            reads = ", ".join(f"{text} = {v}" for text, v in seen.items())
            parts.append(f"{label}: {reads}, so `{side.text}` says {says} ({verdict}).")
        if assignment:
            taken = ", ".join(f"{names[k]} {'true' if v else 'false'}"
                              for k, v in assignment.items())
            parts.append(f"Taking {taken}.")
        return " ".join(parts)


def _label(api: ApiProfile, entry: Semantics | None) -> str:
    """'v6.10+ semantics' / 'v6.15+ semantics, with CONFIG_MM_ID'."""
    if entry is None:
        return ""
    if entry.since or entry.until:
        versions = f"{entry.since}+" if entry.since else f"up to {entry.until}"
        return f"{versions} semantics"
    note = f", {entry.note}" if entry.note else ""
    return f"{api.versions} semantics{note}" if api.versions else entry.note


def _page_of(call: Node, api: ApiProfile, inst: Instance) -> int:
    """The page a page argument names: the first page for folio_page(f, 0) / &f->page."""
    index = api.page_arg
    if index is None or index >= len(call.args):
        return inst.page
    fixed = fixed_page(call.args[index])
    if fixed is None:
        return inst.page
    if fixed >= inst.scenario.nr_pages:
        raise Unknowable(call.text, f"page {fixed} is outside a {inst.scenario.nr_pages}-page "
                         "folio")
    return fixed


def fixed_page(arg: Sequence[str]) -> int | None:
    """N for 'folio_page(f, N)', 0 for '&f->page' / '&f->page[0]'; None for another page."""
    toks = list(arg)
    if len(toks) >= 6 and toks[0] == "folio_page" and toks[1] == "(" and toks[-1] == ")" \
            and toks[-3] == ",":
        try:
            return int(toks[-2].rstrip("uUlL"), 0)
        except ValueError:
            return None
    if len(toks) >= 4 and toks[0] == "&" and toks[-1] == "page" and toks[-2] in ("->", "."):
        return 0
    if len(toks) >= 7 and toks[0] == "&" and toks[-4:] == ["page", "[", "0", "]"]:
        return 0
    return None


def _uses_page(side: Side, catalogue: Catalogue) -> bool:
    if side.node is None:
        return False
    for n in side.node.walk():
        api = catalogue.apis.get(n.name) if n.kind == "call" else None
        if api is not None and api.page_arg is not None and (
                api.page_arg >= len(n.args) or fixed_page(n.args[api.page_arg]) is None):
            return True
    return False


def truth_of(question: str, inst: Instance) -> bool:
    s = inst.scenario
    return s.shared if question in SHARING else s.mapped


def errors_of(value: int, question: str, truth: bool) -> dict[str, bool]:
    positive = bool(value) if question in ("shared?", "mapped?") else not value
    return {"fp": positive and not truth, "fn": not positive and truth}


def _says(value: int, question: str) -> str:
    positive = bool(value) if question in ("shared?", "mapped?") else not value
    if question in SHARING:
        return "shared" if positive else "exclusive"
    return "mapped" if positive else "not mapped"


def _side_key(side: Side) -> tuple:
    cond = side.condition
    return (cond.tokens if cond else None, cond.boolean if cond else None,
            side.call.text if side.call is not None else None)
