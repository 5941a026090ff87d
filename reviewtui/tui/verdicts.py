"""How verdicts, requirements, patch states and FN/FP mentions look on screen."""

from __future__ import annotations

from rich.style import Style

VERDICT_STYLES: dict[str, Style] = {
    "risk": Style(color="white", bgcolor="#a01c1c", bold=True),
    "cost": Style(color="black", bgcolor="#d7a215"),
    "improvement": Style(color="black", bgcolor="#4fa64f"),
    "neutral": Style(color="white", bgcolor="#555555"),
    "review": Style(color="white", bgcolor="#8a3fa0"),
    "untagged": Style(color="black", bgcolor="#3fa7c4"),
}
_FALLBACK = Style(color="white", bgcolor="#555555")

VERDICT_SYMBOLS: dict[str, str] = {
    "risk": "!",
    "cost": "~",
    "improvement": "+",
    "neutral": "=",
    "review": "?",
    "untagged": "·",
}

STATE_MARKS: dict[str, str] = {"reviewed": "✓", "skip": "–", "unreviewed": " "}
# A queued reply: Reviewed-by, or one asking for changes (notes and comments, no trailer).
REPLY_MARKS: dict[str, str] = {"reviewed-by": "✉", "changes-requested": "✎"}

FN_STYLE = Style(color="black", bgcolor="#e06c75", bold=True)
FP_STYLE = Style(color="black", bgcolor="#e5c07b", bold=True)
MATCH_STYLE = Style(color="black", bgcolor="#ffd75f")


def verdict_style(verdict: str) -> Style:
    """Badge style of VERDICT (user catalogues may add verdicts: they get a neutral badge)."""
    return VERDICT_STYLES.get(verdict, _FALLBACK)


def verdict_symbol(verdict: str) -> str:
    """One-character marker of VERDICT."""
    return VERDICT_SYMBOLS.get(verdict, "•")


def verdict_colour(verdict: str) -> Style:
    """Foreground-only style for VERDICT (gutter markers)."""
    style = verdict_style(verdict)
    return Style(color=style.bgcolor, bold=True)
