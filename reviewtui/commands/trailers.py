"""`reviewtui trailers`: Write Reviewed-by replies as emails (not built yet)."""

from __future__ import annotations

from reviewtui.commands.common import add_command, add_thread_arguments
from reviewtui.commands.stub import not_implemented


def register(subparsers) -> None:
    """Add the trailers subcommand."""
    parser = add_command(subparsers, "trailers", "Write Reviewed-by replies as emails")
    add_thread_arguments(parser)
    parser.set_defaults(run=not_implemented)
