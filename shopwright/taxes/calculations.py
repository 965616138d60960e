"""Tax arithmetic: pure functions of Decimals, no database."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal("0")
HUNDRED = Decimal("100")


@dataclass(frozen=True)
class TaxResult:
    # The tax inside (prices include tax) or on top of (they do not) each line amount, in order.
    line_taxes: list[Decimal]
    shipping_tax: Decimal
    # What the tax was charged on: net amounts (inclusive prices have their tax taken out).
    taxable_amount: Decimal
    tax_total: Decimal


def tax_of(amount: Decimal, *, rate: Decimal, prices_include_tax: bool, places: int) -> Decimal:
    """The tax in (inclusive) or on (exclusive) `amount` at `rate` percent, rounded half-up to `places`."""
    if rate == 0 or amount == 0:
        return Decimal(0).scaleb(-places)
    if prices_include_tax:
        raw = amount - amount * HUNDRED / (HUNDRED + rate)
    else:
        raw = amount * rate / HUNDRED
    return raw.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def taxes_for(
    *,
    line_amounts: list[Decimal],
    shipping: Decimal,
    rate: Decimal,
    applies_to_shipping: bool,
    prices_include_tax: bool,
    places: int,
) -> TaxResult:
    """Tax of each line and of shipping at `rate` percent, rounded half-up to `places` per line.

    Inclusive: tax = amount - amount / (1 + rate/100). Exclusive: tax = amount * rate/100.
    tax_total is the sum of the rounded parts, so lines always add up to the total.
    """
    if rate < 0 or rate > HUNDRED:
        raise ValueError("a tax rate is a percentage between 0 and 100")
    line_taxes = [
        tax_of(amount, rate=rate, prices_include_tax=prices_include_tax, places=places) for amount in line_amounts
    ]
    shipping_tax = (
        tax_of(shipping, rate=rate, prices_include_tax=prices_include_tax, places=places)
        if applies_to_shipping
        else Decimal(0).scaleb(-places)
    )
    gross = sum(line_amounts, ZERO) + (shipping if applies_to_shipping else ZERO)
    tax_total = sum(line_taxes, ZERO) + shipping_tax
    taxable = gross - tax_total if prices_include_tax else gross
    return TaxResult(line_taxes=line_taxes, shipping_tax=shipping_tax, taxable_amount=taxable, tax_total=tax_total)
