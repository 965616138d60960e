"""A currency's minor unit: how many decimal places its amounts have here.

Babel knows each currency's places (2 for EUR, 0 for JPY); the money columns
hold at most `MONEY_PLACES`, which caps it. Prices are checked against it and
every amount a page or the API shows is written with exactly that many places.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import get_currency_precision

from shopwright.catalog.models import MONEY_PLACES


def currency_places(currency: str) -> int:
    return min(get_currency_precision(currency), MONEY_PLACES)


def in_minor_units(amount: Decimal, currency: str) -> Decimal:
    """`amount` with exactly the currency's places ("0.00" in USD, "2400" in JPY).

    Stored prices never have more places, so nothing is rounded in practice;
    should an amount ever have, half a minor unit goes up, as a shopper expects.
    """
    return amount.quantize(Decimal(1).scaleb(-currency_places(currency)), rounding=ROUND_HALF_UP)
