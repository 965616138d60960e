"""The one module that changes stock: reserve, release.

Every caller locks the same rows the same way: variants in primary-key
order, so two buyers never deadlock. Reserving takes the units off
`Variant.stock_quantity` at once (what is left to sell); releasing puts
them back. A reservation is kept by the order that holds it (see
orders.services): paying turns it into a sale, expiry or cancellation
releases it.

Reserving says what it took per variant: nothing from a variant that does
not track stock. The order keeps that (`OrderLine.stock_taken`) and gives
back exactly that, so a merchant turning tracking on or off between the
order and its cancellation never makes stock appear or disappear.

Lock order, the same for every writer: checkout, cart, variants (id
order), the cart's lines, the store's order-number row (a merchant's edit
removing a variant locks it before deleting its cart lines, so a
placement empties the cart only once it holds the variants). The variant
locks are FOR NO KEY UPDATE: they keep other writers of the row out but,
unlike FOR UPDATE, do not block inserting rows that reference it (a cart
line being added for a variant while its stock is reserved).

OWNER: helper "orders". Contract below is fixed; bodies are filled in.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING

from django.db import transaction

from shopwright.catalog.cache import catalog_changed
from shopwright.catalog.display import stock_label, stock_state
from shopwright.catalog.models import Variant
from shopwright.core.exceptions import ApplicationError
from shopwright.core.row_amounts import row_amounts_add

if TYPE_CHECKING:
    from shopwright.stores.models import Store


class InsufficientStock(ApplicationError):
    """Some variants have fewer units left than asked; `shortfalls` maps variant id -> units left (>= 0).

    Every shortfall is collected before raising, so the buyer sees all of them at once.
    A conflict with the stock as it is now (409, like orders.services.CheckoutChanged),
    not a bad request: the same request may succeed once the stock is back.
    """

    status_code = 409

    def __init__(self, shortfalls: Mapping[int, int]):
        self.shortfalls = dict(shortfalls)
        super().__init__("Some items are no longer available in the quantity you asked for.", code="insufficient_stock")


def _checked(quantities: Mapping[int, int]) -> dict[int, int]:
    """The quantities as plain ints, refusing what no caller should send (a bug, not a buyer's input)."""
    checked: dict[int, int] = {}
    for variant_id, units in quantities.items():
        if isinstance(units, bool) or not isinstance(units, int) or units <= 0:
            raise ApplicationError("Quantities must be whole numbers above zero.", code="invalid_quantity")
        checked[int(variant_id)] = units
    return checked


def _locked(*, store: Store, ids: list[int]) -> dict[int, tuple[int, bool, bool]]:
    """Lock the variants (id order) and read them: id -> (stock_quantity, track_stock, continue_selling).

    On PostgreSQL this is the row lock (FOR NO KEY UPDATE), taken in primary-key
    order so two buyers of the same variants queue instead of deadlocking. SQLite
    ignores it; there the IMMEDIATE transaction already holds the write lock.
    """
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        # Outside a transaction the lock would end with the read and the check below would mean nothing.
        raise RuntimeError("catalog.stock must run inside transaction.atomic()")
    if connection.vendor == "postgresql":
        sql, params = _LOCKED_SQL_POSTGRESQL, [store.pk, list(ids)]
    else:
        sql, params = _LOCKED_SQL_SQLITE, [store.pk, json.dumps(ids)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    # SQLite gives its booleans as 0 and 1.
    return {pk: (stock, bool(track), bool(keep_selling)) for pk, stock, track, keep_selling in rows}


# The locking read, written out: the keys travel as one parameter, so the text is the same for any number of
# variants (PostgreSQL keeps it prepared) and the ORM builds nothing (about 0.3 ms of CPU per reservation).
_LOCKED_SQL_POSTGRESQL = """
    SELECT id, stock_quantity, track_stock, continue_selling FROM catalog_variant
    WHERE store_id = %s AND id = ANY(%s::bigint[])
    ORDER BY id
    FOR NO KEY UPDATE
"""
_LOCKED_SQL_SQLITE = """
    SELECT id, stock_quantity, track_stock, continue_selling FROM catalog_variant
    WHERE store_id = %s AND id IN (SELECT value FROM json_each(%s))
    ORDER BY id
"""


def _shown(stock: int, track: bool, keep_selling: bool) -> str:
    # What a cached catalog page says about the variant ("In stock", "Only 3 left", "Out of stock").
    return stock_label(stock_state(track_stock=track, continue_selling=keep_selling, stock_quantity=stock), stock)


def _write(*, store: Store, found: dict[int, tuple[int, bool, bool]], change: dict[int, int]) -> None:
    """Apply `change` (variant id -> signed units) to the variants among `found`, in one UPDATE.

    Each variant that must not go below zero is guarded (core.row_amounts: it
    is changed only if its stock stays at zero or above), so even a caller that
    skipped the lock could not oversell: it would update fewer rows, and fail. The check
    constraint `variant_stock_not_oversold` stands behind both.
    """
    change = {pk: units for pk, units in change.items() if pk in found and units}
    if not change:
        return
    guarded = {pk for pk, units in change.items() if units < 0 and found[pk][1] and not found[pk][2]}
    updated = row_amounts_add(Variant, "stock_quantity", store_id=store.pk, amounts=change, guarded=guarded)
    if updated != len(change):
        # Only possible when a row changed between the locked read and this write (no lock held).
        raise InsufficientStock({pk: max(found[pk][0], 0) for pk in change})
    # Cached catalog pages show a variant's stock state: refresh them only when what they say changes,
    # so a busy store's pages stay cached while its stock merely counts down.
    if any(
        _shown(found[pk][0], found[pk][1], found[pk][2]) != _shown(found[pk][0] + units, found[pk][1], found[pk][2])
        for pk, units in change.items()
    ):
        catalog_changed(store.pk)


def stock_reserve(*, store: Store, quantities: Mapping[int, int]) -> dict[int, int]:
    """Take `quantities` (variant id -> units > 0) off the store's variants' stock; returns what was taken.

    The answer maps each variant id to the units taken off its stock: all of
    them for a variant that tracks stock, 0 for one that does not (its stock
    is left alone). The caller keeps it and releases exactly that.

    Must run inside `transaction.atomic()`: it locks the variant rows (in id
    order) until the caller commits. Variants that do not track stock, or
    may be sold past zero, are never short. Raises InsufficientStock and
    changes nothing when any variant is short (or unknown / another store's).
    Two statements whatever the number of variants: the locking read, one UPDATE.
    """
    wanted = _checked(quantities)
    if not wanted:
        return {}
    found = _locked(store=store, ids=sorted(wanted))
    shortfalls: dict[int, int] = {}
    for pk, units in wanted.items():
        row = found.get(pk)
        if row is None:
            shortfalls[pk] = 0
            continue
        stock, track, keep_selling = row
        if track and not keep_selling and stock < units:
            shortfalls[pk] = max(stock, 0)
    if shortfalls:
        raise InsufficientStock(shortfalls)
    taken = {pk: units if found[pk][1] else 0 for pk, units in wanted.items()}
    _write(store=store, found=found, change={pk: -units for pk, units in taken.items()})
    return taken


def stock_release(*, store: Store, quantities: Mapping[int, int]) -> None:
    """Put back `quantities` (variant id -> units > 0) that `stock_reserve` took (an expired or cancelled order).

    Pass what the reservation took, not what was ordered: the units go back
    whether or not the variant tracks stock now, so turning tracking off and
    on again finds the count it left. Must run inside `transaction.atomic()`.
    Variants deleted since are skipped.
    """
    given = _checked(quantities)
    if not given:
        return
    found = _locked(store=store, ids=sorted(given))
    _write(store=store, found=found, change=given)
