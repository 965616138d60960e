"""Running the same work in two threads at once, for race tests on PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connection


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
