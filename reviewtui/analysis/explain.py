"""A site's delta in words: the lines the TUI's site detail (and other views) show."""

from __future__ import annotations

from reviewtui.analysis.callsite import CallSite

_CHANGE = {"introduced": "introduced", "removed": "removed",
           "traded": "traded (introduced in some scenarios, removed in others)"}


def delta_summary(site: CallSite) -> str:
    """'FP removed, FN introduced: a trade' (one line, '' when nothing is known)."""
    parts = [f"{name} {_CHANGE.get(value, value)}"
             for name, value in (("FP", site.fp), ("FN", site.fn))]
    text = ", ".join(parts)
    if site.fp == "unknown" or site.fn == "unknown":
        return text + (f": the model cannot evaluate {site.unknown}" if site.unknown else "")
    if site.trade:
        return text + ": a trade, the change removes errors in some scenarios and " \
                      "introduces errors in others"
    return text


def site_explanation(site: CallSite) -> list[str]:
    """Lines explaining SITE: tests, delta, witnesses, alternatives, base version, notes."""
    lines = []
    if site.old_test is not None or site.new_test is not None:
        old = f"`{site.old_test}`" if site.old_test is not None else "(no test)"
        new = f"`{site.new_test}`" if site.new_test is not None else "(no test)"
        lines.append(f"test: {old} -> {new}")
    lines.append(delta_summary(site))
    for witness in site.witnesses:
        lines.append(f"{witness.title}: {witness.text}")
    if site.alternatives:
        lines.append("the same test with each catalogued API:")
        lines += [f"  {alt.text}" for alt in site.alternatives]
    if site.base_version or site.base_version_from:
        version = f"{site.base_version} " if site.base_version else ""
        lines.append(f"API semantics as of {version}({site.base_version_from})")
    if site.explanation:
        lines.append(site.explanation)
    return lines


def witness_text(site: CallSite) -> str:
    """Every witness of SITE on one line ('FN introduced: ... | FP removed: ...').

    A site the model cannot judge says which part it cannot evaluate instead.
    """
    if not site.witnesses and site.unknown:
        return f"unknown: {site.unknown}"
    return " | ".join(f"{w.title}: {w.text}" for w in site.witnesses)
