"""Order numbers: per store, sequential from 1001, without gaps.

The store's counter row is bumped inside the placing transaction by one
upsert (`INSERT ... ON CONFLICT DO UPDATE ... RETURNING`): the first order
of a store makes the row, every later one increments it. The row lock it
takes orders concurrent placements at one store until they commit; a
placement that rolls back gives its number back, so there is no gap.

That lock is the one every placement at a store waits for, so it is taken
as late as possible: the order is written without a number and gets it by
`order_number_assign`, the last write of the placement before the payment
attempt and the commit. On PostgreSQL the upsert and the order's UPDATE are
one statement; held for the whole placement (about ten statements, each
also waiting for its thread's turn at the GIL under load), the lock was
what the placements of a busy store spent most of their time queueing for
(docs/BENCHMARKS.md). SQLite has no data-modifying CTE, and needs none:
its writers are serialised by the immediate transaction anyway.
Needs SQLite >= 3.35 or PostgreSQL (RETURNING).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import connection, transaction

if TYPE_CHECKING:
    from shopwright.orders.models import Order

FIRST_NUMBER = 1001

_BUMP_SQL = """
    INSERT INTO orders_ordernumbersequence (store_id, last_number) VALUES (%s, %s)
    ON CONFLICT (store_id) DO UPDATE SET last_number = orders_ordernumbersequence.last_number + 1
    RETURNING last_number
"""

# The same upsert as a CTE, so PostgreSQL bumps the counter and numbers the order in one statement.
# Joined from constants only, with nothing from outside: no injection is possible, whatever S608 suspects.
_BUMP_AND_ASSIGN_SQL = (
    "WITH bumped AS ("  # noqa: S608
    + _BUMP_SQL
    + """)
    UPDATE orders_order SET number = (SELECT last_number FROM bumped)
    WHERE id = %s AND store_id = %s AND number IS NULL
    RETURNING number
"""
)

_ASSIGN_SQL = "UPDATE orders_order SET number = %s WHERE id = %s AND store_id = %s AND number IS NULL"


def order_number_assign(*, order: Order) -> int:
    """Give an order written without a number the store's next one (must run in the order's transaction).

    Sets `order.number` and returns it. The counter's row lock is held
    until the caller's transaction ends, so call this as the last write
    that other placements at the store would queue behind.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("order numbers are taken inside the order's transaction")
    if order.number is not None:
        raise RuntimeError("this order already has its number")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_BUMP_AND_ASSIGN_SQL, [order.store_id, FIRST_NUMBER, order.pk, order.store_id])
            row = cursor.fetchone()
            if row is None:
                raise RuntimeError("the order to number is not in this transaction")
            number = int(row[0])
        else:
            cursor.execute(_BUMP_SQL, [order.store_id, FIRST_NUMBER])
            number = int(cursor.fetchone()[0])
            cursor.execute(_ASSIGN_SQL, [number, order.pk, order.store_id])
            if cursor.rowcount != 1:
                raise RuntimeError("the order to number is not in this transaction")
    order.number = number
    return number
