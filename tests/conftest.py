"""Suite-wide fixtures: the tenant guard, services, and helpers for hosts and mail.

Services: PostgreSQL, Redis and Chromium tests are skipped with a reason on a
machine without them, and fail on CI (CI=true), where nothing may be skipped.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest
from django.db import connections
from django.db.backends.signals import connection_created

from shopwright.core.tenancy import TenantQueryGuard

ON_CI = os.environ.get("CI", "").lower() == "true"


def require_service(available: bool, reason: str) -> None:
    """Skip (laptop) or fail (CI) a test whose service is missing."""
    if available:
        return
    if ON_CI:
        pytest.fail(f"{reason} (required on CI)")
    pytest.skip(reason)


def pytest_collection_modifyitems(config, items):  # type: ignore[no-untyped-def]
    """Tests that ask for a service fixture carry its marker, so a run can select them."""
    for item in items:
        names = getattr(item, "fixturenames", ())
        if "postgres" in names:
            item.add_marker(pytest.mark.postgres)
        if "redis_url" in names:
            item.add_marker(pytest.mark.redis)
        if "chromium_path" in names:
            item.add_marker(pytest.mark.browser)


# --- the tenant guard -------------------------------------------------------

_guard: TenantQueryGuard | None = None


def _install_guard(connection, **kwargs) -> None:  # type: ignore[no-untyped-def]
    if _guard is not None and _guard not in connection.execute_wrappers:
        connection.execute_wrappers.append(_guard)


@pytest.fixture(scope="session", autouse=True)
def tenant_guard(django_db_setup, django_db_blocker) -> Iterator[TenantQueryGuard]:  # type: ignore[no-untyped-def]
    """Every query on a tenant table must filter by store_id, in every test."""
    global _guard
    _guard = TenantQueryGuard()
    for conn in connections.all():
        _install_guard(conn)
    connection_created.connect(_install_guard)
    yield _guard
    connection_created.disconnect(_install_guard)
    for conn in connections.all():
        if _guard in conn.execute_wrappers:
            conn.execute_wrappers.remove(_guard)
    _guard = None


# --- settings for every test -------------------------------------------------


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["tests.hashers.FastArgon2PasswordHasher"]
    settings.MEDIA_ROOT = str(tmp_path / "media")
    # Data exports (and the residue scan that reads them) stay within the test.
    settings.PRIVATE_EXPORT_ROOT = str(tmp_path / "exports")
    settings.PLATFORM_DOMAIN = "localhost"
    settings.PLATFORM_URL = "http://localhost:8000"
    # Sessions in the database on every run, so query budgets do not depend on
    # whether REDIS_URL moved them into the (here: local-memory) cache.
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": str(tmp_path)}
    }
    from django.core.cache import cache

    cache.clear()


# --- services ----------------------------------------------------------------


def _is_postgres() -> bool:
    return connections["default"].vendor == "postgresql"


@pytest.fixture
def postgres() -> None:
    require_service(_is_postgres(), "needs PostgreSQL: set DATABASE_URL=postgres://...")


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("REDIS_URL", "")
    require_service(bool(url), "needs Redis: set REDIS_URL=redis://127.0.0.1:6379/0")
    return url


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    require_service(os.path.exists(path), "needs Chromium: apt-get install chromium")
    return path
