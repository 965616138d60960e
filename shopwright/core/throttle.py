"""Login throttling per account and per client IP, with growing lock-outs.

After `account_failures` failed attempts on one account (or `ip_failures`
from one IP) further attempts are refused for `first_lockout_seconds`; every
further lock-out doubles the time, up to `max_lockout_seconds`. A success
clears the account's record. The same answer is given whether or not the
account exists, so the throttle cannot be used to find accounts.

Counters live in the default cache (Redis at scale, the database cache in the
embedded default) under keyed hashes: no email or IP is written to the cache.
"""

from __future__ import annotations

import math
import time

from django.conf import settings
from django.core.cache import cache

from shopwright.core.crypto import blind_index
from shopwright.core.exceptions import RateLimited


def _config() -> dict[str, int]:
    return settings.LOGIN_THROTTLE


def _subjects(scope: str, identifier: str, ip: str) -> list[tuple[str, int]]:
    """The two throttled subjects of an attempt, with their failure limits.

    The IP counter is platform-wide: one address failing at many stores is
    one attacker, not many.
    """
    cfg = _config()
    return [
        (f"throttle:{scope}:acct:{blind_index(identifier)}", cfg["account_failures"]),
        (f"throttle:ip:{blind_index(ip)}", cfg["ip_failures"]),
    ]


def _lockout_seconds(level: int) -> int:
    cfg = _config()
    return int(min(cfg["first_lockout_seconds"] * (2**level), cfg["max_lockout_seconds"]))


def lockout_remaining(*, scope: str, identifier: str, ip: str) -> int:
    """Seconds until attempts are allowed again for this account or IP; 0 if allowed."""
    now = time.time()
    remaining = 0.0
    for key, _ in _subjects(scope, identifier, ip):
        remaining = max(remaining, float(cache.get(f"{key}:until") or 0) - now)
    return max(0, math.ceil(remaining))


def login_throttle_check(*, scope: str, identifier: str, ip: str) -> None:
    """Raise RateLimited when this account or IP is locked out."""
    remaining = lockout_remaining(scope=scope, identifier=identifier, ip=ip)
    if remaining:
        minutes = max(1, math.ceil(remaining / 60))
        raise RateLimited(
            f"Too many failed sign-in attempts. Try again in {minutes} minute{'s' if minutes > 1 else ''}.",
            retry_after=remaining,
        )


def login_throttle_failure(*, scope: str, identifier: str, ip: str) -> bool:
    """Count a failed attempt; return True when it started a lock-out.

    The counter is incremented atomically (`cache.incr`, atomic on Redis), so
    parallel attempts cannot slip past the limit by racing each other: every
    `limit`-th failure starts the next, longer lock-out.
    """
    window = _config()["window_seconds"]
    started = False
    for key, limit in _subjects(scope, identifier, ip):
        cache.add(f"{key}:fails", 0, timeout=window)
        try:
            failures = cache.incr(f"{key}:fails")
        except ValueError:  # expired between add and incr
            cache.set(f"{key}:fails", 1, timeout=window)
            failures = 1
        if failures % limit == 0:
            level = int(cache.get(f"{key}:level") or 0)
            seconds = _lockout_seconds(level)
            cache.set(f"{key}:until", time.time() + seconds, timeout=seconds + window)
            cache.set(f"{key}:level", level + 1, timeout=window + seconds)
            started = True
    return started


def login_throttle_success(*, scope: str, identifier: str, ip: str) -> None:
    """A correct password clears the account's failures and lock-out history."""
    account_key, _ = _subjects(scope, identifier, ip)[0]
    cache.delete_many([f"{account_key}:fails", f"{account_key}:level", f"{account_key}:until"])
