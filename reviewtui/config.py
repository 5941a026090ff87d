"""Where things live and who the reviewer is: flags, then environment, then defaults."""

from __future__ import annotations

import math
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from reviewtui.errors import UsageError

DEFAULT_SERVER = "https://lore.kernel.org/all"
DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_FETCH_BYTES = 256 << 20  # generous: a real thread is a few MiB
LORE_LINK = "https://lore.kernel.org/r/"


def cache_dir(flag: str | os.PathLike[str] | None = None) -> Path:
    """The thread cache: --cache-dir, else REVIEWTUI_CACHE_DIR, else the XDG cache dir."""
    value = flag or os.environ.get("REVIEWTUI_CACHE_DIR")
    if value:
        return Path(value).expanduser()
    return Path(platformdirs.user_cache_dir("reviewtui")) / "threads"


def shipped_cache_dir() -> Path | None:
    """The read-only thread cache behind the reviewer's: REVIEWTUI_SHIPPED_CACHE ('' turns it
    off), else the `cache/` of the source checkout reviewtui runs from, if there is one."""
    value = os.environ.get("REVIEWTUI_SHIPPED_CACHE")
    if value is not None:
        return Path(value).expanduser() if value else None
    checkout = Path(__file__).resolve().parents[1] / "cache"
    if (checkout / "index.json").is_file() and (checkout / "threads").is_dir():
        return checkout
    return None


def state_file(flag: str | os.PathLike[str] | None = None) -> Path:
    """The review-state database: --state, else REVIEWTUI_STATE, else the XDG data dir."""
    value = flag or os.environ.get("REVIEWTUI_STATE")
    if value:
        return Path(value).expanduser()
    return Path(platformdirs.user_data_dir("reviewtui")) / "state.sqlite3"


def _git_config(key: str) -> str | None:
    try:
        out = subprocess.run(
            ["git", "config", "--get", key], capture_output=True, text=True, timeout=5, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    value = out.stdout.strip()
    return value or None


def server_url(flag: str | None = None) -> str:
    """The public-inbox base URL: --server, REVIEWTUI_SERVER, git config, b4.midmask, lore."""
    value = flag or os.environ.get("REVIEWTUI_SERVER") or _git_config("reviewtui.server")
    if not value:
        midmask = _git_config("b4.midmask")
        if midmask:
            value = midmask.replace("%s", "")
    return (value or DEFAULT_SERVER).rstrip("/")


def network_timeout(flag: str | float | None = None) -> float:
    """Seconds a whole network operation may take: --timeout, else REVIEWTUI_TIMEOUT, else 30."""
    return _flag_or_env(flag, "--timeout", "REVIEWTUI_TIMEOUT", DEFAULT_TIMEOUT,
                        _positive_seconds)


def _flag_or_env(flag, option: str, variable: str, default, parse):
    """PARSE(FLAG, OPTION) when the option was given, else PARSE of the environment VARIABLE
    when it is set and not blank, else DEFAULT."""
    if flag is not None:
        return parse(flag, option)
    value = os.environ.get(variable)
    if value is None or not value.strip():
        return default
    return parse(value, variable)


def _positive_seconds(value: str | float, where: str) -> float:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = math.nan
    if not math.isfinite(seconds) or seconds <= 0:
        raise UsageError(f"{where} must be a number of seconds greater than 0 "
                         f"(got {str(value)[:40]!r})")
    return seconds


def max_fetch_bytes(flag: str | None = None) -> int:
    """Largest answer (or local mbox) accepted: --max-size, else REVIEWTUI_MAX_FETCH_BYTES."""
    return _flag_or_env(flag, "--max-size", "REVIEWTUI_MAX_FETCH_BYTES",
                        DEFAULT_MAX_FETCH_BYTES, parse_size)


_SIZE = re.compile(r"^\s*(\d+)\s*([kmg]i?b?|b)?\s*$", re.IGNORECASE)


def parse_size(text: str, where: str) -> int:
    """'268435456', '256M', '256MiB', '1G' -> bytes (binary units); UsageError otherwise."""
    match = _SIZE.match(str(text))
    size = 0
    if match:
        unit = (match.group(2) or "b")[0].lower()
        size = int(match.group(1)) * {"b": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}[unit]
    if size <= 0:
        raise UsageError(f"{where} must be a size greater than 0 such as 268435456, 256M or "
                         f"1G (got {str(text)[:40]!r})")
    return size


@dataclass(frozen=True)
class Identity:
    """The reviewer: name and address used in trailers and replies."""

    name: str
    email: str

    @property
    def address(self) -> str:
        """'Name <addr>' as trailers write it."""
        return f"{self.name} <{self.email}>"


def reviewer(name: str | None = None, email: str | None = None) -> Identity | None:
    """Reviewer identity: flags, REVIEWTUI_NAME/EMAIL, then git config user.name/user.email."""
    name = name or os.environ.get("REVIEWTUI_NAME") or _git_config("user.name")
    email = email or os.environ.get("REVIEWTUI_EMAIL") or _git_config("user.email")
    if not name or not email:
        return None
    return Identity(name=" ".join(name.split()), email=email.strip())


def display_zone(flag: str | None = None):
    """The zone times are shown in: --tz, else REVIEWTUI_TZ, else the local zone.

    'local' is the machine's zone, 'UTC' (or 'utc', 'Z') is UTC, anything else an IANA zone
    name (Europe/Berlin). Returns a tzinfo, or None for the local zone.
    """
    from reviewtui.errors import UsageError

    value = (flag or os.environ.get("REVIEWTUI_TZ") or "local").strip()
    if value.lower() == "local":
        return None
    if value.upper() in ("UTC", "Z", "GMT"):
        from datetime import UTC

        return UTC
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise UsageError(f"unknown time zone {value!r} (--tz / REVIEWTUI_TZ: local, UTC or a "
                         "zone name such as Europe/Berlin)") from exc
