"""How much of a variant one cart may hold: the stock cap and the platform's own bounds."""

from __future__ import annotations

from typing import NamedTuple, Protocol

# Per line: enough for any shopper, small enough that a typo (10^9) is refused, not priced.
MAX_LINE_QUANTITY = 999
# Distinct lines per cart: a bound on what one anonymous cookie can make the server store and price.
MAX_LINES = 100


class StockFields(Protocol):
    """What the rule reads of a variant: a `catalog.models.Variant`, or a `StockRule` from a row."""

    @property
    def stock_quantity(self) -> int: ...
    @property
    def track_stock(self) -> bool: ...
    @property
    def continue_selling(self) -> bool: ...


class StockRule(NamedTuple):
    """A variant's stock fields as a hand-written read returns them: no model instance to build."""

    stock_quantity: int
    track_stock: bool
    continue_selling: bool


def quantity_limit(variant: StockFields) -> int:
    """The most of `variant` a cart may hold now (0 when it is sold out).

    Stock caps the line only when it is tracked and overselling is off;
    otherwise the platform bound applies.
    """
    if variant.track_stock and not variant.continue_selling:
        return max(0, min(variant.stock_quantity, MAX_LINE_QUANTITY))
    return MAX_LINE_QUANTITY


def stock_bound(variant: StockFields) -> bool:
    """Whether `quantity_limit` is the stock left (rather than the platform bound)."""
    return variant.track_stock and not variant.continue_selling and variant.stock_quantity < MAX_LINE_QUANTITY
