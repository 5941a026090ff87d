"""`reviewtui sites`: List the changed call sites of catalogued APIs (not built yet)."""

from __future__ import annotations

from reviewtui.commands.common import add_command, add_thread_arguments
from reviewtui.commands.stub import not_implemented


def register(subparsers) -> None:
    """Add the sites subcommand."""
    parser = add_command(subparsers, "sites", "List the changed call sites of catalogued APIs")
    add_thread_arguments(parser)
    parser.set_defaults(run=not_implemented)
