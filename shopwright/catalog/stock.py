"""The one module that changes stock: reserve, release.

Every caller locks the same rows the same way: variants in primary-key
order, so two buyers never deadlock. Reserving takes the units off
`Variant.stock_quantity` at once (what is left to sell); releasing puts
them back. A reservation is kept by the order that holds it (see
orders.services): paying turns it into a sale, expiry or cancellation
releases it.

OWNER: helper "orders". Contract below is fixed; bodies are filled in.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from shopwright.core.exceptions import ApplicationError

if TYPE_CHECKING:
    from shopwright.stores.models import Store


class InsufficientStock(ApplicationError):
    """Some variants have fewer units left than asked; `shortfalls` maps variant id -> units left (>= 0).

    Every shortfall is collected before raising, so the buyer sees all of them at once.
    """

    def __init__(self, shortfalls: Mapping[int, int]):
        self.shortfalls = dict(shortfalls)
        super().__init__("Some items are no longer available in the quantity you asked for.", code="insufficient_stock")


def stock_reserve(*, store: Store, quantities: Mapping[int, int]) -> None:
    """Take `quantities` (variant id -> units > 0) off the store's variants' stock.

    Must run inside `transaction.atomic()`: it locks the variant rows (in id
    order) until the caller commits. Variants that do not track stock, or
    may be sold past zero, are never short. Raises InsufficientStock and
    changes nothing when any variant is short (or unknown / another store's).
    """
    raise NotImplementedError


def stock_release(*, store: Store, quantities: Mapping[int, int]) -> None:
    """Put `quantities` back on the store's variants (an expired or cancelled reservation).

    Must run inside `transaction.atomic()`. Variants deleted since are skipped.
    """
    raise NotImplementedError
