"""The login throttle counts every failure, even when attempts arrive at once."""

import threading

from django.core.cache import cache

from shopwright.core import throttle


def test_parallel_failures_are_all_counted(settings):
    limit = settings.LOGIN_THROTTLE["account_failures"]
    barrier = threading.Barrier(4 * limit)
    started = []

    def attempt() -> None:
        barrier.wait()
        started.append(throttle.login_throttle_failure(scope="platform", identifier="race@example.com", ip="10.1.1.1"))

    threads = [threading.Thread(target=attempt) for _ in range(4 * limit)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    # Every `limit`-th failure starts a lock-out: none is lost to a race.
    assert started.count(True) == 4
    assert throttle.lockout_remaining(scope="platform", identifier="race@example.com", ip="10.9.9.9") > 0
    key = throttle._subjects("platform", "race@example.com", "10.1.1.1")[0][0]
    assert cache.get(f"{key}:level") == 4


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
