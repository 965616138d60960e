"""Order numbers: per store, sequential from 1001, without gaps.

The store's counter row is bumped inside the placing transaction by one
upsert (`INSERT ... ON CONFLICT DO UPDATE ... RETURNING`): the first order
of a store makes the row, every later one increments it. The row lock it
takes orders concurrent placements at one store until they commit; a
placement that rolls back gives its number back, so there is no gap. It is
taken last in `order_place`, so the lock is held for as little as possible.
Needs SQLite >= 3.35 or PostgreSQL (RETURNING).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import connection, transaction

if TYPE_CHECKING:
    from shopwright.stores.models import Store

FIRST_NUMBER = 1001

_NEXT_NUMBER_SQL = """
    INSERT INTO orders_ordernumbersequence (store_id, last_number) VALUES (%s, %s)
    ON CONFLICT (store_id) DO UPDATE SET last_number = orders_ordernumbersequence.last_number + 1
    RETURNING last_number
"""


def order_number_next(*, store: Store) -> int:
    """The store's next order number, held until the caller's transaction ends (must run inside one)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("order numbers are taken inside the order's transaction")
    with connection.cursor() as cursor:
        cursor.execute(_NEXT_NUMBER_SQL, [store.pk, FIRST_NUMBER])
        row = cursor.fetchone()
    return int(row[0])
