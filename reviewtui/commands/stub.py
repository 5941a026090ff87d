"""Placeholder for commands that are not built yet: says so and exits 2."""

from __future__ import annotations

import argparse
import sys


def not_implemented(args: argparse.Namespace) -> int:
    """Print 'not implemented yet' and fail."""
    print(f"reviewtui {args.command}: not implemented yet", file=sys.stderr)
    return 2
