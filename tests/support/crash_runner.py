"""Run the reviewtui command line, killing it with SIGKILL before its Nth file-system change.

    python crash_runner.py N ARGS...

Counted changes: creating a temporary file, fsync, rename (os.replace) and unlink. The
process dies exactly as `kill -9` would leave it, between two of those steps; a run that
makes fewer than N changes completes normally. Test-only: nothing in reviewtui knows of it.
"""

from __future__ import annotations

import os
import signal
import sys
import tempfile


def _arm(limit: int) -> None:
    count = 0

    def counted(func):
        def wrapper(*args, **kwargs):
            nonlocal count
            count += 1
            if count == limit:
                os.kill(os.getpid(), signal.SIGKILL)
            return func(*args, **kwargs)
        return wrapper

    os.replace = counted(os.replace)
    os.unlink = counted(os.unlink)
    os.fsync = counted(os.fsync)
    tempfile.mkstemp = counted(tempfile.mkstemp)


def main() -> int:
    """Arm the counter, then run the command line with the remaining arguments."""
    _arm(int(sys.argv[1]))
    from reviewtui.cli import main as cli_main

    return cli_main(sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
