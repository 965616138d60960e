"""Login throttling per account and per client IP, with growing lock-outs.

After `account_failures` failed attempts on one account (or `ip_failures`
from one IP) further attempts are refused for `first_lockout_seconds`; every
further lock-out doubles the time, up to `max_lockout_seconds`. A success
clears the account's record. The same answer is given whether or not the
account exists, so the throttle cannot be used to find accounts.

State lives in the `LoginThrottle` table under keyed hashes (no email or IP
is stored) and is changed under a row lock: counting is exact across every
web worker and every parallel attempt, on SQLite and PostgreSQL alike, with
or without Redis.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import math

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from shopwright.core import crypto
from shopwright.core.exceptions import RateLimited
from shopwright.core.models import LoginThrottle


def _config() -> dict[str, int]:
    return settings.LOGIN_THROTTLE


def _now() -> datetime.datetime:
    return timezone.now()


def _digest(value: str) -> str:
    """A keyed hash that names a subject without storing it.

    Keyed by SECRET_KEY, not by the data keys: putting a new data key in
    front must not wipe every lock-out.
    """
    key = hashlib.sha256(b"shopwright-throttle:" + settings.SECRET_KEY.encode()).digest()
    return hmac.new(key, crypto.normalise(value).encode(), hashlib.sha256).hexdigest()


def _subjects(scope: str, identifier: str, ip: str) -> list[tuple[str, int]]:
    """The two throttled subjects of an attempt, with their failure limits.

    The IP counter is platform-wide: one address failing at many stores is
    one attacker, not many.
    """
    cfg = _config()
    return [
        (f"{scope}:acct:{_digest(identifier)}", cfg["account_failures"]),
        (f"ip:{_digest(ip)}", cfg["ip_failures"]),
    ]


def _lockout_seconds(level: int) -> int:
    cfg = _config()
    return int(min(cfg["first_lockout_seconds"] * (2**level), cfg["max_lockout_seconds"]))


def lockout_remaining(*, scope: str, identifier: str, ip: str) -> int:
    """Seconds until attempts are allowed again for this account or IP; 0 if allowed."""
    now = _now()
    keys = [key for key, _ in _subjects(scope, identifier, ip)]
    until = LoginThrottle.objects.filter(key__in=keys, locked_until__gt=now).values_list("locked_until", flat=True)
    remaining = max(((u - now).total_seconds() for u in until if u is not None), default=0.0)
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

    Every `limit`-th failure of a subject starts its next, longer lock-out.
    """
    window = datetime.timedelta(seconds=_config()["window_seconds"])
    started = False
    for key, limit in _subjects(scope, identifier, ip):
        with transaction.atomic():
            now = _now()
            row, _ = LoginThrottle.objects.select_for_update().get_or_create(
                key=key, defaults={"expires_at": now + window}
            )
            if row.expires_at <= now:  # a past window counts for nothing
                row.failures, row.level, row.locked_until = 0, 0, None
            row.failures += 1
            row.expires_at = now + window
            if row.failures % limit == 0:
                seconds = _lockout_seconds(row.level)
                row.locked_until = now + datetime.timedelta(seconds=seconds)
                row.expires_at = max(row.expires_at, row.locked_until + window)
                row.level += 1
                started = True
            row.save(update_fields=["failures", "level", "locked_until", "expires_at"])
    return started


def login_throttle_success(*, scope: str, identifier: str, ip: str) -> None:
    """A correct password clears the account's failures and lock-out history."""
    account_key, _ = _subjects(scope, identifier, ip)[0]
    LoginThrottle.objects.filter(key=account_key).delete()


def throttle_purge() -> int:
    """Delete records whose window has passed; returns how many."""
    deleted, _ = LoginThrottle.objects.filter(expires_at__lte=_now()).delete()
    return deleted


def rate_limit_hit(*, action: str, subject: str, limit: int, window_seconds: int) -> None:
    """Count one `action` by `subject` (an IP); raise RateLimited past `limit` in the window.

    For abuse limits (sign-up floods, probing which emails have accounts),
    where an approximate count is enough: a fixed window in the cache, with
    the subject under a keyed hash. An empty subject (internal callers) is
    not limited.
    """
    if not subject:
        return
    key = f"rate:{action}:{_digest(subject)}"
    cache.add(key, 0, timeout=window_seconds)
    try:
        count = cache.incr(key)
    except ValueError:  # the window ended between add and incr
        cache.set(key, 1, timeout=window_seconds)
        count = 1
    if count > limit:
        raise RateLimited("Too many attempts from your network. Please try again later.", retry_after=window_seconds)
