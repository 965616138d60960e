"""Tax arithmetic: every line's tax rounds to the nearest minor unit and the parts add up to the total."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shopwright.taxes.calculations import tax_of, taxes_for

_rates = st.decimals(min_value=0, max_value=100, places=4, allow_nan=False, allow_infinity=False)
_places = st.sampled_from([0, 2])


@st.composite
def _amounts(draw: st.DrawFn, places: int) -> list[Decimal]:
    values = draw(st.lists(st.integers(min_value=0, max_value=10**9), min_size=0, max_size=20))
    return [Decimal(v).scaleb(-places) for v in values]


@st.composite
def _orders(draw: st.DrawFn) -> tuple[int, list[Decimal], Decimal, Decimal, bool]:
    places = draw(_places)
    lines = draw(_amounts(places))
    shipping = Decimal(draw(st.integers(min_value=0, max_value=10**6))).scaleb(-places)
    return places, lines, shipping, draw(_rates), draw(st.booleans())


@given(order=_orders())
def test_inclusive_prices_split_into_net_and_tax_that_add_back_up(order) -> None:
    places, lines, shipping, rate, on_shipping = order
    result = taxes_for(
        line_amounts=lines,
        shipping=shipping,
        rate=rate,
        applies_to_shipping=on_shipping,
        prices_include_tax=True,
        places=places,
    )
    half_unit = Decimal(1).scaleb(-places) / 2
    for gross, tax in zip(lines, result.line_taxes, strict=True):
        net = gross - tax
        assert net + tax == gross
        assert 0 <= tax <= gross
        assert tax == tax.quantize(Decimal(1).scaleb(-places))  # whole minor units
        exact_net = gross * 100 / (100 + rate)
        assert abs(net - exact_net) <= half_unit
    charged = sum(lines, Decimal(0)) + (shipping if on_shipping else 0)
    assert result.tax_total == sum(result.line_taxes, Decimal(0)) + result.shipping_tax
    assert result.taxable_amount + result.tax_total == charged
    if not on_shipping:
        assert result.shipping_tax == 0


@given(order=_orders())
def test_exclusive_prices_get_the_rate_on_top_within_half_a_minor_unit(order) -> None:
    places, lines, shipping, rate, on_shipping = order
    result = taxes_for(
        line_amounts=lines,
        shipping=shipping,
        rate=rate,
        applies_to_shipping=on_shipping,
        prices_include_tax=False,
        places=places,
    )
    half_unit = Decimal(1).scaleb(-places) / 2
    for amount, tax in zip(lines, result.line_taxes, strict=True):
        assert abs(tax - amount * rate / 100) <= half_unit
        assert tax == tax.quantize(Decimal(1).scaleb(-places))
    if on_shipping:
        assert abs(result.shipping_tax - shipping * rate / 100) <= half_unit
    else:
        assert result.shipping_tax == 0
    assert result.tax_total == sum(result.line_taxes, Decimal(0)) + result.shipping_tax
    assert result.taxable_amount == sum(lines, Decimal(0)) + (shipping if on_shipping else 0)


def test_known_amounts() -> None:
    # 19 % German VAT inside 119.00 is 19.00; on top of 100.00 it is 19.00.
    assert tax_of(Decimal("119.00"), rate=Decimal(19), prices_include_tax=True, places=2) == Decimal("19.00")
    assert tax_of(Decimal("100.00"), rate=Decimal(19), prices_include_tax=False, places=2) == Decimal("19.00")
    # Half a cent goes up: 7.25 % of 0.50 is 0.03625.
    assert tax_of(Decimal("0.50"), rate=Decimal("7.25"), prices_include_tax=False, places=2) == Decimal("0.04")
    # Yen have no minor unit: 10 % inside 1,100 is 100.
    assert tax_of(Decimal("1100"), rate=Decimal(10), prices_include_tax=True, places=0) == Decimal("100")


def test_rounding_per_line_adds_up_to_the_total_shown() -> None:
    result = taxes_for(
        line_amounts=[Decimal("0.10")] * 3,
        shipping=Decimal("4.90"),
        rate=Decimal("19"),
        applies_to_shipping=True,
        prices_include_tax=False,
        places=2,
    )
    assert result.line_taxes == [Decimal("0.02")] * 3
    assert result.shipping_tax == Decimal("0.93")
    assert result.tax_total == Decimal("0.99")


@pytest.mark.parametrize("rate", [Decimal("-1"), Decimal("100.0001")])
def test_a_rate_outside_0_to_100_is_a_programming_error(rate) -> None:
    with pytest.raises(ValueError):
        taxes_for(
            line_amounts=[Decimal("1.00")],
            shipping=Decimal(0),
            rate=rate,
            applies_to_shipping=False,
            prices_include_tax=False,
            places=2,
        )
