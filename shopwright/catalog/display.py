"""How catalog values read on the storefront: money in the store's currency and a variant's stock state.

Pure functions of their arguments (no queries), shared by the pages and the
storefront API so both say the same thing.
"""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_currency
from django.utils import translation

# At or below this many units left (and above zero), a tracked variant says "Only N left".
LOW_STOCK_THRESHOLD = 5

IN_STOCK = "in_stock"
LOW_STOCK = "low_stock"
OUT_OF_STOCK = "out_of_stock"


def current_locale() -> str:
    """The Babel locale of the active language ("zh-hans" → "zh_Hans"), English by default."""
    return translation.to_locale(translation.get_language() or "en")


def format_money(amount: Decimal, currency: str, *, locale: str | None = None) -> str:
    """`amount` in `currency` as the visitor's locale writes it: "$19.99", "€19.99", "JP¥1,200"."""
    return format_currency(amount, currency, locale=locale or current_locale())


def stock_state(*, track_stock: bool, continue_selling: bool, stock_quantity: int) -> str:
    """IN_STOCK, LOW_STOCK or OUT_OF_STOCK, as a shopper should see the variant."""
    if not track_stock or continue_selling:
        return IN_STOCK
    if stock_quantity <= 0:
        return OUT_OF_STOCK
    if stock_quantity <= LOW_STOCK_THRESHOLD:
        return LOW_STOCK
    return IN_STOCK


def stock_label(state: str, stock_quantity: int) -> str:
    if state == OUT_OF_STOCK:
        return "Out of stock"
    if state == LOW_STOCK:
        return f"Only {stock_quantity} left"
    return "In stock"


def is_discounted(price: Decimal, compare_at_price: Decimal | None) -> bool:
    """A compare-at price is shown (struck through) only when it is above the price."""
    return compare_at_price is not None and compare_at_price > price
