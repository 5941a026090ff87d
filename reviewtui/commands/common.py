"""Options and loading shared by every command that takes THREAD or --mbox FILE."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from reviewtui import config
from reviewtui.errors import UsageError
from reviewtui.lore.cache import CachedThread, ThreadCache
from reviewtui.lore.revisions import (
    SeriesIdentity,
    family_of,
    find_family,
    series_key,
    subject_revision,
)
from reviewtui.model.thread import Revision, Series
from reviewtui.text_safety import clean, clean_line, one_line

if TYPE_CHECKING:
    from rich.console import Console

    from reviewtui.lore.http import NetLimits


def add_global_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    """Options accepted both before and after the subcommand name."""
    default = argparse.SUPPRESS if suppress else None
    parser.add_argument("--cache-dir", metavar="DIR", default=default,
                        help="thread cache (env REVIEWTUI_CACHE_DIR; default: XDG cache dir)")
    parser.add_argument("--server", metavar="URL", default=default,
                        help="public-inbox base URL (env REVIEWTUI_SERVER, git config "
                        "reviewtui.server or b4.midmask; default https://lore.kernel.org/all)")
    parser.add_argument("--state", metavar="FILE", default=default,
                        help="review-state database (env REVIEWTUI_STATE; default: XDG data dir)")
    parser.add_argument("--catalogue", metavar="FILE", default=default,
                        help="extra API catalogue (TOML) extending or overriding the built-in one")


def add_thread_arguments(parser: argparse.ArgumentParser, *, refresh: bool = True) -> None:
    """THREAD positional plus --mbox, --revision and --refresh."""
    parser.add_argument("thread", nargs="?", metavar="THREAD",
                        help="message-id, <msgid>, id:msgid or lore URL of any message of the thread")
    parser.add_argument("--mbox", metavar="FILE", help="read the thread from a local mbox instead")
    parser.add_argument("--revision", "-v", type=int, metavar="N",
                        help="series revision to use (default: the latest)")
    if refresh:
        parser.add_argument("--refresh", action="store_true",
                            help="fetch new messages of the thread before opening it")


def thread_cache(args: argparse.Namespace) -> ThreadCache:
    """The ThreadCache chosen by --cache-dir / REVIEWTUI_CACHE_DIR / XDG.

    The default cache reads the shipped demo threads it lacks (config.shipped_cache_dir).
    """
    root = config.cache_dir(getattr(args, "cache_dir", None))
    chosen = getattr(args, "cache_dir", None) or os.environ.get("REVIEWTUI_CACHE_DIR")
    shipped = None if chosen else config.shipped_cache_dir()
    if shipped is not None and shipped.resolve() != root.resolve():
        from reviewtui.lore.shipped import LayeredCache

        return LayeredCache(root, ThreadCache(shipped))
    return ThreadCache(root)


# What the command line says after a command succeeded (an error stays one line).
NOTICES: list[str] = []


@dataclass
class LoadedThread:
    """A parsed thread, where it came from, and the revision asked for.

    `notice` says when a newer revision of the series is known than the one reviewed, or
    that the thread given was older than the revision reviewed ('' otherwise).
    """

    series: Series
    revision: Revision
    source: str
    entry: CachedThread | None = None
    family: str = ""
    cache: ThreadCache | None = None
    notice: str = ""


@dataclass
class ThreadSource:
    """The raw mbox of THREAD (or --mbox FILE) and where it came from."""

    data: bytes
    source: str
    entry: CachedThread | None
    cache: ThreadCache
    mbox: str | None = None


def read_thread(args: argparse.Namespace) -> ThreadSource:
    """Read THREAD from the cache (or --mbox FILE); fetch first only when --refresh asks."""
    from reviewtui.lore.fetch import parse_thread_ref, read_mbox_file

    mbox = getattr(args, "mbox", None)
    thread = getattr(args, "thread", None)
    entry = None
    if mbox and thread:
        raise UsageError("give either THREAD or --mbox FILE, not both")
    if mbox:
        data = read_mbox_file(mbox)
        source = str(mbox)
    elif thread:
        ref = parse_thread_ref(thread)
        cache = thread_cache(args)
        if getattr(args, "refresh", False):
            from reviewtui.lore.sync import refresh_thread

            refresh_thread(cache, ref, config.server_url(getattr(args, "server", None) or ref.server),
                           timeout=config.network_timeout(),
                           progress=stderr_progress())
        entry, data = cache.read(ref.msgid)
        source = f"cache:{entry.msgid}"
    else:
        raise UsageError("give a THREAD (message-id or lore URL) or --mbox FILE")
    return ThreadSource(data=data, source=source, entry=entry, cache=thread_cache(args),
                        mbox=mbox)


def open_thread(args: argparse.Namespace) -> LoadedThread:
    """Load THREAD from the cache (or --mbox FILE); fetch only when --refresh asks.

    Without --revision, a cached THREAD is reviewed at the latest revision of its series that
    the cache knows (a linked or matching newer thread), and the notice says so.
    """
    return load_thread(args, read_thread(args))


_ALREADY_PARSED: list[tuple[bytes, Series]] = []


def already_parsed(data: bytes, series: Series) -> None:
    """Let the next load_thread of exactly DATA in this process take SERIES (the result of
    load_series(DATA)) instead of parsing it again (`cache add` has just parsed it)."""
    _ALREADY_PARSED[:] = [(data, series)]


def load_thread(args: argparse.Namespace, thread: ThreadSource,
                seen: Callable[[CachedThread, bytes, Series], None] | None = None,
                ) -> LoadedThread:
    """Parse THREAD's mbox and pick the revision to review (see open_thread). SEEN, if given,
    is told every cached thread parsed on the way (entry, mbox bytes, series)."""
    from reviewtui.model.load import load_series

    def parsed(entry: CachedThread | None, data: bytes) -> Series:
        series = _ALREADY_PARSED.pop()[1] if _ALREADY_PARSED and \
            _ALREADY_PARSED[0][0] == data else load_series(data)
        if seen is not None and entry is not None:
            seen(entry, data, series)
        return series

    series = parsed(thread.entry, thread.data)
    source, entry, cache, mbox = thread.source, thread.entry, thread.cache, thread.mbox
    wanted = getattr(args, "revision", None)
    given = series.latest.number
    newest = _newest_cached(cache, series)
    notice = ""
    if wanted is not None and wanted not in series.revisions and entry is not None:
        entry, data = cache.read(_other_revision(cache, series, wanted).msgid)
        series = parsed(entry, data)
        source = f"cache:{entry.msgid}"
    elif wanted is None and entry is not None and newest is not None:
        entry, data = cache.read(newest.msgid)
        series = parsed(entry, data)
        source = f"cache:{entry.msgid}"
        notice = switched_notice(series.latest.number, given)
    try:
        revision = series.revision(wanted)
    except KeyError as exc:
        raise UsageError(str(exc.args[0])) from exc
    if not notice and newest is not None and subject_revision(newest.subject) > revision.number:
        later = subject_revision(newest.subject)
        notice = f"v{later} exists (newer than v{revision.number}): --revision {later} reviews it"
        if mbox:
            notice = f"v{later} of this series is cached; this is v{revision.number} from {mbox}"
    # The cache links revisions even for --mbox input (a v2 file still finds a cached v1).
    family = series_key(cache, series, revision)
    # The command line says it when reviewtui chose another revision than the thread named;
    # an older --revision asked for by name is only flagged by review (banner, --print).
    switched = wanted is None and entry is not None and newest is not None
    if switched:
        announce(args, notice)
    return LoadedThread(series=series, revision=revision, source=source, entry=entry,
                        family=family, cache=cache, notice=notice)


def switched_notice(reviewed: int, given: int) -> str:
    """The notice when a newer cached revision is reviewed instead of the one named."""
    return f"v{reviewed} exists: reviewing v{reviewed}; --revision {given} for v{given}"


def announce(args: argparse.Namespace, notice: str) -> None:
    """Say NOTICE once after the command (unless the command announces it itself)."""
    if getattr(args, "announce", True) and notice not in NOTICES:
        NOTICES.append(notice)


def _newest_cached(cache: ThreadCache, series: Series) -> CachedThread | None:
    """The cached thread of SERIES's family holding a newer revision than SERIES has, if any."""
    return newest_cached(cache, SeriesIdentity.of(series, series.latest), series.latest.number)


def newest_cached(cache: ThreadCache, ident: SeriesIdentity, latest: int) -> CachedThread | None:
    """The cached thread of the family of the thread IDENT describes (whose latest revision
    is LATEST) holding a newer revision, if any."""
    best, newest = latest, None
    for member in family_of(cache, ident).threads:
        number = subject_revision(member.subject)
        if number > best and member.msgid not in ident.msgids:
            best, newest = number, member
    return newest


def _other_revision(cache: ThreadCache, series: Series, wanted: int) -> CachedThread:
    """The cached thread of the same series family that holds revision WANTED."""
    family = find_family(cache, series, series.latest)
    for member in family.threads:
        if subject_revision(member.subject) == wanted:
            return member
    have = sorted({subject_revision(t.subject) for t in family.threads} | set(series.revisions))
    raise UsageError(f"revision v{wanted} of this series is not cached (have: "
                     f"{', '.join(f'v{n}' for n in have)}); fetch it first")


PIPED_WIDTH = 200


def output_console() -> Console:
    """A Rich console for command output: the terminal's width, or when stdout is a pipe or a
    file, COLUMNS or a wide page, so identifiers are never folded at 80 columns."""
    from rich.console import Console

    if sys.stdout.isatty() or "COLUMNS" in os.environ:
        return Console(highlight=False)
    return Console(highlight=False, width=PIPED_WIDTH)


def command_limits(timeout_flag: str | None) -> NetLimits:
    """One deadline (--timeout / REVIEWTUI_TIMEOUT) and size limit for a whole command."""
    from reviewtui.lore.http import NetLimits

    return NetLimits.start(config.network_timeout(timeout_flag), config.max_fetch_bytes())


def stderr_progress():
    """A progress callback writing one line per step to stderr."""
    def say(text: str) -> None:
        print(f"reviewtui: {one_line(text)}", file=sys.stderr, flush=True)
    return say


def shown(text: object, *, lines: bool = False) -> str:
    """Mail text inside Rich markup: markup escaped, controls and bidi shown as tokens.

    Rich's escape() alone lets ESC through: an OSC 52 sequence in a subject would write the
    reader's clipboard. LINES keeps line breaks (notes); otherwise the text is one line.
    """
    from rich.markup import escape

    return escape(clean(str(text)) if lines else clean_line(str(text)))


def catalogue_path(args: argparse.Namespace) -> Path | None:
    """The --catalogue file, if one was given."""
    value = getattr(args, "catalogue", None)
    return Path(value) if value else None


def add_command(subparsers, name: str, help_text: str, description: str | None = None):
    """Create a subcommand parser that also accepts the global options."""
    parser = subparsers.add_parser(name, help=help_text, description=description or help_text)
    add_global_options(parser, suppress=True)
    return parser
