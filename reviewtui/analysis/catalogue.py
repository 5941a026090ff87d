"""The API catalogue: profiles of the mapcount family, requirement tags and verdict rules.

The data lives in catalogue.toml (package data); a user file can extend or override it.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from reviewtui.analysis.scenarios import Scenario, parse_scenarios
from reviewtui.analysis.semantics import RULES, Semantics, parse_test, parse_version
from reviewtui.errors import CatalogueError

PROFILE_VALUES = ("yes", "rare", "no", "n/a")
DELTA_VALUES = ("introduced", "removed", "traded", "unchanged", "unknown")
ARG_KINDS = ("page", "folio", "other")
RETURNS = ("count", "shared", "exclusive", "mapped")
SITE_KINDS = ("conversion", "same-api", "removal", "addition", "definition", "uncatalogued")
_IDENT = re.compile(r"^[A-Za-z_]\w*$")
_API_KEYS = {
    "arg": str, "returns": str, "answers": str, "fp": str, "fn": str, "since": str,
    "until": str, "explanation": str, "mapped_exact": bool, "semantics": list, "page_arg": int,
}
_SEMANTICS_KEYS = {"rule": str, "since": str, "until": str, "test": str, "note": str}
_PROPERTY_KEYS = {"arg": str, "rule": str, "answers": str}
_API_REQUIRED = ("arg", "returns", "answers", "fp", "fn")
_RULE_KEYS = ("requirement", "fp", "fn", "kind", "uncatalogued", "verdict")


@dataclass(frozen=True)
class ApiProfile:
    """What one API answers and its FP/FN profile for a "shared?" test on a large folio."""

    name: str
    arg: str
    returns: str
    answers: str
    fp: str
    fn: str
    since: str = ""
    until: str = ""
    explanation: str = ""
    mapped_exact: bool = False
    semantics: tuple[Semantics, ...] = ()  # what it computes per kernel version (scenario model)
    page_arg: int | None = None  # which argument names the page (page APIs: 0)

    @property
    def versions(self) -> str:
        """Kernel versions as 'since–until' text ('' when unknown)."""
        if not self.since and not self.until:
            return ""
        return f"{self.since or '?'}–{self.until}" if self.until else f"{self.since}+"


@dataclass(frozen=True)
class Property:
    """A folio or page property the model evaluates in a condition (not a call site)."""

    name: str
    arg: str
    rule: str
    answers: str = ""


@dataclass(frozen=True)
class Requirement:
    """A requirement tag a reviewer gives a site, with its one-line meaning."""

    tag: str
    meaning: str


@dataclass(frozen=True)
class VerdictRule:
    """One row of the delta x requirement table; an empty match tuple matches anything."""

    verdict: str
    requirement: tuple[str, ...] = ()
    fp: tuple[str, ...] = ()
    fn: tuple[str, ...] = ()
    kind: tuple[str, ...] = ()
    uncatalogued: bool | None = None

    def matches(self, requirement: str, fp: str, fn: str, kind: str, uncatalogued: bool) -> bool:
        """True when every key the rule gives matches."""
        return (
            (not self.requirement or requirement in self.requirement)
            and (not self.fp or fp in self.fp)
            and (not self.fn or fn in self.fn)
            and (not self.kind or kind in self.kind)
            and (self.uncatalogued is None or self.uncatalogued == uncatalogued)
        )


@dataclass(frozen=True)
class Conversion:
    """An old -> new API pair whose delta the catalogue states explicitly."""

    old: str
    new: str
    fp: str
    fn: str
    explanation: str = ""


@dataclass(frozen=True, eq=False)
class Catalogue:
    """Everything the analysis knows about the APIs and the review vocabulary."""

    apis: dict[str, ApiProfile]
    requirements: dict[str, Requirement]
    verdicts: dict[str, str]
    rules: tuple[VerdictRule, ...]
    conversions: dict[tuple[str, str], Conversion]
    mapcount_fields: frozenset[str]
    default_verdict: str = "review"
    untagged_verdict: str = "untagged"
    sources: tuple[str, ...] = field(default_factory=tuple)
    scenarios: dict[str, Scenario] = field(default_factory=dict)
    properties: dict[str, Property] = field(default_factory=dict)
    pmd_pages: int = 512
    default_version: str = "v6.15"
    releases: tuple[tuple[str, date], ...] = ()  # (version, release date), oldest first

    def api(self, name: str | None) -> ApiProfile | None:
        """The profile of NAME, if catalogued."""
        return self.apis.get(name) if name else None

    def conversion(self, old: str | None, new: str | None) -> Conversion | None:
        """The explicit delta for OLD -> NEW, if the catalogue states one."""
        return self.conversions.get((old, new)) if old and new else None

    @property
    def names(self) -> frozenset[str]:
        """All catalogued API names."""
        return frozenset(self.apis)


def load_catalogue(extra: Path | None = None) -> Catalogue:
    """The built-in catalogue, extended/overridden by the user file EXTRA if given."""
    base = _builtin_raw()
    if extra is None:
        return _build(base, ("catalogue.toml",), {})
    origins: dict[str, str] = {}
    raw = _merge(base, _read_toml(extra), str(extra), origins)
    return _build(raw, ("catalogue.toml", str(extra)), origins)


@lru_cache(maxsize=1)
def default_catalogue() -> Catalogue:
    """The built-in catalogue (cached)."""
    return load_catalogue()


def _builtin_raw() -> dict[str, Any]:
    files = resources.files("reviewtui.analysis")
    raw = _parse(files.joinpath("catalogue.toml").read_text("utf-8"), "catalogue.toml (built-in)")
    model = _parse(files.joinpath("scenarios.toml").read_text("utf-8"),
                   "scenarios.toml (built-in)")
    raw.update({k: v for k, v in model.items() if k != "schema"})
    return raw


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise CatalogueError(f"{path}: cannot read catalogue: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise CatalogueError(f"{path}: catalogue is not UTF-8 text ({exc.reason})") from exc
    return _parse(text, str(path))


def _parse(text: str, name: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib's message ends with "(at line N, column M)".
        raise CatalogueError(f"{name}: invalid TOML: {exc}") from exc


def _merge(base: dict[str, Any], user: dict[str, Any], name: str,
           origins: dict[str, str]) -> dict[str, Any]:
    """Overlay the user catalogue USER on BASE (see catalogue.toml's header for the rules).

    ORIGINS receives, per entry label the user file touched, that file's name.
    """
    out = dict(base)
    apis = {k: dict(v) if isinstance(v, dict) else v for k, v in base.get("api", {}).items()}
    user_apis = _table(user, "api", name)
    for api_name, entry in user_apis.items():
        if not isinstance(entry, dict):
            raise CatalogueError(f"{name}: api.{api_name}: expected a table")
        apis[api_name] = {**apis.get(api_name, {}), **entry}
        origins[f"api.{api_name}"] = name
    out["api"] = apis
    for key in ("requirements", "verdicts"):
        table = _table(user, key, name)
        out[key] = {**base.get(key, {}), **table}
        origins.update({f"{key}.{k}": name for k in table})
    user_rules = _array(user, "rules", name)
    out["rules"] = user_rules + list(base.get("rules", []))
    origins.update({f"rules[{i}]": name for i in range(1, len(user_rules) + 1)})
    pairs = {(c.get("from"), c.get("to")): c for c in base.get("conversions", [])}
    for conv in _array(user, "conversions", name):
        pairs[(conv.get("from"), conv.get("to"))] = {**conv, "__origin__": name}
    out["conversions"] = list(pairs.values())
    fields = list(base.get("mapcount", {}).get("fields", []))
    user_fields = _table(user, "mapcount", name).get("fields", [])
    if not isinstance(user_fields, list):
        raise CatalogueError(f"{name}: mapcount.fields: expected a list of field names")
    out["mapcount"] = {"fields": fields + [f for f in user_fields if f not in fields]}
    for key in ("default_verdict", "untagged_verdict"):
        if key in user:
            out[key] = user[key]
    for key in ("scenarios", "property"):
        table = _table(user, key, name)
        out[key] = {**base.get(key, {}), **table}
        origins.update({f"{key}.{k}": name for k in table})
    kernel = _table(user, "kernel", name)
    merged_kernel = {**base.get("kernel", {}), **kernel}
    merged_kernel["releases"] = {**base.get("kernel", {}).get("releases", {}),
                                 **_table(kernel, "releases", name)}
    out["kernel"] = merged_kernel
    if kernel:
        origins["kernel"] = name
    unknown = set(user) - {"schema", "api", "requirements", "verdicts", "rules", "conversions",
                           "mapcount", "default_verdict", "untagged_verdict", "scenarios",
                           "property", "kernel"}
    if unknown:
        raise CatalogueError(f"{name}: unknown top-level key {min(unknown)!r}")
    return out


def _table(raw: dict[str, Any], key: str, name: str) -> dict[str, Any]:
    value = raw.get(key, {})
    if not isinstance(value, dict):
        raise CatalogueError(f"{name}: {key}: expected a table")
    return value


def _array(raw: dict[str, Any], key: str, name: str) -> list[dict[str, Any]]:
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise CatalogueError(f"{name}: {key}: expected an array of tables ([[{key}]])")
    return value


def _build(raw: dict[str, Any], sources: tuple[str, ...], origins: dict[str, str]) -> Catalogue:
    where = " + ".join(sources)

    def src(label: str) -> str:
        return origins.get(label, sources[0])

    apis = {n: _api(n, e, src(f"api.{n}")) for n, e in _table(raw, "api", where).items()}
    requirements = {}
    for tag, entry in _table(raw, "requirements", where).items():
        meaning = entry.get("meaning") if isinstance(entry, dict) else None
        if not isinstance(meaning, str):
            label = f"requirements.{tag}"
            raise CatalogueError(f"{src(label)}: {label}: needs a 'meaning' string")
        requirements[tag] = Requirement(tag=tag, meaning=meaning)
    verdicts = _table(raw, "verdicts", where)
    for key, meaning in verdicts.items():
        if not isinstance(meaning, str):
            label = f"verdicts.{key}"
            raise CatalogueError(f"{src(label)}: {label}: expected a one-line meaning (string)")
    default = raw.get("default_verdict", "review")
    untagged = raw.get("untagged_verdict", "untagged")
    for key, value in (("default_verdict", default), ("untagged_verdict", untagged)):
        if value not in verdicts:
            raise CatalogueError(f"{where}: {key}: {value!r} is not listed in [verdicts]")
    rules = tuple(
        _rule(i, entry, src(f"rules[{i}]"), requirements, verdicts)
        for i, entry in enumerate(_array(raw, "rules", where), start=1)
    )
    conversions = {}
    for i, entry in enumerate(_array(raw, "conversions", where), start=1):
        entry = dict(entry)
        conv = _conversion(i, entry, entry.pop("__origin__", sources[0]))
        conversions[(conv.old, conv.new)] = conv
    fields = _table(raw, "mapcount", where).get("fields", [])
    if not isinstance(fields, list) or not all(
            isinstance(f, str) and _IDENT.match(f) for f in fields):
        raise CatalogueError(f"{where}: mapcount.fields: expected a list of C field names")
    scenarios = parse_scenarios(_table(raw, "scenarios", where), where, origins)
    if not scenarios:
        raise CatalogueError(f"{where}: scenarios: at least one scenario is needed")
    properties = {n: _property(n, e, src(f"property.{n}"))
                  for n, e in _table(raw, "property", where).items()}
    clash = sorted(set(properties) & set(apis))
    if clash:
        raise CatalogueError(f"{where}: {clash[0]} is both an api and a property")
    kernel = _table(raw, "kernel", where)
    kwhere = src("kernel")
    pmd_pages = kernel.get("pmd_pages", 512)
    if not isinstance(pmd_pages, int) or isinstance(pmd_pages, bool) or pmd_pages < 2:
        raise CatalogueError(f"{kwhere}: kernel.pmd_pages: expected a number of pages (>= 2)")
    default_version = kernel.get("default_version", "v6.15")
    if not isinstance(default_version, str) or parse_version(default_version) is None:
        raise CatalogueError(f"{kwhere}: kernel.default_version: expected a version like v6.15")
    releases = []
    for version, when in _table(kernel, "releases", kwhere).items():
        if parse_version(version) is None or not isinstance(when, date):
            raise CatalogueError(f"{kwhere}: kernel.releases.{version}: expected "
                                 f'"vX.Y" = YYYY-MM-DD')
        releases.append((version, when))
    releases.sort(key=lambda r: r[1])
    return Catalogue(
        apis=apis, requirements=requirements, verdicts=dict(verdicts), rules=rules,
        conversions=conversions, mapcount_fields=frozenset(fields), default_verdict=default,
        untagged_verdict=untagged, sources=sources, scenarios=scenarios,
        properties=properties, pmd_pages=pmd_pages, default_version=default_version,
        releases=tuple(releases),
    )


def _check_keys(label: str, entry: dict, known: dict[str, type]) -> None:
    """CatalogueError for a key ENTRY may not have or a value of the wrong type."""
    for key, value in entry.items():
        want = known.get(key)
        if want is None:
            raise CatalogueError(f"{label}: unknown key {key!r}")
        if not isinstance(value, want):
            raise CatalogueError(f"{label}.{key}: expected {want.__name__}, got {value!r}")


def _api(name: str, entry: Any, where: str) -> ApiProfile:
    label = f"{where}: api.{name}"
    if not _IDENT.match(name):
        raise CatalogueError(f"{label}: the name is not a C identifier")
    if not isinstance(entry, dict):
        raise CatalogueError(f"{label}: expected a table")
    _check_keys(label, entry, _API_KEYS)
    missing = [k for k in _API_REQUIRED if k not in entry]
    if missing:
        raise CatalogueError(f"{label}: missing {', '.join(missing)}")
    _check(label, "arg", entry["arg"], ARG_KINDS)
    _check(label, "returns", entry["returns"], RETURNS)
    _check(label, "fp", entry["fp"], PROFILE_VALUES)
    _check(label, "fn", entry["fn"], PROFILE_VALUES)
    fields = dict(entry)
    fields["semantics"] = tuple(
        _semantics(item, f"{label}.semantics[{i}]")
        for i, item in enumerate(entry.get("semantics", [])))
    page_arg = entry.get("page_arg", 0 if entry["arg"] == "page" else None)
    if page_arg is not None and not 0 <= page_arg < 8:
        raise CatalogueError(f"{label}.page_arg: expected an argument index (0 = first)")
    fields["page_arg"] = page_arg
    return ApiProfile(name=name, **fields)


def _semantics(item: Any, label: str) -> Semantics:
    if not isinstance(item, dict):
        raise CatalogueError(f"{label}: expected a table {{rule, since, until, test, note}}")
    _check_keys(label, item, _SEMANTICS_KEYS)
    if "rule" not in item:
        raise CatalogueError(f"{label}: missing rule")
    _check(label, "rule", item["rule"], tuple(RULES))
    for key in ("since", "until"):
        if item.get(key) and parse_version(item[key]) is None:
            raise CatalogueError(f"{label}.{key}: {item[key]!r} is not a version like v6.10")
    if item.get("test"):
        try:
            parse_test(item["test"])
        except ValueError:
            raise CatalogueError(f"{label}.test: {item['test']!r} is not like '> 1'") from None
    return Semantics(**item)


def _property(name: str, entry: Any, where: str) -> Property:
    label = f"{where}: property.{name}"
    if not _IDENT.match(name):
        raise CatalogueError(f"{label}: the name is not a C identifier")
    if not isinstance(entry, dict):
        raise CatalogueError(f"{label}: expected a table")
    _check_keys(label, entry, _PROPERTY_KEYS)
    for key in ("arg", "rule"):
        if key not in entry:
            raise CatalogueError(f"{label}: missing {key}")
    _check(label, "arg", entry["arg"], ARG_KINDS)
    _check(label, "rule", entry["rule"], tuple(RULES))
    return Property(name=name, **entry)


def _rule(index: int, entry: dict[str, Any], where: str, requirements: dict,
          verdicts: dict) -> VerdictRule:
    label = f"{where}: rules[{index}]"
    unknown = set(entry) - set(_RULE_KEYS)
    if unknown:
        raise CatalogueError(f"{label}: unknown key {min(unknown)!r}")
    verdict = entry.get("verdict")
    if verdict not in verdicts:
        raise CatalogueError(f"{label}: verdict {verdict!r} is not listed in [verdicts]")
    values = {}
    for key, allowed in (("requirement", tuple(requirements)), ("fp", DELTA_VALUES),
                         ("fn", DELTA_VALUES), ("kind", SITE_KINDS)):
        raw = entry.get(key, [])
        items = [raw] if isinstance(raw, str) else raw
        if not isinstance(items, list) or not all(isinstance(v, str) for v in items):
            raise CatalogueError(f"{label}.{key}: expected a string or a list of strings")
        for item in items:
            _check(label, key, item, allowed)
        values[key] = tuple(items)
    uncatalogued = entry.get("uncatalogued")
    if uncatalogued is not None and not isinstance(uncatalogued, bool):
        raise CatalogueError(f"{label}.uncatalogued: expected true or false")
    return VerdictRule(verdict=verdict, uncatalogued=uncatalogued, **values)


def _conversion(index: int, entry: dict[str, Any], where: str) -> Conversion:
    label = f"{where}: conversions[{index}]"
    for key in ("from", "to", "fp", "fn"):
        if not isinstance(entry.get(key), str):
            raise CatalogueError(f"{label}: needs a string {key!r}")
    _check(label, "fp", entry["fp"], DELTA_VALUES)
    _check(label, "fn", entry["fn"], DELTA_VALUES)
    explanation = entry.get("explanation", "")
    if not isinstance(explanation, str):
        raise CatalogueError(f"{label}.explanation: expected a string")
    return Conversion(old=entry["from"], new=entry["to"], fp=entry["fp"], fn=entry["fn"],
                      explanation=explanation)


def _check(label: str, key: str, value: Any, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise CatalogueError(f"{label}.{key}: {value!r} is not one of {', '.join(allowed)}")
