"""Shipping prices as pure functions: which zone entries cover an address, bracket and method prices."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from shopwright.shipping.rates import area_keys, bracket_price, method_price

BRACKETS = [{"up_to_grams": 500, "price": "5.00"}, {"up_to_grams": 2000, "price": "9.50"}]


def test_a_region_is_looked_up_before_its_country() -> None:
    assert area_keys("us", "ca") == ("US-CA", "US")
    assert area_keys("DE", "") == ("DE",)
    assert area_keys(" ie ", " Co. Cork ") == ("IE-CO. CORK", "IE")  # as shipping.validation stores it
    assert area_keys("DE", "  ") == ("DE",)


def test_a_bracket_covers_weights_up_to_and_including_its_limit() -> None:
    assert bracket_price(BRACKETS, 0) == Decimal("5.00")
    assert bracket_price(BRACKETS, 500) == Decimal("5.00")
    assert bracket_price(BRACKETS, 501) == Decimal("9.50")
    assert bracket_price(BRACKETS, 2000) == Decimal("9.50")
    assert bracket_price(BRACKETS, 2001) is None  # heavier than the last bracket


def test_brackets_are_read_by_weight_whatever_their_order() -> None:
    assert bracket_price(list(reversed(BRACKETS)), 400) == Decimal("5.00")


_prices = st.decimals(min_value=0, max_value=1000, places=2, allow_nan=False, allow_infinity=False)


@st.composite
def _brackets(draw: st.DrawFn) -> list[dict[str, object]]:
    limits = sorted(draw(st.sets(st.integers(min_value=1, max_value=100_000), min_size=1, max_size=8)))
    prices = sorted(draw(st.lists(_prices, min_size=len(limits), max_size=len(limits))))
    return [{"up_to_grams": g, "price": str(p)} for g, p in zip(limits, prices, strict=True)]


@given(
    brackets=_brackets(), a=st.integers(min_value=0, max_value=120_000), b=st.integers(min_value=0, max_value=120_000)
)
def test_a_heavier_parcel_never_costs_less(brackets, a, b) -> None:
    light, heavy = sorted((a, b))
    light_price, heavy_price = bracket_price(brackets, light), bracket_price(brackets, heavy)
    if heavy_price is not None:
        assert light_price is not None and light_price <= heavy_price
    if light_price is None:
        assert heavy_price is None  # too heavy stays too heavy
    last = max(int(x["up_to_grams"]) for x in brackets)
    assert (bracket_price(brackets, heavy) is None) == (heavy > last)


def _price(**overrides: object) -> Decimal | None:
    fields: dict[str, object] = {
        "kind": "flat",
        "price": Decimal("4.90"),
        "brackets": BRACKETS,
        "free_above": None,
        "subtotal": Decimal("10.00"),
        "weight_grams": 300,
    }
    fields.update(overrides)
    return method_price(**fields)  # type: ignore[arg-type]


def test_a_flat_method_costs_its_price_whatever_the_weight() -> None:
    assert _price() == Decimal("4.90")
    assert _price(weight_grams=1_000_000) == Decimal("4.90")


def test_a_weight_method_costs_its_bracket_and_refuses_a_parcel_too_heavy() -> None:
    assert _price(kind="weight", weight_grams=300) == Decimal("5.00")
    assert _price(kind="weight", weight_grams=1500) == Decimal("9.50")
    assert _price(kind="weight", weight_grams=2001) is None
    assert _price(kind="weight", brackets=[]) is None


def test_shipping_is_free_from_the_free_above_amount_on() -> None:
    assert _price(free_above=Decimal("75.00"), subtotal=Decimal("74.99")) == Decimal("4.90")
    assert _price(free_above=Decimal("75.00"), subtotal=Decimal("75.00")) == 0
    assert _price(kind="weight", free_above=Decimal("75.00"), subtotal=Decimal("80.00")) == 0
    # Free shipping does not make a carrier take a parcel it cannot carry.
    assert _price(kind="weight", free_above=Decimal("75.00"), subtotal=Decimal("80.00"), weight_grams=9999) is None
