"""Blocking work (b4 fetches, parsing, analysis) off the event loop, abandoned on quit.

Textual's thread workers run in asyncio's default executor, which the interpreter joins at
exit: quitting during a 30-second fetch would hang until the fetch gave up. A job here runs
in a daemon thread instead, dropped when the process exits; the cache writes atomically, so
an abandoned fetch leaves nothing half-written. A job can start before the app exists (the
CLI starts loading while Textual is still being imported) and be awaited later.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")
Progress = Callable[[str], None]


class BackgroundJob(Generic[T]):
    """FN(progress) running in a daemon thread from construction; await wait() for it."""

    def __init__(self, fn: Callable[[Progress], T], name: str = "reviewtui-job") -> None:
        self._lock = threading.Lock()
        self._steps: list[str] = []
        self._listener: Progress | None = None
        self._waiters: list[Callable[[], None]] = []
        self._done = False
        self._result: T | None = None
        self._error: BaseException | None = None
        threading.Thread(target=self._run, args=(fn,), name=name, daemon=True).start()

    def _run(self, fn: Callable[[Progress], T]) -> None:
        try:
            result, error = fn(self._progress), None
        except BaseException as exc:  # noqa: BLE001 - handed to whoever awaits the job
            result, error = None, exc
        with self._lock:
            self._result, self._error, self._done = result, error, True
            waiters, self._waiters = self._waiters, []
        for wake in waiters:
            wake()

    def _progress(self, text: str) -> None:
        with self._lock:
            self._steps.append(text)
            listener = self._listener
        if listener is not None:
            try:
                listener(text)
            except RuntimeError:  # the app's loop is gone: nobody is listening any more
                pass

    def listen(self, callback: Progress) -> None:
        """Call CALLBACK (from the job's thread) with every step, past ones first."""
        with self._lock:
            past = list(self._steps)
            self._listener = callback
        for text in past:
            callback(text)

    async def wait(self) -> T:
        """The job's result (its exception re-raised here)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()

        def settle() -> None:
            if not future.done():
                future.set_result(None)

        def wake() -> None:
            try:
                loop.call_soon_threadsafe(settle)
            except RuntimeError:  # the loop is closed: nobody is waiting any more
                pass

        with self._lock:
            if self._done:
                settle()
            else:
                self._waiters.append(wake)
        await future
        if self._error is not None:
            raise self._error
        return self._result  # type: ignore[return-value]
