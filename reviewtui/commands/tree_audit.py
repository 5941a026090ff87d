"""`reviewtui tree-audit`: Find remaining uses of the APIs in a kernel tree (not built yet)."""

from __future__ import annotations

from reviewtui.commands.common import add_command, add_thread_arguments
from reviewtui.commands.stub import not_implemented


def register(subparsers) -> None:
    """Add the tree-audit subcommand."""
    parser = add_command(subparsers, "tree-audit", "Find remaining uses of the APIs in a kernel tree")
    add_thread_arguments(parser)
    parser.set_defaults(run=not_implemented)
