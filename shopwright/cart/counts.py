"""The header count of a signed-in customer's cart, kept in the shared cache.

The entry is keyed by store and customer: a customer has exactly one cart per
store, so every device and session of theirs reads the same entry, and a
write made on one shows on the next page of another. (A count kept in the
session went stale on every other device until its cart page was opened.)

Every cart write stores the count it computed under the cart's lock, once
its transaction commits (`count_changed`). A page render reads the entry
with one cache get; only a miss (first page, eviction, expiry) costs one
indexed query, and its answer is added without overwriting an entry that a
write stored meanwhile (`count_found`).

The count leaves out products no longer published; a catalog change does not
rewrite every customer's entry, so the entry expires after COUNT_TIMEOUT, and
the cart page (which prices the cart anyway) rewrites it on every view.
"""

from __future__ import annotations

from django.core.cache import cache
from django.db import transaction

# How long a count may lag a catalog change (a product withdrawn from sale) that no cart write followed.
COUNT_TIMEOUT = 15 * 60


def _key(store_id: int, customer_id: int) -> str:
    return f"cart-count:{store_id}:customer:{customer_id}"


def cached_count(*, store_id: int, customer_id: int) -> int | None:
    """The kept count, or None when there is none (the caller counts and calls `count_found`)."""
    value = cache.get(_key(store_id, customer_id))
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def count_found(*, store_id: int, customer_id: int, count: int) -> None:
    """Keep a count read outside any cart write, unless a write has stored a newer one since the miss."""
    cache.add(_key(store_id, customer_id), count, COUNT_TIMEOUT)


def count_now(*, store_id: int, customer_id: int, count: int) -> None:
    """Keep a count known to be current (the cart page has just priced the cart)."""
    cache.set(_key(store_id, customer_id), count, COUNT_TIMEOUT)


def count_changed(*, store_id: int, customer_id: int, count: int) -> None:
    """Keep the count a cart write computed, once its transaction commits (a rolled-back write keeps nothing)."""
    transaction.on_commit(lambda: count_now(store_id=store_id, customer_id=customer_id, count=count))
