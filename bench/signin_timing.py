"""How long a sign-in takes, and whether its time gives away if an account exists.

Runs merchant sign-ins against a throw-away SQLite database with the
production password hasher (Argon2id, Django's default cost) and prints the
median and p90 time of: a wrong password for an existing account, any
password for an unknown email, the right password. The first two must be
indistinguishable (the service hashes once either way).

    .venv/bin/python bench/signin_timing.py [--rounds 40]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="shopwright-bench-"))
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "shopwright.settings",
            "SHOPWRIGHT_VAR_DIR": str(workdir),
            "DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}",
        }
    )
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    settings.LOGIN_THROTTLE = {**settings.LOGIN_THROTTLE, "account_failures": 10**9, "ip_failures": 10**9}

    from shopwright.core.exceptions import AuthenticationFailed
    from shopwright.stores.services import merchant_authenticate, merchant_signup

    merchant_signup(
        email="bench@example.com",
        password="violet-harbour-lantern",
        full_name="Bench Merchant",
        phone="+44 20 7946 0958",
        country="GB",
        industry="home",
        business_scale="small",
        store_name="Bench",
        store_handle="bench",
    )

    def timed(email: str, password: str) -> float:
        start = time.perf_counter()
        with contextlib.suppress(AuthenticationFailed):
            merchant_authenticate(email=email, password=password, ip="127.0.0.1")
        return (time.perf_counter() - start) * 1000

    cases = {
        "existing account, wrong password": ("bench@example.com", "not-the-password-1"),
        "unknown email": ("nobody@example.com", "not-the-password-1"),
        "existing account, right password": ("bench@example.com", "violet-harbour-lantern"),
    }
    results: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(args.rounds):  # interleaved, so load changes hit every case alike
        for name, (email, password) in cases.items():
            results[name].append(timed(email, password))

    print(f"merchant sign-in, {args.rounds} rounds, hasher {settings.PASSWORD_HASHERS[0].rsplit('.', 1)[-1]}")
    for name, times in results.items():
        times.sort()
        p90 = times[int(len(times) * 0.9) - 1]
        print(f"  {name:36s} median {statistics.median(times):7.1f} ms   p90 {p90:7.1f} ms")
    gap = abs(
        statistics.median(results["existing account, wrong password"]) - statistics.median(results["unknown email"])
    )
    print(f"  gap between existing and unknown: {gap:.1f} ms")
    print(f"reproduce: .venv/bin/python bench/signin_timing.py --rounds {args.rounds}")


if __name__ == "__main__":
    main()
