"""Cart money maths: pure functions of Decimals, no queries, no rounding surprises.

Prices come from variants (at most the currency's minor-unit places); a
price times a whole quantity needs no rounding, and sums of such amounts
stay exact in Decimal. `in_minor_units` gives every amount the cart shows
the currency's places ("0.00" in USD, "0" in JPY), so an empty cart and a
full one write their amounts alike.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import get_currency_precision

from shopwright.catalog.models import MONEY_PLACES

ZERO = Decimal("0")


def currency_places(currency: str) -> int:
    """Decimal places of the currency's minor unit (0 for JPY), capped by the money columns (as catalog prices)."""
    return min(get_currency_precision(currency), MONEY_PLACES)


def in_minor_units(amount: Decimal, currency: str) -> Decimal:
    """`amount` with exactly the currency's places. Cart amounts never have more, so nothing is rounded in practice;
    should one ever have, half a minor unit goes up, as a shopper would expect."""
    return amount.quantize(Decimal(1).scaleb(-currency_places(currency)), rounding=ROUND_HALF_UP)


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
