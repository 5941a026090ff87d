"""`reviewtui audit`: Write the per-call-site audit table (not built yet)."""

from __future__ import annotations

from reviewtui.commands.common import add_command, add_thread_arguments
from reviewtui.commands.stub import not_implemented


def register(subparsers) -> None:
    """Add the audit subcommand."""
    parser = add_command(subparsers, "audit", "Write the per-call-site audit table")
    add_thread_arguments(parser)
    parser.set_defaults(run=not_implemented)
