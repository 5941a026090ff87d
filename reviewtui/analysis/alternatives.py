"""Alternatives: what each catalogued sharing API would give at a site, as the same test.

The test keeps the site's operator and right-hand side (`!= 1`, `> 1`,
`!= folio_nr_pages(folio)`); a predicate keeps the site's polarity. Each alternative names the
scenarios where it would give a false positive or a false negative, simplest first.
"""

from __future__ import annotations

from reviewtui.analysis.catalogue import ApiProfile, Catalogue
from reviewtui.analysis.cexpr import tokens
from reviewtui.analysis.condition import COMPARE, Unknowable, compile_expr, parse, path_to, render
from reviewtui.analysis.delta import (
    PREDICATE,
    SHARING,
    Model,
    Side,
    errors_of,
    fixed_page,
    truth_of,
)
from reviewtui.analysis.semantics import parse_version, rule
from reviewtui.analysis.witness import Alternative

_COMPARE_OPS = {"==": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b,
                ">": lambda a, b: a > b, "<=": lambda a, b: a <= b, ">=": lambda a, b: a >= b}


def alternatives(model: Model, old: Side, new: Side, old_api: str | None,
                 new_api: str | None) -> tuple[Alternative, ...]:
    """What each catalogued sharing API gives at the site as the same kind of test."""
    side = new if new.node is not None else old
    if side.node is None or side.problem is not None or side.question not in SHARING:
        return ()
    form = _form(side)
    folio, page = _arguments(old, new, model.catalogue)
    key = ("alt", side.question, form, folio, page, old_api, new_api)
    if key not in model.memo:
        out = []
        for api in model.catalogue.apis.values():
            if not api.semantics or "n/a" in (api.fp, api.fn) or api.returns == "mapped":
                continue
            role = "after" if api.name == new_api else (
                "before" if api.name == old_api else "")
            out.append(_alternative(model, api, side.question, form, folio, page, role))
        model.memo[key] = tuple(out)
    return model.memo[key]


def _alternative(model: Model, api: ApiProfile, question: str, form: tuple[str, str] | None,
                 folio: str, page: str, role: str) -> Alternative:
    arg = page if api.arg == "page" else folio
    if api.page_arg and api.arg == "folio":
        arg = f"{folio}, {page}"
    call = f"{api.name}({arg})"
    if api.returns == "count":
        op, rhs = form or ((">", "1") if question == "shared?" else ("==", "1"))
        test = f"{call} {op} {rhs}"
    else:
        asks = PREDICATE[api.returns]
        test = call if asks == question else f"!{call}"
    exists = _exists(model, api)
    _, label = model.semantics(api, latest=not exists)
    try:
        values = _fast_values(model, api, question, form, page, not exists)
        if values is None:
            run = compile_expr(parse(tokens(test)), model.knows)
            values = [run(lambda c, i=inst: model.value(c, i, not exists), {})
                      for inst in model.all_instances]
        errs: dict[str, dict[str, str]] = {"fp": {}, "fn": {}}
        for inst, value in zip(model.all_instances, values, strict=True):
            wrong = errors_of(value, question, truth_of(question, inst))
            for err in ("fp", "fn"):
                if wrong[err]:
                    errs[err].setdefault(inst.scenario.name, inst.scenario.short)
        return Alternative(api.name, test, tuple(errs["fp"].values()),
                           tuple(errs["fn"].values()), tuple(errs["fp"]), tuple(errs["fn"]),
                           label, role)
    except Unknowable as exc:
        return Alternative(api.name, test, version=label, role=role, unknown=str(exc))


def _fast_values(model: Model, api: ApiProfile, question: str, form: tuple[str, str] | None,
                 page: str, latest: bool) -> list[int] | None:
    """The test's value per instance without parsing it (None: take the general path)."""
    entry, _ = model.semantics(api, latest)
    if entry is None:
        return None
    fixed = fixed_page(tokens(page)) if api.page_arg is not None else None
    key = ("vector", api.name, latest, fixed)
    if key not in model.memo:
        fn = rule(entry.rule, model.catalogue.pmd_pages)
        model.memo[key] = [
            None if fixed is not None and fixed >= i.scenario.nr_pages else
            entry.apply(fn, i.scenario, i.page if fixed is None else fixed)
            for i in model.all_instances]
    vector = model.memo[key]
    if None in vector:
        return None
    if api.returns != "count":
        asks = PREDICATE[api.returns]
        return list(vector) if asks == question else [int(not v) for v in vector]
    op, rhs = form or ((">", "1") if question == "shared?" else ("==", "1"))
    compare = _COMPARE_OPS[op]
    if rhs.isdigit():
        bound = int(rhs)
        return [int(compare(v, bound)) for v in vector]
    name = rhs.split("(", 1)[0]
    prop = model.catalogue.properties.get(name)
    if prop is not None and prop.rule == "nr_pages":
        return [int(compare(v, i.scenario.nr_pages))
                for v, i in zip(vector, model.all_instances, strict=True)]
    return None


def _exists(model: Model, api: ApiProfile) -> bool:
    """True when API exists at the base version (as far as the catalogue says)."""
    version = model.base.version
    since = parse_version(api.since) if api.since else None
    return version is None or since is None or version >= since


def _form(side: Side) -> tuple[str, str] | None:
    """(operator, right-hand side) of the site's test when it compares a count."""
    path = path_to(side.node, side.call) if side.node and side.call else None
    if not path or len(path) < 2:
        return None
    test = path[-2]
    if test.kind != "binary" or test.op not in COMPARE:
        return None
    left, right = test.children
    if left is side.call:
        return test.op, right.text
    swapped = {">": "<", "<": ">", ">=": "<=", "<=": ">="}.get(test.op, test.op)
    return swapped, left.text


def _arguments(old: Side, new: Side, catalogue: Catalogue) -> tuple[str, str]:
    """(folio, page) argument texts to build alternatives with."""
    folio = page = ""
    for side in (new, old):
        if side.call is None or not side.call.args:
            continue
        api = catalogue.apis.get(side.call.name)
        text = render(side.call.args[0])
        if api is not None and api.arg == "folio":
            folio = folio or text
            if api.page_arg is not None and api.page_arg < len(side.call.args):
                page = page or render(side.call.args[api.page_arg])
        elif api is not None and api.arg == "page":
            page = page or text
    if not folio:
        folio = f"page_folio({page})" if page else "folio"
    return folio, page or "page"
