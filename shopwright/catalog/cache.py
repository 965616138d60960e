"""Per-store catalog version, the key of every cached catalog page or fragment.

Every catalog write bumps its store's version after commit, so cached
renderings of that store become unreachable at once and other stores'
caches are untouched. Cache keys are built with `catalog_cache_key`, which
always includes the store id and its current version.
"""

from __future__ import annotations

import time

from django.core.cache import cache
from django.db import transaction

_VERSION_KEY = "catalog-version:{store_id}"
# Versions live a long time; if one is evicted, a new one is made from the clock,
# which is never equal to an older one, so no stale entry can come back.
_VERSION_TIMEOUT = 60 * 60 * 24 * 30


def catalog_version(store_id: int) -> int:
    key = _VERSION_KEY.format(store_id=store_id)
    version = cache.get(key)
    if version is None:
        version = time.time_ns()
        cache.add(key, version, _VERSION_TIMEOUT)
        version = cache.get(key, version)
    return int(version)


def catalog_changed(store_id: int) -> None:
    """Invalidate every cached catalog rendering of the store, once the current transaction commits."""

    def bump() -> None:
        cache.set(_VERSION_KEY.format(store_id=store_id), time.time_ns(), _VERSION_TIMEOUT)

    transaction.on_commit(bump)


def catalog_cache_key(store_id: int, *parts: object) -> str:
    """A cache key for a rendering of the store's catalog, valid until the catalog changes."""
    suffix = ":".join(str(p) for p in parts)
    return f"catalog:{store_id}:{catalog_version(store_id)}:{suffix}"
