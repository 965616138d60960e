"""Running the same work in two threads at once, for race tests on PostgreSQL."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection, transaction


def run_at_once(work: Callable[[int], object], *, runs: int = 2) -> dict[int, object]:
    """Call work(1) … work(runs) in parallel threads; map each n to its result or the exception it raised.

    Each thread closes its own database connection when done. The caller
    makes the threads meet (a barrier in a patched step) where the race is.
    """
    outcomes: dict[int, object] = {}

    def run(n: int) -> None:
        try:
            outcomes[n] = work(n)
        except Exception as exc:
            outcomes[n] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(1, runs + 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def while_locked(lock: Callable[[], object], insert: Callable[[], object]) -> object:
    """Run `lock` in one transaction and, while it holds its locks, `insert` in another; the insert's outcome.

    The insert gives up after 2 s of waiting for a lock (`lock_timeout`), so a lock that holds it up
    shows as an OperationalError instead of a slow pass.
    """
    locked, done = threading.Event(), threading.Event()

    def work(n: int) -> object:
        if n == 1:
            with transaction.atomic():
                lock()
                locked.set()
                done.wait(timeout=10)
            return None
        assert locked.wait(timeout=10)
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = '2s'")
                return insert()
        finally:
            done.set()

    return run_at_once(work)[2]


class Pause:
    """One thread of a race stops inside a patched function until the other is done (or `timeout` passes)."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self.reached, self.done = threading.Event(), threading.Event()
        self._marked = threading.local()

    def this_thread(self) -> None:
        """The calling thread is the one that pauses; other threads go through the function as it is."""
        self._marked.on = True

    def wait_here(self) -> None:
        if getattr(self._marked, "on", False):
            self.reached.set()
            self.done.wait(timeout=self.timeout)

    @contextlib.contextmanager
    def meanwhile(self) -> Iterator[None]:
        """In the other thread: run once the paused one has got there, then let it go on."""
        assert self.reached.wait(timeout=10), "the paused thread never got there"
        try:
            yield
        finally:
            self.done.set()


def pause_in(
    monkeypatch: pytest.MonkeyPatch, owner: object, name: str, *, timeout: float, after: bool = False
) -> Pause:
    """Patch `owner.name` so that the thread marked with `this_thread()` pauses before (or after) calling it."""
    pause = Pause(timeout)
    real = getattr(owner, name)

    def paused(*args: Any, **kwargs: Any) -> Any:
        if not after:
            pause.wait_here()
        result = real(*args, **kwargs)
        if after:
            pause.wait_here()
        return result

    monkeypatch.setattr(owner, name, paused)
    return pause
