"""A site's condition as an expression tree: extraction from a token stream, parsing, evaluation.

The tree is plain C: && || ! comparisons, arithmetic, calls. Evaluation is C's (ints, 0/1 for
truth) against a resolver that knows the value of modelled calls on one scenario; a
subexpression without a modelled call is, in a boolean position, an "atom": a free truth value
named by its text (with page spelt folio, so page_is_file_lru(page) and
folio_is_file_lru(folio) are one atom).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

from reviewtui.analysis.cexpr import enclosing_paren, is_ident, matching_paren, tokens
from reviewtui.analysis.pairing import canonical

MAX_TOKENS = 200
_BINARY = {"||": 1, "&&": 2, "|": 3, "^": 4, "&": 5, "==": 6, "!=": 6, "<": 7, ">": 7,
           "<=": 7, ">=": 7, "<<": 8, ">>": 8, "+": 9, "-": 9, "*": 10, "/": 10, "%": 10}
COMPARE = frozenset({"==", "!=", "<", ">", "<=", ">="})
_TYPES = frozenset({"int", "long", "unsigned", "signed", "bool", "char", "short", "struct",
                    "const", "void", "size_t", "unsigned long", "u8", "u16", "u32", "u64",
                    "s32", "s64"})
_CONDITION_KEYWORDS = frozenset({"if", "while", "for", "switch"})
_NO_SPACE_AFTER = frozenset({"(", "[", "!", "~", "->", ".", "&u", "*u", "-u"})
_NO_SPACE_BEFORE = frozenset({")", "]", ",", "->", ".", "(", "[", ";"})


class Unknowable(Exception):
    """The model cannot evaluate PART of the expression."""

    def __init__(self, part: str, why: str = "") -> None:
        super().__init__(part)
        self.part = part
        self.why = why

    def __str__(self) -> str:
        return f"{self.part}: {self.why}" if self.why else self.part


@dataclass(frozen=True)
class Node:
    """An expression node: kind 'num', 'call', 'unary', 'binary' or 'opaque'."""

    kind: str
    text: str
    op: str = ""
    value: int = 0
    name: str = ""
    args: tuple[tuple[str, ...], ...] = ()
    children: tuple[Node, ...] = ()

    @cached_property
    def key(self) -> str:
        """The text with 'page' spelt 'folio' in identifiers (atom identity across a rename)."""
        return render(canonical(list(tokens(self.text)), frozenset()))

    @cached_property
    def call_names(self) -> frozenset[str]:
        """Names of every call in this subtree."""
        return frozenset(n.name for n in self.walk() if n.kind == "call")

    def walk(self):
        """This node and every node below it."""
        yield self
        for child in self.children:
            yield from child.walk()


def render(toks: Sequence[str]) -> str:
    """Tokens joined the way kernel code spells them ('a->b(c, d) > 1')."""
    out: list[str] = []
    prev = ""
    for i, tok in enumerate(toks):
        unary = tok in ("-", "*", "&") and (not prev or prev in _BINARY or prev in (
            "(", "[", ",", "!", "~", "?", ":", "return") or prev in COMPARE)
        if out and not (prev in _NO_SPACE_AFTER or tok in _NO_SPACE_BEFORE and not (
                tok in ("(", "[") and (prev in _BINARY or prev in ("return", ",")))):
            out.append(" ")
        out.append(tok)
        prev = tok + "u" if unary else tok
        if i == 0 and unary:
            prev = tok + "u"
    return "".join(out)


@dataclass(frozen=True)
class Condition:
    """The expression a site's call sits in, and whether C reads it as a truth value."""

    tokens: tuple[str, ...]
    boolean: bool
    branch: tuple[str, ...] = ()  # what an if/while guards, up to its first ';' (or '{ ...;')

    @property
    def text(self) -> str:
        """The expression as kernel code spells it."""
        return render(self.tokens)


def extract(stream: Sequence[str], index: int) -> Condition:
    """The condition or expression around the call at token INDEX of STREAM."""
    outer = None
    j = index
    while True:
        p = enclosing_paren(stream, j)
        if p is None:
            break
        outer = p
        j = p
    if outer is not None:
        close = matching_paren(stream, outer)
        before = stream[outer - 1] if outer else ""
        if before in _CONDITION_KEYWORDS and close is not None:
            inner = tuple(stream[outer + 1:close])
            return Condition(_before_ternary(inner), True, _branch(stream, close + 1))
        if close is not None and before and is_ident(before):
            for lo, hi in _arguments(stream, outer, close):
                if lo <= index < hi:
                    return Condition(_before_ternary(tuple(stream[lo:hi])), False)
    start = index
    while start > 0 and stream[start - 1] not in (";", "{", "}", ":"):
        start -= 1
    end = index
    while end < len(stream) and stream[end] not in (";", "{", "}"):
        end += 1
    toks = list(stream[start:end])
    if toks and toks[0] == "return":
        toks = toks[1:]
    depth = 0
    for k, tok in enumerate(toks):
        depth += tok in ("(", "[")
        depth -= tok in (")", "]")
        if depth == 0 and tok == "=" and start + k < index:
            toks = toks[k + 1:]
            break
    return Condition(_before_ternary(tuple(toks)), False)


def _arguments(stream: Sequence[str], open_: int, close: int) -> list[tuple[int, int]]:
    out = []
    depth = 0
    lo = open_ + 1
    for k in range(open_ + 1, close):
        tok = stream[k]
        depth += tok in ("(", "[")
        depth -= tok in (")", "]")
        if tok == "," and depth == 0:
            out.append((lo, k))
            lo = k + 1
    out.append((lo, close))
    return out


def _before_ternary(toks: tuple[str, ...]) -> tuple[str, ...]:
    depth = 0
    for k, tok in enumerate(toks):
        depth += tok in ("(", "[")
        depth -= tok in (")", "]")
        if depth == 0 and tok == "?":
            return toks[:k]
    return toks


def _branch(stream: Sequence[str], start: int) -> tuple[str, ...]:
    out: list[str] = []
    for tok in stream[start:start + 40]:
        out.append(tok)
        if tok == ";":
            return tuple(out)
    return ()


# -- parsing --------------------------------------------------------------------------------

def parse(toks: Sequence[str]) -> Node:
    """The expression tree of TOKS; Unknowable when it is not one C expression."""
    toks = list(toks)
    if not toks:
        raise Unknowable("(empty)", "no expression")
    if len(toks) > MAX_TOKENS:
        raise Unknowable(render(toks[:8]) + " ...", "expression too long")
    parser = _Parser(toks)
    node = parser.expr(1)
    if parser.pos != len(toks):
        raise Unknowable(render(toks), "not a C expression the model reads")
    return node


class _Parser:
    def __init__(self, toks: list[str]) -> None:
        self.toks = toks
        self.pos = 0

    def peek(self, ahead: int = 0) -> str:
        k = self.pos + ahead
        return self.toks[k] if k < len(self.toks) else ""

    def text(self, start: int) -> str:
        return render(self.toks[start:self.pos])

    def expr(self, minprec: int) -> Node:
        start = self.pos
        left = self.unary()
        while self.peek() in _BINARY and _BINARY[self.peek()] >= minprec:
            op = self.peek()
            self.pos += 1
            right = self.expr(_BINARY[op] + 1)
            left = Node("binary", self.text(start), op=op, children=(left, right))
        return left

    def unary(self) -> Node:
        start = self.pos
        tok = self.peek()
        if tok in ("!", "-", "~", "+"):
            self.pos += 1
            operand = self.unary()
            return Node("unary", self.text(start), op=tok, children=(operand,))
        if tok in ("*", "&", "sizeof"):
            self.pos += 1
            self.unary()
            return Node("opaque", self.text(start))
        if tok == "(" and self.peek(1) in _TYPES:
            close = matching_paren(self.toks, self.pos)
            if close is None:
                raise Unknowable(render(self.toks[start:]), "unbalanced parentheses")
            self.pos = close + 1
            return self.unary()  # a cast: the value passes through
        return self.postfix()

    def postfix(self) -> Node:
        start = self.pos
        node = self.primary()
        while True:
            tok = self.peek()
            if tok == "(" and node.kind == "opaque" and is_ident(node.text):
                close = matching_paren(self.toks, self.pos)
                if close is None:
                    raise Unknowable(render(self.toks[start:]), "unbalanced parentheses")
                args = tuple(tuple(self.toks[lo:hi]) for lo, hi in
                             _arguments(self.toks, self.pos, close) if hi > lo)
                self.pos = close + 1
                node = Node("call", self.text(start), name=node.text, args=args,
                            children=tuple(_argument_node(a) for a in args))
            elif tok in ("->", ".") and is_ident(self.peek(1)):
                self.pos += 2
                node = Node("opaque", self.text(start))
            elif tok == "[":
                close = _matching_bracket(self.toks, self.pos)
                self.pos = close + 1
                node = Node("opaque", self.text(start))
            elif tok in ("++", "--"):
                self.pos += 1
                node = Node("opaque", self.text(start))
            else:
                return node

    def primary(self) -> Node:
        tok = self.peek()
        if not tok:
            raise Unknowable(render(self.toks), "expression ends early")
        if tok == "(":
            start = self.pos
            self.pos += 1
            inner = self.expr(1)
            if self.peek() != ")":
                raise Unknowable(render(self.toks[start:]), "unbalanced parentheses")
            self.pos += 1
            return inner
        number = _number(tok)
        if number is not None:
            self.pos += 1
            return Node("num", tok, value=number)
        if is_ident(tok):
            self.pos += 1
            return Node("opaque", tok)
        raise Unknowable(render(self.toks), f"unexpected {tok!r}")


def _argument_node(toks: tuple[str, ...]) -> Node:
    """An argument as a node (opaque when it is not an expression, e.g. a type)."""
    try:
        return parse(toks)
    except Unknowable:
        return Node("opaque", render(toks))


def _matching_bracket(toks: Sequence[str], open_: int) -> int:
    depth = 0
    for k in range(open_, len(toks)):
        depth += toks[k] == "["
        depth -= toks[k] == "]"
        if depth == 0:
            return k
    raise Unknowable(render(toks[open_:]), "unbalanced brackets")


def _number(tok: str) -> int | None:
    if tok in ("true", "false"):
        return int(tok == "true")
    try:
        return int(tok.rstrip("uUlL"), 0)
    except ValueError:
        return None


# -- evaluation -----------------------------------------------------------------------------

Resolver = Callable[[Node], int]


def modelled(node: Node, knows: Callable[[str], bool]) -> bool:
    """True when NODE contains a call the model can evaluate."""
    return any(knows(name) for name in node.call_names)


def atoms(node: Node, knows: Callable[[str], bool]) -> dict[str, str]:
    """Atoms of NODE: key -> text of each model-free subexpression in a boolean position."""
    out: dict[str, str] = {}

    def visit(n: Node, boolean: bool) -> None:
        if boolean and not modelled(n, knows):
            out.setdefault(n.key, n.text)
            return
        if n.kind == "unary" and n.op == "!":
            visit(n.children[0], True)
        elif n.kind == "binary" and n.op in ("&&", "||"):
            for child in n.children:
                visit(child, True)
        else:
            for child in n.children:
                visit(child, False)

    visit(node, True)
    return out


Compiled = Callable[[Resolver, Mapping[str, bool]], int]
_OPS: dict[str, Callable[[int, int], int]] = {
    "==": lambda a, b: int(a == b), "!=": lambda a, b: int(a != b),
    "<": lambda a, b: int(a < b), ">": lambda a, b: int(a > b),
    "<=": lambda a, b: int(a <= b), ">=": lambda a, b: int(a >= b),
    "+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
    "&": lambda a, b: a & b, "|": lambda a, b: a | b, "^": lambda a, b: a ^ b,
}


def compile_expr(node: Node, knows: Callable[[str], bool], boolean: bool = True) -> Compiled:
    """NODE as a function of (resolver, atom values) giving its C value.

    Parts the model cannot evaluate raise Unknowable here, not when the function runs.
    """
    if boolean and not modelled(node, knows):
        key = node.key

        def atom(resolve: Resolver, assignment: Mapping[str, bool]) -> int:
            if key not in assignment:
                raise Unknowable(node.text, "no meaning in the model")
            return int(assignment[key])

        return atom
    kind = node.kind
    if kind == "num":
        value = node.value
        return lambda resolve, assignment: value
    if kind == "call":
        if not knows(node.name):
            raise Unknowable(node.text, f"{node.name}() has no meaning in the model")
        return lambda resolve, assignment: resolve(node)
    if kind == "unary":
        if node.op == "!":
            inner = compile_expr(node.children[0], knows, True)
            return lambda resolve, assignment: int(not inner(resolve, assignment))
        inner = compile_expr(node.children[0], knows, False)
        sign = {"-": lambda v: -v, "~": lambda v: ~v, "+": lambda v: v}[node.op]
        return lambda resolve, assignment: sign(inner(resolve, assignment))
    if kind == "binary":
        logical = node.op in ("&&", "||")
        left = compile_expr(node.children[0], knows, logical)
        right = compile_expr(node.children[1], knows, logical)
        if node.op == "&&":
            return lambda resolve, assignment: int(
                bool(left(resolve, assignment)) & bool(right(resolve, assignment)))
        if node.op == "||":
            return lambda resolve, assignment: int(
                bool(left(resolve, assignment)) | bool(right(resolve, assignment)))
        op = _OPS.get(node.op)
        if op is not None:
            return lambda resolve, assignment: op(left(resolve, assignment),
                                                  right(resolve, assignment))
        return lambda resolve, assignment: _arith(node, left(resolve, assignment),
                                                  right(resolve, assignment))
    raise Unknowable(node.text, "no meaning in the model")


def evaluate(node: Node, resolve: Resolver, knows: Callable[[str], bool],
             assignment: Mapping[str, bool], boolean: bool = True) -> int:
    """The C value of NODE (0/1 for truth); Unknowable names the part it cannot evaluate."""
    return compile_expr(node, knows, boolean)(resolve, assignment)


def _arith(node: Node, a: int, b: int) -> int:
    op = node.op
    if op in COMPARE:
        return int({"==": a == b, "!=": a != b, "<": a < b, ">": a > b, "<=": a <= b,
                    ">=": a >= b}[op])
    if op in ("/", "%") and b == 0:
        raise Unknowable(node.text, "division by zero")
    if op in ("<<", ">>") and not 0 <= b < 64:
        raise Unknowable(node.text, "shift out of range")
    return {"+": a + b, "-": a - b, "*": a * b, "/": int(a / b) if b else 0,
            "%": a % b if b else 0, "&": a & b, "|": a | b, "^": a ^ b,
            "<<": a << b, ">>": a >> b}[op]


def path_to(root: Node, target: Node) -> list[Node] | None:
    """Nodes from ROOT down to TARGET (identity), or None."""
    if root is target:
        return [root]
    for child in root.children:
        below = path_to(child, target)
        if below is not None:
            return [root, *below]
    return None
