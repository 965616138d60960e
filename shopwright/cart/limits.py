"""How much of a variant one cart may hold: the stock cap and the platform's own bounds."""

from __future__ import annotations

from shopwright.catalog.models import Variant

# Per line: enough for any shopper, small enough that a typo (10^9) is refused, not priced.
MAX_LINE_QUANTITY = 999
# Distinct lines per cart: a bound on what one anonymous cookie can make the server store and price.
MAX_LINES = 100


def quantity_limit(variant: Variant) -> int:
    """The most of `variant` a cart may hold now (0 when it is sold out).

    Stock caps the line only when it is tracked and overselling is off;
    otherwise the platform bound applies.
    """
    if variant.track_stock and not variant.continue_selling:
        return max(0, min(variant.stock_quantity, MAX_LINE_QUANTITY))
    return MAX_LINE_QUANTITY


def stock_bound(variant: Variant) -> bool:
    """Whether `quantity_limit` is the stock left (rather than the platform bound)."""
    return variant.track_stock and not variant.continue_selling and variant.stock_quantity < MAX_LINE_QUANTITY
