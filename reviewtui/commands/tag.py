"""`reviewtui tag`: Tag a call site with its required semantics (not built yet)."""

from __future__ import annotations

from reviewtui.commands.common import add_command, add_thread_arguments
from reviewtui.commands.stub import not_implemented


def register(subparsers) -> None:
    """Add the tag subcommand."""
    parser = add_command(subparsers, "tag", "Tag a call site with its required semantics")
    add_thread_arguments(parser)
    parser.set_defaults(run=not_implemented)
