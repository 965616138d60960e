"""The store's row as the lock that lets a store's settings writers take turns.

Some merchant writes must not run twice at once in one store (two tax rates
for one area, one area in two shipping zones, two featured collections);
they lock the store's row first. That lock is FOR NO KEY UPDATE, never FOR
UPDATE: every insert that names the store (an order, its lines, a cart, an
event) takes FOR KEY SHARE on the store's row when PostgreSQL checks its
foreign key at commit, and FOR UPDATE conflicts with that, so a merchant
saving a tax rate would hold up every buyer's commit in the store until the
merchant's transaction ended. NO KEY UPDATE keeps out the other settings
writers just the same. SQLite ignores row locks: its immediate
transactions serialise writers anyway.
"""

from __future__ import annotations

from django.db import transaction

from shopwright.stores.models import Store


def store_lock(*, store_id: int) -> bool:
    """Lock the store's row until the caller's transaction ends; False when there is no such store."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("the store's lock is taken inside the caller's transaction")
    return bool(Store.objects.select_for_update(no_key=True).filter(pk=store_id).values_list("pk", flat=True))
