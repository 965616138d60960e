"""Shipping prices: pure functions of a method's rule, the order's subtotal and weight."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

ZERO = Decimal("0")


def area_keys(country: str, area: str) -> tuple[str, ...]:
    """The zone entries that cover a destination, most specific first: ("US-CA", "US") or ("DE",)."""
    # Upper-cased as shipping.validation stores zone and tax areas, so any case typed matches.
    country = country.strip().upper()
    area = area.strip()
    if area:
        return (f"{country}-{area.upper()}", country)
    return (country,)


def bracket_price(brackets: Sequence[dict[str, Any]], weight_grams: int) -> Decimal | None:
    """The price of the first bracket the weight fits under; None when heavier than the last one."""
    for bracket in sorted(brackets, key=lambda b: int(b["up_to_grams"])):
        if weight_grams <= int(bracket["up_to_grams"]):
            return Decimal(str(bracket["price"]))
    return None


def method_price(
    *,
    kind: str,
    price: Decimal,
    brackets: Sequence[dict[str, Any]],
    free_above: Decimal | None,
    subtotal: Decimal,
    weight_grams: int,
) -> Decimal | None:
    """What the method costs for this order; None when the method cannot carry it (too heavy).

    Free once the subtotal reaches `free_above` (when set), whatever the rule.
    """
    if kind == "weight":
        charged = bracket_price(brackets, weight_grams)
        if charged is None:
            return None
    else:
        charged = price
    if free_above is not None and subtotal >= free_above:
        return ZERO
    return charged
