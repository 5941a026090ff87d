"""Function and macro line ranges of C source, from tree-sitter-c.

Parsing a whole 6,000-line mm/ file costs tens of milliseconds, so callers parse only the
top-level chunk around a line (kernel style: bodies end with '}' in column 0) and fall back to
the whole file when the chunk holds no definition covering that line.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import tree_sitter
import tree_sitter_c

from reviewtui.analysis.cfunc import signature_name

_CONTAINERS = frozenset({
    "translation_unit", "ERROR", "preproc_if", "preproc_ifdef", "preproc_else", "preproc_elif",
    "preproc_elifdef", "linkage_specification", "declaration_list",
})
_CLOSER = re.compile(rb"\n\}")
_DECLARATOR_TYPES = frozenset({"identifier", "field_identifier", "type_identifier"})


@dataclass(frozen=True)
class FunctionSpan:
    """A function or macro definition: name, kind and 0-based first/last line."""

    name: str
    kind: str  # "function", "macro" or "prototype" (a declaration: encloses nothing)
    start: int
    end: int
    name_row: int  # the line holding the defined name

    def covers(self, row: int) -> bool:
        """True when line ROW (0-based) is part of the definition."""
        return self.start <= row <= self.end


@lru_cache(maxsize=1)
def _parser() -> tree_sitter.Parser:
    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_c.language()))


def parse_spans(source: bytes, row_offset: int = 0) -> list[FunctionSpan]:
    """Definitions in SOURCE (rows shifted by ROW_OFFSET), outermost first, in file order."""
    root = _parser().parse(source).root_node
    spans: list[FunctionSpan] = []
    _collect(root, source, row_offset, spans)
    return spans


def innermost(spans: Sequence[FunctionSpan], row: int) -> FunctionSpan | None:
    """The smallest definition covering ROW."""
    best = None
    for span in spans:
        if span.kind != "prototype" and span.covers(row) and (best is None or span.end - span.start < best.end - best.start):
            best = span
    return best


def closing_rows(data: bytes) -> list[int]:
    """0-based rows of the lines of DATA that start with '}' (ends of top-level blocks)."""
    rows = []
    row, pos = 0, 0
    if data.startswith(b"}"):
        rows.append(0)
    for m in _CLOSER.finditer(data):
        row += data.count(b"\n", pos, m.start() + 1)
        pos = m.start() + 1
        rows.append(row)
    return rows


def chunk_bounds(closers: Sequence[int], row: int, last_row: int) -> tuple[int, int]:
    """The top-level chunk around ROW: after the last column-0 '}' above, to the next one.

    CLOSERS are the sorted rows starting with '}' (see closing_rows), LAST_ROW the file's last.
    """
    i = bisect.bisect_left(closers, row)
    lo = closers[i - 1] + 1 if i > 0 else 0
    hi = closers[i] if i < len(closers) else last_row
    return lo, hi


def _collect(node: tree_sitter.Node, source: bytes, offset: int,
             spans: list[FunctionSpan]) -> None:
    children = node.children
    for i, child in enumerate(children):
        kind = child.type
        if kind == "function_definition":
            name_node = _declared_name(child)
            if name_node is not None:
                spans.append(_span(child, _text(name_node, source), "function", offset,
                                   name_node.start_point.row))
        elif kind == "declaration":
            name_node = _prototype_name(child)
            if name_node is not None:
                spans.append(_span(child, _text(name_node, source), "prototype", offset,
                                   name_node.start_point.row))
        elif kind in ("preproc_function_def", "preproc_def"):
            name_node = child.child_by_field_name("name")
            if name_node is not None:
                spans.append(_span(child, _text(name_node, source), "macro", offset,
                                   name_node.start_point.row))
        elif kind == "compound_statement" and i > 0:
            # 'SYSCALL_DEFINE3(madvise, ...) { ... }' and other macro-made definitions.
            head = children[i - 1]
            name = _macro_definition_name(head, source)
            if name is not None:
                spans.append(FunctionSpan(name, "function", head.start_point.row + offset,
                                          _end_row(child) + offset,
                                          head.start_point.row + offset))
        elif kind in _CONTAINERS:
            _collect(child, source, offset, spans)


def _span(node: tree_sitter.Node, name: str, kind: str, offset: int, name_row: int) -> FunctionSpan:
    return FunctionSpan(name, kind, node.start_point.row + offset, _end_row(node) + offset,
                        name_row + offset)


def _end_row(node: tree_sitter.Node) -> int:
    """Last line of NODE (a macro's node ends at column 0 of the line after it)."""
    end = node.end_point
    if end.column == 0 and end.row > node.start_point.row:
        return end.row - 1
    return end.row


def _declared_name(node: tree_sitter.Node) -> tree_sitter.Node | None:
    """The identifier a function definition defines (through pointer/paren declarators)."""
    current = node.child_by_field_name("declarator")
    for _ in range(16):
        if current is None:
            return None
        if current.type in _DECLARATOR_TYPES:
            return current
        nxt = current.child_by_field_name("declarator")
        if nxt is None:
            nxt = next((c for c in current.named_children if c.type in _DECLARATOR_TYPES
                        or c.type.endswith("declarator")), None)
        current = nxt
    return None


def _prototype_name(node: tree_sitter.Node) -> tree_sitter.Node | None:
    """The function a top-level declaration declares ('int f(struct page *);'), if any."""
    for declarator in node.children_by_field_name("declarator"):
        current = declarator
        while current is not None and current.type in ("pointer_declarator",
                                                       "parenthesized_declarator"):
            current = current.child_by_field_name("declarator") or (
                current.named_children[0] if current.named_children else None)
        if current is not None and current.type == "function_declarator":
            name = current.child_by_field_name("declarator")
            if name is not None and name.type == "identifier":
                return name
    return None


def _macro_definition_name(head: tree_sitter.Node, source: bytes) -> str | None:
    """NAME when HEAD reads 'NAME(...)' at column 0, as a macro-made definition starts."""
    if head.start_point.column != 0 or head.type not in ("expression_statement", "declaration",
                                                         "ERROR", "macro_type_specifier"):
        return None
    first_line = _text(head, source).split("\n", 1)[0]
    return signature_name(first_line)


def _text(node: tree_sitter.Node, source: bytes) -> str:
    return source[node.start_byte:node.end_byte].decode("utf-8", "replace")
