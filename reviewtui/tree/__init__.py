"""Reading a kernel source tree: grep for API names, enclosing functions, tree-wide audit.

`run_tree_audit(root, sites, catalogue)` is the one call the CLI and the TUI need; the
classification itself is pure and lives in reviewtui.analysis.tree_audit. The names are
loaded on first use, so importing a submodule does not load tree-sitter.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from reviewtui.tree.audit import TreeReport, TreeScan, run_tree_audit, scan_tree

__all__ = ["TreeReport", "TreeScan", "run_tree_audit", "scan_tree"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from reviewtui.tree import audit

        return getattr(audit, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
