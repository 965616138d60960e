"""Cart money maths: pure functions of Decimals, no queries, no rounding surprises.

Prices come from variants (at most the currency's minor-unit places); a
price times a whole quantity needs no rounding, and sums of such amounts
stay exact in Decimal. `in_minor_units` gives every amount the cart shows
the currency's places ("0.00" in USD, "0" in JPY), so an empty cart and a
full one write their amounts alike.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from shopwright.catalog.money import currency_places, in_minor_units

__all__ = ["currency_places", "in_minor_units", "line_savings", "line_total", "subtotal"]

ZERO = Decimal("0")


def line_total(*, unit_price: Decimal, quantity: int) -> Decimal:
    if quantity < 0:
        raise ValueError("a line quantity is never negative")
    return unit_price * quantity


def line_savings(*, unit_price: Decimal, compare_at_price: Decimal | None, quantity: int) -> Decimal:
    """What the shopper saves on the line against the compare-at price; zero without a higher one."""
    if compare_at_price is None or compare_at_price <= unit_price:
        return ZERO
    return (compare_at_price - unit_price) * quantity


def subtotal(amounts: Iterable[Decimal]) -> Decimal:
    return sum(amounts, ZERO)
