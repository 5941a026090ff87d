"""The `reviewtui` command line: b4-style subcommands, one clear line per error."""

from __future__ import annotations

import argparse
import importlib
import sys

from reviewtui import __version__
from reviewtui.commands.common import NOTICES, add_global_options
from reviewtui.errors import ReviewtuiError

# Each module in reviewtui.commands provides register(subparsers) and run(args) -> int.
COMMANDS = (
    "fetch",
    "cache",
    "link",
    "review",
    "sites",
    "thread",
    "tag",
    "trailers",
    "replies",
    "comment",
    "audit",
    "tree_audit",
    "history",
    "search",
)


_VALUE_OPTIONS = {"--cache-dir", "--server", "--state", "--catalogue"}


def chosen_command(argv: list[str]) -> str | None:
    """The subcommand ARGV names (module name), if any; others need not be imported."""
    previous = ""
    for token in argv:
        name = token.replace("-", "_")
        if name in COMMANDS and previous not in _VALUE_OPTIONS:
            return name
        if token == "--":
            return None
        previous = token
    return None


class CommandParser(argparse.ArgumentParser):
    """A subcommand's parser: options may stand anywhere between the positionals.

    Plain argparse gives `tag THREAD -v 1 SITE REQ` the wrong positionals (THREAD is
    optional, for --mbox); intermixed parsing reads it as written. A parser with its own
    subcommands (`cache ls`) keeps the plain way, which intermixed parsing does not allow.
    """

    _intermixing = False

    def parse_known_args(self, args=None, namespace=None):  # type: ignore[override]
        # parse_known_intermixed_args calls parse_known_args itself: that call is the plain one.
        if self._subparsers is not None or self._intermixing:
            return super().parse_known_args(args, namespace)
        self._intermixing = True
        try:
            return self.parse_known_intermixed_args(args, namespace)
        finally:
            self._intermixing = False


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser with every subcommand registered (or just ONLY, for speed)."""
    parser = argparse.ArgumentParser(
        prog="reviewtui",
        description="Review Linux-kernel patch series from lore: call-site sharing semantics "
        "(false positives / false negatives), the discussion next to the diff, "
        "Reviewed-by replies and audit tables.",
    )
    parser.add_argument("--version", action="version", version=f"reviewtui {__version__}")
    add_global_options(parser, suppress=False)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND",
                                       parser_class=CommandParser)
    for name in COMMANDS if only is None else (only,):
        importlib.import_module(f"reviewtui.commands.{name}").register(subparsers)
    return parser


def _one_line(text: str) -> str:
    return " ".join("".join(c if c.isprintable() else "?" for c in text).split())


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(chosen_command(argv))
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return 2
    try:
        code = int(args.run(args) or 0)
    except ReviewtuiError as exc:
        print(f"reviewtui: error: {_one_line(str(exc))}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("reviewtui: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    for notice in NOTICES:
        print(f"reviewtui: {_one_line(notice)}", file=sys.stderr)
    NOTICES.clear()
    return code


if __name__ == "__main__":
    sys.exit(main())
