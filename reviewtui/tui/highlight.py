"""C syntax colours for diff lines (Pygments' C lexer, one line at a time)."""

from __future__ import annotations

from functools import lru_cache

from pygments.token import Comment, Keyword, Name, Number, String, Token
from rich.style import Style
from rich.text import Text

from reviewtui.tui.safe_text import clean

KEYWORD = Style(color="#c678dd")
TYPE = Style(color="#e5c07b")
STRING = Style(color="#98c379")
NUMBER = Style(color="#d19a66")
COMMENT = Style(color="#7f848e", italic=True)
PREPROC = Style(color="#56b6c2")
FUNCTION = Style(color="#61afef")

_BY_TOKEN = (
    (Comment.Preproc, PREPROC),
    (Comment.PreprocFile, PREPROC),
    (Comment, COMMENT),
    (Keyword.Type, TYPE),
    (Keyword, KEYWORD),
    (String, STRING),
    (Number, NUMBER),
    (Name.Builtin, TYPE),
)


@lru_cache(maxsize=1)
def _lexer():
    from pygments.lexers.c_cpp import CLexer

    return CLexer(stripnl=False, ensurenl=False, tabsize=0)


def _style_of(token) -> Style | None:
    for kind, style in _BY_TOKEN:
        if token in kind:
            return style
    return None


def _is_comment_continuation(code: str) -> bool:
    # A line inside a block comment has no "/*" of its own: the lexer cannot know.
    head = code.lstrip()
    return head == "*" or head.startswith(("* ", "*/", "*\t"))


@lru_cache(maxsize=8192)
def code_spans(code: str) -> tuple[tuple[int, int, Style], ...]:
    """(start, end, style) of the coloured tokens of CODE (one cleaned line of C)."""
    if not code.strip():
        return ()
    if _is_comment_continuation(code):
        return ((0, len(code), COMMENT),)
    spans = []
    pos = 0
    tokens = list(_lexer().get_tokens(code))
    for i, (token, value) in enumerate(tokens):
        end = pos + len(value)
        style = _style_of(token)
        if style is None and token in Name and _next_is_call(tokens, i):
            style = FUNCTION
        if style is not None:
            spans.append((pos, end, style))
        pos = end
    return tuple(spans)


def highlight_c(code: str) -> Text:
    """CODE (one line of C, already cleaned) as a new Text with syntax colours."""
    text = Text(code, no_wrap=True, end="")
    for start, end, style in code_spans(code):
        text.stylize(style, start, end)
    return text


def _next_is_call(tokens: list, i: int) -> bool:
    for token, value in tokens[i + 1:]:
        if token in Token.Text.Whitespace or not value.strip():
            continue
        return token in Token.Punctuation and value.startswith("(")
    return False


def highlight_code(raw: str) -> Text:
    """Untrusted RAW code line: cleaned, then coloured."""
    return highlight_c(clean(raw))
