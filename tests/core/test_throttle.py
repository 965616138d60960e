"""The login throttle counts every failure, even when attempts arrive at once."""

import threading
from datetime import timedelta

import pytest
from django.utils import timezone

from shopwright.core import throttle
from shopwright.core.models import LoginThrottle
from tests.concurrency import run_at_once


@pytest.mark.django_db(transaction=True)
def test_parallel_failures_are_all_counted(postgres, settings):
    limit = settings.LOGIN_THROTTLE["account_failures"]
    barrier = threading.Barrier(4 * limit, timeout=10)

    def attempt(n: int) -> bool:
        barrier.wait()
        # One account attacked from many addresses: only the account's counter can lock.
        return throttle.login_throttle_failure(scope="platform", identifier="race@example.com", ip=f"10.1.1.{n}")

    started = list(run_at_once(attempt, runs=4 * limit).values())

    # Every `limit`-th failure starts a lock-out: none is lost to a race.
    assert started.count(True) == 4
    key = throttle._subjects("platform", "race@example.com", "10.1.1.1")[0][0]
    row = LoginThrottle.objects.get(key=key)
    assert (row.failures, row.level) == (4 * limit, 4)
    assert throttle.lockout_remaining(scope="platform", identifier="race@example.com", ip="10.9.9.9") > 0


@pytest.mark.django_db
def test_a_success_clears_the_account_but_not_the_ip(settings):
    settings.LOGIN_THROTTLE = {**settings.LOGIN_THROTTLE, "account_failures": 3, "ip_failures": 4}
    for _ in range(3):
        throttle.login_throttle_failure(scope="platform", identifier="a@example.com", ip="10.2.2.2")
    assert throttle.lockout_remaining(scope="platform", identifier="a@example.com", ip="10.3.3.3") > 0
    throttle.login_throttle_success(scope="platform", identifier="a@example.com", ip="10.2.2.2")
    assert throttle.lockout_remaining(scope="platform", identifier="a@example.com", ip="10.3.3.3") == 0
    # The IP has 3 failures on record; one more from it locks the IP for every account.
    throttle.login_throttle_failure(scope="store:1", identifier="b@example.com", ip="10.2.2.2")
    assert throttle.lockout_remaining(scope="platform", identifier="c@example.com", ip="10.2.2.2") > 0


@pytest.mark.django_db
def test_records_hold_no_email_or_ip_and_are_purged_after_their_window(settings, monkeypatch):
    throttle.login_throttle_failure(scope="platform", identifier="jane@example.com", ip="198.51.100.4")
    keys = list(LoginThrottle.objects.values_list("key", flat=True))
    assert len(keys) == 2
    assert not any("jane" in k or "198.51" in k for k in keys)

    assert throttle.throttle_purge() == 0
    later = timezone.now() + timedelta(seconds=settings.LOGIN_THROTTLE["window_seconds"] + 1)
    monkeypatch.setattr(throttle, "_now", lambda: later)
    assert throttle.throttle_purge() == 2
    assert not LoginThrottle.objects.exists()


@pytest.mark.django_db
def test_failures_from_an_expired_window_do_not_count(settings, monkeypatch):
    limit = settings.LOGIN_THROTTLE["account_failures"]
    for _ in range(limit - 1):
        throttle.login_throttle_failure(scope="platform", identifier="d@example.com", ip="10.4.4.4")
    later = timezone.now() + timedelta(seconds=settings.LOGIN_THROTTLE["window_seconds"] + 1)
    monkeypatch.setattr(throttle, "_now", lambda: later)
    assert throttle.login_throttle_failure(scope="platform", identifier="d@example.com", ip="10.5.5.5") is False


@pytest.mark.django_db
def test_a_lock_out_survives_a_new_data_key(settings):
    import base64
    import os

    limit = settings.LOGIN_THROTTLE["account_failures"]
    for _ in range(limit):
        throttle.login_throttle_failure(scope="platform", identifier="kept@example.com", ip="10.6.6.6")
    settings.SHOPWRIGHT_DATA_KEYS = [base64.urlsafe_b64encode(os.urandom(32)).decode(), *settings.SHOPWRIGHT_DATA_KEYS]
    assert throttle.lockout_remaining(scope="platform", identifier="kept@example.com", ip="10.7.7.7") > 0


def test_sign_up_limits_count_exactly_on_redis_under_parallel_requests(redis_url, settings):
    """On Redis (production at scale) the hourly limits count every parallel attempt."""
    from django.core.cache import caches

    from shopwright.core.exceptions import RateLimited

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}}
    caches["default"].clear()
    try:
        barrier = threading.Barrier(20)
        refused = []

        def attempt() -> None:
            barrier.wait()
            try:
                throttle.rate_limit_hit(action="signup-test", subject="203.0.113.9", limit=10, window_seconds=60)
            except RateLimited:
                refused.append(True)

        threads = [threading.Thread(target=attempt) for _ in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(refused) == 10
    finally:
        caches["default"].clear()
