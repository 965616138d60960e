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
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from shopwright.core.crypto import blind_index
from shopwright.core.exceptions import RateLimited


@dataclass
class _State:
    failures: int = 0
    level: int = 0
    locked_until: float = 0.0


def _config() -> dict[str, int]:
    return settings.LOGIN_THROTTLE


def _keys(scope: str, identifier: str, ip: str) -> tuple[str, str]:
    return (
        f"throttle:{scope}:acct:{blind_index(identifier)}",
        f"throttle:ip:{blind_index(ip)}",
    )


def _load(key: str) -> _State:
    raw = cache.get(key)
    return _State(**raw) if isinstance(raw, dict) else _State()


def _store(key: str, state: _State) -> None:
    cache.set(key, state.__dict__, timeout=_config()["window_seconds"])


def _lockout_seconds(level: int) -> int:
    cfg = _config()
    return int(min(cfg["first_lockout_seconds"] * (2**level), cfg["max_lockout_seconds"]))


def lockout_remaining(*, scope: str, identifier: str, ip: str) -> int:
    """Seconds until attempts are allowed again for this account or IP; 0 if allowed."""
    now = time.time()
    remaining = 0.0
    for key in _keys(scope, identifier, ip):
        remaining = max(remaining, _load(key).locked_until - now)
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
    """Count a failed attempt; return True when it started a lock-out."""
    cfg = _config()
    account_key, ip_key = _keys(scope, identifier, ip)
    started = False
    for key, limit in ((account_key, cfg["account_failures"]), (ip_key, cfg["ip_failures"])):
        state = _load(key)
        state.failures += 1
        if state.failures >= limit:
            state.locked_until = time.time() + _lockout_seconds(state.level)
            state.level += 1
            state.failures = 0
            started = True
        _store(key, state)
    return started


def login_throttle_success(*, scope: str, identifier: str, ip: str) -> None:
    account_key, _ = _keys(scope, identifier, ip)
    cache.delete(account_key)
