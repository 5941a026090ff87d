"""`reviewtui thread`: Show the thread as a tree with anchors, FN/FP mentions and trailers (not built yet)."""

from __future__ import annotations

from reviewtui.commands.common import add_command, add_thread_arguments
from reviewtui.commands.stub import not_implemented


def register(subparsers) -> None:
    """Add the thread subcommand."""
    parser = add_command(subparsers, "thread", "Show the thread as a tree with anchors, FN/FP mentions and trailers")
    add_thread_arguments(parser)
    parser.set_defaults(run=not_implemented)
